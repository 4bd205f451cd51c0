#include "nodes/register_builtin_nodes.h"

namespace riffle {

void registerBuiltinNodes(NodeRegistry& registry) {
    // Sources
    // Transforms
    registerFilter(registry);
    registerMap(registry);
    registerUnion(registry);
    // Sinks
    registerLogSink(registry);
}

}  // namespace riffle
