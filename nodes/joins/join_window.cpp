// join.window: an inner equi-join of two streams within one tumbling event-time window.
//
// Matching: a left event L and a right event R join when they fall into the same window
// [k * size, (k + 1) * size) of their own `_time` and left_key(L) = right_key(R). Keys compare as
// SQL `=`: int/int, bool/bool, time/time and string/string by value (strings byte-wise, so case
// matters), int/float numerically (5 matches 5.0; ints beyond 2^53 are compared as doubles).
// A NULL key (or a float NaN) never matches anything, and such an event is not buffered.
//
// Emission (a symmetric hash join, so results come with no delay): an arriving event is joined
// at once with every buffered event of the other side that has an equal key in its window, in
// the order those arrived, then buffered itself. Each pair is therefore emitted exactly once,
// by whichever of the two arrived second; results never wait for the watermark.
//
// Output: `_time` = the later of the two event times, every left field but `_time`, every right
// field but `_time`, `window_start`, `window_end`. A right field whose name is taken by a left
// field is renamed `right_<name>`; an input field named `window_start` or `window_end` is renamed
// `left_<name>` / `right_<name>` so the join's own window fields keep their names (a numeric
// suffix `_2`, `_3`... is added if a renamed name is taken too).
//
// State and lateness: the buffers of a window are freed when the watermark (the minimum over both
// inputs) reaches its end, so memory is bounded by the events of the windows the watermark has
// not yet passed. An event whose window has already ended (window_end <= watermark when it
// arrives) can no longer meet its partners, which may have been freed: it is late. It is counted
// in the node's `late` metric and sent to `errors` with the error "late: its window had closed".
// A join declares no `late` port, and the default errors schema (the first input's fields)
// cannot hold a right event; so this node declares its own errors schema: `_time` (the event's
// own time), every left field, every right field (named as in the output), `error`, `node`. A
// late left event fills the left fields and leaves the right ones NULL, and vice versa.
#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "engine/aggregate/hash.h"
#include "engine/expr/expression.h"
#include "engine/graph/node_registry.h"
#include "nodes/joins/join_window.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

constexpr int kLeft = 0;
constexpr int kRight = 1;
constexpr std::string_view kLateError = "late: its window had closed";

// How the two key types compare: as 64-bit integers (int, time, bool), as doubles (a float on
// either side, the other numeric) or as strings.
enum class KeyKind { Integer, Floating, String };

struct KeySpec {
    expr::ExpressionPtr expr;
    int column = -1;  // the key is a plain field: read it in place instead of evaluating
};

struct JoinPlan {
    SchemaPtr output;
    SchemaPtr errors;
    KeySpec keys[2];
    KeyKind kind = KeyKind::Integer;
};

std::optional<KeyKind> keyKind(Type a, Type b) {
    if (a == b) {
        switch (a) {
            case Type::Int:
            case Type::Time:
            case Type::Bool:
                return KeyKind::Integer;
            case Type::Float:
                return KeyKind::Floating;
            case Type::String:
                return KeyKind::String;
            case Type::Null:
                return std::nullopt;
        }
    }
    if (isNumeric(a) && isNumeric(b)) return KeyKind::Floating;
    return std::nullopt;
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
    return s;
}

Result<KeySpec> compileKey(const NodeConfig& config, const std::string& param,
                           const Schema& input) {
    const std::string text = config.getString(param);
    auto e = expr::compile(text, input);
    if (!e) return Result<KeySpec>::error("`" + param + "`: " + e.message());
    KeySpec k;
    k.expr = e.value();
    k.column = input.indexOf(trimmed(text));
    return k;
}

// `name`, or when it is taken `prefix + name`, then `prefix + name + "_2"`, `_3`, ...
std::string freeName(const std::string& name, const std::string& prefix,
                     const std::set<std::string>& taken) {
    if (!taken.count(name)) return name;
    const std::string base = prefix + name;
    std::string candidate = base;
    for (int n = 2; taken.count(candidate); ++n) candidate = base + "_" + std::to_string(n);
    return candidate;
}

Result<JoinPlan> planJoin(const NodeConfig& config, const Schema& left, const Schema& right) {
    using R = Result<JoinPlan>;
    JoinPlan plan;
    for (int side : {kLeft, kRight}) {
        auto k = compileKey(config, side == kLeft ? "left_key" : "right_key",
                            side == kLeft ? left : right);
        if (!k) return R::error(k.message());
        plan.keys[side] = std::move(k.value());
    }
    const Type lt = plan.keys[kLeft].expr->type(), rt = plan.keys[kRight].expr->type();
    auto kind = keyKind(lt, rt);
    if (!kind)
        return R::error("`left_key` `" + plan.keys[kLeft].expr->text() + "` (" +
                        std::string(typeName(lt)) + ") cannot be compared with `right_key` `" +
                        plan.keys[kRight].expr->text() + "` (" + std::string(typeName(rt)) +
                        "); give both keys one type, e.g. with CAST(... AS string)");
    plan.kind = *kind;

    // Names: `_time` and the join's window fields are the join's own; left fields keep theirs.
    const std::set<std::string> reserved = {std::string(kTimeField), "window_start", "window_end"};
    std::set<std::string> taken = reserved;
    std::vector<Field> fields;  // without `_time`
    for (size_t i = 1; i < left.size(); ++i) {
        Field f = left.field(i);
        f.name = freeName(f.name, "left_", taken);
        taken.insert(f.name);
        fields.push_back(std::move(f));
    }
    for (size_t i = 1; i < right.size(); ++i) {
        Field f = right.field(i);
        f.name = freeName(f.name, "right_", taken);
        taken.insert(f.name);
        fields.push_back(std::move(f));
    }
    const Schema eventFields = Schema::stream(fields);
    plan.errors = errorsSchemaFor(eventFields);
    fields.push_back({"window_start", Type::Time});
    fields.push_back({"window_end", Type::Time});
    plan.output = std::make_shared<const Schema>(Schema::stream(fields));
    return plan;
}

TimeUs floorTo(TimeUs t, int64_t step) {
    TimeUs q = t / step;
    if (t % step != 0 && t < 0) --q;
    return q * step;
}

// One row's key, normalised so that equal keys have equal bits (or equal strings).
struct Key {
    uint64_t hash = 0;
    uint64_t bits = 0;
    std::string_view str;
};

constexpr uint32_t kNoRow = UINT32_MAX;

// Key -> the rows of one side of one window that have it, as a list threaded through the side's
// `next` array (so appending a row allocates nothing). Open addressing, linear probing.
class KeyIndex {
public:
    struct Entry {
        uint64_t hash = 0;
        uint64_t bits = 0;
        std::string_view str;
        uint32_t head = kNoRow, tail = kNoRow;  // head == kNoRow: a free slot
    };

    const Entry* find(const Key& k, bool strings) const {
        if (m_used == 0) return nullptr;
        const size_t mask = m_slots.size() - 1;
        for (size_t i = k.hash & mask;; i = (i + 1) & mask) {
            const Entry& e = m_slots[i];
            if (e.head == kNoRow) return nullptr;
            if (e.hash == k.hash && (strings ? e.str == k.str : e.bits == k.bits)) return &e;
        }
    }

    // The entry for `k`; a new one (head == kNoRow) when the key was not there.
    Entry& findOrAdd(const Key& k, bool strings) {
        if ((m_used + 1) * 2 > m_slots.size()) grow();
        const size_t mask = m_slots.size() - 1;
        for (size_t i = k.hash & mask;; i = (i + 1) & mask) {
            Entry& e = m_slots[i];
            if (e.head == kNoRow) {
                ++m_used;
                e.hash = k.hash;
                e.bits = k.bits;
                e.str = k.str;
                return e;
            }
            if (e.hash == k.hash && (strings ? e.str == k.str : e.bits == k.bits)) return e;
        }
    }

    size_t size() const { return m_used; }
    size_t bytesHeld() const { return m_slots.capacity() * sizeof(Entry); }
    void clear() {
        if (m_used) std::fill(m_slots.begin(), m_slots.end(), Entry{});
        m_used = 0;
    }

private:
    void grow() {
        std::vector<Entry> old = std::move(m_slots);
        m_slots.assign(std::max<size_t>(16, old.size() * 2), Entry{});
        const size_t mask = m_slots.size() - 1;
        for (const Entry& e : old) {
            if (e.head == kNoRow) continue;
            size_t i = e.hash & mask;
            while (m_slots[i].head != kNoRow) i = (i + 1) & mask;
            m_slots[i] = e;
        }
    }

    std::vector<Entry> m_slots;
    size_t m_used = 0;
};

// The buffered events of one side of one window: the rows, columnar, with their own string
// arena, and the key index over them.
struct SideBuffer {
    Batch rows;
    std::vector<uint32_t> next;  // per row: the next row with the same key, or kNoRow
    KeyIndex index;
};

struct Window {
    TimeUs start = 0, end = 0;
    SideBuffer sides[2];
};

// Appends one cell; strings are copied into `dst`'s arena.
inline void copyCell(const Column& src, size_t row, Batch& dst, size_t col) {
    Column& d = dst.column(col);
    if (src.isNull(row)) {
        d.appendNull();
        return;
    }
    switch (d.type()) {
        case Type::Null:
            d.appendNull();
            break;
        case Type::Float:
            d.appendFloat(src.floats()[row]);
            break;
        case Type::String:
            d.appendStringView(dst.storeString(src.strings()[row]));
            break;
        default:
            d.appendInt(src.ints()[row]);
            break;
    }
}

// Appends n cells to column `col` of `dst`, the k-th from cell(k) = {source column, row}: one
// loop per column with the type switch outside it. Strings are copied into `dst`'s arena.
template <typename Cell>
void gatherColumn(Batch& dst, size_t col, size_t n, Cell cell) {
    Column& d = dst.column(col);
    std::vector<uint8_t>& valid = d.validity();
    switch (d.type()) {
        case Type::Null:
            valid.resize(valid.size() + n, 0);
            break;
        case Type::Float: {
            std::vector<double>& v = d.floats();
            for (size_t k = 0; k < n; ++k) {
                const auto [c, row] = cell(k);
                valid.push_back(c->validity()[row]);
                v.push_back(c->floats()[row]);
            }
            break;
        }
        case Type::String: {
            std::vector<std::string_view>& v = d.strings();
            for (size_t k = 0; k < n; ++k) {
                const auto [c, row] = cell(k);
                valid.push_back(c->validity()[row]);
                v.push_back(c->isValid(row) ? dst.storeString(c->strings()[row])
                                            : std::string_view{});
            }
            break;
        }
        default: {
            std::vector<int64_t>& v = d.ints();
            for (size_t k = 0; k < n; ++k) {
                const auto [c, row] = cell(k);
                valid.push_back(c->validity()[row]);
                v.push_back(c->ints()[row]);
            }
            break;
        }
    }
}

class WindowJoinOperator : public Operator, public WindowJoinIntrospection {
public:
    explicit WindowJoinOperator(const OperatorContext& ctx)
        : m_plan(planJoin(ctx.config, *ctx.inputSchemas.at(0), *ctx.inputSchemas.at(1)).value()),
          m_schemas{ctx.inputSchemas.at(0), ctx.inputSchemas.at(1)},
          m_sizeUs(ctx.config.getDurationUs("size")),
          m_nodeId(ctx.config.id()),
          m_metrics(ctx.metrics) {
        m_leftCols = m_schemas[kLeft]->size();
        m_rightCols = m_schemas[kRight]->size();
        for (int port : ctx.inputPorts) m_slotSide.push_back(port == 0 ? kLeft : kRight);
    }

    void process(int slot, const Batch& in, Emitter& out) override {
        const int side = m_slotSide.at(static_cast<size_t>(slot));
        const Column& keys = keyColumn(side, in);
        const bool strings = m_plan.kind == KeyKind::String;
        const auto& times = in.times();
        int64_t late = 0;
        m_pending.clear();
        m_matches.clear();
        // Probe first, buffer after: an arrival only meets the other side, which this batch does
        // not change, so the result is the same as buffering event by event.
        for (size_t r = 0; r < in.rows(); ++r) {
            const TimeUs t = times[r];
            const TimeUs start = floorTo(t, m_sizeUs);
            const TimeUs end = start > kMaxTime - m_sizeUs ? kMaxTime : start + m_sizeUs;
            if (end <= m_watermark) {
                ++late;
                addError(side, in, r, kLateError, out);
                continue;
            }
            Pending p;
            if (!keyOf(keys, r, p.key)) continue;  // NULL never matches: nothing to keep
            p.window = &window(start, end);
            p.row = static_cast<uint32_t>(r);
            const SideBuffer& other = p.window->sides[1 - side];
            if (const KeyIndex::Entry* e = other.index.find(p.key, strings))
                for (uint32_t j = e->head; j != kNoRow; j = other.next[j])
                    m_matches.push_back({p.window, p.row, j});
            m_pending.push_back(p);
            if (m_matches.size() >=
                kBatchRows) {  // bounds the pairs held for a large cross product
                emitMatches(side, in, out);
                m_matches.clear();
            }
        }
        emitMatches(side, in, out);
        bufferPending(side, in, strings);
        if (late) {
            if (m_metrics) m_metrics->add(m_metrics->late, late);
            flushErrors(out);
        }
        flushOutput(out);
    }

    void onWatermark(TimeUs wm, Emitter&) override {
        m_watermark = wm;
        while (!m_windows.empty() && m_windows.begin()->second->end <= wm) {
            std::unique_ptr<Window> w = std::move(m_windows.begin()->second);
            m_windows.erase(m_windows.begin());
            if (m_last == w.get()) m_last = nullptr;
            recycle(std::move(w));
        }
    }

    void finish(Emitter& out) override {
        flushOutput(out);
        flushErrors(out);
    }

    // Checkpoints: the rows of both sides of every open window; a restore buffers them again in
    // the same order, which rebuilds the key index as it was.
    void snapshotState(checkpoint::StateWriter& w) override {
        w.i64(m_watermark);
        w.u64(m_windows.size());
        for (const auto& [start, win] : m_windows) {
            w.i64(win->start);
            w.i64(win->end);
            for (const SideBuffer& side : win->sides) {
                w.u64(side.rows.rows());
                for (size_t r = 0; r < side.rows.rows(); ++r)
                    for (size_t c = 0; c < side.rows.columnCount(); ++c)
                        w.value(side.rows.get(r, c));
            }
        }
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_windows.clear();
        m_last = nullptr;
        m_watermark = r.i64();
        const bool strings = m_plan.kind == KeyKind::String;
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            const TimeUs start = r.i64(), end = r.i64();
            if (m_windows.count(start)) r.fail();
            Window& win = window(start, end);
            for (int side : {kLeft, kRight}) {
                Batch rows;
                rows.reset(m_schemas[side]);
                for (uint64_t k = r.count(); k > 0 && r.ok(); --k) {
                    for (size_t c = 0; c < rows.columnCount(); ++c) {
                        const Value v = r.value();
                        if (!v.null && v.type != rows.schema().field(c).type) r.fail();
                        if (r.ok()) rows.appendValue(c, v);
                    }
                    if (r.ok()) rows.commitRow();
                }
                if (!r.ok()) break;
                const Column& keys = keyColumn(side, rows);
                m_pending.clear();
                for (size_t row = 0; row < rows.rows(); ++row) {
                    Pending p;
                    if (!keyOf(keys, row, p.key)) continue;
                    p.window = &win;
                    p.row = static_cast<uint32_t>(row);
                    m_pending.push_back(p);
                }
                bufferPending(side, rows, strings);
            }
        }
        m_pending.clear();
        return Status::ok();
    }

    StateSize stateSize() const override {
        StateSize s{0, 0, "events waiting in open join windows"};
        for (const auto& [start, w] : m_windows)
            for (const SideBuffer& side : w->sides) {
                s.keys += static_cast<int64_t>(side.rows.rows());
                s.bytes += static_cast<int64_t>(side.rows.bytesHeld() +
                                                side.next.capacity() * sizeof(uint32_t) +
                                                side.index.bytesHeld());
            }
        return s;
    }

    WindowJoinStateSize joinState() const override {
        WindowJoinStateSize s;
        s.windows = m_windows.size();
        for (const auto& [start, w] : m_windows) {
            s.leftRows += w->sides[kLeft].rows.rows();
            s.rightRows += w->sides[kRight].rows.rows();
            s.keys += w->sides[kLeft].index.size() + w->sides[kRight].index.size();
        }
        return s;
    }

private:
    const Column& keyColumn(int side, const Batch& in) {
        const KeySpec& k = m_plan.keys[side];
        if (k.column >= 0) return in.column(static_cast<size_t>(k.column));
        m_keyArena.reset();
        expr::EvalStats stats;
        k.expr->evaluate(in, m_keyScratch, m_keyArena, stats);
        if (stats.warnings && m_metrics) m_metrics->add(m_metrics->warnings, stats.warnings);
        return m_keyScratch;
    }

    // False for a key that can match nothing (NULL, NaN).
    bool keyOf(const Column& c, size_t row, Key& key) const {
        if (c.isNull(row)) return false;
        switch (m_plan.kind) {
            case KeyKind::Integer:
                key.bits = static_cast<uint64_t>(c.ints()[row]);
                key.hash = agg::mix64(key.bits ^ 0x9e3779b97f4a7c15ULL);
                return true;
            case KeyKind::Floating: {
                double v =
                    c.type() == Type::Float ? c.floats()[row] : static_cast<double>(c.ints()[row]);
                if (std::isnan(v)) return false;
                if (v == 0) v = 0;  // -0.0 = 0.0
                key.bits = std::bit_cast<uint64_t>(v);
                key.hash = agg::mix64(key.bits ^ 0x2545f4914f6cdd1dULL);
                return true;
            }
            case KeyKind::String:
                key.str = c.strings()[row];
                key.hash = agg::hashBytes(key.str);
                return true;
        }
        return false;
    }

    Window& window(TimeUs start, TimeUs end) {
        if (m_last && m_last->start == start) return *m_last;
        auto [it, inserted] = m_windows.try_emplace(start);
        if (inserted) {
            it->second = newWindow();
            it->second->start = start;
            it->second->end = end;
        }
        m_last = it->second.get();
        return *m_last;
    }

    std::unique_ptr<Window> newWindow() {
        if (!m_spare.empty()) {
            std::unique_ptr<Window> w = std::move(m_spare.back());
            m_spare.pop_back();
            return w;
        }
        auto w = std::make_unique<Window>();
        for (int side : {kLeft, kRight}) w->sides[side].rows.reset(m_schemas[side]);
        return w;
    }

    // Keeps a few emptied windows for reuse (their vectors keep their capacity), frees the rest.
    void recycle(std::unique_ptr<Window> w) {
        if (m_spare.size() >= kMaxSpare) return;
        for (int side : {kLeft, kRight}) {
            SideBuffer& b = w->sides[side];
            b.rows.reset(m_schemas[side]);
            b.next.clear();
            b.index.clear();
        }
        m_spare.push_back(std::move(w));
    }

    // Appends the pending rows of this batch to their windows' buffers, a run of rows of one
    // window at a time (column by column), then indexes them by key.
    void bufferPending(int side, const Batch& in, bool strings) {
        for (size_t first = 0; first < m_pending.size();) {
            Window* w = m_pending[first].window;
            size_t last = first + 1;
            while (last < m_pending.size() && m_pending[last].window == w) ++last;
            SideBuffer& b = w->sides[side];
            const auto base = static_cast<uint32_t>(b.rows.rows());
            const size_t n = last - first;
            for (size_t c = 0; c < in.columnCount(); ++c) {
                const Column* src = &in.column(c);
                gatherColumn(b.rows, c, n, [&](size_t k) {
                    return std::pair<const Column*, size_t>{src, m_pending[first + k].row};
                });
            }
            b.rows.setRows(base + n);
            b.next.resize(base + n, kNoRow);
            for (size_t k = 0; k < n; ++k) {
                const uint32_t row = base + static_cast<uint32_t>(k);
                const Key& key = m_pending[first + k].key;
                KeyIndex::Entry& e = b.index.findOrAdd(key, strings);
                if (e.head == kNoRow) {
                    if (strings)
                        e.str = b.rows.storeString(key.str);  // the index outlives the input batch
                    e.head = row;
                } else {
                    b.next[e.tail] = row;
                }
                e.tail = row;
            }
            first = last;
        }
    }

    // Writes the matched pairs as output rows, column by column, in batches of kBatchRows.
    void emitMatches(int side, const Batch& in, Emitter& out) {
        const int other = 1 - side;
        for (size_t first = 0; first < m_matches.size();) {
            if (!m_out) m_out = out.newBatch(0);
            Batch& b = *m_out;
            const size_t base = b.rows();
            const size_t n =
                std::min(m_matches.size() - first, kBatchRows - base);  // base < kBatchRows
            const Match* m = m_matches.data() + first;
            // The cell of input column c for match k, from the arrival or from the buffer.
            using Cell = std::pair<const Column*, size_t>;
            auto cellOf = [&](int s, size_t c) {
                return [&, s, c](size_t k) {
                    return s == side
                               ? Cell{&in.column(c), m[k].arrival}
                               : Cell{&m[k].window->sides[other].rows.column(c), m[k].buffered};
                };
            };
            std::vector<int64_t>& times = b.column(0).ints();
            for (size_t k = 0; k < n; ++k)
                times.push_back(std::max(in.times()[m[k].arrival],
                                         m[k].window->sides[other].rows.times()[m[k].buffered]));
            b.column(0).validity().resize(base + n, 1);
            for (size_t c = 1; c < m_leftCols; ++c) gatherColumn(b, c, n, cellOf(kLeft, c));
            const size_t rightBase = m_leftCols - 1;
            for (size_t c = 1; c < m_rightCols; ++c)
                gatherColumn(b, rightBase + c, n, cellOf(kRight, c));
            const size_t windowCol = m_leftCols + m_rightCols - 1;
            for (size_t k = 0; k < n; ++k) {
                b.column(windowCol).appendTime(m[k].window->start);
                b.column(windowCol + 1).appendTime(m[k].window->end);
            }
            b.setRows(base + n);
            if (b.rows() >= kBatchRows) flushOutput(out);
            first += n;
        }
    }

    // An event of one side as an errors row: its fields in that side's columns, NULL elsewhere.
    void addError(int side, const Batch& in, size_t r, std::string_view error, Emitter& out) {
        if (!m_errors) m_errors = out.newBatch(out.errorsPort());
        Batch& b = *m_errors;
        b.column(0).appendTime(in.times()[r]);
        const size_t rightBase = m_leftCols - 1;
        for (size_t c = 1; c < m_leftCols; ++c) {
            if (side == kLeft)
                copyCell(in.column(c), r, b, c);
            else
                b.column(c).appendNull();
        }
        for (size_t c = 1; c < m_rightCols; ++c) {
            if (side == kRight)
                copyCell(in.column(c), r, b, rightBase + c);
            else
                b.column(rightBase + c).appendNull();
        }
        const size_t errorCol = m_leftCols + m_rightCols - 1;
        b.appendString(errorCol, error);
        b.appendString(errorCol + 1, m_nodeId);
        b.commitRow();
        if (b.rows() >= kBatchRows) flushErrors(out);
    }

    void flushOutput(Emitter& out) {
        if (m_out && !m_out->empty()) out.push(0, std::move(m_out));
        m_out.reset();
    }

    void flushErrors(Emitter& out) {
        if (m_errors && !m_errors->empty()) out.push(out.errorsPort(), std::move(m_errors));
        m_errors.reset();
    }

    static constexpr size_t kMaxSpare = 4;

    JoinPlan m_plan;
    SchemaPtr m_schemas[2];
    int64_t m_sizeUs;
    std::string m_nodeId;
    NodeMetrics* m_metrics;
    size_t m_leftCols = 0, m_rightCols = 0;               // input columns, `_time` included
    std::vector<int> m_slotSide;                          // input slot -> kLeft / kRight
    std::map<TimeUs, std::unique_ptr<Window>> m_windows;  // by start; freed from the front
    std::vector<std::unique_ptr<Window>> m_spare;
    Window* m_last = nullptr;  // the window of the previous event, for the common case
    TimeUs m_watermark = kMinTime;
    Column m_keyScratch;
    StringArena m_keyArena;
    BatchPtr m_out, m_errors;

    // Per batch, reused: the rows to buffer and the pairs to emit.
    struct Pending {
        Key key;
        Window* window = nullptr;
        uint32_t row = 0;
    };
    struct Match {
        Window* window;
        uint32_t arrival;   // row of the arriving batch
        uint32_t buffered;  // row of the other side's buffer in `window`
    };
    std::vector<Pending> m_pending;
    std::vector<Match> m_matches;
};

// Flink's window join: each side in a TUMBLE of `size`, joined on its key and on window_start
// and window_end. The key is computed beside each side's window columns, so it is written over
// that side's own fields. TUMBLE adds window_start, window_end and window_time to its input, so
// an input that has one of those names is first renamed in a view, as Riffle names it in the
// output.
Result<FlinkExportPart> exportWindowJoin(const FlinkExportContext& ctx) {
    using R = Result<FlinkExportPart>;
    const Schema* in[2] = {ctx.inputs.at(0).schema.get(), ctx.inputs.at(1).schema.get()};
    auto plan = planJoin(ctx.config, *in[kLeft], *in[kRight]);
    if (!plan) return R::error(plan.message());
    const Schema& out = *plan->output;
    const std::string size = flink::interval(ctx.config.getDurationUs("size"));
    const std::string keyColumn = flink::quote("_riffle_join_key");
    FlinkExportPart part;
    std::string select = "L.window_time AS `_time`";
    std::string from;
    size_t o = 1;  // the output field of the side's first field
    for (int side : {kLeft, kRight}) {
        const Schema& s = *in[side];
        const std::string alias = side == kLeft ? "L" : "R";
        auto key =
            flink::expression(ctx.config.getString(side == kLeft ? "left_key" : "right_key"));
        if (!key)
            return R::error(std::string(side == kLeft ? "`left_key`" : "`right_key`") + ": " +
                            key.message());
        bool clash = false;
        for (size_t i = 1; i < s.size(); ++i) clash |= flink::addedByWindow(s.field(i).name);
        std::string windowed;
        if (clash) {
            const std::string view =
                flink::quote(ctx.nodeId + (side == kLeft ? "__left" : "__right"));
            std::string cols = "`_time`";
            for (size_t i = 1; i < s.size(); ++i)
                cols += ", " + flink::quote(s.field(i).name) + " AS " +
                        flink::quote(out.field(o + i - 1).name);
            part.statements.push_back("CREATE VIEW " + view + " AS\nSELECT " + cols + ", " + *key +
                                      " AS " + keyColumn + "\nFROM " +
                                      ctx.inputs.at(static_cast<size_t>(side)).relation);
            windowed = "SELECT * FROM TABLE(TUMBLE(TABLE " + view + ", DESCRIPTOR(`_time`), " +
                       size + "))";
        } else {
            windowed = "SELECT *, " + *key + " AS " + keyColumn + " FROM TABLE(TUMBLE(TABLE " +
                       ctx.inputs.at(static_cast<size_t>(side)).relation +
                       ", DESCRIPTOR(`_time`), " + size + "))";
        }
        for (size_t i = 1; i < s.size(); ++i, ++o)
            select += ", " + alias + "." +
                      flink::quote(clash ? out.field(o).name : s.field(i).name) + " AS " +
                      flink::quote(out.field(o).name);
        from += (side == kLeft ? "FROM (" : "\nJOIN (") + windowed + ") " + alias;
    }
    select += ", L.window_start AS `window_start`, L.window_end AS `window_end`";
    part.statements.push_back("CREATE VIEW " + ctx.relation + " AS\nSELECT " + select + "\n" +
                              from + "\nON L." + keyColumn + " = R." + keyColumn +
                              " AND L.window_start = R.window_start AND L.window_end = "
                              "R.window_end");
    part.notes.push_back(
        "Flink emits a window's pairs when the window closes, Riffle each pair as soon as its "
        "second event arrives; the pairs are the same");
    part.notes.push_back(
        "an event whose window has closed is dropped by Flink; Riffle sends it to `errors`");
    // The later of the two times would be a plain TIMESTAMP in Flink, which no window can follow.
    part.notes.push_back(
        "`_time` is the window's last millisecond (window_time) in Flink, the later of the two "
        "event times in Riffle: a window after the join puts a pair in the same window only when "
        "its windows are made of whole join windows");
    return part;
}

}  // namespace

void registerWindowJoin(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "join.window";
    s.displayName = "Window join";
    s.category = "join";
    s.state = {{"left and right buffers", 1}, {"watermarks", 1}};
    s.description =
        "Joins two streams on equal keys within the same tumbling event-time window, like a SQL "
        "inner "
        "join; each match is emitted as soon as its second event arrives. A late event (its window "
        "had "
        "closed) goes to `errors`, whose rows have the left and the right fields, the other side's "
        "NULL.";
    s.inputs = {{"left", "The left stream", false}, {"right", "The right stream", false}};
    s.outputs = {
        {"out",
         "One row per matching pair: _time (the later event time), the left fields, the right "
         "fields (right_<name> when a left field has the name), window_start, window_end",
         false}};
    s.params = {
        param("size", ParamType::Duration,
              "Length of each tumbling window; only events of the same window join")
            .byDefault("10s")
            .durationRange("1us")
            .inGroup("Window"),
        param("left_key", ParamType::Expression,
              "Join key over the left stream, usually a field name, e.g. auction")
            .mandatory()
            .inGroup("Join")
            .as(ParamRole::Expression, 0),
        param("right_key", ParamType::Expression,
              "Join key over the right stream, e.g. id; it must compare with left_key")
            .mandatory()
            .inGroup("Join")
            .as(ParamRole::Expression, 1),
    };
    s.schemaRule = [](const NodeConfig& config,
                      const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        if (in.schemas.size() != 2 || in.ports != std::vector<int>{0, 1})
            return Result<std::vector<SchemaPtr>>::error(
                "wire one stream into `left` and one into `right`");
        auto plan = planJoin(config, *in.schemas.at(0), *in.schemas.at(1));
        if (!plan) return Result<std::vector<SchemaPtr>>::error(plan.message());
        return std::vector<SchemaPtr>{plan->output};
    };
    s.errorsSchemaRule = [](const NodeConfig& config, const SchemaInputs& in) -> SchemaPtr {
        return planJoin(config, *in.schemas.at(0), *in.schemas.at(1)).value().errors;
    };
    s.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<WindowJoinOperator>(ctx);
    };
    s.exportFlink = exportWindowJoin;
    registry.add(std::move(s));
}

}  // namespace riffle
