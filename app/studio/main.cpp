// riffle: the studio (SPEC section 7: `riffle [PROJECT]`; the welcome page without PROJECT).
#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTimer>

#include "app/studio/main_window.h"
#include "nodes/register_builtin_nodes.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Riffle");
    QApplication::setApplicationName("Riffle");
    QApplication::setApplicationVersion("0.1.0");
    QApplication::setWindowIcon(QIcon(":/icons/riffle.svg"));

    QCommandLineParser parser;
    parser.setApplicationDescription("Riffle studio: build and run stream analytics pipelines.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("project", "A .riffle project to open.", "[PROJECT]");
    QCommandLineOption runOption("run", "Start the pipeline once the project is open.");
    parser.addOption(runOption);
    parser.process(app);

    riffle::NodeRegistry registry;
    riffle::registerBuiltinNodes(registry);
    QSettings settings;
    riffle::MainWindow window(registry, &settings);
    window.show();
    window.offerRecovery();
    const QStringList args = parser.positionalArguments();
    if (!args.isEmpty() && window.openFile(args.front()).isEmpty() && parser.isSet(runOption))
        QTimer::singleShot(300, &window, [&window] { window.run(); });
    return QApplication::exec();
}
