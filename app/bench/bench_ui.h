#pragma once
// riffle-bench's dashboard queries, run inside the studio bench's QApplication:
//   ui-render  a time series panel with 10 series x 100 K visible points, redrawn as fast as it
//              goes while a point per series arrives each frame: frames/s (`fps`) and the GUI
//              thread's paint time per frame (`paint_ms_p50`, `paint_ms_p99`)
//   ui-live    click_analytics with its source at full speed feeding its 6 dashboard panels:
//              the GUI thread's CPU share, input latency, and the time from a window's result
//              leaving its chart sink to the first frame that draws it (p50, p99)
#include "engine/graph/params.h"

namespace riffle {

Json uiRender();
Json uiLive(double seconds);

}  // namespace riffle
