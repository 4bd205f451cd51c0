#pragma once
// Where checkpoints are kept (issue 17): one SQLite file per project, in WAL mode with
// synchronous=FULL, so that a checkpoint that was reported written survives a power cut.
//
// - A checkpoint is written whole in one transaction: its row in `checkpoints` and one row per
//   piece of node state in `states`. A crash, a full disk or an I/O error in the middle leaves
//   the file as it was before (SQLite's journal), so the previous checkpoints stay valid and the
//   file is never half written.
// - After a checkpoint is written, only the newest `keep` are kept (in the same transaction).
// - Each piece of state carries the node, the state's name and version (NodeSpec::state) and a
//   signature of what the state depends on (the node's type and parameters): recovery takes back
//   a node's state only when all three are unchanged (matchStates), so an edit elsewhere in the
//   project keeps it and an edit of the node starts that node afresh, saying why.
// - CheckpointWriter writes on a thread of its own, so that the workers that copied the state at
//   the barrier go on processing while it is written.
//
// Threading: a CheckpointStore is used by one thread at a time; CheckpointWriter's submit() may
// be called from any thread.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/status.h"

struct sqlite3;

namespace riffle::checkpoint {

struct NodeState {
    std::string node;       // node id; with source parallelism "id#2"
    std::string name;       // the StateDecl's name, e.g. "open panes"
    int version = 1;        // the StateDecl's version
    std::string signature;  // what the state depends on: equal signatures, compatible state
    std::string data;       // StateWriter's bytes
};

struct Checkpoint {
    int64_t id = 0;
    int64_t takenAtUs = 0;  // wall clock, microseconds since the epoch
    std::string planHash;   // of the whole plan, for the record
    std::vector<NodeState> states;
    int64_t bytes() const;
};

struct CheckpointSummary {
    int64_t id = 0;
    int64_t takenAtUs = 0;
    std::string planHash;
    int64_t bytes = 0;
    int64_t states = 0;
};

// Where the checkpoints of the project in `projectFile` are kept:
// $XDG_STATE_HOME/riffle/checkpoints/<name>-<hash of its absolute path>.sqlite (XDG_STATE_HOME
// defaults to ~/.local/state), so that a project folder stays free of run state.
std::string defaultStorePath(const std::string& projectFile);

class CheckpointStore {
public:
    // Opens or creates the store at `path`. `vfs` names an SQLite VFS to write through (the
    // tests inject I/O errors with one); null for SQLite's default.
    static Result<std::unique_ptr<CheckpointStore>> open(const std::string& path,
                                                         const char* vfs = nullptr);
    ~CheckpointStore();
    CheckpointStore(const CheckpointStore&) = delete;
    CheckpointStore& operator=(const CheckpointStore&) = delete;

    // Writes `c` in one transaction, then keeps only the newest `keep` checkpoints. On an error
    // nothing of `c` is kept and the checkpoints before it are as they were.
    Status write(const Checkpoint& c, int keep = 3);
    // Newest first.
    Result<std::vector<CheckpointSummary>> list() const;
    // The newest checkpoint, whole, or nullopt when there is none.
    Result<std::optional<Checkpoint>> latest() const;
    // One more than the newest checkpoint's id (1 for an empty store).
    Result<int64_t> nextId() const;
    // Removes every checkpoint (riffle-run --from-scratch, Run ▸ Reset state).
    Status clear();
    const std::string& path() const { return m_path; }

private:
    CheckpointStore(sqlite3* db, std::string path) : m_db(db), m_path(std::move(path)) {}
    Status exec(const char* sql);
    Status failure(const std::string& doing) const;
    sqlite3* m_db;
    std::string m_path;
};

// Which saved states a run takes back. `expected`: one entry per piece of state the plan's nodes
// declare (node, name, version, signature; no data). Each is restored from `saved` when a piece
// with the same node and name has the same version and signature; otherwise the node starts
// fresh and `fresh` says why ("window `w`: its parameters changed").
struct StateMatch {
    std::vector<const NodeState*> restored;  // parallel to `expected`; null: starts fresh
    std::vector<std::string> fresh;          // one line per node that starts fresh
};
StateMatch matchStates(const Checkpoint& saved, const std::vector<NodeState>& expected);

// Writes checkpoints in the order submitted, on a thread of its own, keeping the newest `keep`.
// `done(checkpoint, status, writeUs)` runs on that thread after each write, with how long it took.
// The destructor writes what was submitted and then stops.
class CheckpointWriter {
public:
    using Done = std::function<void(const Checkpoint& c, const Status& status, int64_t writeUs)>;
    CheckpointWriter(std::unique_ptr<CheckpointStore> store, int keep, Done done);
    ~CheckpointWriter();
    CheckpointWriter(const CheckpointWriter&) = delete;
    CheckpointWriter& operator=(const CheckpointWriter&) = delete;
    void submit(Checkpoint c);
    // Waits until everything submitted so far has been written (or has failed).
    void drain();

private:
    void loop();
    std::unique_ptr<CheckpointStore> m_store;
    int m_keep;
    Done m_done;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Checkpoint> m_queue;
    std::condition_variable m_idle;
    bool m_stopping = false;
    bool m_writing = false;
    std::thread m_thread;
};

}  // namespace riffle::checkpoint
