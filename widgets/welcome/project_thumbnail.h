#pragma once
// A small picture of a project's pipeline for the welcome page's cards: each node a rounded box
// in its category colour at its canvas position, wires between them, the whole graph scaled to
// fit with a margin. The colours follow the given palette, so it reads on light and dark.
//
// Threading: GUI thread only (QPixmap).
#include <QPalette>
#include <QPixmap>
#include <QSize>

namespace riffle {

class NodeRegistry;
class Project;

// `size` is in device pixels; for a high-DPI screen pass the logical size times the device pixel
// ratio and set that ratio on the result. Node types the registry does not know are drawn grey.
QPixmap renderProjectThumbnail(const Project& project, const NodeRegistry& registry, QSize size,
                               const QPalette& palette);

}  // namespace riffle
