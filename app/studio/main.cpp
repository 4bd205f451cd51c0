// riffle: the studio (`riffle [PROJECT]`; the welcome page without PROJECT; docs/studio.md).
#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QStyle>
#include <QTimer>

#include "app/studio/main_window.h"
#include "nodes/register_builtin_nodes.h"
#include "widgets/inspector/inspector.h"
#include "widgets/style/theme.h"

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
    // For the documentation's screenshots: grab the window after a delay, save it and quit.
    QCommandLineOption shotOption("screenshot", "Save a screenshot of the window to FILE and quit.",
                                  "FILE");
    QCommandLineOption shotDelayOption("screenshot-after",
                                       "Wait MS milliseconds before the screenshot.", "MS", "2000");
    QCommandLineOption selectOption("select", "Select the node ID once the project is open.", "ID");
    parser.addOption(shotOption);
    parser.addOption(shotDelayOption);
    parser.addOption(selectOption);
    QCommandLineOption shotPartOption(
        "screenshot-part", "What to grab: window (default) or inspector.", "PART", "window");
    parser.addOption(shotPartOption);
    QCommandLineOption themeOption("theme", "Colours: system (default), light or dark.", "THEME",
                                   "system");
    parser.addOption(themeOption);
    parser.process(app);

    const QString theme = parser.value(themeOption);
    if (theme == "dark" || theme == "light") {
        QApplication::setStyle("Fusion");
        QApplication::setPalette(theme == "dark" ? riffle::theme::darkPalette()
                                                 : QApplication::style()->standardPalette());
    }

    riffle::NodeRegistry registry;
    riffle::registerBuiltinNodes(registry);
    QSettings settings;
    riffle::MainWindow window(registry, &settings);
    window.show();
    window.offerRecovery();
    const QStringList args = parser.positionalArguments();
    if (!args.isEmpty() && window.openFile(args.front()).isEmpty() && parser.isSet(runOption))
        QTimer::singleShot(300, &window, [&window] { window.run(); });
    if (parser.isSet(selectOption))
        QTimer::singleShot(200, &window, [&window, id = parser.value(selectOption)] {
            window.selectAndReveal(id);
        });
    if (parser.isSet(shotOption)) {
        QTimer::singleShot(
            parser.value(shotDelayOption).toInt(), &window,
            [&window, file = parser.value(shotOption), part = parser.value(shotPartOption)] {
                QWidget* what =
                    part == "inspector" ? static_cast<QWidget*>(window.inspector()) : &window;
                what->grab().save(file);
                window.stop();
                QApplication::quit();
            });
    }
    return QApplication::exec();
}
