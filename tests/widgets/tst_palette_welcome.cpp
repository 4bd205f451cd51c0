// The icons, the node palette and the welcome page: what a user sees before touching the canvas.
// Set RIFFLE_SCREENSHOTS=<dir> to also write light and dark screenshots of both into <dir>.
#include <QtTest/QtTest>
#include <QtWidgets/QtWidgets>

#include "nodes/register_builtin_nodes.h"
#include "widgets/palette/palette_widget.h"
#include "widgets/style/theme.h"
#include "widgets/welcome/project_card.h"
#include "widgets/welcome/project_thumbnail.h"
#include "widgets/welcome/welcome_page.h"

using namespace riffle;

namespace {

const QStringList kCategories = {"source", "transform", "window", "aggregate",
                                 "join",   "alert",     "sink",   "chart"};
const QStringList kActions = {"new",     "open",     "save",     "save-as", "undo",   "redo",
                              "cut",     "copy",     "paste",    "delete",  "run",    "stop",
                              "zoom-in", "zoom-out", "zoom-fit", "find",    "record", "export"};

QString projectsDir() {
    return QStringLiteral(RIFFLE_SOURCE_DIR) + "/projects";
}

QStringList allProjects() {
    QStringList paths;
    for (const QString& sub : {QString(), QStringLiteral("/nexmark")}) {
        QDir dir(projectsDir() + sub);
        for (const QString& f : dir.entryList({"*.riffle"}, QDir::Files, QDir::Name))
            paths << dir.filePath(f);
    }
    return paths;
}

// Pixels a painted icon actually covers: a broken SVG renders nothing.
int coveredPixels(const QPixmap& pm) {
    const QImage img = pm.toImage().convertToFormat(QImage::Format_ARGB32);
    int n = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) n += qAlpha(img.pixel(x, y)) > 64;
    return n;
}

bool containsColor(const QImage& img, const QColor& c, int tolerance = 6) {
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QColor p = img.pixelColor(x, y);
            if (std::abs(p.red() - c.red()) <= tolerance &&
                std::abs(p.green() - c.green()) <= tolerance &&
                std::abs(p.blue() - c.blue()) <= tolerance)
                return true;
        }
    return false;
}

QPalette darkPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
    p.setColor(QPalette::WindowText, QColor(0xe3, 0xe5, 0xe8));
    p.setColor(QPalette::Base, QColor(0x1f, 0x21, 0x24));
    p.setColor(QPalette::AlternateBase, QColor(0x27, 0x29, 0x2d));
    p.setColor(QPalette::Text, QColor(0xe3, 0xe5, 0xe8));
    p.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3c));
    p.setColor(QPalette::ButtonText, QColor(0xe3, 0xe5, 0xe8));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x8b, 0xe0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0x35, 0x37, 0x3c));
    p.setColor(QPalette::ToolTipText, QColor(0xe3, 0xe5, 0xe8));
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8f, 0x98));
    p.setColor(QPalette::Light, QColor(0x45, 0x47, 0x4c));
    p.setColor(QPalette::Midlight, QColor(0x3a, 0x3c, 0x41));
    p.setColor(QPalette::Mid, QColor(0x25, 0x27, 0x2a));
    p.setColor(QPalette::Dark, QColor(0x1a, 0x1b, 0x1e));
    p.setColor(QPalette::Shadow, Qt::black);
    return p;
}

}  // namespace

class TstPaletteWelcome : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void everyIconLoadsAndDrawsSomething();
    void paletteListsEveryTypeOnceInItsGroup();
    void typingFiltersTheList();
    void enterAndDoubleClickRequestAnAdd();
    void dragPayloadCarriesTheTypeId();
    void thumbnailDrawsNodesInCategoryColours();
    void tagsAndSummaryComeFromTheProject();
    void welcomeShowsOneCardPerExample();
    void clickingACardOpensItsFile();
    void recentFilesShowOnlyExistingPaths();
    void screenshots();

private:
    NodeRegistry m_registry;
};

void TstPaletteWelcome::initTestCase() {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    registerBuiltinNodes(m_registry);
    // A chart sink, as the dashboard adds them: it must be listed under Charts, not Sinks.
    NodeSpec chart;
    chart.typeId = "sink.chart.line";
    chart.displayName = "Line chart";
    chart.category = "sink";
    chart.chartKind = "line";
    chart.description = "Draws numeric fields over event time.";
    chart.inputs = {{"in", "Events to plot", false}};
    m_registry.add(std::move(chart));
}

void TstPaletteWelcome::everyIconLoadsAndDrawsSomething() {
    QStringList paths;
    for (const QString& c : kCategories) paths << ":/icons/category/" + c + ".svg";
    for (const QString& a : kActions) paths << ":/icons/actions/" + a + ".svg";
    paths << QStringLiteral(":/icons/riffle.svg");
    for (const QString& path : paths) {
        QVERIFY2(QFile::exists(path), qPrintable(path));
        const QPixmap pm = QIcon(path).pixmap(24);
        QVERIFY2(!pm.isNull(), qPrintable(path));
        QVERIFY2(coveredPixels(pm) > 12, qPrintable(path + " draws nothing"));
    }
    for (const QString& c : kCategories) QVERIFY(!theme::categoryIcon(c).pixmap(16).isNull());
    for (const QString& a : kActions) QVERIFY(!theme::actionIcon(a).pixmap(16).isNull());
    // Run is green and Stop red, whatever the palette.
    const QImage run = QIcon(":/icons/actions/run.svg").pixmap(24).toImage();
    const QImage stop = QIcon(":/icons/actions/stop.svg").pixmap(24).toImage();
    const QColor runC = run.pixelColor(11, 12), stopC = stop.pixelColor(12, 12);
    QVERIFY(runC.green() > runC.red() + 60);
    QVERIFY(stopC.red() > stopC.green() + 100);
}

void TstPaletteWelcome::paletteListsEveryTypeOnceInItsGroup() {
    PaletteWidget palette(m_registry);
    const QStringList listed = palette.visibleTypeIds();
    QStringList expected;
    for (const NodeSpec* spec : m_registry.all()) expected << QString::fromStdString(spec->typeId);
    QCOMPARE(listed.size(), expected.size());
    QCOMPARE(QSet<QString>(listed.begin(), listed.end()).size(), listed.size());
    for (const NodeSpec* spec : m_registry.all()) {
        const QString id = QString::fromStdString(spec->typeId);
        const QString category = theme::displayCategory(spec);
        QCOMPARE(palette.groupOf(id), theme::categoryLabel(category));
    }
    QCOMPARE(palette.groupOf("sink.chart.line"), QStringLiteral("Charts"));
    QCOMPARE(palette.groupOf("sink.sqlite"), QStringLiteral("Sinks"));
    QCOMPARE(palette.groupOf("window.tumbling"), QStringLiteral("Windows"));

    // Groups in the order of a pipeline: sources first, charts last.
    auto* tree = palette.findChild<QTreeView*>();
    QVERIFY(tree);
    QStringList groups;
    for (int i = 0; i < tree->model()->rowCount(); ++i)
        groups << tree->model()->index(i, 0).data().toString();
    QCOMPARE(groups, (QStringList{"Sources", "Transforms", "Windows", "Aggregates", "Joins",
                                  "Alerts", "Sinks", "Charts"}));
    // Entries show the display name, the description as tooltip.
    const QModelIndex windows = tree->model()->index(2, 0);
    bool found = false;
    for (int i = 0; i < tree->model()->rowCount(windows); ++i) {
        const QModelIndex e = tree->model()->index(i, 0, windows);
        if (e.data().toString() == "Tumbling window") {
            found = true;
            QVERIFY(e.data(Qt::ToolTipRole).toString().contains("window.tumbling"));
        }
    }
    QVERIFY(found);
}

void TstPaletteWelcome::typingFiltersTheList() {
    PaletteWidget palette(m_registry);
    palette.resize(260, 700);
    palette.show();
    QVERIFY(QTest::qWaitForWindowExposed(&palette));
    palette.focusSearch();
    auto* search = palette.findChild<QLineEdit*>();
    QVERIFY(search && search->hasFocus());
    QTest::keyClicks(search, "tumb");
    QCOMPARE(palette.visibleTypeIds(), QStringList{"window.tumbling"});
    auto* tree = palette.findChild<QTreeView*>();
    QCOMPARE(tree->model()->rowCount(), 1);  // only the Windows group is left
    QCOMPARE(tree->model()->index(0, 0).data().toString(), QStringLiteral("Windows"));

    // The type id and the description match too, every word of the search must.
    palette.setFilterText("sink.sql");
    QCOMPARE(palette.visibleTypeIds(), QStringList{"sink.sqlite"});
    palette.setFilterText("overlapping");
    QCOMPARE(palette.visibleTypeIds(), QStringList{"window.hopping"});
    palette.setFilterText("window aggregates per group session");
    QCOMPARE(palette.visibleTypeIds(), QStringList{"window.session"});
    palette.setFilterText("zzzz");
    QVERIFY(palette.visibleTypeIds().isEmpty());
    QCOMPARE(tree->model()->rowCount(), 0);

    // Escape clears the search; every type is back and a folded group stays folded.
    palette.setFilterText("");
    tree->collapse(tree->model()->index(0, 0));
    palette.setFilterText("filter");
    QVERIFY(tree->isExpanded(tree->model()->index(0, 0)));
    search->setFocus();
    QTest::keyClick(search, Qt::Key_Escape);
    QVERIFY(search->text().isEmpty());
    QCOMPARE(palette.visibleTypeIds().size(), static_cast<int>(m_registry.all().size()));
    QVERIFY(!tree->isExpanded(tree->model()->index(0, 0)));
    QVERIFY(tree->isExpanded(tree->model()->index(1, 0)));
}

void TstPaletteWelcome::enterAndDoubleClickRequestAnAdd() {
    PaletteWidget palette(m_registry);
    palette.resize(260, 700);
    palette.show();
    QVERIFY(QTest::qWaitForWindowExposed(&palette));
    QSignalSpy added(&palette, &PaletteWidget::addRequested);
    auto* search = palette.findChild<QLineEdit*>();
    palette.focusSearch();
    QTest::keyClicks(search, "tumb");
    QTest::keyClick(search, Qt::Key_Return);
    QCOMPARE(added.size(), 1);
    QCOMPARE(added.at(0).at(0).toString(), QStringLiteral("window.tumbling"));

    // Down from the search goes to the list; Enter there adds the current entry.
    palette.setFilterText("map");
    QTest::keyClick(search, Qt::Key_Down);
    auto* tree = palette.findChild<QTreeView*>();
    QVERIFY(tree->hasFocus());
    QTest::keyClick(tree, Qt::Key_Return);
    QCOMPARE(added.size(), 2);
    QCOMPARE(added.at(1).at(0).toString(), QStringLiteral("transform.map"));

    palette.setFilterText("");
    const QModelIndex sources = tree->model()->index(0, 0);
    const QModelIndex first = tree->model()->index(0, 0, sources);
    const QRect r = tree->visualRect(first);
    QVERIFY(r.isValid());
    QTest::mouseDClick(tree->viewport(), Qt::LeftButton, {}, r.center());
    QCOMPARE(added.size(), 3);
    QCOMPARE(added.at(2).at(0).toString(), first.data(Qt::UserRole + 2).toString());
    QVERIFY(added.at(2).at(0).toString().startsWith("source."));
    // A double-click on a group header folds it rather than adding anything.
    QTest::mouseDClick(tree->viewport(), Qt::LeftButton, {}, tree->visualRect(sources).center());
    QCOMPARE(added.size(), 3);
}

void TstPaletteWelcome::dragPayloadCarriesTheTypeId() {
    std::unique_ptr<QMimeData> data(makeNodeTypeMimeData("window.tumbling"));
    QVERIFY(data->hasFormat("application/x-riffle-node-type"));
    QCOMPARE(data->data("application/x-riffle-node-type"), QByteArray("window.tumbling"));
    QCOMPARE(nodeTypeFromMimeData(data.get()), QStringLiteral("window.tumbling"));
    QMimeData other;
    other.setText("window.tumbling");
    QVERIFY(nodeTypeFromMimeData(&other).isEmpty());
    QVERIFY(nodeTypeFromMimeData(nullptr).isEmpty());
}

void TstPaletteWelcome::thumbnailDrawsNodesInCategoryColours() {
    auto project = Project::load((projectsDir() + "/click_analytics.riffle").toStdString());
    QVERIFY(project);
    QPalette light;
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    const QPixmap pm = renderProjectThumbnail(project.value(), m_registry, {320, 160}, light);
    QCOMPARE(pm.size(), QSize(320, 160));
    const QImage img = pm.toImage();
    QVERIFY(containsColor(img, theme::categoryColor("source")));
    QVERIFY(containsColor(img, theme::categoryColor("window")));
    QVERIFY(containsColor(img, theme::categoryColor("sink")));
    QVERIFY(!containsColor(img, theme::categoryColor("join")));
    // The graph fits with a margin: no node touches the edges.
    QVERIFY(!containsColor(img.copy(0, 0, 320, 8), theme::categoryColor("source"), 20));
    QVERIFY(!containsColor(img.copy(0, 152, 320, 8), theme::categoryColor("sink"), 20));
}

void TstPaletteWelcome::tagsAndSummaryComeFromTheProject() {
    auto load = [&](const QString& rel) {
        auto p = Project::load((projectsDir() + "/" + rel).toStdString());
        if (!p) qFatal("%s", p.message().c_str());
        return std::move(p.value());
    };
    QCOMPARE(projectTags(load("click_analytics.riffle"), m_registry),
             (QStringList{"clickstream", "SQLite", "windows"}));
    QCOMPARE(projectTags(load("metrics_alerts_basic.riffle"), m_registry), QStringList{"IoT"});
    QVERIFY(projectTags(load("fraud_alerts.riffle"), m_registry).contains("alerts"));
    QVERIFY(projectTags(load("nexmark/q3.riffle"), m_registry).contains("benchmark"));
    QVERIFY(projectTags(load("nexmark/q3.riffle"), m_registry).contains("joins"));
    QCOMPARE(projectSummary(load("nexmark/q0.riffle")),
             QStringLiteral("Every bid goes through unchanged"));
    QCOMPARE(projectSummary(load("fraud_alerts.riffle")),
             QStringLiteral("Purchase bursts per user: purchases in 1-minute windows sliding "
                            "every 10 s"));
}

void TstPaletteWelcome::welcomeShowsOneCardPerExample() {
    WelcomePage page(m_registry);
    const QStringList paths = allProjects();
    QVERIFY(paths.size() >= 5);
    page.setExamples(paths);
    QCOMPARE(page.cards().size(), paths.size());
    QCOMPARE(page.findChildren<ProjectCard*>().size(), paths.size());
    for (int i = 0; i < paths.size(); ++i) {
        auto project = Project::load(paths[i].toStdString());
        QVERIFY(project);
        ProjectCard* card = page.cards()[i];
        QCOMPARE(card->path(), paths[i]);
        QCOMPARE(card->name(), QString::fromStdString(project.value().name));
        QCOMPARE(card->text(), card->name());
        QVERIFY(!card->summary().isEmpty());
        // Benchmarks go to the compact section, the rest are full cards.
        QCOMPARE(card->cardStyle() == ProjectCard::Style::Compact, paths[i].contains("/nexmark/"));
    }
    // A project that fails to load gets no card; setting examples again replaces them.
    page.setExamples({projectsDir() + "/click_analytics.riffle", "/nonexistent/x.riffle"});
    QCOMPARE(page.cards().size(), 1);
    QCOMPARE(page.findChildren<ProjectCard*>().size(), 1);
}

void TstPaletteWelcome::clickingACardOpensItsFile() {
    WelcomePage page(m_registry);
    page.setExamples(allProjects());
    // A laptop screen: room for the five examples and the benchmarks without scrolling.
    page.resize(1440, 900);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QSignalSpy opened(&page, &WelcomePage::openFile);
    ProjectCard* card = page.cards().at(1);
    QVERIFY(card->isVisible() && card->width() >= 200);
    QTest::mouseClick(card, Qt::LeftButton, {}, card->rect().center());
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened.at(0).at(0).toString(), card->path());

    // Keyboard: Tab reaches the cards, Enter opens the focused one.
    card->setFocus(Qt::TabFocusReason);
    QTest::keyClick(card, Qt::Key_Return);
    QCOMPARE(opened.size(), 2);
    QVERIFY(card->focusPolicy() & Qt::TabFocus);

    // Cards do not overlap and none is clipped by the page.
    const auto cards = page.cards();
    for (int i = 0; i < cards.size(); ++i)
        for (int j = i + 1; j < cards.size(); ++j) {
            const QRect a(cards[i]->mapTo(&page, QPoint(0, 0)), cards[i]->size());
            const QRect b(cards[j]->mapTo(&page, QPoint(0, 0)), cards[j]->size());
            QVERIFY(!a.intersects(b));
        }

    // Roomy window: everything fits without scrolling. Small window: the grid reflows to fewer
    // columns and the page scrolls to every card.
    auto* scroll = page.findChild<QScrollArea*>();
    QCOMPARE(scroll->verticalScrollBar()->maximum(), 0);
    page.resize(760, 480);
    QApplication::processEvents();
    QVERIFY(scroll->verticalScrollBar()->maximum() > 0);
    for (ProjectCard* c : page.cards()) {
        const QRect inPane(c->mapTo(scroll->widget(), QPoint(0, 0)), c->size());
        QVERIFY(scroll->widget()->rect().contains(inPane));
        QVERIFY(c->width() >= c->minimumSizeHint().width());
    }

    QSignalSpy newReq(&page, &WelcomePage::newRequested);
    QSignalSpy openReq(&page, &WelcomePage::openRequested);
    for (QPushButton* b : page.findChildren<QPushButton*>()) b->click();
    QCOMPARE(newReq.size(), 1);
    QCOMPARE(openReq.size(), 1);
}

void TstPaletteWelcome::recentFilesShowOnlyExistingPaths() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString a = dir.filePath("a.riffle"), b = dir.filePath("b.riffle");
    for (const QString& p : {a, b}) {
        QFile f(p);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{}");
    }
    WelcomePage page(m_registry);
    page.resize(1280, 800);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    page.setRecentFiles({b, dir.filePath("gone.riffle"), a, b});
    QCOMPARE(page.recentFiles(), (QStringList{b, a}));

    // Each shown as a button named after the file; clicking one opens it.
    QList<QAbstractButton*> entries;
    for (QAbstractButton* button : page.findChildren<QAbstractButton*>())
        if (!qobject_cast<QPushButton*>(button) && !qobject_cast<ProjectCard*>(button))
            entries << button;
    QCOMPARE(entries.size(), 2);
    QSignalSpy opened(&page, &WelcomePage::openFile);
    for (QAbstractButton* e : entries) {
        QCOMPARE(e->text() == "a.riffle" || e->text() == "b.riffle", true);
        QVERIFY(e->isVisible());
        QTest::mouseClick(e, Qt::LeftButton, {}, e->rect().center());
    }
    QCOMPARE(opened.size(), 2);
    QCOMPARE(QSet<QString>({opened.at(0).at(0).toString(), opened.at(1).at(0).toString()}),
             QSet<QString>({a, b}));

    page.setRecentFiles({});
    QVERIFY(page.recentFiles().isEmpty());
}

void TstPaletteWelcome::screenshots() {
    const QString dir = qEnvironmentVariable("RIFFLE_SCREENSHOTS");
    if (dir.isEmpty()) QSKIP("set RIFFLE_SCREENSHOTS=<dir> to write screenshots");
    const QPalette original = QApplication::palette();
    const QStringList home = {
        QStringLiteral(RIFFLE_SOURCE_DIR) + "/projects/click_analytics.riffle",
        QStringLiteral(RIFFLE_SOURCE_DIR) + "/projects/fraud_alerts.riffle",
        QStringLiteral(RIFFLE_SOURCE_DIR) + "/README.md"};
    for (const QString& mode : {QStringLiteral("light"), QStringLiteral("dark")}) {
        QApplication::setPalette(
            mode == "dark" ? darkPalette() : QStyleFactory::create("Fusion")->standardPalette());
        WelcomePage page(m_registry);
        page.setExamples(allProjects());
        page.setRecentFiles(home);
        page.resize(1280, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        if (mode == "light") {
            // Show the hover look on one card.
            ProjectCard* card = page.cards().at(0);
            QTest::mouseMove(card, card->rect().center());
        }
        QVERIFY(page.grab().save(dir + "/welcome-" + mode + ".png"));

        PaletteWidget palette(m_registry);
        palette.resize(260, 700);
        palette.show();
        QVERIFY(QTest::qWaitForWindowExposed(&palette));
        auto* tree = palette.findChild<QTreeView*>();
        tree->setCurrentIndex(tree->model()->index(1, 0, tree->model()->index(2, 0)));
        QVERIFY(palette.grab().save(dir + "/palette-" + mode + ".png"));
        palette.setFilterText("win");
        QCoreApplication::processEvents();
        QVERIFY(palette.grab().save(dir + "/palette-search-" + mode + ".png"));
    }
    QApplication::setPalette(original);

    // All icons on one sheet, on light and dark.
    QPixmap sheet(20 * 24 + 64, 2 * 64);
    sheet.fill(Qt::white);
    QPainter p(&sheet);
    p.fillRect(0, sheet.height() / 2, sheet.width(), sheet.height() / 2, QColor(0x2b, 0x2d, 0x31));
    for (int row = 0; row < 2; ++row) {
        int x = 8;
        for (const QString& c : kCategories) {
            const QRect r(x, 8 + row * 64, 32, 32);
            p.setRenderHint(QPainter::Antialiasing);
            p.setPen(Qt::NoPen);
            p.setBrush(theme::categoryColor(c));
            p.drawRoundedRect(r, 7, 7);
            theme::categoryIcon(c).paint(&p, r.adjusted(6, 6, -6, -6));
            x += 40;
        }
        x = 8;
        for (const QString& a : kActions) {
            theme::actionIcon(a).paint(&p, QRect(x, 8 + row * 64 + 36, 16, 16));
            x += 24;
        }
        QIcon(":/icons/riffle.svg").paint(&p, QRect(sheet.width() - 48, 8 + row * 64, 40, 40));
    }
    p.end();
    QVERIFY(sheet.save(dir + "/riffle-icons.png"));
}

QTEST_MAIN(TstPaletteWelcome)
#include "tst_palette_welcome.moc"
