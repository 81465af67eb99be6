// lowbit-studio: chat with local 1-bit and ternary models.
#include <QApplication>
#include <QIcon>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QtQml/QQmlExtensionPlugin>
#include <cstdio>

#include "demo_script.h"
#include "studio_controller.h"
#include "studio_options.h"
#include "studio_window.h"

Q_IMPORT_QML_PLUGIN(LowbitStudioPlugin)

namespace lowbit::app {
QString version_string();
}

namespace {

void setIdentity() {
    QCoreApplication::setApplicationName(QStringLiteral("Lowbit Studio"));
    QCoreApplication::setOrganizationName(QStringLiteral("Lowbit"));
    QCoreApplication::setApplicationVersion(lowbit::app::version_string());
}

bool asksForInformation(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "-h" || a == "--help" || a == "--help-all" || a == "-v" || a == "--version") return true;
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    // --help and --version work without a display.
    if (asksForInformation(argc, argv)) {
        QCoreApplication core(argc, argv);
        setIdentity();
        int exitCode = 0;
        lowbit::studio::parseCommandLine(QCoreApplication::arguments(), &exitCode);
        return exitCode;
    }
    // QApplication rather than QGuiApplication: QtCharts (used by the comparison view) needs it.
    QApplication app(argc, argv);
    setIdentity();
    QApplication::setDesktopFileName(QStringLiteral("lowbit-studio"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/lowbit-studio.svg")));
    QQuickStyle::setStyle(QStringLiteral("Basic"));

    int exitCode = 0;
    const auto cmd = lowbit::studio::parseCommandLine(QApplication::arguments(), &exitCode);
    if (!cmd) return exitCode;

    lowbit::ui::StudioOptions options;
    options.dataDir = cmd->dataDir;
    options.modelsDir = cmd->modelsDir;
    options.autoLoadModel = !cmd->noAutoLoad && cmd->model.isEmpty();
    lowbit::ui::StudioController controller(options);
    if (!cmd->theme.isEmpty()) controller.settings()->setTheme(cmd->theme);

    QQmlApplicationEngine engine;
    QQuickWindow* window = lowbit::ui::loadStudioWindow(engine, controller);
    if (!window) {
        std::fprintf(stderr, "lowbit-studio: the user interface failed to load\n");
        return 1;
    }
    if (cmd->width > 0) window->resize(cmd->width, cmd->height);
    if (!cmd->model.isEmpty()) controller.importAndLoad(cmd->model);

    std::unique_ptr<lowbit::studio::DemoScript> demo;
    if (!cmd->demoScript.isEmpty()) {
        demo = std::make_unique<lowbit::studio::DemoScript>(controller, *window, cmd->screenshotDir);
        if (!demo->load(cmd->demoScript)) return 2;
        demo->start();
    }
    return app.exec();
}
