#pragma once
// window.hopping on slices (window slicing, as in Scotty, Traub et al., ICDE 2018, and Cutty,
// Carbone et al., CIKM 2016): the time axis is cut at every window boundary into slices of
// gcd(size, slide), each event updates exactly one slice of its group, and a window's result is
// the combination of its slices, computed when it fires. A window of size / slide = 60 so costs one
// aggregate update per event instead of 60.
//
// Combining: the on-time firings come in order of window end, so consecutive windows reuse each
// other's partial results and a firing costs a few merges per group, whatever size / slide is.
// An invertible set (COUNT, PERCENTILE: AggregateSet::invertible()) keeps one running
// combination per group that adds the slices entering the window and subtracts those leaving it.
// Other sets keep a two-stacks sliding aggregate per group (Tangwongsan et al., "Sliding-window
// aggregation algorithms", 2017): the front stack holds suffix combinations of the older slices,
// the back one running combination of the newer ones, and a window is front + back.
// COUNT(DISTINCT) keeps no stacks (their suffix sets would grow with the window) and merges the
// window's slices when it fires. Re-firings for late events, early firings (`emit_every`) and the
// final firing after allowed lateness merge the window's slices too.
//
// Semantics are those of window_common.h, unchanged: late events update their slice and re-fire
// exactly the windows that contain it and have fired, with the groups that changed; early firings
// show the groups changed since a window was last shown. State is one aggregate per group and
// slice (plus the stacks' suffixes, at most one per slice of the newest window), freed once no
// window that may still fire needs the slice.
#include <memory>

#include "nodes/windows/window_combiner.h"

namespace riffle::windows {

// Whether window.hopping of `size` and `slide` with these aggregates runs on slices: when size
// is more than slide and no aggregate depends on the order of arrival (FIRST_VALUE, LAST_VALUE).
bool aggregatesOnSlices(int64_t sizeUs, int64_t slideUs, const agg::AggregateSet& aggregates);

// The operator of a whole window or of a partial instance of a two-phase one (which hands its
// closed windows to `combiner`).
std::unique_ptr<Operator> makeSlicedWindow(const OperatorContext& ctx, int64_t sizeUs,
                                           int64_t slideUs, Phase phase,
                                           std::shared_ptr<WindowCombiner> combiner);

}  // namespace riffle::windows
