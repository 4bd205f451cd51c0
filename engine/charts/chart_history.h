#pragma once
// The chart history store: every final row a chart sink receives, kept in one SQLite file per
// project, so that panning a live chart back beyond its live buffer shows older data, and a
// project reopened in the studio (or run headless earlier with riffle-run) shows its last run's
// charts before Run is pressed.
//
// Layout: `runs(id, started_us, ended_us)` and `points(run, node, time_us, category, series,
// vals, cells)`, indexed by (node, time_us). The file runs in WAL mode, so the sinks of a run
// (each with its own connection) append while the studio reads. Runs that started longer ago than
// the retention (project setting `history_retention`, default 24 h) are deleted when a new run
// begins.
//
// Threading: one ChartHistory per thread; several may use one file at once.
#include <memory>
#include <string>
#include <vector>

#include "engine/charts/chart_feed.h"
#include "engine/core/status.h"
#include "engine/graph/params.h"

struct sqlite3;
struct sqlite3_stmt;

namespace riffle {

inline constexpr int64_t kDefaultHistoryRetentionUs = 24LL * 3600 * 1'000'000;

class ChartHistory {
public:
    static Result<std::unique_ptr<ChartHistory>> open(const std::string& path);
    ~ChartHistory();
    ChartHistory(const ChartHistory&) = delete;
    ChartHistory& operator=(const ChartHistory&) = delete;

    // Records a new run and deletes the runs that started before `startedUs - retentionUs`
    // (retention 0 keeps everything). Returns the run's id.
    Result<int64_t> beginRun(TimeUs startedUs, int64_t retentionUs);
    Status endRun(int64_t runId, TimeUs endedUs);
    // Appends rows of chart `node` in one transaction.
    Status append(int64_t runId, const std::string& node, const std::vector<ChartRow>& rows);
    // The rowid of the newest row append() wrote through this handle (before any, the newest
    // row of the file when it was opened): where a chart's history stands at a checkpoint.
    int64_t lastRowid() const { return m_lastRowid; }
    // Takes chart `node`'s history back to a checkpoint that stood at `afterRowid`, for a run
    // `toRun` that continues from it: its rows written after that are deleted (the run writes
    // them again), and its rows of run `fromRun` (the one that took the checkpoint) and later
    // become rows of `toRun`, so that panning back in the continuing run shows them.
    Status rollBack(const std::string& node, int64_t afterRowid, int64_t fromRun, int64_t toRun);

    // The newest run that has points for `node` (0 when none).
    int64_t lastRunWith(const std::string& node) const;
    // Rows of `node` in run `runId` (0 = any run) with fromUs <= time < toUs, oldest first; at
    // most `limit`, the newest ones when there are more.
    std::vector<ChartRow> load(const std::string& node, int64_t runId, TimeUs fromUs, TimeUs toUs,
                               size_t limit = 100'000) const;
    int64_t runCount() const;

private:
    explicit ChartHistory(sqlite3* db) : m_db(db) {}
    bool exec(const char* sql) const;
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_insert = nullptr;
    int64_t m_lastRowid = 0;
};

// Where a project's history lives: $XDG_DATA_HOME (or ~/.local/share)/Riffle/Riffle/history/
// <project file stem>-<hash of its absolute path>.sqlite, next to the studio's other data and
// out of the project's folder, so it is never committed with the project.
std::string chartHistoryPathFor(const std::string& projectPath);

// The project setting `history_retention` ("24h", "0s" = keep everything), or the default.
int64_t historyRetentionUs(const Json& settings);

}  // namespace riffle
