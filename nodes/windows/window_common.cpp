#include "nodes/windows/window_common.h"

#include "engine/core/time_format.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

namespace riffle::windows {

std::vector<ParamSpec> commonWindowParams() {
    return {
        param("group_by", ParamType::StringList,
              "Fields that split the stream into groups, e.g. [\"page\"]")
            .byDefault(Json::array())
            .inGroup("Window")
            .as(ParamRole::InputFields, 0),
        param("aggregates", ParamType::NamedExprList,
              "What to compute per group and window, e.g. {\"name\": \"views\", \"expr\": "
              "\"COUNT(*)\"}")
            .byDefault(Json::array({{{"name", "count"}, {"expr", "COUNT(*)"}}}))
            .inGroup("Window")
            .as(ParamRole::Aggregates, 0),
        param("allowed_lateness", ParamType::Duration,
              "How long after its end a window still takes late events and re-fires")
            .byDefault("0s")
            .durationRange("0s")
            .inGroup("Time"),
        param("emit_every", ParamType::Duration,
              "Show partial results this often (processing time); 0s = only when "
              "the window closes")
            .byDefault("0s")
            .durationRange("0s")
            .inGroup("Time"),
    };
}

WindowSettings WindowSettings::from(const NodeConfig& config) {
    WindowSettings s;
    s.groupBy = config.getStringList("group_by");
    s.aggregates = config.getNamedExprs("aggregates");
    s.allowedLatenessUs = config.getDurationUs("allowed_lateness");
    s.emitEveryUs = config.getDurationUs("emit_every");
    return s;
}

Result<SchemaPtr> windowOutputSchema(const NodeConfig& config, const Schema& input) {
    using R = Result<SchemaPtr>;
    const WindowSettings s = WindowSettings::from(config);
    auto grouped = groupedAggregateFields(s.groupBy, s.aggregates, input);
    if (!grouped) return R::error(grouped.message());
    std::vector<Field> fields = std::move(grouped.value());
    std::set<std::string> names;
    for (const Field& f : fields) names.insert(f.name);
    for (const char* reserved : {"window_start", "window_end", "final", "_time"})
        if (names.count(reserved))
            return R::error("`" + std::string(reserved) +
                            "` is a result field of every window; rename yours");
    fields.push_back({"window_start", Type::Time});
    fields.push_back({"window_end", Type::Time});
    fields.push_back({"final", Type::Bool});
    return std::make_shared<const Schema>(Schema::stream(fields));
}

Result<std::vector<SchemaPtr>> windowSchemaRule(const NodeConfig& config, const SchemaInputs& in) {
    auto out = windowOutputSchema(config, *in.schemas.at(0));
    if (!out) return Result<std::vector<SchemaPtr>>::error(out.message());
    return std::vector<SchemaPtr>{out.value(), in.schemas.at(0)};
}

Result<FlinkExportPart> windowFlinkView(const FlinkExportContext& ctx,
                                        const std::function<std::string(const std::string&)>& tvf) {
    using R = Result<FlinkExportPart>;
    const WindowSettings w = WindowSettings::from(ctx.config);
    if (w.allowedLatenessUs > 0)
        return R::error(
            "Flink's window aggregation has no allowed lateness; set "
            "`allowed_lateness` to 0s to export");
    FlinkExportPart part;
    // An input with a column the TVF adds (a window's output has window_start and window_end):
    // a view of it without those, unless the window reads them.
    std::string input = ctx.inputs.at(0).relation;
    const Schema& in = *ctx.inputs.at(0).schema;
    std::string kept;
    bool dropped = false;
    for (const Field& f : in.fields()) {
        if (!flink::addedByWindow(f.name)) {
            kept += (kept.empty() ? "" : ", ") + flink::quote(f.name);
            continue;
        }
        dropped = true;
        // Named in an aggregate as a word of its own (or in a string: refused too, to be safe).
        auto names = [&f](const std::string& expr) {
            auto ident = [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
            };
            for (size_t at = expr.find(f.name); at != std::string::npos;
                 at = expr.find(f.name, at + 1)) {
                const size_t end = at + f.name.size();
                if ((at == 0 || !ident(expr[at - 1])) && (end == expr.size() || !ident(expr[end])))
                    return true;
            }
            return false;
        };
        bool read = std::find(w.groupBy.begin(), w.groupBy.end(), f.name) != w.groupBy.end();
        for (const NamedExpr& a : w.aggregates) read |= names(a.expr);
        if (read)
            return R::error("it reads `" + f.name +
                            "`, a name Flink's window gives its own column; rename it in a "
                            "map before the window to export");
    }
    if (dropped) {
        input = flink::quote(ctx.nodeId + "__in");
        part.statements.push_back("CREATE VIEW " + input + " AS\nSELECT " + kept + "\nFROM " +
                                  ctx.inputs.at(0).relation);
    }
    if (w.emitEveryUs > 0)
        part.notes.push_back(
            "Flink emits each window once, when it closes; Riffle also emits early results "
            "every " +
            formatDuration(w.emitEveryUs) +
            " (rows with `final` false). The final rows are the same");
    std::string select = "window_time AS `_time`",
                groupBy = "window_start, window_end, window_time";
    for (const std::string& g : w.groupBy) {
        select += ", " + flink::quote(g);
        groupBy += ", " + flink::quote(g);
    }
    for (const NamedExpr& a : w.aggregates) {
        auto sql = flinkAggregate(a, part.notes);
        if (!sql) return R::error(sql.message());
        select += ", " + *sql + " AS " + flink::quote(a.name);
    }
    select += ", window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`";
    part.statements.push_back("CREATE VIEW " + ctx.relation + " AS\nSELECT " + select +
                              "\nFROM TABLE(" + tvf(input) + ")\nGROUP BY " + groupBy);
    part.notes.push_back(
        "`_time` is window_end - 1 ms in Flink (millisecond times) and "
        "window_end - 1 us in Riffle");
    return part;
}

}  // namespace riffle::windows
