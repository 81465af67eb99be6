#pragma once
// The command line of lowbit-studio.
#include <QString>
#include <QStringList>
#include <optional>

namespace lowbit::studio {

struct StudioCommandLine {
    QString dataDir;        // --data-dir, else $LOWBIT_STUDIO_DATA_DIR, else the platform's app-data folder
    QString modelsDir;      // --models-dir (default: <data>/models)
    QString model;          // --model: import this GGUF and load it
    QString theme;          // --theme system|light|dark (stored as the setting)
    QString demoScript;     // --demo-script FILE
    QString screenshotDir;  // --screenshot-dir: where the demo's screenshots go
    int width = 0;          // --size WxH
    int height = 0;
    bool noAutoLoad = false;  // --no-auto-load
};

// Parses the arguments (after Q(Gui)Application took its own). On --help or an error, prints
// and returns nullopt with `exitCode` set.
std::optional<StudioCommandLine> parseCommandLine(const QStringList& arguments, int* exitCode);

}  // namespace lowbit::studio
