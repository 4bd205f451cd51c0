// sink.log: prints events as readable lines (`name=value` pairs), the first `limit` of them, and
// at the end how many were not shown.
#include <cstdio>
#include <mutex>

#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"
#include "nodes/sinks/log_output.h"

namespace riffle {

namespace {

std::mutex g_writerMutex;
LogLineWriter g_writer;

class LogSink : public Operator {
public:
    explicit LogSink(const OperatorContext& ctx)
        : m_id(ctx.config.id()), m_limit(ctx.config.getInt("limit")) {}

    void process(int, const Batch& in, Emitter&) override {
        const Schema& schema = in.schema();
        for (size_t r = 0; r < in.rows(); ++r, ++m_seen) {
            if (m_seen >= m_limit) continue;
            std::string line = "[" + m_id + "]";
            for (size_t c = 0; c < schema.size(); ++c) {
                line += ' ';
                line += schema.field(c).name;
                line += '=';
                Value v = in.get(r, c);
                line += (v.type == Type::String && !v.null) ? "'" + v.s + "'" : v.toString();
            }
            writeLogLine(line);
        }
    }

    void finish(Emitter&) override {
        if (m_seen > m_limit)
            writeLogLine("[" + m_id + "] ... " + std::to_string(m_seen - m_limit) +
                         " more events not shown (limit " + std::to_string(m_limit) + ")");
    }

private:
    std::string m_id;
    int64_t m_limit;
    int64_t m_seen = 0;
};

}  // namespace

void setLogLineWriter(LogLineWriter writer) {
    std::lock_guard lock(g_writerMutex);
    g_writer = std::move(writer);
}

void writeLogLine(const std::string& line) {
    std::lock_guard lock(g_writerMutex);
    if (g_writer) {
        g_writer(line);
        return;
    }
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void registerLogSink(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "sink.log";
    s.displayName = "Log";
    s.category = "sink";
    s.description = "Prints events as lines of name=value pairs: on the terminal when headless.";
    s.inputs = {{"in", "Events to print", false}};
    s.outputs = {};
    s.params = {
        param("limit", ParamType::Int, "How many events to print; the rest are counted")
            .byDefault(20)
            .range(0)
            .inUnit("rows"),
    };
    s.isSink = true;
    s.createOperator = [](const OperatorContext& ctx) { return std::make_unique<LogSink>(ctx); };
    s.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        FlinkExportPart part = flink::sinkTable(
            ctx, "  'connector' = 'print',\n  'print-identifier' = " + flink::literal(ctx.nodeId));
        part.notes.push_back(
            "Flink's print connector writes every row to the task manager's standard output; "
            "Riffle prints the first `limit`");
        return part;
    };
    registry.add(std::move(s));
}

}  // namespace riffle
