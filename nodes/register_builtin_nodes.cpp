#include "nodes/register_builtin_nodes.h"

namespace riffle {

void registerBuiltinNodes(NodeRegistry& registry) {
    // Sources
    registerFileSource(registry);
    // Transforms
    // Sinks
    registerFileSink(registry);
    registerSqliteSink(registry);
}

}  // namespace riffle
