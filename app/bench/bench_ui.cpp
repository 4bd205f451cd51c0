#include "app/bench/bench_ui.h"

#include "app/bench/input_probe.h"

#include <sys/resource.h>

#include <qcustomplot.h>
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>

#include "app/studio/main_window.h"
#include "nodes/register_builtin_nodes.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/dashboard/dashboard_feed.h"
#include "widgets/dashboard/dashboard_widget.h"
#include "widgets/dashboard/timeseries_panel.h"

namespace riffle {

namespace {

// Runs the GUI thread's event loop for `ms`, sleeping while there is nothing to do (as the studio
// does), so that the CPU measured is the dashboard's and not a polling loop's.
void runEventLoopFor(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

double threadCpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_THREAD, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

Json uiRender() {
    constexpr int kSeries = 10, kPoints = 100'000, kFrames = 200;
    constexpr TimeUs kStepUs = 10'000;  // 100 K points span 1 000 s
    const TimeUs t0 = 1'790'000'000'000'000;
    ChartConfig config;
    config.nodeId = "bench";
    config.kind = "timeseries";
    config.title = "Render bench";
    config.x = "_time";
    config.y = {"value"};
    config.seriesBy = {"series"};
    config.historyUs = 4 * 3600 * 1'000'000LL;
    auto* panel = qobject_cast<TimeseriesPanel*>(ChartPanel::create(config));
    panel->resize(1200, 600);
    panel->show();
    panel->setTimeSpanUs(0);  // all: every point visible
    auto row = [&](int s, int i) {
        ChartRow r;
        r.time = t0 + TimeUs(i) * kStepUs;
        r.series = "series " + std::to_string(s);
        r.values = {std::sin(i * 0.001 * (s + 1)) * 100 + s * 50 + (i % 97)};
        return r;
    };
    for (int i = 0; i < kPoints; i += 10'000) {
        std::vector<ChartRow> rows;
        for (int k = i; k < i + 10'000; ++k)
            for (int s = 0; s < kSeries; ++s) rows.push_back(row(s, k));
        panel->appendRows(rows);
    }
    auto* plot = panel->findChild<QCustomPlot*>();
    int rendered = 0;
    QObject::connect(panel, &ChartPanel::frameRendered, [&] { ++rendered; });
    // The first frame (decimating 1 M points the first time).
    panel->renderFrame();
    QElapsedTimer wait;
    wait.start();
    while (rendered == 0 && wait.elapsed() < 10'000)
        QApplication::processEvents(QEventLoop::AllEvents, 5);

    std::vector<double> paintMs, replotMs;
    QElapsedTimer wall;
    wall.start();
    const double cpu0 = threadCpuSeconds();
    for (int f = 0; f < kFrames; ++f) {
        std::vector<ChartRow> rows;
        for (int s = 0; s < kSeries; ++s) rows.push_back(row(s, kPoints + f));
        panel->appendRows(rows);
        const int before = rendered;
        panel->renderFrame();
        while (rendered == before && wall.elapsed() < 60'000)
            QApplication::processEvents(QEventLoop::AllEvents, 1);
        // What the GUI thread spent on the frame: QCustomPlot's replot plus putting it on screen.
        QElapsedTimer t;
        t.start();
        plot->repaint();
        paintMs.push_back(plot->replotTime() + double(t.nsecsElapsed()) / 1e6);
        replotMs.push_back(plot->replotTime());
    }
    const double seconds = double(wall.nsecsElapsed()) / 1e9;
    const double cpu = threadCpuSeconds() - cpu0;
    Json r{{"series", kSeries},
           {"points_per_series", kPoints},
           {"visible_points", int(panel->seriesPoints("series 0").size()) * kSeries},
           {"drawn_points_per_series", panel->drawnPointCount("series 0")},
           {"frames", kFrames},
           {"fps", kFrames / seconds},
           {"paint_ms_p50", percentile(paintMs, 0.5)},
           {"paint_ms_p99", percentile(paintMs, 0.99)},
           {"replot_ms_p50", percentile(replotMs, 0.5)},
           {"replot_ms_p99", percentile(replotMs, 0.99)},
           {"gui_thread_ms_per_frame", cpu * 1000 / kFrames},
           {"size", Json::array({plot->width(), plot->height()})}};
    delete panel;
    return r;
}

Json uiLive(double seconds) {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    QTemporaryDir dir;
    qputenv("XDG_DATA_HOME", dir.filePath("data").toUtf8());
    QSettings settings(dir.filePath("settings.ini"), QSettings::IniFormat);
    MainWindow window(registry, &settings);
    window.askToRun = [](const ProjectReach&) { return true; };
    window.askToSave = [] { return 0x00800000; };  // QMessageBox::Discard
    window.resize(1600, 1000);
    window.show();
    const QString path = dir.filePath("click_analytics.riffle");
    QFile::copy(QStringLiteral(RIFFLE_SOURCE_DIR "/projects/click_analytics.riffle"), path);
    auto p = Project::load(path.toStdString());
    for (auto& n : p->nodes)
        if (n.type == "source.clickstream") n.params["rate"] = 0;  // as fast as possible
    (void)p->save(path.toStdString());
    window.openFile(path, true);
    QApplication::processEvents();
    if (!window.run()) return Json{{"error", "the pipeline did not start"}};

    InputLatencyProbe probe;
    probe.start(window.view()->viewport());
    // Warm up for 2 s (first windows, first frames), then measure.
    QElapsedTimer wall;
    wall.start();
    runEventLoopFor(2000);
    const size_t latencyFrom = window.dashboardFeed()->latencySamplesMs().size();
    probe.ms.clear();
    auto clicks = [&] {
        for (const NodeStats& st : window.bridge()->stats())
            if (st.id == "clicks") return st.eventsOut;
        return qint64(0);
    };
    const qint64 events0 = clicks();
    const double cpu0 = threadCpuSeconds();
    wall.restart();
    runEventLoopFor(int(seconds * 1000));
    const double elapsed = double(wall.elapsed()) / 1000.0;
    const double cpu = threadCpuSeconds() - cpu0;
    const qint64 events = clicks() - events0;
    probe.stop();
    const std::vector<double> all = window.dashboardFeed()->latencySamplesMs();
    const std::vector<double> latency(
        all.begin() + std::ptrdiff_t(std::min(latencyFrom, all.size())), all.end());
    window.stop();
    while (window.isRunning()) QApplication::processEvents(QEventLoop::AllEvents, 50);
    return Json{{"seconds", elapsed},
                {"panels", int(window.dashboard()->panelIds().size())},
                {"engine_events_per_s", double(events) / elapsed},
                {"gui_thread_cpu_percent", 100.0 * cpu / elapsed},
                {"input_latency_ms_p50", percentile(probe.ms, 0.5)},
                {"input_latency_ms_p99", percentile(probe.ms, 0.99)},
                {"result_to_pixel_frames", int(latency.size())},
                {"result_to_pixel_ms_p50", percentile(latency, 0.5)},
                {"result_to_pixel_ms_p99", percentile(latency, 0.99)},
                {"result_to_pixel_ms_max", percentile(latency, 1.0)}};
}

}  // namespace riffle
