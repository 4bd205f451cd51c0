#include "widgets/inspector/function_names.h"

// The engine's compiler header has a member called slots(), which Qt defines as a macro.
#pragma push_macro("slots")
#undef slots
#include "engine/expr/ast.h"
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
    static const QStringList kNames = [] {
        QStringList out;
        for (std::string_view n : expr::ast::aggregateFunctionNames())
            out << QString::fromLatin1(n.data(), static_cast<qsizetype>(n.size()));
        out.sort();
        return out;
    }();
    return kNames;
}

}  // namespace riffle
