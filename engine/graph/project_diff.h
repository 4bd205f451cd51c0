#pragma once
// Whether an edit changes what a running pipeline does, or only how the project looks: card
// positions, titles, the dashboard's layout, the description, and parameters declared `live`
// (a chart's look). The studio restarts a running pipeline for the first kind of edit only.
#include "engine/graph/node_registry.h"
#include "engine/graph/project.h"

namespace riffle {

// True when `after` runs exactly as `before` does: the same nodes and types, the same wires,
// the same settings, and the same parameters apart from live ones.
bool runsTheSame(const Project& before, const Project& after, const NodeRegistry& registry);

}  // namespace riffle
