// Tokenizer and recursive-descent parser for the expression language (see ast.h).
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "engine/core/time_format.h"
#include "engine/expr/ast.h"
#include "engine/expr/text_util.h"

namespace riffle::expr::ast {

std::string positionPrefix(Position p) {
    return std::to_string(p.line) + ":" + std::to_string(p.column) + ": ";
}

const std::vector<std::string_view>& aggregateFunctionNames() {
    static const std::vector<std::string_view> kNames = {
        "COUNT",      "SUM",    "AVG",
        "MIN",        "MAX",    "FIRST_VALUE",
        "LAST_VALUE", "STDDEV", "APPROX_COUNT_DISTINCT",
        "PERCENTILE", "TOP_K"};
    return kNames;
}

bool isAggregateFunction(std::string_view n) {
    for (std::string_view k : aggregateFunctionNames())
        if (k == n) return true;
    return false;
}

std::string describe(const Node& node) {
    if (node.kind == Kind::Literal) return node.text;
    return "`" + node.text + "`";
}

namespace {

enum class Tok { End, Ident, QuotedIdent, Int, Float, String, Symbol };

struct Token {
    Tok kind = Tok::End;
    std::string text;  // identifier name, string contents, symbol, or number as written
    size_t begin = 0;
    size_t end = 0;
    Position pos;
};

bool isIdentStart(unsigned char c) {
    return std::isalpha(c) || c == '_' || c >= 0x80;
}
bool isIdentChar(unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

class Lexer {
public:
    explicit Lexer(std::string_view src) : m_src(src) {}

    // Tokenizes everything; on error returns the message.
    std::optional<std::string> run(std::vector<Token>& out) {
        while (true) {
            skipSpace();
            Token t;
            t.begin = m_pos;
            t.pos = position(m_pos);
            if (m_pos >= m_src.size()) {
                t.end = m_pos;
                out.push_back(std::move(t));
                return std::nullopt;
            }
            const unsigned char c = static_cast<unsigned char>(m_src[m_pos]);
            if (c == '\'') {
                t.kind = Tok::String;
                ++m_pos;
                bool closed = false;
                while (m_pos < m_src.size()) {
                    if (m_src[m_pos] == '\'') {
                        if (m_pos + 1 < m_src.size() && m_src[m_pos + 1] == '\'') {
                            t.text += '\'';
                            m_pos += 2;
                            continue;
                        }
                        ++m_pos;
                        closed = true;
                        break;
                    }
                    t.text += m_src[m_pos++];
                }
                if (!closed) return positionPrefix(t.pos) + "unterminated string literal";
            } else if (c == '`') {
                t.kind = Tok::QuotedIdent;
                ++m_pos;
                bool closed = false;
                while (m_pos < m_src.size()) {
                    if (m_src[m_pos] == '`') {
                        if (m_pos + 1 < m_src.size() && m_src[m_pos + 1] == '`') {
                            t.text += '`';
                            m_pos += 2;
                            continue;
                        }
                        ++m_pos;
                        closed = true;
                        break;
                    }
                    t.text += m_src[m_pos++];
                }
                if (!closed) return positionPrefix(t.pos) + "unterminated quoted name (missing `)";
                if (t.text.empty()) return positionPrefix(t.pos) + "empty quoted name ``";
            } else if (std::isdigit(c) ||
                       (c == '.' && m_pos + 1 < m_src.size() &&
                        std::isdigit(static_cast<unsigned char>(m_src[m_pos + 1])))) {
                t.kind = Tok::Int;
                while (m_pos < m_src.size() &&
                       std::isdigit(static_cast<unsigned char>(m_src[m_pos])))
                    ++m_pos;
                if (m_pos < m_src.size() && m_src[m_pos] == '.') {
                    t.kind = Tok::Float;
                    ++m_pos;
                    while (m_pos < m_src.size() &&
                           std::isdigit(static_cast<unsigned char>(m_src[m_pos])))
                        ++m_pos;
                }
                if (m_pos < m_src.size() && (m_src[m_pos] == 'e' || m_src[m_pos] == 'E')) {
                    size_t p = m_pos + 1;
                    if (p < m_src.size() && (m_src[p] == '+' || m_src[p] == '-')) ++p;
                    if (p < m_src.size() && std::isdigit(static_cast<unsigned char>(m_src[p]))) {
                        t.kind = Tok::Float;
                        m_pos = p;
                        while (m_pos < m_src.size() &&
                               std::isdigit(static_cast<unsigned char>(m_src[m_pos])))
                            ++m_pos;
                    }
                }
                if (m_pos < m_src.size() && isIdentStart(static_cast<unsigned char>(m_src[m_pos])))
                    return positionPrefix(t.pos) + "malformed number `" +
                           std::string(m_src.substr(t.begin, m_pos + 1 - t.begin)) + "`";
                t.text = std::string(m_src.substr(t.begin, m_pos - t.begin));
            } else if (isIdentStart(c)) {
                t.kind = Tok::Ident;
                while (m_pos < m_src.size() &&
                       isIdentChar(static_cast<unsigned char>(m_src[m_pos])))
                    ++m_pos;
                t.text = std::string(m_src.substr(t.begin, m_pos - t.begin));
            } else {
                t.kind = Tok::Symbol;
                static constexpr std::string_view kTwo[] = {"<>", "!=", "<=", ">=", "||"};
                std::string_view rest = m_src.substr(m_pos);
                bool two = false;
                for (auto s : kTwo)
                    if (rest.substr(0, 2) == s) two = true;
                if (two) {
                    t.text = std::string(rest.substr(0, 2));
                    m_pos += 2;
                } else if (std::string_view("+-*/%=<>(),.[]").find(static_cast<char>(c)) !=
                           std::string_view::npos) {
                    t.text = std::string(1, static_cast<char>(c));
                    ++m_pos;
                } else {
                    std::string ch(1, static_cast<char>(c));
                    if (c == '"')
                        return positionPrefix(t.pos) +
                               "unexpected `\"`: write strings in single quotes ('text') and odd "
                               "field names in backticks (`odd name`)";
                    return positionPrefix(t.pos) + "unexpected character `" + ch + "`";
                }
            }
            t.end = m_pos;
            out.push_back(std::move(t));
        }
    }

private:
    void skipSpace() {
        while (m_pos < m_src.size()) {
            char c = m_src[m_pos];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++m_pos;
            } else if (c == '-' && m_pos + 1 < m_src.size() && m_src[m_pos + 1] == '-') {
                while (m_pos < m_src.size() && m_src[m_pos] != '\n') ++m_pos;
            } else {
                break;
            }
        }
    }
    Position position(size_t offset) {
        // Tokens come in order, so the line/column scan continues from the previous token.
        while (m_scan < offset) {
            unsigned char c = static_cast<unsigned char>(m_src[m_scan]);
            if (c == '\n') {
                ++m_line;
                m_col = 1;
            } else if ((c & 0xC0) != 0x80) {
                ++m_col;
            }
            ++m_scan;
        }
        return {m_line, m_col};
    }

    std::string_view m_src;
    size_t m_pos = 0;
    size_t m_scan = 0;
    int m_line = 1;
    int m_col = 1;
};

struct ParseError {
    std::string message;
};

class Parser {
public:
    Parser(std::string_view src, std::vector<Token> toks) : m_src(src), m_toks(std::move(toks)) {}

    NodePtr parseAll() {
        NodePtr n = parseExpr();
        if (cur().kind != Tok::End)
            fail(cur().pos, "unexpected " + quoteTok(cur()) + " after the expression");
        return n;
    }

private:
    // --- token helpers ---
    const Token& cur() const { return m_toks[m_i]; }
    const Token& peek(size_t k = 1) const { return m_toks[std::min(m_i + k, m_toks.size() - 1)]; }
    const Token& advance() { return m_toks[m_i < m_toks.size() - 1 ? m_i++ : m_i]; }
    bool isKw(const Token& t, std::string_view kw) const {
        return t.kind == Tok::Ident && upper(t.text) == kw;
    }
    bool isSym(const Token& t, std::string_view s) const {
        return t.kind == Tok::Symbol && t.text == s;
    }
    bool acceptKw(std::string_view kw) {
        if (!isKw(cur(), kw)) return false;
        advance();
        return true;
    }
    bool acceptSym(std::string_view s) {
        if (!isSym(cur(), s)) return false;
        advance();
        return true;
    }
    static std::string quoteTok(const Token& t) {
        switch (t.kind) {
            case Tok::End:
                return "end of input";
            case Tok::String:
                return "'" + t.text + "'";
            case Tok::QuotedIdent:
                return "`" + t.text + "`";
            default:
                return "`" + t.text + "`";
        }
    }
    [[noreturn]] void fail(Position p, const std::string& msg) {
        throw ParseError{positionPrefix(p) + msg};
    }
    void expectSym(std::string_view s, const std::string& what) {
        if (!acceptSym(s)) fail(cur().pos, "expected " + what + ", got " + quoteTok(cur()));
    }
    void expectKw(std::string_view kw, const std::string& what) {
        if (!acceptKw(kw)) fail(cur().pos, "expected " + what + ", got " + quoteTok(cur()));
    }

    // --- node helpers ---
    NodePtr start(Kind k, const Token& first) {
        auto n = std::make_unique<Node>();
        n->kind = k;
        n->pos = first.pos;
        n->opPos = first.pos;
        return n;
    }
    // Sets text and height once all tokens of `n` are consumed; `begin` is its first offset.
    NodePtr finish(NodePtr n, size_t begin) {
        const size_t end = m_i > 0 ? m_toks[m_i - 1].end : 0;
        n->text = std::string(m_src.substr(begin, end > begin ? end - begin : 0));
        int h = 0;
        for (const auto& a : n->args) h = std::max(h, a->height);
        n->height = h + 1;
        if (n->height > kMaxHeight)
            fail(n->pos, "expression is nested too deeply (more than " +
                             std::to_string(kMaxHeight) + " levels)");
        return n;
    }
    NodePtr binary(std::string op, Position opPos, NodePtr l, NodePtr r, size_t begin) {
        auto n = std::make_unique<Node>();
        n->kind = Kind::Binary;
        n->pos = l->pos;
        n->opPos = opPos;
        n->op = std::move(op);
        n->args.push_back(std::move(l));
        n->args.push_back(std::move(r));
        return finish(std::move(n), begin);
    }

    struct DepthGuard {
        Parser& p;
        DepthGuard(Parser& parser, Position pos) : p(parser) {
            if (++p.m_depth > kMaxDepth)
                p.fail(pos, "expression is nested too deeply (more than " +
                                std::to_string(kMaxDepth) + " levels)");
        }
        ~DepthGuard() { --p.m_depth; }
    };

    // An operand is required after `after` (an operator or keyword token).
    NodePtr operand(NodePtr (Parser::*fn)(), const Token& after) {
        if (!startsExpression(cur())) {
            std::string msg = "expected an expression after " + quoteTok(after);
            if (cur().kind != Tok::End) msg += ", got " + quoteTok(cur());
            fail(cur().pos, msg);
        }
        return (this->*fn)();
    }
    bool startsExpression(const Token& t) const {
        switch (t.kind) {
            case Tok::End:
                return false;
            case Tok::Symbol:
                return t.text == "(" || t.text == "-" || t.text == "+";
            case Tok::Ident: {
                static constexpr std::string_view kNot[] = {
                    "AND",  "OR",   "IS",  "IN",   "BETWEEN", "LIKE",   "WHEN",
                    "THEN", "ELSE", "END", "FROM", "AS",      "ESCAPE", "FOR"};
                const std::string u = upper(t.text);
                for (auto k : kNot)
                    if (u == k) return false;
                return true;
            }
            default:
                return true;
        }
    }

    // --- grammar ---
    NodePtr parseExpr() {
        if (!startsExpression(cur())) {
            if (cur().kind == Tok::End) fail(cur().pos, "expected an expression");
            fail(cur().pos, "expected an expression, got " + quoteTok(cur()));
        }
        return parseOr();
    }

    NodePtr parseOr() {
        const size_t begin = cur().begin;
        NodePtr l = parseAnd();
        while (isKw(cur(), "OR")) {
            const Token& op = advance();
            NodePtr r = operand(&Parser::parseAnd, op);
            l = binary("OR", op.pos, std::move(l), std::move(r), begin);
        }
        return l;
    }

    NodePtr parseAnd() {
        const size_t begin = cur().begin;
        NodePtr l = parseNot();
        while (isKw(cur(), "AND")) {
            const Token& op = advance();
            NodePtr r = operand(&Parser::parseNot, op);
            l = binary("AND", op.pos, std::move(l), std::move(r), begin);
        }
        return l;
    }

    NodePtr parseNot() {
        if (isKw(cur(), "NOT")) {
            const Token& t = cur();
            DepthGuard guard(*this, t.pos);
            const size_t begin = t.begin;
            NodePtr n = start(Kind::Unary, t);
            n->op = "NOT";
            const Token& op = advance();
            n->args.push_back(operand(&Parser::parseNot, op));
            return finish(std::move(n), begin);
        }
        return parsePredicate();
    }

    NodePtr wrap(Kind k, NodePtr first, size_t begin) {
        auto n = std::make_unique<Node>();
        n->kind = k;
        n->pos = first->pos;
        n->args.push_back(std::move(first));
        (void)begin;
        return n;
    }

    NodePtr parsePredicate() {
        const size_t begin = cur().begin;
        NodePtr l = parseConcat();
        while (true) {
            const Token& t = cur();
            if (t.kind == Tok::Symbol &&
                (t.text == "=" || t.text == "<>" || t.text == "!=" || t.text == "<" ||
                 t.text == "<=" || t.text == ">" || t.text == ">=")) {
                const Token& op = advance();
                NodePtr r = operand(&Parser::parseConcat, op);
                l = binary(op.text == "!=" ? "<>" : op.text, op.pos, std::move(l), std::move(r),
                           begin);
                continue;
            }
            if (isKw(t, "IS")) {
                const Position opPos = t.pos;
                advance();
                const bool neg = acceptKw("NOT");
                NodePtr n = wrap(Kind::IsNull, std::move(l), begin);
                n->opPos = opPos;
                n->negated = neg;
                if (acceptKw("NULL")) {
                    n->kind = Kind::IsNull;
                } else if (isKw(cur(), "TRUE") || isKw(cur(), "FALSE")) {
                    n->kind = Kind::IsBool;
                    n->op = upper(advance().text);
                } else {
                    fail(cur().pos, std::string("expected NULL, TRUE or FALSE after IS") +
                                        (neg ? " NOT" : "") + ", got " + quoteTok(cur()));
                }
                l = finish(std::move(n), begin);
                continue;
            }
            bool neg = false;
            if (isKw(t, "NOT") &&
                (isKw(peek(), "IN") || isKw(peek(), "BETWEEN") || isKw(peek(), "LIKE"))) {
                neg = true;
                advance();
            } else if (isKw(t, "NOT")) {
                fail(peek().pos, "expected IN, BETWEEN or LIKE after NOT, got " + quoteTok(peek()));
            }
            if (isKw(cur(), "IN")) {
                const Position opPos = cur().pos;
                const Token& in = advance();
                if (!isSym(cur(), "("))
                    fail(cur().pos,
                         "expected `(` after " + quoteTok(in) + ", got " + quoteTok(cur()));
                const Token& open = advance();
                NodePtr n = wrap(Kind::In, std::move(l), begin);
                n->opPos = opPos;
                n->negated = neg;
                if (isSym(cur(), ")")) fail(cur().pos, "IN needs at least one value");
                n->args.push_back(operand(&Parser::parseExpr, open));
                while (isSym(cur(), ",")) {
                    const Token& comma = advance();
                    n->args.push_back(operand(&Parser::parseExpr, comma));
                }
                expectSym(")", "`,` or `)` in the IN list");
                l = finish(std::move(n), begin);
                continue;
            }
            if (isKw(cur(), "BETWEEN")) {
                const Position opPos = cur().pos;
                const Token& kw = advance();
                NodePtr n = wrap(Kind::Between, std::move(l), begin);
                n->opPos = opPos;
                n->negated = neg;
                n->args.push_back(operand(&Parser::parseConcat, kw));
                if (!isKw(cur(), "AND"))
                    fail(cur().pos, "expected AND in BETWEEN, got " + quoteTok(cur()));
                const Token& andTok = advance();
                n->args.push_back(operand(&Parser::parseConcat, andTok));
                l = finish(std::move(n), begin);
                continue;
            }
            if (isKw(cur(), "LIKE")) {
                const Position opPos = cur().pos;
                const Token& kw = advance();
                NodePtr n = wrap(Kind::Like, std::move(l), begin);
                n->opPos = opPos;
                n->negated = neg;
                n->args.push_back(operand(&Parser::parseConcat, kw));
                if (isKw(cur(), "ESCAPE")) {
                    const Token& esc = advance();
                    n->args.push_back(operand(&Parser::parseConcat, esc));
                }
                l = finish(std::move(n), begin);
                continue;
            }
            break;
        }
        return l;
    }

    NodePtr parseConcat() {
        const size_t begin = cur().begin;
        NodePtr l = parseAdditive();
        while (isSym(cur(), "||")) {
            const Token& op = advance();
            NodePtr r = operand(&Parser::parseAdditive, op);
            l = binary("||", op.pos, std::move(l), std::move(r), begin);
        }
        return l;
    }

    NodePtr parseAdditive() {
        const size_t begin = cur().begin;
        NodePtr l = parseMultiplicative();
        while (isSym(cur(), "+") || isSym(cur(), "-")) {
            const Token& op = advance();
            NodePtr r = operand(&Parser::parseMultiplicative, op);
            l = binary(op.text, op.pos, std::move(l), std::move(r), begin);
        }
        return l;
    }

    NodePtr parseMultiplicative() {
        const size_t begin = cur().begin;
        NodePtr l = parseUnary();
        while (isSym(cur(), "*") || isSym(cur(), "/") || isSym(cur(), "%")) {
            const Token& op = advance();
            NodePtr r = operand(&Parser::parseUnary, op);
            l = binary(op.text, op.pos, std::move(l), std::move(r), begin);
        }
        return l;
    }

    NodePtr parseUnary() {
        if (isSym(cur(), "-") || isSym(cur(), "+")) {
            const Token& t = cur();
            DepthGuard guard(*this, t.pos);
            const size_t begin = t.begin;
            // `-9223372036854775808` is a literal of its own: its magnitude alone does not fit.
            if (t.text == "-" && peek().kind == Tok::Int && peek().begin == t.end) {
                advance();
                const Token& num = advance();
                NodePtr n = intLiteral(t, "-" + num.text);
                return finish(std::move(n), begin);
            }
            NodePtr n = start(Kind::Unary, t);
            n->op = t.text;
            const Token& op = advance();
            n->args.push_back(operand(&Parser::parseUnary, op));
            return finish(std::move(n), begin);
        }
        return parsePrimary();
    }

    NodePtr intLiteral(const Token& first, const std::string& digits) {
        NodePtr n = start(Kind::Literal, first);
        errno = 0;
        char* end = nullptr;
        long long v = std::strtoll(digits.c_str(), &end, 10);
        if (errno == ERANGE)
            fail(first.pos, "integer literal " + digits +
                                " is out of range (int is 64-bit; write " + digits +
                                ".0 for a float)");
        n->value = Value::ofInt(v);
        return n;
    }

    NodePtr parsePrimary() {
        const Token& t = cur();
        const size_t begin = t.begin;
        switch (t.kind) {
            case Tok::End:
                fail(t.pos, "expected an expression");
            case Tok::Int: {
                advance();
                return finish(intLiteral(t, t.text), begin);
            }
            case Tok::Float: {
                advance();
                NodePtr n = start(Kind::Literal, t);
                double v = std::strtod(t.text.c_str(), nullptr);
                if (!std::isfinite(v)) fail(t.pos, "float literal " + t.text + " is out of range");
                n->value = Value::ofFloat(v);
                return finish(std::move(n), begin);
            }
            case Tok::String: {
                advance();
                NodePtr n = start(Kind::Literal, t);
                n->value = Value::ofString(t.text);
                return finish(std::move(n), begin);
            }
            case Tok::QuotedIdent: {
                advance();
                NodePtr n = start(Kind::Field, t);
                n->name = t.text;
                return finish(std::move(n), begin);
            }
            case Tok::Symbol: {
                if (t.text == "(") {
                    DepthGuard guard(*this, t.pos);
                    const Token& open = advance();
                    NodePtr inner = operand(&Parser::parseExpr, open);
                    if (!acceptSym(")"))
                        fail(cur().pos, "expected `)` to close the `(` at " +
                                            std::to_string(open.pos.line) + ":" +
                                            std::to_string(open.pos.column) + ", got " +
                                            quoteTok(cur()));
                    return inner;
                }
                fail(t.pos, "expected an expression, got " + quoteTok(t));
            }
            case Tok::Ident:
                break;
        }
        const std::string kw = upper(t.text);
        if (kw == "TRUE" || kw == "FALSE" || kw == "NULL") {
            advance();
            NodePtr n = start(Kind::Literal, t);
            n->value = kw == "NULL" ? Value{} : Value::ofBool(kw == "TRUE");
            return finish(std::move(n), begin);
        }
        if (kw == "CASE") return parseCase();
        if (kw == "INTERVAL") return parseInterval();
        if ((kw == "TIMESTAMP" || kw == "DATE") && peek().kind == Tok::String) {
            advance();
            const Token& lit = advance();
            NodePtr n = start(Kind::Literal, t);
            std::optional<TimeUs> v = parseIso8601(lit.text);
            if (!v || (kw == "DATE" && lit.text.size() != 10))
                fail(lit.pos, "invalid " + kw + " literal '" + lit.text + "' (expected " +
                                  (kw == "DATE" ? "'2026-01-01'" : "'2026-01-01 00:00:00'") + ")");
            n->value = Value::ofTime(*v);
            return finish(std::move(n), begin);
        }
        if (!startsExpression(t)) fail(t.pos, "expected an expression, got " + quoteTok(t));
        if (isSym(peek(), "(")) {
            if (kw == "CAST") return parseCast();
            if (kw == "EXTRACT") return parseExtract();
            return parseCall();
        }
        advance();
        NodePtr n = start(Kind::Field, t);
        n->name = t.text;
        return finish(std::move(n), begin);
    }

    NodePtr parseCase() {
        const Token& t = cur();
        const size_t begin = t.begin;
        DepthGuard guard(*this, t.pos);
        NodePtr n = start(Kind::Case, t);
        const Token& caseTok = advance();
        if (!isKw(cur(), "WHEN")) {
            n->hasOperand = true;
            n->args.push_back(operand(&Parser::parseExpr, caseTok));
        }
        if (!isKw(cur(), "WHEN")) fail(cur().pos, "expected WHEN in CASE, got " + quoteTok(cur()));
        while (isKw(cur(), "WHEN")) {
            const Token& when = advance();
            n->args.push_back(operand(&Parser::parseExpr, when));
            if (!isKw(cur(), "THEN"))
                fail(cur().pos, "expected THEN after the WHEN condition, got " + quoteTok(cur()));
            const Token& then = advance();
            n->args.push_back(operand(&Parser::parseExpr, then));
        }
        if (isKw(cur(), "ELSE")) {
            const Token& els = advance();
            n->hasElse = true;
            n->args.push_back(operand(&Parser::parseExpr, els));
        }
        if (!acceptKw("END"))
            fail(cur().pos, "expected WHEN, ELSE or END in CASE, got " + quoteTok(cur()));
        return finish(std::move(n), begin);
    }

    NodePtr parseInterval() {
        const Token& t = cur();
        const size_t begin = t.begin;
        advance();
        NodePtr n = start(Kind::Literal, t);
        bool negative = false;
        if (isSym(cur(), "-")) {
            negative = true;
            advance();
        }
        const Token& num = cur();
        if (num.kind != Tok::String && num.kind != Tok::Int && num.kind != Tok::Float)
            fail(num.pos, "expected a quoted number after INTERVAL (INTERVAL '10' SECOND), got " +
                              quoteTok(num));
        advance();
        const Token& unitTok = cur();
        const std::string unit = unitTok.kind == Tok::Ident ? upper(unitTok.text) : "";
        static const std::pair<std::string_view, double> kUnits[] = {
            {"MICROSECOND", 1}, {"MILLISECOND", 1e3}, {"SECOND", 1e6},   {"MINUTE", 60e6},
            {"HOUR", 3600e6},   {"DAY", 86400e6},     {"WEEK", 604800e6}};
        double mult = 0;
        for (const auto& [name, m] : kUnits)
            if (unit == name || unit == std::string(name) + "S") mult = m;
        if (mult == 0)
            fail(unitTok.pos,
                 "expected an interval unit (MILLISECOND, SECOND, MINUTE, HOUR, DAY) after " +
                     quoteTok(num) + ", got " + quoteTok(unitTok));
        advance();
        std::string text = num.text;
        while (!text.empty() && text.front() == ' ') text.erase(0, 1);
        while (!text.empty() && text.back() == ' ') text.pop_back();
        char* end = nullptr;
        double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) ||
            std::fabs(v * mult) > 9.2e18)
            fail(num.pos, "invalid interval value '" + num.text + "' (expected a number)");
        n->value = Value::ofInt(static_cast<int64_t>(std::llround((negative ? -v : v) * mult)));
        n->isInterval = true;
        return finish(std::move(n), begin);
    }

    NodePtr parseCast() {
        const Token& t = cur();
        const size_t begin = t.begin;
        DepthGuard guard(*this, t.pos);
        NodePtr n = start(Kind::Cast, t);
        advance();
        const Token& open = advance();
        n->args.push_back(operand(&Parser::parseExpr, open));
        expectKw("AS", "AS in CAST(x AS type)");
        const Token& ty = cur();
        if (ty.kind != Tok::Ident)
            fail(ty.pos, "expected a type name after AS, got " + quoteTok(ty));
        advance();
        n->op = upper(ty.text);
        n->opPos = ty.pos;
        if (acceptSym("(")) {  // VARCHAR(100), TIMESTAMP(3): the length or precision is ignored
            if (cur().kind != Tok::Int)
                fail(cur().pos, "expected a number, got " + quoteTok(cur()));
            advance();
            expectSym(")", "`)`");
        }
        expectSym(")", "`)` to close CAST");
        return finish(std::move(n), begin);
    }

    NodePtr parseExtract() {
        const Token& t = cur();
        const size_t begin = t.begin;
        DepthGuard guard(*this, t.pos);
        NodePtr n = start(Kind::Extract, t);
        advance();
        advance();
        const Token& unit = cur();
        if (unit.kind != Tok::Ident)
            fail(unit.pos,
                 "expected a unit (YEAR, MONTH, DAY, HOUR, ...) in EXTRACT, got " + quoteTok(unit));
        n->op = upper(unit.text);
        n->opPos = unit.pos;
        advance();
        const Token& from = cur();
        expectKw("FROM", "FROM in EXTRACT(unit FROM time)");
        n->args.push_back(operand(&Parser::parseExpr, from));
        expectSym(")", "`)` to close EXTRACT");
        return finish(std::move(n), begin);
    }

    NodePtr parseCall() {
        const Token& t = cur();
        const size_t begin = t.begin;
        DepthGuard guard(*this, t.pos);
        NodePtr n = start(Kind::Call, t);
        n->name = upper(t.text);
        advance();
        const Token& open = advance();
        if (n->name == "TRIM") return parseTrim(std::move(n), begin);
        if (acceptSym(")")) return finish(std::move(n), begin);
        if (isKw(cur(), "DISTINCT")) {
            advance();
            n->distinct = true;
        }
        if (isSym(cur(), "*") && isSym(peek(), ")")) {
            const size_t starBegin = cur().begin;
            NodePtr star = start(Kind::Star, cur());
            advance();
            n->args.push_back(finish(std::move(star), starBegin));
        } else {
            n->args.push_back(operand(&Parser::parseExpr, open));
            const bool substring = n->name == "SUBSTRING" || n->name == "SUBSTR";
            if (substring && isKw(cur(), "FROM")) {
                const Token& from = advance();
                n->args.push_back(operand(&Parser::parseExpr, from));
                if (isKw(cur(), "FOR")) {
                    const Token& forTok = advance();
                    n->args.push_back(operand(&Parser::parseExpr, forTok));
                }
            } else {
                while (isSym(cur(), ",")) {
                    const Token& comma = advance();
                    n->args.push_back(operand(&Parser::parseExpr, comma));
                }
            }
        }
        if (!acceptSym(")"))
            fail(cur().pos,
                 "expected `,` or `)` in the arguments of " + n->name + ", got " + quoteTok(cur()));
        return finish(std::move(n), begin);
    }

    // TRIM(s), TRIM([BOTH|LEADING|TRAILING] [chars] FROM s). Arguments: s [, chars].
    NodePtr parseTrim(NodePtr n, size_t begin) {
        const Token& open = m_toks[m_i - 1];
        n->op = "BOTH";
        bool explicitMode = false;
        if (isKw(cur(), "BOTH") || isKw(cur(), "LEADING") || isKw(cur(), "TRAILING")) {
            n->op = upper(advance().text);
            explicitMode = true;
        }
        NodePtr chars;
        if (isKw(cur(), "FROM")) {
            if (!explicitMode) fail(cur().pos, "expected an expression after `(`, got `FROM`");
        } else {
            chars = operand(&Parser::parseExpr, open);
        }
        if (isKw(cur(), "FROM")) {
            const Token& from = advance();
            n->args.push_back(operand(&Parser::parseExpr, from));
            if (chars) n->args.push_back(std::move(chars));
        } else {
            if (explicitMode) fail(cur().pos, "expected FROM in TRIM, got " + quoteTok(cur()));
            n->args.push_back(std::move(chars));
        }
        if (!acceptSym(")")) fail(cur().pos, "expected `)` to close TRIM, got " + quoteTok(cur()));
        return finish(std::move(n), begin);
    }

    std::string_view m_src;
    std::vector<Token> m_toks;
    size_t m_i = 0;
    int m_depth = 0;
};

}  // namespace

Result<NodePtr> parse(std::string_view source) {
    std::vector<Token> toks;
    Lexer lexer(source);
    if (auto err = lexer.run(toks)) return Result<NodePtr>::error(*err);
    Parser parser(source, std::move(toks));
    try {
        return parser.parseAll();
    } catch (const ParseError& e) {
        return Result<NodePtr>::error(e.message);
    }
}

}  // namespace riffle::expr::ast
