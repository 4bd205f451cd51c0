#pragma once
// transform.dedupe's state, inspectable from outside the operator (tests; later the studio's
// node details). The node itself lives in dedupe.cpp.
#include <cstddef>

#include "engine/runtime/operator.h"

namespace riffle {

// How many keys a transform.dedupe operator remembers right now (one per key whose last passed
// event is not yet `within` behind the watermark); 0 for any other operator.
size_t dedupeKeysHeld(const Operator& op);

}  // namespace riffle
