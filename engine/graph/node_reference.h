#pragma once
// A node type's reference as Markdown, from its NodeSpec alone: what docs/nodes.md lists for
// every type (riffle-run --list-nodes --markdown) and what the studio's "Reference" shows for one.
#include <string>

#include "engine/graph/node_registry.h"

namespace riffle {

// "## `type` — Name", the description, the ports and a table of the parameters.
std::string nodeReferenceMarkdown(const NodeSpec& spec);

}  // namespace riffle
