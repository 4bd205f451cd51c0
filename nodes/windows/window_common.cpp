#include "nodes/windows/window_common.h"

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

}  // namespace riffle::windows
