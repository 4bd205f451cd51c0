#pragma once
// An SQLite VFS for tests that fails a chosen write: "riffle-failing" passes everything to the
// default VFS, counting writes to every file it opens (database, WAL, journal); once
// `failAfterWrites` more writes went through, each write fails with `failWith` (SQLITE_FULL for
// a full disk, SQLITE_IOERR_WRITE for an I/O error) until the test resets it.
#include <sqlite3.h>

#include <atomic>
#include <cstring>

namespace riffle::test {

class FailingVfs {
public:
    static constexpr const char* kName = "riffle-failing";

    // Registers the VFS once (not as the default).
    static void install() {
        static bool done = [] {
            sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
            static sqlite3_vfs vfs = *real;
            vfs.zName = kName;
            vfs.szOsFile = static_cast<int>(sizeof(File)) + real->szOsFile;
            vfs.pAppData = real;
            vfs.xOpen = &open;
            sqlite3_vfs_register(&vfs, 0);
            return true;
        }();
        (void)done;
    }

    // From now on, `writes` more writes succeed and every one after fails with `code`; -1: none
    // fails.
    static void failAfter(int writes, int code = SQLITE_IOERR_WRITE) {
        failWith() = code;
        remaining() = writes;
    }
    static int failures() { return failed().load(); }

private:
    struct File {
        sqlite3_file base;
        sqlite3_file* real;  // follows this struct in the same allocation
    };

    static std::atomic<int>& remaining() {
        static std::atomic<int> n{-1};
        return n;
    }
    static std::atomic<int>& failWith() {
        static std::atomic<int> code{SQLITE_IOERR_WRITE};
        return code;
    }
    static std::atomic<int>& failed() {
        static std::atomic<int> n{0};
        return n;
    }

    static sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

    static int write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
        int left = remaining().load();
        while (left >= 0) {
            if (left == 0) {
                ++failed();
                return failWith().load();
            }
            if (remaining().compare_exchange_weak(left, left - 1)) break;
        }
        return real(f)->pMethods->xWrite(real(f), data, amount, offset);
    }

    static int open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags,
                    int* outFlags) {
        auto* file = reinterpret_cast<File*>(f);
        file->real = reinterpret_cast<sqlite3_file*>(file + 1);
        auto* realVfs = static_cast<sqlite3_vfs*>(vfs->pAppData);
        const int rc = realVfs->xOpen(realVfs, name, file->real, flags, outFlags);
        if (rc != SQLITE_OK || !file->real->pMethods) {
            f->pMethods = nullptr;
            return rc;
        }
        // The real file's methods, each passed through, but xWrite counted. One table per
        // io-methods version the real VFS uses (it is the same for every file).
        static sqlite3_io_methods methods = [&] {
            sqlite3_io_methods m = *file->real->pMethods;
            m.xClose = [](sqlite3_file* x) { return real(x)->pMethods->xClose(real(x)); };
            m.xRead = [](sqlite3_file* x, void* d, int n, sqlite3_int64 o) {
                return real(x)->pMethods->xRead(real(x), d, n, o);
            };
            m.xWrite = &write;
            m.xTruncate = [](sqlite3_file* x, sqlite3_int64 n) {
                return real(x)->pMethods->xTruncate(real(x), n);
            };
            m.xSync = [](sqlite3_file* x, int fl) { return real(x)->pMethods->xSync(real(x), fl); };
            m.xFileSize = [](sqlite3_file* x, sqlite3_int64* n) {
                return real(x)->pMethods->xFileSize(real(x), n);
            };
            m.xLock = [](sqlite3_file* x, int l) { return real(x)->pMethods->xLock(real(x), l); };
            m.xUnlock = [](sqlite3_file* x, int l) {
                return real(x)->pMethods->xUnlock(real(x), l);
            };
            m.xCheckReservedLock = [](sqlite3_file* x, int* r) {
                return real(x)->pMethods->xCheckReservedLock(real(x), r);
            };
            m.xFileControl = [](sqlite3_file* x, int op, void* a) {
                return real(x)->pMethods->xFileControl(real(x), op, a);
            };
            m.xSectorSize = [](sqlite3_file* x) { return real(x)->pMethods->xSectorSize(real(x)); };
            m.xDeviceCharacteristics = [](sqlite3_file* x) {
                return real(x)->pMethods->xDeviceCharacteristics(real(x));
            };
            if (m.iVersion >= 2) {
                m.xShmMap = [](sqlite3_file* x, int pg, int sz, int ext, void volatile** p) {
                    return real(x)->pMethods->xShmMap(real(x), pg, sz, ext, p);
                };
                m.xShmLock = [](sqlite3_file* x, int off, int n, int fl) {
                    return real(x)->pMethods->xShmLock(real(x), off, n, fl);
                };
                m.xShmBarrier = [](sqlite3_file* x) { real(x)->pMethods->xShmBarrier(real(x)); };
                m.xShmUnmap = [](sqlite3_file* x, int del) {
                    return real(x)->pMethods->xShmUnmap(real(x), del);
                };
            }
            if (m.iVersion >= 3) {
                m.xFetch = [](sqlite3_file* x, sqlite3_int64 o, int n, void** p) {
                    return real(x)->pMethods->xFetch(real(x), o, n, p);
                };
                m.xUnfetch = [](sqlite3_file* x, sqlite3_int64 o, void* p) {
                    return real(x)->pMethods->xUnfetch(real(x), o, p);
                };
            }
            return m;
        }();
        f->pMethods = &methods;
        return SQLITE_OK;
    }
};

}  // namespace riffle::test
