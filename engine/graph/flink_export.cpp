#include "engine/graph/flink_export.h"

namespace riffle::flink {

std::string quote(const std::string& name) {
    std::string out = "`";
    for (char c : name) out += c == '`' ? std::string("``") : std::string(1, c);
    return out + "`";
}

std::string literal(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::string typeName(Type t) {
    switch (t) {
        case Type::Int:
            return "BIGINT";
        case Type::Float:
            return "DOUBLE";
        case Type::Bool:
            return "BOOLEAN";
        case Type::Time:
            return "TIMESTAMP(3)";
        case Type::String:
        case Type::Null:
            return "STRING";
    }
    return "STRING";
}

std::string interval(int64_t us) {
    if (us % 1'000'000 == 0) return "INTERVAL '" + std::to_string(us / 1'000'000) + "' SECOND";
    return "INTERVAL '" + std::to_string(us / 1000) + "' MILLISECOND";
}

std::string columns(const Schema& schema) {
    std::string out;
    for (const Field& f : schema.fields()) out += (out.empty() ? "" : ", ") + quote(f.name);
    return out;
}

FlinkExportPart sinkTable(const FlinkExportContext& ctx, const std::string& options,
                          const std::string& extraColumn, const std::string& extraSelect) {
    const Schema& in = *ctx.inputs.at(0).schema;
    std::string create = "CREATE TABLE " + ctx.relation + " (\n";
    for (size_t i = 0; i < in.size(); ++i)
        create += "  " + quote(in.field(i).name) + " " + flink::typeName(in.field(i).type) +
                  (i + 1 < in.size() || !extraColumn.empty() ? ",\n" : "\n");
    if (!extraColumn.empty()) create += "  " + extraColumn + "\n";
    FlinkExportPart part;
    part.statements.push_back(create + ") WITH (\n" + options + "\n)");
    part.insert = "INSERT INTO " + ctx.relation + "\n  SELECT " + columns(in) +
                  (extraSelect.empty() ? "" : ", " + extraSelect) + " FROM " +
                  ctx.inputs.at(0).relation;
    return part;
}

Result<EventTime> eventTime(const NodeConfig& c) {
    using R = Result<EventTime>;
    EventTime t;
    t.field = c.getString("time_field");
    if (t.field.empty())
        return R::error(
            "it runs on processing time (no `time_field`); Flink's results would "
            "depend on when it reads");
    const std::string format = c.getString("time_format");
    const std::string col = quote(t.field);
    std::string expr;
    if (format == "epoch_ms" || format == "epoch_s") {
        t.fieldType = "BIGINT";
        expr = "CAST(TO_TIMESTAMP_LTZ(" + col + (format == "epoch_ms" ? ", 3" : ", 0") +
               ") AS TIMESTAMP(3))";
    } else if (format == "iso8601") {
        t.fieldType = "STRING";
        expr = "CAST(REPLACE(REPLACE(" + col + ", 'T', ' '), 'Z', '') AS TIMESTAMP(3))";
    } else {
        return R::error(
            "set `time_format` to epoch_s, epoch_ms or iso8601: Flink must be told how `" +
            t.field + "` is written");
    }
    t.lines = "  `_time` AS " + expr + ",\n  WATERMARK FOR `_time` AS `_time` - " +
              interval(c.getDurationUs("max_out_of_orderness"));
    return t;
}

}  // namespace riffle::flink
