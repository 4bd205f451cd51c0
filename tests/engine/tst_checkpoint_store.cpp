// The checkpoint store and the state codec (issue 17): a checkpoint is written whole or not at
// all, the newest N are kept, a full disk or an I/O error at any write leaves the previous
// checkpoint readable and the file intact, a damaged state is reported and never read past its
// end, and a node's state is taken back only when its version and parameters are unchanged.
#include <QtTest/QtTest>

#include <sqlite3.h>

#include <cmath>
#include <limits>

#include "engine/checkpoint/checkpoint_store.h"
#include "engine/checkpoint/state_codec.h"
#include "tests/engine/failing_vfs.h"

using namespace riffle;
using namespace riffle::checkpoint;
using riffle::test::FailingVfs;

namespace {

// Checkpoint `id`: node `w` with two pieces of state, node `src` with one; `size` bytes of data
// in the first, with zero bytes among them.
Checkpoint makeCheckpoint(int64_t id, size_t size = 64) {
    Checkpoint c;
    c.id = id;
    c.takenAtUs = 1767225600000000 + id;
    c.planHash = "plan-" + std::to_string(id);
    std::string data(size, '\0');
    for (size_t i = 0; i < size; ++i)
        data[i] = static_cast<char>((i * 7 + static_cast<size_t>(id)) % 256);
    c.states = {{"src", "position", 1, "sig-src", "offset " + std::to_string(id)},
                {"w", "open panes", 1, "sig-w", data},
                {"w", "watermark", 1, "sig-w", std::string("\0\1", 2)}};
    return c;
}

bool sameStates(const Checkpoint& a, const Checkpoint& b) {
    if (a.id != b.id || a.takenAtUs != b.takenAtUs || a.planHash != b.planHash ||
        a.states.size() != b.states.size())
        return false;
    for (size_t i = 0; i < a.states.size(); ++i) {
        const NodeState &x = a.states[i], &y = b.states[i];
        if (x.node != y.node || x.name != y.name || x.version != y.version ||
            x.signature != y.signature || x.data != y.data)
            return false;
    }
    return true;
}

QString integrity(const QString& path) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr);
    QString result =
        sqlite3_step(st) == SQLITE_ROW
            ? QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)))
            : QString("no answer: ") + sqlite3_errmsg(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return result;
}

}  // namespace

class TstCheckpointStore : public QObject {
    Q_OBJECT
private slots:
    void valuesComeBackAsWritten() {
        StateWriter w;
        const int64_t ints[] = {0,
                                1,
                                -1,
                                63,
                                -64,
                                64,
                                std::numeric_limits<int64_t>::min(),
                                std::numeric_limits<int64_t>::max()};
        for (int64_t v : ints) w.i64(v);
        w.u64(std::numeric_limits<uint64_t>::max());
        const double doubles[] = {0.0, -0.0, 1.5, -1e300, std::numeric_limits<double>::infinity()};
        for (double v : doubles) w.f64(v);
        w.f64(std::nan(""));
        w.boolean(true);
        w.boolean(false);
        w.bytes(std::string("a\0b", 3));
        w.bytes("");
        StateReader r(w.data());
        for (int64_t v : ints) QCOMPARE(r.i64(), v);
        QCOMPARE(r.u64(), std::numeric_limits<uint64_t>::max());
        for (double v : doubles) {
            const double got = r.f64();
            QCOMPARE(got, v);
            QCOMPARE(std::signbit(got), std::signbit(v));
        }
        QVERIFY(std::isnan(r.f64()));
        QCOMPARE(r.boolean(), true);
        QCOMPARE(r.boolean(), false);
        QCOMPARE(r.bytes(), std::string("a\0b", 3));
        QCOMPARE(r.bytes(), std::string());
        QVERIFY(r.finish("the state").isOk());
    }

    // Cut at every length, a state is reported damaged, naming where it ends; never read past.
    void aDamagedStateIsReportedNotReadPast() {
        StateWriter w;
        w.i64(-123456789);
        w.bytes("window state");
        w.f64(2.5);
        const std::string whole = w.data();
        for (size_t n = 0; n < whole.size(); ++n) {
            const std::string cut = whole.substr(0, n);
            StateReader r(cut);
            r.i64();
            r.bytes();
            r.f64();
            const Status s = r.finish("the state `open panes` of window `w`");
            QVERIFY2(!s.isOk(), qPrintable(QString::number(n)));
            QVERIFY2(QString::fromStdString(s.message())
                         .startsWith("the state `open panes` of window `w` is damaged: it ends "
                                     "before byte "),
                     s.message().c_str());
        }
        const std::string longer = whole + "xy";
        StateReader extra(longer);
        extra.i64();
        extra.bytes();
        extra.f64();
        QCOMPARE(QString::fromStdString(extra.finish("the state").message()),
                 QString("the state is damaged: 2 bytes are left over after its last value"));
        // A length beyond the data fails, however large.
        StateWriter huge;
        huge.u64(std::numeric_limits<uint64_t>::max());
        StateReader r(huge.data());
        QCOMPARE(r.bytes(), std::string());
        QVERIFY(!r.ok());
    }

    void theNewestCheckpointsAreKeptWhole() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("project.checkpoints").toStdString();
        {
            auto store = CheckpointStore::open(path);
            QVERIFY2(store, store.isOk() ? "" : store.message().c_str());
            QCOMPARE((*store)->nextId().value(), int64_t{1});
            QVERIFY(!(*store)->latest().value().has_value());
            for (int64_t id = 1; id <= 5; ++id)
                QVERIFY((*store)->write(makeCheckpoint(id, 1000 * static_cast<size_t>(id)), 3));
        }
        auto store = CheckpointStore::open(path);  // as a restarted run opens it
        QVERIFY(store);
        const auto list = (*store)->list().value();
        QCOMPARE(list.size(), size_t{3});
        QCOMPARE(list[0].id, int64_t{5});
        QCOMPARE(list[2].id, int64_t{3});
        QCOMPARE(list[0].states, int64_t{3});
        QCOMPARE(list[0].bytes, makeCheckpoint(5, 5000).bytes());
        const auto latest = (*store)->latest().value();
        QVERIFY(latest.has_value());
        QVERIFY(sameStates(*latest, makeCheckpoint(5, 5000)));
        QCOMPARE((*store)->nextId().value(), int64_t{6});
        QVERIFY((*store)->clear());
        QVERIFY(!(*store)->latest().value().has_value());
        QCOMPARE(integrity(QString::fromStdString(path)), QString("ok"));
    }

    // A full disk, then an I/O error, at every write of a checkpoint in turn: the write is
    // reported with SQLite's reason, the checkpoint before stays the newest, readable and whole,
    // the file passes SQLite's integrity check, and the next write succeeds.
    void aFailedWriteKeepsThePreviousCheckpoint() {
        FailingVfs::install();
        QTemporaryDir dir;
        const std::string path = dir.filePath("project.checkpoints").toStdString();
        auto store = CheckpointStore::open(path, FailingVfs::kName);
        QVERIFY2(store, store.isOk() ? "" : store.message().c_str());
        int64_t id = 1;
        QVERIFY((*store)->write(makeCheckpoint(id, 20000)));
        int failedWrites = 0;
        for (int code : {SQLITE_FULL, SQLITE_IOERR_WRITE}) {
            for (int after = 0; after < 40; ++after) {
                FailingVfs::failAfter(after, code);
                const Status s = (*store)->write(makeCheckpoint(id + 1, 20000));
                FailingVfs::failAfter(-1);
                if (s.isOk()) {
                    ++id;  // enough writes went through: the checkpoint was written
                } else {
                    ++failedWrites;
                    const QString message = QString::fromStdString(s.message());
                    QVERIFY2(message.startsWith(QString("writing checkpoint %1").arg(id + 1)),
                             qPrintable(message));
                    QVERIFY2(message.contains(code == SQLITE_FULL ? "full" : "I/O error"),
                             qPrintable(message));
                }
                const auto latest = (*store)->latest();
                QVERIFY2(latest, latest.isOk() ? "" : latest.message().c_str());
                QVERIFY(latest.value().has_value());
                QVERIFY2(sameStates(*latest.value(), makeCheckpoint(id, 20000)),
                         qPrintable(QString("after %1 writes: checkpoint %2 is not whole")
                                        .arg(after)
                                        .arg(latest.value()->id)));
                QCOMPARE(integrity(QString::fromStdString(path)), QString("ok"));
            }
        }
        // Failures at the start and at the end of a checkpoint's writes, and writes that went
        // through after a failure.
        QVERIFY2(failedWrites >= 20 && id >= 5, qPrintable(QString::number(failedWrites)));
        qInfo("%d of 80 writes failed on purpose, %lld went through", failedWrites,
              static_cast<long long>(id - 1));
        QVERIFY(FailingVfs::failures() > 0);
        QVERIFY((*store)->write(makeCheckpoint(id + 1, 20000)));
        QCOMPARE((*store)->latest().value()->id, id + 1);
    }

    // Pieces of one node go back together or not at all; a node whose state version or
    // parameters changed, or that the checkpoint lacks, starts fresh, saying why.
    void onlyUnchangedNodesTakeTheirStateBack() {
        const Checkpoint saved = makeCheckpoint(42);
        std::vector<NodeState> expected = {{"src", "position", 1, "sig-src", ""},
                                           {"w", "open panes", 1, "sig-w", ""},
                                           {"w", "watermark", 1, "sig-w", ""}};
        StateMatch m = matchStates(saved, expected);
        QVERIFY(m.fresh.empty());
        QCOMPARE(m.restored[1]->data, saved.states[1].data);

        expected[0].signature = "sig-src-2";  // its parameters were edited
        expected[2].version = 2;              // a newer Riffle keeps it otherwise
        expected.push_back({"dedupe", "seen keys", 1, "sig-d", ""});  // a node added since
        m = matchStates(saved, expected);
        for (const NodeState* r : m.restored) QVERIFY(r == nullptr);
        QCOMPARE(m.fresh, (std::vector<std::string>{
                              "`dedupe` starts fresh: checkpoint 42 has no `seen keys` of it",
                              "`src` starts fresh: its parameters changed",
                              "`w` starts fresh: its `watermark` is version 2 now and was version "
                              "1"}));
    }

    // The writer thread writes in the order submitted and reports each; its end writes the rest.
    void theWriterWritesInOrderOffTheCaller() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.checkpoints").toStdString();
        std::vector<int64_t> done;
        std::mutex mutex;
        const auto caller = std::this_thread::get_id();
        bool elsewhere = true;
        {
            auto store = CheckpointStore::open(path);
            QVERIFY(store);
            CheckpointWriter writer(
                std::move(store.value()), 2, [&](const Checkpoint& c, const Status& s, int64_t) {
                    const int64_t id = c.id;
                    std::lock_guard<std::mutex> lock(mutex);
                    if (s.isOk()) done.push_back(id);
                    elsewhere = elsewhere && std::this_thread::get_id() != caller;
                });
            for (int64_t id = 1; id <= 6; ++id) writer.submit(makeCheckpoint(id, 4096));
        }
        QCOMPARE(done, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
        QVERIFY(elsewhere);
        auto store = CheckpointStore::open(path);
        QCOMPARE((*store)->list().value().size(), size_t{2});
        QVERIFY(sameStates(*(*store)->latest().value(), makeCheckpoint(6, 4096)));
    }
};

QTEST_GUILESS_MAIN(TstCheckpointStore)
#include "tst_checkpoint_store.moc"
