#include "engine/graph/flink_export.h"

#include <map>

#include "engine/expr/ast.h"

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

bool addedByWindow(const std::string& name) {
    return name == "window_start" || name == "window_end" || name == "window_time";
}

namespace {

std::string castType(const std::string& riffleName) {
    static const std::map<std::string, std::string> kTypes = {{"BOOL", "BOOLEAN"},
                                                              {"BOOLEAN", "BOOLEAN"},
                                                              {"INT", "BIGINT"},
                                                              {"INTEGER", "BIGINT"},
                                                              {"BIGINT", "BIGINT"},
                                                              {"TINYINT", "BIGINT"},
                                                              {"SMALLINT", "BIGINT"},
                                                              {"FLOAT", "DOUBLE"},
                                                              {"DOUBLE", "DOUBLE"},
                                                              {"REAL", "DOUBLE"},
                                                              {"STRING", "STRING"},
                                                              {"VARCHAR", "STRING"},
                                                              {"CHAR", "STRING"},
                                                              {"TIME", "TIMESTAMP(3)"},
                                                              {"TIMESTAMP", "TIMESTAMP(3)"},
                                                              {"TIMESTAMP_LTZ", "TIMESTAMP(3)"}};
    const auto it = kTypes.find(riffleName.substr(0, riffleName.find('(')));
    return it == kTypes.end() ? riffleName : it->second;
}

std::string sql(const expr::ast::Node& n) {
    using expr::ast::Kind;
    auto arg = [&](size_t i) { return sql(*n.args.at(i)); };
    auto list = [&](size_t from) {
        std::string out;
        for (size_t i = from; i < n.args.size(); ++i) out += (i > from ? ", " : "") + arg(i);
        return out;
    };
    const std::string no = n.negated ? "NOT " : "";
    switch (n.kind) {
        case Kind::Literal:
            if (n.value.type == Type::String && !n.isInterval) return literal(n.value.s);
            // Flink reads 0.5 as a DECIMAL; Riffle's is a double, and so is 0.5E0 in Flink.
            if (n.value.type == Type::Float && n.text.find_first_of("eE") == std::string::npos)
                return n.text + "E0";
            return n.text;
        case Kind::Field:
            return quote(n.name);
        case Kind::Star:
            return "*";
        case Kind::Unary:
            return n.op == "NOT" ? "NOT (" + arg(0) + ")" : n.op + "(" + arg(0) + ")";
        case Kind::Binary:
            if (n.op == "%") return "MOD(" + arg(0) + ", " + arg(1) + ")";
            return "(" + arg(0) + " " + n.op + " " + arg(1) + ")";
        case Kind::IsNull:
            return "(" + arg(0) + " IS " + no + "NULL)";
        case Kind::IsBool:
            return "(" + arg(0) + " IS " + no + n.op + ")";
        case Kind::In:
            return "(" + arg(0) + " " + no + "IN (" + list(1) + "))";
        case Kind::Between:
            return "(" + arg(0) + " " + no + "BETWEEN " + arg(1) + " AND " + arg(2) + ")";
        case Kind::Like:
            return "(" + arg(0) + " " + no + "LIKE " + arg(1) +
                   (n.args.size() > 2 ? " ESCAPE " + arg(2) : "") + ")";
        case Kind::Case: {
            std::string out = "CASE";
            size_t i = 0;
            if (n.hasOperand) out += " " + arg(i++);
            const size_t pairsEnd = n.args.size() - (n.hasElse ? 1 : 0);
            for (; i + 2 <= pairsEnd; i += 2) out += " WHEN " + arg(i) + " THEN " + arg(i + 1);
            if (n.hasElse) out += " ELSE " + arg(n.args.size() - 1);
            return out + " END";
        }
        case Kind::Cast:
            return "CAST(" + arg(0) + " AS " + castType(n.op) + ")";
        case Kind::Extract:
            return "EXTRACT(" + n.op + " FROM " + arg(0) + ")";
        case Kind::Call:
            if (n.name == "IF" && n.args.size() == 3)
                return "CASE WHEN " + arg(0) + " THEN " + arg(1) + " ELSE " + arg(2) + " END";
            if (n.name == "SUBSTRING" && n.args.size() >= 2)
                return "SUBSTRING(" + arg(0) + " FROM " + arg(1) +
                       (n.args.size() > 2 ? " FOR " + arg(2) : "") + ")";
            if (n.name == "TRIM")
                return "TRIM(" + n.op + (n.args.size() > 1 ? " " + arg(1) : "") + " FROM " +
                       arg(0) + ")";
            return n.name + "(" + (n.distinct ? "DISTINCT " : "") + list(0) + ")";
    }
    return n.text;
}

}  // namespace

Result<std::string> expression(const std::string& riffleExpression) {
    auto tree = expr::ast::parse(riffleExpression);
    if (!tree) return Result<std::string>::error(tree.message());
    return sql(*tree.value());
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
