#include "widgets/inspector/function_names.h"

// The engine's compiler header has a member called slots(), which Qt defines as a macro.
#pragma push_macro("slots")
#undef slots
#include "engine/expr/compiler.h"
#pragma pop_macro("slots")

namespace riffle {

const QStringList& scalarFunctionNames() {
    static const QStringList kNames = [] {
        QStringList out;
        for (const auto& n : expr::functionNames()) out << QString::fromStdString(n);
        out.sort();
        return out;
    }();
    return kNames;
}

const QStringList& aggregateFunctionNames() {
    static const QStringList kNames{"APPROX_COUNT_DISTINCT",
                                    "AVG",
                                    "COUNT",
                                    "FIRST_VALUE",
                                    "LAST_VALUE",
                                    "MAX",
                                    "MIN",
                                    "PERCENTILE",
                                    "STDDEV",
                                    "SUM",
                                    "TOP_K"};
    return kNames;
}

}  // namespace riffle
