#pragma once
// The expression language's function names (engine/expr/compiler.h functionNames()) and its
// aggregate function names, for completion and syntax colours.
//
// Threading: any thread (the lists are built once).
#include <QStringList>

namespace riffle {

// Scalar functions, upper case, sorted.
const QStringList& scalarFunctionNames();
// COUNT, SUM, AVG, ... as window `aggregates` accept them.
const QStringList& aggregateFunctionNames();

}  // namespace riffle
