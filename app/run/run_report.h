#pragma once
// What riffle-run prints: the node catalog, the live progress line, periodic metrics and the
// final per-node table (README, "Running headless").
#include <mutex>
#include <string>
#include <vector>

#include "engine/graph/node_registry.h"
#include "engine/runtime/executor.h"

namespace riffle {

Json nodeCatalogJson(const NodeRegistry& registry);
std::string nodeCatalogText(const NodeRegistry& registry);
// The node reference, docs/nodes.md (a test checks that the file is up to date).
std::string nodeCatalogMarkdown(const NodeRegistry& registry);

// "1.23 M", "48.2 K", "950".
std::string humanCount(double n);
// ISO time, "end" for +infinity, "-" before the first watermark.
std::string watermarkText(int64_t wm);

// The progress line on a terminal (rewritten in place every second) and --metrics-every lines.
// printLine() is safe to call from worker threads (sink.log output).
class ProgressPrinter {
public:
    ProgressPrinter(const Executor& exec, bool tty, bool json)
        : m_exec(exec), m_tty(tty), m_json(json) {}
    void tick(int64_t elapsedNs);
    void printMetrics(int64_t elapsedNs);
    void printLine(const std::string& line);
    void clear();

private:
    int64_t sourceEvents() const;
    const Executor& m_exec;
    bool m_tty, m_json;
    std::mutex m_mutex;
    std::string m_status;  // the progress line now on screen
    int64_t m_lastTickNs = 0, m_lastEvents = 0;
    int64_t m_lastMetricsNs = 0, m_lastMetricsEvents = 0;
    double m_rate = 0;
};

Json finalReportJson(const Executor& exec, double seconds, const std::string& status,
                     const std::string& reason);
std::string finalReportTable(const Executor& exec, double seconds, const std::string& reason);

}  // namespace riffle
