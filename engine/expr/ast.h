#pragma once
// The parse tree of Riffle's expression language (docs/expressions.md) and the parser that
// builds it.
//
// The parser knows only syntax: it accepts scalar expressions and aggregate calls alike
// (`SUM(amount * 1.2)`, `COUNT(*)`, `COUNT(DISTINCT x)`, `PERCENTILE(x, 0.99)`), so that a window
// node can parse its aggregates here, check the call itself and compile each argument with
// compile(const ast::Node&, const Schema&). Names and types are checked by the compiler.
//
// Every node keeps its position and its exact source text, which messages quote. Nesting is
// limited to kMaxDepth levels so that hostile input gives an error rather than a stack overflow.
// Threading: parse() is reentrant; a tree is immutable once built.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/types.h"
#include "engine/core/value.h"

namespace riffle::expr {

class Expression;

namespace ast {

// Parentheses, NOT and unary minus may nest kMaxDepth levels; a tree (e.g. a long chain of `+`)
// may be kMaxHeight nodes high.
inline constexpr int kMaxDepth = 256;
inline constexpr int kMaxHeight = 1000;

struct Position {
    int line = 1;    // 1-based
    int column = 1;  // 1-based, in Unicode code points
};

// "3:14: " prefix for messages.
std::string positionPrefix(Position p);

enum class Kind {
    Literal,  // value; isInterval for INTERVAL '..' UNIT (an int of microseconds)
    Field,    // name
    Star,     // `*` as the argument of COUNT(*)
    Unary,    // op: "-", "+", "NOT"; args[0]
    Binary,   // op: + - * / % || = <> < <= > >= AND OR ("!=" is stored as "<>"); args[0], args[1]
    IsNull,   // args[0]; negated for IS NOT NULL
    IsBool,   // args[0] IS [NOT] TRUE/FALSE; op: "TRUE" or "FALSE"
    In,       // args[0] [NOT] IN (args[1..])
    Between,  // args[0] [NOT] BETWEEN args[1] AND args[2]
    Like,     // args[0] [NOT] LIKE args[1] [ESCAPE args[2]]
    Case,     // [operand] (when, then)... [else]; hasOperand, hasElse say which are present
    Cast,     // CAST(args[0] AS op); op is the type name as written, upper-cased
    Call,     // name (upper-cased) (args...); distinct for COUNT(DISTINCT x); op holds the TRIM
              // mode (BOTH/LEADING/TRAILING) when given
    Extract,  // EXTRACT(op FROM args[0]); op is the unit, upper-cased
};

struct Node {
    Kind kind = Kind::Literal;
    Position pos;      // of the node's first token
    Position opPos;    // of the operator or keyword that defines the node (binary operators)
    std::string text;  // the node's source text
    std::string name;  // field or function name
    std::string op;
    Value value;  // Literal
    bool isInterval = false;
    bool negated = false;
    bool distinct = false;
    bool hasOperand = false;
    bool hasElse = false;
    int height =
        1;  // of the subtree; bounded so that compiling and evaluating cannot recurse deeply
    std::vector<std::unique_ptr<Node>> args;
};

using NodePtr = std::unique_ptr<Node>;

// Parses a whole expression. Errors read "1:7: expected an expression after `+`".
Result<NodePtr> parse(std::string_view source);

// True for COUNT SUM AVG MIN MAX FIRST_VALUE LAST_VALUE STDDEV APPROX_COUNT_DISTINCT PERCENTILE
// TOP_K (upper-case name).
bool isAggregateFunction(std::string_view upperName);
// Every aggregate function's name, upper case: the one list the parser, the aggregate compiler
// (which binds each to its implementation) and the studio's completion read.
const std::vector<std::string_view>& aggregateFunctionNames();

// How messages quote a node: a literal as written (3, 'x'), anything else in backticks.
std::string describe(const Node& node);

}  // namespace ast

// Compiles a parsed (sub)tree against `schema`, e.g. the argument of an aggregate call. The
// expression's text() is the node's source text. Aggregate calls inside are refused.
Result<std::shared_ptr<const Expression>> compile(const ast::Node& node, const Schema& schema);

}  // namespace riffle::expr
