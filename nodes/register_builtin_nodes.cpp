#include "nodes/register_builtin_nodes.h"

namespace riffle {

void registerBuiltinNodes(NodeRegistry& registry) {
    // Sources
    // Transforms
    // Sinks
    (void)registry;
}

}  // namespace riffle
