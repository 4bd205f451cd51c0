// Golden tests: every folder under tests/golden/ is one case. It holds `project.riffle` (reading
// its input files with source.file and writing with sink.file into `out/`), the input files,
// and `expected/`, one file per output the project writes. The case runs the real engine on a
// copy of the folder and compares each output with its expected file: the header line exactly,
// the rows as a sorted list, since the groups of one window firing have no defined order
// (firing order and the `final` flag are covered by the unit tests).
//
// To see what a new case produces, run with RIFFLE_GOLDEN_PRINT=1: the actual outputs are
// printed. Expected files are written by hand from what the nodes are documented to do
// (docs/nodes.md, docs/expressions.md, the nodes' headers), never copied from the output without
// checking every row.
#include <QtTest/QtTest>

#include "engine/graph/graph_validator.h"
#include "engine/graph/project.h"
#include "engine/runtime/executor.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

QString goldenRoot() {
    return QStringLiteral(RIFFLE_SOURCE_DIR "/tests/golden");
}

QString readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return QStringLiteral("<cannot open %1>").arg(path);
    return QString::fromUtf8(f.readAll());
}

bool copyFolder(const QString& from, const QString& to) {
    QDir src(from);
    if (!QDir().mkpath(to)) return false;
    for (const QFileInfo& fi : src.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString target = to + "/" + fi.fileName();
        if (fi.isDir()) {
            if (fi.fileName() == "expected" || fi.fileName() == "out") continue;
            if (!copyFolder(fi.filePath(), target)) return false;
        } else if (!QFile::copy(fi.filePath(), target)) {
            return false;
        }
    }
    return true;
}

// The header, then the other lines sorted; empty lines dropped.
QStringList canonicalLines(const QString& text) {
    QStringList lines = text.split('\n', Qt::SkipEmptyParts);
    if (lines.size() > 1) std::sort(lines.begin() + 1, lines.end());
    return lines;
}

// First differing line, for a readable failure.
QString firstDifference(const QString& actual, const QString& expected) {
    const QStringList a = canonicalLines(actual), e = canonicalLines(expected);
    for (qsizetype i = 0; i < std::max(a.size(), e.size()); ++i) {
        const QString al = i < a.size() ? a[i] : "<end of file>";
        const QString el = i < e.size() ? e[i] : "<end of file>";
        if (al != el)
            return QStringLiteral("sorted line %1:\n  actual:   %2\n  expected: %3")
                .arg(i + 1)
                .arg(al, el);
    }
    return {};
}

}  // namespace

class TstGolden : public QObject {
    Q_OBJECT
private slots:
    void cases_data();
    void cases();
};

void TstGolden::cases_data() {
    QTest::addColumn<QString>("folder");
    const QDir root(goldenRoot());
    const QStringList names = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    QVERIFY2(!names.isEmpty(), "no golden cases found");
    for (const QString& name : names)
        QTest::newRow(name.toUtf8().constData()) << root.filePath(name);
}

void TstGolden::cases() {
    QFETCH(QString, folder);
    QTemporaryDir work;
    QVERIFY(work.isValid());
    QVERIFY(copyFolder(folder, work.path()));

    auto loaded = Project::load((work.path() + "/project.riffle").toStdString());
    QVERIFY2(loaded.isOk(), loaded.message().c_str());
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    const ValidatedGraph graph = validateProject(loaded.value(), registry);
    QVERIFY2(graph.ok(), graph.ok() ? "" : graph.problems.front().message.c_str());
    ExecutorOptions options;
    options.threads = 2;
    auto exec = Executor::create(graph, options);
    QVERIFY2(exec.isOk(), exec.message().c_str());
    const Status started = exec.value()->start();
    QVERIFY2(started.isOk(), started.message().c_str());
    QVERIFY2(exec.value()->waitFor(60'000), "the run did not end within a minute");
    const Status failure = exec.value()->failure();
    QVERIFY2(failure.isOk(), failure.message().c_str());

    const QDir expected(folder + "/expected");
    const QStringList files = expected.entryList(QDir::Files, QDir::Name);
    QVERIFY2(!files.isEmpty(), "the case has no expected/ files");
    const bool print = qEnvironmentVariableIsSet("RIFFLE_GOLDEN_PRINT");
    for (const QString& file : files) {
        const QString actual = readAll(work.path() + "/out/" + file);
        if (print) qInfo().noquote() << "----- out/" + file + "\n" + actual;
        const QString diff = firstDifference(actual, readAll(expected.filePath(file)));
        QVERIFY2(diff.isEmpty(), qPrintable("out/" + file + " differs at " + diff));
    }
}

QTEST_GUILESS_MAIN(TstGolden)
#include "tst_golden.moc"
