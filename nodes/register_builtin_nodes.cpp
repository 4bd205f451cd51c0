#include "nodes/register_builtin_nodes.h"

namespace riffle {

void registerBuiltinNodes(NodeRegistry& registry) {
    // Sources
    registerClickstreamSource(registry);
    registerMetricsSource(registry);
    // Transforms
    // Sinks
}

}  // namespace riffle
