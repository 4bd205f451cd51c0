// riffle-bench studio-*: the studio's speed, measured on the real main window (the README's
// "Benchmarks" section has the numbers).
//
//   studio-open        open the largest example project and show it: ms from the call to the
//                      first complete paint (median of 7, and the worst)
//   studio-pan         a 200-node project, panned 10 px per frame: ms per repaint (median, p99,
//   max) studio-responsive  click_analytics with its source at full speed: how late the GUI thread
//                      handles input events posted every 20 ms while the pipeline runs (p50, p99,
//                      max ms), and the engine's events/s meanwhile
//
// Without a display the offscreen platform renders (raster, as on a desktop without GL).
#include "app/bench/bench_studio.h"

#include "app/bench/bench_ui.h"
#include "app/bench/input_probe.h"

#include <QApplication>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QGraphicsView>
#include <QMouseEvent>
#include <QScrollBar>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "app/studio/main_window.h"
#include "nodes/register_builtin_nodes.h"
#include "widgets/canvas/graph_view.h"

namespace riffle {

namespace {

struct Studio {
    NodeRegistry registry;
    QTemporaryDir dir;
    std::unique_ptr<QSettings> settings;
    std::unique_ptr<MainWindow> window;
    Studio() {
        registerBuiltinNodes(registry);
        settings = std::make_unique<QSettings>(dir.filePath("settings.ini"), QSettings::IniFormat);
        window = std::make_unique<MainWindow>(registry, settings.get());
        window->askToRun = [](const ProjectReach&) { return true; };
        window->askToSave = [] { return 0x00800000; };  // QMessageBox::Discard
        window->resize(1440, 900);
        window->show();
        QApplication::processEvents();
    }
};

QString largestExample() {
    QString best;
    size_t most = 0;
    QDirIterator it(QStringLiteral(RIFFLE_SOURCE_DIR "/projects"), {"*.riffle"}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        auto p = Project::load(path.toStdString());
        if (p && p->nodes.size() > most) {
            most = p->nodes.size();
            best = path;
        }
    }
    return best;
}

Json studioOpen() {
    Studio s;
    const QString path = largestExample();
    std::vector<double> ms;
    for (int i = 0; i < 7; ++i) {
        s.window->document()->close();
        QApplication::processEvents();
        QElapsedTimer t;
        t.start();
        s.window->openFile(path, true);
        QApplication::processEvents();  // layout, fit to view
        s.window->repaint();
        s.window->view()->viewport()->repaint();
        ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    auto p = Project::load(path.toStdString());
    return Json{{"project", QDir(RIFFLE_SOURCE_DIR).relativeFilePath(path).toStdString()},
                {"nodes", p ? p->nodes.size() : 0},
                {"open_ms_median", percentile(ms, 0.5)},
                {"open_ms_max", percentile(ms, 1.0)}};
}

// 200 nodes in 20 chains of source -> filter -> map -> window -> ... -> sink, 10 per chain.
Project bigProject() {
    Project p;
    p.name = "200 nodes";
    const char* chain[] = {
        "source.clickstream", "transform.filter", "transform.map", "transform.dedupe",
        "window.tumbling",    "transform.filter", "transform.map", "transform.topn",
        "transform.filter",   "sink.log"};
    for (int c = 0; c < 20; ++c) {
        for (int k = 0; k < 10; ++k) {
            NodeDef n;
            n.id = "n" + std::to_string(c) + "_" + std::to_string(k);
            n.type = chain[k];
            n.x = 260.0 * k;
            n.y = 200.0 * c;
            if (n.type == "transform.filter") n.params = {{"where", "TRUE"}};
            if (n.type == "transform.map")
                n.params = {{"fields", Json::array()}, {"keep_input", true}};
            if (n.type == "transform.dedupe") n.params = {{"key", "user_id"}, {"within", "1m"}};
            if (n.type == "window.tumbling")
                n.params = {{"size", "10s"},
                            {"group_by", {"page"}},
                            {"aggregates", {{{"name", "views"}, {"expr", "COUNT(*)"}}}}};
            if (n.type == "transform.topn") n.params = {{"n", 3}, {"order_by", {"views DESC"}}};
            p.nodes.push_back(n);
            if (k > 0) {
                EdgeDef e;
                e.fromNode = "n" + std::to_string(c) + "_" + std::to_string(k - 1);
                e.fromPort = "out";
                e.toNode = n.id;
                e.toPort = "in";
                p.edges.push_back(e);
            }
        }
    }
    return p;
}

Json studioPan() {
    Studio s;
    const QString path = s.dir.filePath("big.riffle");
    (void)bigProject().save(path.toStdString());
    s.window->openFile(path, true);
    QApplication::processEvents();
    QGraphicsView* view = s.window->view();
    view->resetTransform();  // 100 %: about 5 x 4 nodes on screen, as a user edits
    view->centerOn(0, 0);
    QApplication::processEvents();
    std::vector<double> ms;
    for (int i = 0; i < 400; ++i) {
        QScrollBar* bar = (i / 100) % 2 ? view->verticalScrollBar() : view->horizontalScrollBar();
        bar->setValue(bar->value() + ((i / 200) % 2 ? -10 : 10));
        QElapsedTimer t;
        t.start();
        view->viewport()->repaint();
        ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    // Zoomed out to see all 200 nodes, panning again.
    s.window->action("fit")->trigger();
    QApplication::processEvents();
    std::vector<double> fitMs;
    for (int i = 0; i < 100; ++i) {
        view->horizontalScrollBar()->setValue(view->horizontalScrollBar()->value() +
                                              (i % 20 < 10 ? 10 : -10));
        QElapsedTimer t;
        t.start();
        view->viewport()->repaint();
        fitMs.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    return Json{{"nodes", 200},
                {"viewport", {view->viewport()->width(), view->viewport()->height()}},
                {"frame_ms_median", percentile(ms, 0.5)},
                {"frame_ms_p99", percentile(ms, 0.99)},
                {"frame_ms_max", percentile(ms, 1.0)},
                {"all_visible_frame_ms_median", percentile(fitMs, 0.5)},
                {"all_visible_frame_ms_max", percentile(fitMs, 1.0)}};
}

Json studioResponsive(double seconds) {
    Studio s;
    const QString path = s.dir.filePath("click_analytics.riffle");
    QFile::copy(QStringLiteral(RIFFLE_SOURCE_DIR "/projects/click_analytics.riffle"), path);
    auto p = Project::load(path.toStdString());
    for (auto& n : p->nodes)
        if (n.type == "source.clickstream") n.params["rate"] = 0;  // as fast as possible
    (void)p->save(path.toStdString());
    s.window->openFile(path, true);
    QApplication::processEvents();
    if (!s.window->run()) return Json{{"error", "the pipeline did not start"}};
    InputLatencyProbe probe;
    probe.start(s.window->view()->viewport());
    int64_t events = 0;
    QElapsedTimer wall;
    wall.start();
    while (wall.elapsed() < static_cast<qint64>(seconds * 1000)) {
        QApplication::processEvents(QEventLoop::AllEvents, 50);
        for (const NodeStats& st : s.window->bridge()->stats())
            if (st.id == "clicks") events = st.eventsOut;
    }
    const double elapsed = static_cast<double>(wall.elapsed()) / 1000.0;
    probe.stop();
    s.window->stop();
    while (s.window->isRunning()) QApplication::processEvents(QEventLoop::AllEvents, 50);
    return Json{{"seconds", elapsed},
                {"engine_events_per_s", static_cast<double>(events) / elapsed},
                {"input_events", probe.ms.size()},
                {"input_latency_ms_p50", percentile(probe.ms, 0.5)},
                {"input_latency_ms_p99", percentile(probe.ms, 0.99)},
                {"input_latency_ms_max", percentile(probe.ms, 1.0)}};
}

}  // namespace

bool isStudioBench(const std::string& query) {
    return query.rfind("studio-", 0) == 0 || query.rfind("ui-", 0) == 0;
}

int runStudioBench(const std::string& query, int argc, char** argv, bool json) {
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    int qtArgc = 1;
    QApplication app(qtArgc, argv);
    (void)argc;
    Json r;
    if (query == "studio-open")
        r = studioOpen();
    else if (query == "studio-pan")
        r = studioPan();
    else if (query == "studio-responsive")
        r = studioResponsive(10.0);
    else if (query == "ui-render")
        r = uiRender();
    else if (query == "ui-live")
        r = uiLive(10.0);
    else {
        std::fprintf(stderr,
                     "riffle-bench: unknown query `%s` (studio: studio-open, studio-pan, "
                     "studio-responsive, ui-render, ui-live)\n",
                     query.c_str());
        return 2;
    }
    r["query"] = query;
    r["platform"] = QGuiApplication::platformName().toStdString();
    if (json) {
        std::printf("%s\n", r.dump().c_str());
    } else {
        std::printf("%s\n", query.c_str());
        for (const auto& [k, v] : r.items())
            if (k != "query") std::printf("  %-30s %s\n", k.c_str(), v.dump().c_str());
    }
    return r.contains("error") ? 1 : 0;
}

}  // namespace riffle
