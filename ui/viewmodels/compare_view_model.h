#pragma once
// The comparison view (issue 7): 2 to 4 library models, each on a device, measured on the same
// text by lowbit::run_compare (the code under `lowbit compare`) on a worker thread — perplexity
// window by window with a live running value per model, then speed and measured memory. Models
// take turns, one loaded at a time, so their speed figures do not disturb each other.
//
// A finished run is saved (settings, figures, machine) in one row; cancel stops the worker and
// saves nothing. Saved runs are listed, reopened and exported as CSV or JSON.
#include <QtQml/qqmlregistration.h>
#include <QJsonObject>
#include <QObject>
#include <QUrl>
#include <QVariantList>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "lowbit/compare.h"
#include "prompt_race.h"
#include "storage/compare_run_store.h"

namespace lowbit::ui {

struct StudioContext;
class SettingsModel;
class ModelLibrary;

class CompareViewModel : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by StudioController")
    // The chosen models: [{modelId, name, path, bitsPerWeight, device}].
    Q_PROPERTY(QVariantList picks READ picks NOTIFY picksChanged)
    // The library's models to pick from: [{modelId, name, bitsPerWeight, missing}].
    Q_PROPERTY(QVariantList choices READ choices NOTIFY choicesChanged)
    Q_PROPERTY(bool sharedDevice READ sharedDevice NOTIFY picksChanged)
    Q_PROPERTY(bool canStart READ canStart NOTIFY stateChanged)
    // Text to measure: "sample" (bundled), "pasted" or "file".
    Q_PROPERTY(QString textSource READ textSource WRITE setTextSource NOTIFY settingsChanged)
    Q_PROPERTY(QString pastedText READ pastedText WRITE setPastedText NOTIFY settingsChanged)
    Q_PROPERTY(QString textFile READ textFile WRITE setTextFile NOTIFY settingsChanged)
    Q_PROPERTY(int windowSize READ windowSize WRITE setWindowSize NOTIFY settingsChanged)
    Q_PROPERTY(int maxWindows READ maxWindows WRITE setMaxWindows NOTIFY settingsChanged)
    Q_PROPERTY(bool measureSpeed READ measureSpeed WRITE setMeasureSpeed NOTIFY settingsChanged)
    Q_PROPERTY(int benchPrompt READ benchPrompt WRITE setBenchPrompt NOTIFY settingsChanged)
    Q_PROPERTY(int benchGen READ benchGen WRITE setBenchGen NOTIFY settingsChanged)

    Q_PROPERTY(bool running READ running NOTIFY stateChanged)
    Q_PROPERTY(QString status READ status NOTIFY stateChanged)
    Q_PROPERTY(double progress READ progress NOTIFY stateChanged)
    Q_PROPERTY(int activeModel READ activeModel NOTIFY stateChanged)
    Q_PROPERTY(QString error READ error NOTIFY stateChanged)

    // Figures of the run on screen (live or reopened): one map per model, see resultMap().
    Q_PROPERTY(QVariantList results READ results NOTIFY resultsChanged)
    Q_PROPERTY(QVariantList metrics READ metrics NOTIFY resultsChanged)
    Q_PROPERTY(int baseline READ baseline NOTIFY resultsChanged)
    Q_PROPERTY(int maxRunningWindows READ maxRunningWindows NOTIFY resultsChanged)
    Q_PROPERTY(qint64 runId READ runId NOTIFY resultsChanged)
    Q_PROPERTY(QString runTitle READ runTitle NOTIFY resultsChanged)
    Q_PROPERTY(QString machineText READ machineText NOTIFY resultsChanged)
    Q_PROPERTY(QVariantList runs READ runs NOTIFY runsChanged)
    // The run on screen against an earlier saved one: rows of compare::runComparison, empty when
    // no other run is picked.
    Q_PROPERTY(QVariantList comparison READ comparison NOTIFY comparisonChanged)
    Q_PROPERTY(qint64 otherRunId READ otherRunId NOTIFY comparisonChanged)
    Q_PROPERTY(QString otherRunTitle READ otherRunTitle NOTIFY comparisonChanged)
    Q_PROPERTY(QString otherMachineText READ otherMachineText NOTIFY comparisonChanged)
    // The prompt panel: the same prompt through each picked model. Each race that is not
    // cancelled is saved; promptRuns lists them, newest first ({id, title, models, when}).
    Q_PROPERTY(PromptRace* prompt READ prompt CONSTANT)
    Q_PROPERTY(QVariantList promptRuns READ promptRuns NOTIFY runsChanged)

  public:
    CompareViewModel(StudioContext& ctx, SettingsModel& settings, ModelLibrary& library,
                     QObject* parent = nullptr);
    ~CompareViewModel() override;

    const QVariantList& picks() const { return picks_; }
    QVariantList choices() const;
    bool sharedDevice() const;
    bool canStart() const;
    QString textSource() const { return textSource_; }
    void setTextSource(const QString& s);
    QString pastedText() const { return pastedText_; }
    void setPastedText(const QString& t);
    QString textFile() const { return textFile_; }
    void setTextFile(const QString& path);
    int windowSize() const { return windowSize_; }
    void setWindowSize(int n);
    int maxWindows() const { return maxWindows_; }
    void setMaxWindows(int n);
    bool measureSpeed() const { return measureSpeed_; }
    void setMeasureSpeed(bool on);
    int benchPrompt() const { return benchPrompt_; }
    void setBenchPrompt(int n);
    int benchGen() const { return benchGen_; }
    void setBenchGen(int n);

    bool running() const { return running_; }
    QString status() const { return status_; }
    double progress() const { return progress_; }
    int activeModel() const { return activeModel_; }
    QString error() const { return error_; }

    QVariantList results() const;
    QVariantList metrics() const;
    int baseline() const;
    int maxRunningWindows() const;
    qint64 runId() const { return runId_; }
    QString runTitle() const { return runTitle_; }
    QString machineText() const;
    const QVariantList& runs() const { return runs_; }
    QVariantList comparison() const;
    qint64 otherRunId() const { return otherRunId_; }
    QString otherRunTitle() const { return otherRunTitle_; }
    QString otherMachineText() const;
    PromptRace* prompt() { return &prompt_; }
    const QVariantList& promptRuns() const { return promptRuns_; }

    // Runs the prompt panel on the picked models, each on its device, in turn.
    Q_INVOKABLE bool startPrompt();

    // Model picks (2 to 4). addPick takes the library's model id; device "cpu" or "vulkan:N".
    Q_INVOKABLE bool addPick(qint64 modelId, const QString& device = QStringLiteral("cpu"));
    Q_INVOKABLE void removePick(int index);
    Q_INVOKABLE void setPickModel(int index, qint64 modelId);
    Q_INVOKABLE void setPickDevice(int index, const QString& device);
    Q_INVOKABLE void clearPicks();
    Q_INVOKABLE void setTextFileUrl(const QUrl& url);

    // Starts a run on the worker thread; false (with `error`) when the settings cannot run.
    Q_INVOKABLE bool start();
    // Stops the run; nothing of it is saved.
    Q_INVOKABLE void cancel();

    Q_INVOKABLE void refreshRuns();
    // Opens a saved perplexity run (openRun) or prompt run (openPromptRun); false for an id of
    // the other kind or one that cannot be read. deleteRun deletes either kind.
    Q_INVOKABLE bool openRun(qint64 id);
    Q_INVOKABLE bool openPromptRun(qint64 id);
    Q_INVOKABLE void deleteRun(qint64 id);
    // Compares the finished run on screen with saved run `id` (not itself); false when there is
    // nothing finished on screen or the run cannot be read.
    Q_INVOKABLE bool compareWith(qint64 id);
    Q_INVOKABLE void clearComparison();
    // Exports the run on screen; the path may be a file:// URL from a dialog.
    Q_INVOKABLE bool exportCsv(const QString& pathOrUrl);
    Q_INVOKABLE bool exportJson(const QString& pathOrUrl);
    Q_INVOKABLE QString csvText() const;
    Q_INVOKABLE QString jsonText() const;
    // For the charts' PNG export (QQuickItem::grabToImage in QML saves to a local path).
    Q_INVOKABLE QString localPath(const QString& pathOrUrl) const;
    Q_INVOKABLE QString defaultExportPath(const QString& suffix) const;

    // The bundled sample text (qrc).
    static QString sampleText();

  signals:
    void picksChanged();
    void choicesChanged();
    void settingsChanged();
    void stateChanged();
    void resultsChanged();
    void runsChanged();
    void comparisonChanged();
    void runSaved(qint64 id);
    void runCancelled();
    void exported(const QString& path);

  private:
    QString measuredText(QString* label) const;
    QJsonObject settingsJson(const QString& textLabel) const;
    void setState(bool running, const QString& status);
    void worker(std::vector<CompareModel> models, std::string text, CompareOptions options, int generation);
    void onEvent(int generation, CompareEvent::Kind kind, int model, double ppl, int chunk, int nChunks,
                 ModelMeasurement result);
    void onFinished(int generation, std::vector<ModelMeasurement> results, QString error, bool cancelled);
    void joinWorker();
    void savePromptRun();
    // Saved run `id` when it is of `kind` (a storage error is shown in `error`).
    std::optional<app::CompareRunRecord> readRun(qint64 id, const QString& kind);
    // The picks become a saved run's models (those still in the library), so it can run again.
    void restorePicks(const QJsonArray& models);
    bool writeFile(const QString& pathOrUrl, const QByteArray& bytes);

    StudioContext& ctx_;
    SettingsModel& settings_;
    ModelLibrary& library_;

    QVariantList picks_;
    QString textSource_ = QStringLiteral("sample");
    QString pastedText_;
    QString textFile_;
    int windowSize_ = 128;
    int maxWindows_ = 8;
    bool measureSpeed_ = true;
    int benchPrompt_ = 64;
    int benchGen_ = 32;

    bool running_ = false;
    QString status_;
    double progress_ = 0;
    int activeModel_ = -1;
    QString error_;

    std::vector<ModelMeasurement> results_;
    qint64 runId_ = 0;
    QString runTitle_;
    qint64 runCreatedAt_ = 0;
    QJsonObject runSettings_;
    QJsonObject runMachine_;
    QVariantList runs_;
    QVariantList promptRuns_;

    std::vector<ModelMeasurement> otherResults_;  // the earlier run compared with
    qint64 otherRunId_ = 0;
    QString otherRunTitle_;
    qint64 otherCreatedAt_ = 0;
    QJsonObject otherMachine_;

    PromptRace prompt_;  // its destructor cancels and joins its own worker
    std::thread thread_;
    std::atomic<bool> cancel_{false};
    int generation_ = 0;  // events of an older (cancelled) run are ignored
};

}  // namespace lowbit::ui
