#include "nodes/charts/chart_config.h"

#include <algorithm>

namespace riffle {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

bool isWindowBookkeeping(const std::string& name) {
    return name == "_time" || name == "window_start" || name == "window_end" || name == "final";
}

}  // namespace

Result<ChartConfig> resolveChartConfig(const NodeConfig& config, const Schema& input,
                                       const std::string& title) {
    using R = Result<ChartConfig>;
    ChartConfig c;
    c.nodeId = config.id();
    c.kind = config.typeId().substr(std::min(config.typeId().size(), kChartTypePrefix.size()));
    c.title = config.getString("title");
    if (c.title.empty()) c.title = title.empty() ? config.id() : title;
    c.historyUs = config.getDurationUs("history");
    auto typeOf = [&](const std::string& name) -> std::optional<Type> {
        const int i = input.indexOf(name);
        if (i < 0) return std::nullopt;
        return input.field(static_cast<size_t>(i)).type;
    };
    auto missing = [&](const std::string& param, const std::string& name) {
        std::string fields;
        for (const Field& f : input.fields()) fields += (fields.empty() ? "" : ", ") + f.name;
        return R::error("`" + param + "` field `" + name + "` is not in the input (it has " +
                        fields + ")");
    };

    c.seriesBy = config.getStringList("series_by");
    for (const std::string& s : c.seriesBy)
        if (!typeOf(s)) return missing("series_by", s);

    // x: a time field, or for a bar chart the category field.
    c.x = config.getString("x");
    c.xIsTime = c.kind != "bar";
    if (c.x.empty()) {
        if (c.xIsTime) {
            c.x = typeOf("window_start") == Type::Time ? "window_start" : "_time";
        } else {
            for (const Field& f : input.fields())
                if (f.type == Type::String && !contains(c.seriesBy, f.name)) {
                    c.x = f.name;
                    break;
                }
            if (c.x.empty())
                return R::error(
                    "a bar chart needs a category field: the input has no string field, set `x`");
        }
    } else if (auto t = typeOf(c.x); !t) {
        return missing("x", c.x);
    } else if (c.xIsTime && *t != Type::Time) {
        return R::error("`x` field `" + c.x + "` must be a time, it is " +
                        std::string(typeName(*t)));
    }

    // Series: by default the string fields (a window grouped by page draws one line per page).
    if (c.seriesBy.empty() && (c.kind == "timeseries" || c.kind == "heatmap"))
        for (const Field& f : input.fields())
            if (f.type == Type::String && f.name != c.x) c.seriesBy.push_back(f.name);

    c.y = config.getStringList("y");
    for (const std::string& y : c.y) {
        auto t = typeOf(y);
        if (!t) return missing("y", y);
        if (!isNumeric(*t))
            return R::error("`y` field `" + y + "` must be a number, it is " +
                            std::string(typeName(*t)));
    }
    if (c.y.empty() && c.kind != "table") {
        for (const Field& f : input.fields())
            if (isNumeric(f.type) && !isWindowBookkeeping(f.name) &&
                !contains(c.seriesBy, f.name)) {
                c.y.push_back(f.name);
                break;
            }
        if (c.y.empty())
            return R::error("the input has no number to draw; set `y` to a numeric field");
    }
    if (c.kind == "table")
        for (const Field& f : input.fields()) c.columns.push_back(f.name);
    c.hasFinalField = typeOf("final") == Type::Bool;
    return c;
}

std::shared_ptr<ChartHub> makeChartHub(const ValidatedGraph& graph) {
    auto hub = std::make_shared<ChartHub>();
    for (const LogicalNode& n : graph.nodes) {
        if (!n.spec->isChart() || n.inputs.schemas.empty() || !n.inputs.schemas[0]) continue;
        auto c = resolveChartConfig(n.config, *n.inputs.schemas[0], n.def->title);
        if (c) hub->add(c.value());
    }
    return hub;
}

}  // namespace riffle
