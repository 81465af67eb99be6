#include "studio_options.h"

#include <QCommandLineParser>
#include <QDir>
#include <QRegularExpression>
#include <QStandardPaths>
#include <cstdio>

namespace lowbit::studio {

std::optional<StudioCommandLine> parseCommandLine(const QStringList& arguments, int* exitCode) {
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Lowbit Studio: chat with 1-bit and ternary language models on this machine."));
    p.addHelpOption();
    p.addVersionOption();
    const QCommandLineOption dataDir(
        QStringLiteral("data-dir"),
        QStringLiteral("Folder of the chat history and settings (default: %1, or "
                       "$LOWBIT_STUDIO_DATA_DIR).")
            .arg(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)),
        QStringLiteral("DIR"));
    const QCommandLineOption modelsDir(QStringLiteral("models-dir"),
                                       QStringLiteral("Default models folder (default: <data-dir>/models)."),
                                       QStringLiteral("DIR"));
    const QCommandLineOption model(QStringLiteral("model"),
                                   QStringLiteral("Import this GGUF file and load it."),
                                   QStringLiteral("FILE"));
    const QCommandLineOption theme(QStringLiteral("theme"),
                                   QStringLiteral("system, light or dark (saved as the setting)."),
                                   QStringLiteral("THEME"));
    const QCommandLineOption demo(
        QStringLiteral("demo-script"),
        QStringLiteral("Run the steps of FILE (see app/studio/demo_script.h), e.g. for "
                       "screenshots."),
        QStringLiteral("FILE"));
    const QCommandLineOption shots(QStringLiteral("screenshot-dir"),
                                   QStringLiteral("Where the demo script saves its screenshots."),
                                   QStringLiteral("DIR"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size, e.g. 1360x860."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption noAuto(QStringLiteral("no-auto-load"),
                                    QStringLiteral("Do not load the last used model at start."));
    p.addOptions({dataDir, modelsDir, model, theme, demo, shots, size, noAuto});
    if (!p.parse(arguments)) {
        std::fprintf(stderr, "lowbit-studio: %s\n", qPrintable(p.errorText()));
        *exitCode = 2;
        return std::nullopt;
    }
    if (p.isSet(QStringLiteral("help"))) {
        std::fprintf(stdout, "%s", qPrintable(p.helpText()));
        *exitCode = 0;
        return std::nullopt;
    }
    if (p.isSet(QStringLiteral("version"))) {
        p.showVersion();  // exits
    }

    StudioCommandLine c;
    c.dataDir = p.value(dataDir);
    if (c.dataDir.isEmpty()) c.dataDir = qEnvironmentVariable("LOWBIT_STUDIO_DATA_DIR");
    if (c.dataDir.isEmpty()) c.dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    c.dataDir = QDir(c.dataDir).absolutePath();
    c.modelsDir = p.value(modelsDir);
    c.model = p.value(model);
    c.theme = p.value(theme);
    if (!c.theme.isEmpty() && c.theme != QLatin1String("system") && c.theme != QLatin1String("light") &&
        c.theme != QLatin1String("dark")) {
        std::fprintf(stderr, "lowbit-studio: --theme must be system, light or dark\n");
        *exitCode = 2;
        return std::nullopt;
    }
    c.demoScript = p.value(demo);
    c.screenshotDir = p.value(shots);
    if (p.isSet(size)) {
        static const QRegularExpression re(QStringLiteral("^(\\d+)x(\\d+)$"));
        const auto m = re.match(p.value(size));
        if (!m.hasMatch()) {
            std::fprintf(stderr, "lowbit-studio: --size wants WIDTHxHEIGHT\n");
            *exitCode = 2;
            return std::nullopt;
        }
        c.width = m.captured(1).toInt();
        c.height = m.captured(2).toInt();
    }
    c.noAutoLoad = p.isSet(noAuto);
    return c;
}

}  // namespace lowbit::studio
