#pragma once
// Drives the running app from a text file, one step per line, so screenshots and demos show
// the real window doing real work. Steps wait for what they start (a model load, a reply).
//
//   import PATH            import a GGUF file into the library and load it
//   import-only PATH       import a GGUF file into the library
//   wait-model [SECONDS]   wait until a model is loaded (default 120 s)
//   new-chat               open a new, empty chat
//   send TEXT              send TEXT in the open chat
//   wait-reply [SECONDS]   wait until the reply is complete (default 300 s)
//   stop | regenerate      as the buttons
//   set PROPERTY VALUE     a chat setting: temperature, topK, topP, minP, repeatPenalty,
//                          maxTokens, seed, systemPrompt, promptFormat
//   type TEXT              put TEXT in the message field without sending
//   page chat|library|settings|downloads|convert|compare
//   convert PATH T1[,T2...]  start the conversion wizard on PATH to the targets (bundled
//                          calibration sample, windows of 64 tokens, at most 4)
//   wait-convert [SECONDS] wait until the conversion run is over (default 300 s)
//   compare P1,P2[,...] [W]  pick these library models (imported before) in the comparison view
//                          and run it (bundled sample, W-token windows (64 without), at most 6)
//   compare-prompt [TEXT]  run the comparison view's prompt panel on the picked models
//   wait-compare [SECONDS] wait until the comparison (and its prompt run) is over (default 300 s)
//   compare-with ID|previous  compare the run on screen with a saved run (previous: the newest other)
//   compare-scroll Y|end   scroll the comparison page to Y pixels from its top, or to its bottom
//   wizard-step N          show step N (0..3) of the conversion wizard
//   settings-panel on|off  the chat settings panel
//   theme system|light|dark
//   sleep MS
//   screenshot FILE        the window as PNG (relative to --screenshot-dir)
//   quit [CODE]
// Lines starting with # are comments. A failing step prints why and quits with status 1.
#include <QObject>
#include <QQuickWindow>
#include <QStringList>
#include <QTimer>
#include <functional>

namespace lowbit::ui {
class StudioController;
}

namespace lowbit::studio {

class DemoScript : public QObject {
    Q_OBJECT
  public:
    DemoScript(ui::StudioController& app, QQuickWindow& window, QString screenshotDir,
               QObject* parent = nullptr);
    // Reads the steps; returns false (with a message on stderr) when the file cannot be read.
    bool load(const QString& path);
    void start();

  private:
    void next();
    void fail(const QString& message);
    void waitFor(std::function<bool()> done, int seconds, const QString& what);
    QObject* findItem(const QString& objectName) const;

    ui::StudioController& app_;
    QQuickWindow& window_;
    QString screenshotDir_;
    QStringList steps_;
    int line_ = 0;
    QTimer poll_;
};

}  // namespace lowbit::studio
