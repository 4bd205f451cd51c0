#include "nodes/common/file_values.h"

#include <charconv>
#include <cmath>

namespace riffle {

std::string formatFloat(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    std::string out(buf, res.ptr);
    if (out.find_first_of(".e") == std::string::npos) out += ".0";
    return out;
}

void appendCellText(std::string& out, const Column& column, size_t row) {
    switch (column.type()) {
        case Type::Null:
            break;
        case Type::Bool:
            out += column.ints()[row] ? "true" : "false";
            break;
        case Type::Int: {
            char buf[24];
            auto res = std::to_chars(buf, buf + sizeof buf, column.ints()[row]);
            out.append(buf, res.ptr);
            break;
        }
        case Type::Float:
            out += formatFloat(column.floats()[row]);
            break;
        case Type::String:
            out += column.strings()[row];
            break;
        case Type::Time:
            out += formatIso8601Ms(column.ints()[row]);
            break;
    }
}

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool parseInt(std::string_view t, int64_t& out) {
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    if (t.empty()) return false;
    auto res = std::from_chars(t.data(), t.data() + t.size(), out);
    return res.ec == std::errc() && res.ptr == t.data() + t.size();
}

// Decimal or exponent forms only ("1.5", "-2e3", ".5"); words like "nan" are not numbers here.
bool parseDecimal(std::string_view t, double& out) {
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    if (t.empty()) return false;
    bool digit = false;
    for (char c : t) {
        if (c >= '0' && c <= '9')
            digit = true;
        else if (c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+')
            return false;
    }
    if (!digit) return false;
    auto res = std::from_chars(t.data(), t.data() + t.size(), out);
    return res.ec == std::errc() && res.ptr == t.data() + t.size();
}

bool parseFloat(std::string_view t, double& out) {
    if (parseDecimal(t, out)) return true;
    if (equalsIgnoreCase(t, "nan"))
        out = std::nan("");
    else if (equalsIgnoreCase(t, "infinity") || equalsIgnoreCase(t, "inf") ||
             equalsIgnoreCase(t, "+infinity"))
        out = INFINITY;
    else if (equalsIgnoreCase(t, "-infinity") || equalsIgnoreCase(t, "-inf"))
        out = -INFINITY;
    else
        return false;
    return true;
}

bool parseBool(std::string_view t, bool& out) {
    if (equalsIgnoreCase(t, "true") || t == "1")
        out = true;
    else if (equalsIgnoreCase(t, "false") || t == "0")
        out = false;
    else
        return false;
    return true;
}

}  // namespace

bool parseCell(std::string_view text, Type type, TimeFormat timeFormat, Cell& out) {
    out = Cell{};
    out.null = false;
    switch (type) {
        case Type::Null:
            out.null = true;
            return true;
        case Type::Bool: {
            bool b = false;
            if (!parseBool(text, b)) return false;
            out.i = b;
            return true;
        }
        case Type::Int:
            return parseInt(text, out.i);
        case Type::Float:
            return parseFloat(text, out.f);
        case Type::String:
            out.s = text;
            return true;
        case Type::Time: {
            auto t = parseTime(text, timeFormat);
            if (!t) return false;
            out.i = *t;
            return true;
        }
    }
    return false;
}

void appendCell(Batch& batch, size_t col, const Cell& cell) {
    Column& c = batch.column(col);
    if (cell.null) {
        c.appendNull();
        return;
    }
    switch (c.type()) {
        case Type::Null:
            c.appendNull();
            break;
        case Type::Bool:
            c.appendBool(cell.i != 0);
            break;
        case Type::Int:
        case Type::Time:
            c.appendInt(cell.i);
            break;
        case Type::Float:
            c.appendFloat(cell.f);
            break;
        case Type::String:
            batch.appendString(col, cell.s);
            break;
    }
}

Type classifyText(std::string_view text) {
    if (equalsIgnoreCase(text, "true") || equalsIgnoreCase(text, "false")) return Type::Bool;
    int64_t i;
    if (parseInt(text, i)) return Type::Int;
    double f;
    if (parseDecimal(text, f)) return Type::Float;
    if (text.size() >= 10 && text[4] == '-' && parseIso8601(text)) return Type::Time;
    return Type::String;
}

Type widenType(Type a, Type b) {
    if (a == Type::Null) return b;
    if (b == Type::Null || a == b) return a;
    if (isNumeric(a) && isNumeric(b)) return Type::Float;
    return Type::String;
}

}  // namespace riffle
