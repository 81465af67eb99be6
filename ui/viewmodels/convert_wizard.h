#pragma once
// The conversion wizard: a source model (a library model, a GGUF file or a Hugging Face
// folder) -> one or more low-bit targets and what stays high-precision -> an optional
// calibration text -> the conversions, one target after the other on a worker thread, with a
// progress bar each and cancel -> a summary per target (size, bits per weight, perplexity of
// source and result, and a warning drawn from the measured numbers). Every result enters the
// model library with its lineage: {source, method, target, settings, figures}.
//
// Cancel stops the running conversion (the converter removes its partial output), skips the
// targets still waiting and never touches the source; results finished before stay.
#include <QtQml/qqmlregistration.h>
#include <QAbstractListModel>
#include <QObject>
#include <QUrl>
#include <QVariantList>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>

namespace lowbit {
struct ConvertSummary;
struct ConvertProgress;
}  // namespace lowbit

namespace lowbit::ui {

struct StudioContext;
class SettingsModel;
class ModelLibrary;

// One target of the current run, with its progress and, once done, its figures.
struct ConvertJob {
    enum class State { Waiting, Running, Done, Failed, Cancelled };
    QString target;  // "tq2_0", "onebit", ...
    QString label;   // "TQ2_0 (ternary, 2.06 bits)"
    State state = State::Waiting;
    double fraction = 0;
    QString stage;  // what it is doing now, for people
    QString outputPath;
    qint64 outputBytes = 0;
    double bitsPerWeight = 0;             // over all tensors of the result
    double targetBitsPerWeight = 0;       // over the tensors converted to the target
    double pplSource = 0, pplResult = 0;  // 0: not measured
    double seconds = 0;
    QString method;
    bool nativeTernarySource = false;
    QString warning;
    int warningLevel = 0;  // 0 fine, 1 noticeable loss or unmeasured, 2 severe loss
    QString error;
    qint64 modelId = 0;  // library row of the result
};

class ConvertJobList : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ConvertWizard")
    Q_PROPERTY(int count READ count NOTIFY countChanged)

  public:
    enum Role {
        TargetRole = Qt::UserRole + 1,
        LabelRole,
        StateRole,  // "waiting", "running", "done", "failed", "cancelled"
        FractionRole,
        StageRole,
        OutputPathRole,
        FileNameRole,
        OutputBytesRole,
        OutputSizeRole,  // text
        BitsPerWeightRole,
        TargetBitsPerWeightRole,
        HasPplRole,
        PplSourceRole,
        PplResultRole,
        PplChangeRole,  // percent
        WarningRole,
        WarningLevelRole,
        ErrorRole,
        ModelIdRole,
        MethodRole,
        SecondsRole,
    };
    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    int count() const { return int(jobs_.size()); }
    Q_INVOKABLE QVariantMap get(int row) const;

    const QList<ConvertJob>& jobs() const { return jobs_; }
    void reset(QList<ConvertJob> jobs);
    ConvertJob& at(int row) { return jobs_[row]; }
    void changed(int row);

  signals:
    void countChanged();

  private:
    QList<ConvertJob> jobs_;
};

class ConvertWizard : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by StudioController")
    Q_PROPERTY(QString sourcePath READ sourcePath WRITE setSourcePath NOTIFY sourceChanged)
    Q_PROPERTY(bool sourceValid READ sourceValid NOTIFY sourceChanged)
    Q_PROPERTY(QString sourceKind READ sourceKind NOTIFY sourceChanged)  // "gguf", "folder", ""
    Q_PROPERTY(QString sourceDescription READ sourceDescription NOTIFY sourceChanged)
    Q_PROPERTY(QVariantList libraryChoices READ libraryChoices NOTIFY libraryChoicesChanged)
    Q_PROPERTY(QVariantList targetChoices READ targetChoices CONSTANT)
    // What each target would write for the current source and high-precision policy, planned
    // tensor by tensor (lowbit::plan_conversion, nothing converted): target name -> {bytes, size,
    // bitsPerWeight, text} or {error}. Empty without a valid source and while `estimating`
    // (planned off the GUI thread).
    Q_PROPERTY(QVariantMap targetEstimates READ targetEstimates NOTIFY estimatesChanged)
    Q_PROPERTY(bool estimating READ estimating NOTIFY estimatesChanged)
    Q_PROPERTY(QStringList targets READ targets WRITE setTargets NOTIFY targetsChanged)
    Q_PROPERTY(QString keepPolicy READ keepPolicy WRITE setKeepPolicy NOTIFY settingsChanged)
    Q_PROPERTY(QString calibrationMode READ calibrationMode WRITE setCalibrationMode NOTIFY settingsChanged)
    Q_PROPERTY(QString calibrationFile READ calibrationFile WRITE setCalibrationFile NOTIFY settingsChanged)
    Q_PROPERTY(int calibrationCtx READ calibrationCtx WRITE setCalibrationCtx NOTIFY settingsChanged)
    Q_PROPERTY(int calibrationChunks READ calibrationChunks WRITE setCalibrationChunks NOTIFY settingsChanged)
    Q_PROPERTY(QString outputFolder READ outputFolder WRITE setOutputFolder NOTIFY settingsChanged)
    Q_PROPERTY(bool running READ running NOTIFY runningChanged)
    Q_PROPERTY(bool finished READ finished NOTIFY runningChanged)
    Q_PROPERTY(bool cancelling READ cancelling NOTIFY runningChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    Q_PROPERTY(ConvertJobList* jobs READ jobs CONSTANT)

  public:
    ConvertWizard(StudioContext& ctx, SettingsModel& settings, ModelLibrary& library,
                  QObject* parent = nullptr);
    // Cancels a running conversion and waits for the worker (its partial output is removed).
    ~ConvertWizard() override;

    const QString& sourcePath() const { return sourcePath_; }
    void setSourcePath(const QString& path);
    bool sourceValid() const { return !sourceKind_.isEmpty(); }
    const QVariantMap& targetEstimates() const { return targetEstimates_; }
    bool estimating() const { return estimating_; }
    const QString& sourceKind() const { return sourceKind_; }
    const QString& sourceDescription() const { return sourceDescription_; }
    const QVariantList& libraryChoices() const { return libraryChoices_; }
    QVariantList targetChoices() const;
    const QStringList& targets() const { return targets_; }
    void setTargets(const QStringList& names);
    const QString& keepPolicy() const { return keepPolicy_; }
    void setKeepPolicy(const QString& policy);
    const QString& calibrationMode() const { return calibrationMode_; }
    void setCalibrationMode(const QString& mode);  // "none", "sample", "file"
    const QString& calibrationFile() const { return calibrationFile_; }
    void setCalibrationFile(const QString& path);
    int calibrationCtx() const { return calibrationCtx_; }
    void setCalibrationCtx(int n);
    int calibrationChunks() const { return calibrationChunks_; }  // 0: every window
    void setCalibrationChunks(int n);
    QString outputFolder() const;
    void setOutputFolder(const QString& path);
    bool running() const { return running_; }
    bool finished() const { return finished_; }
    bool cancelling() const { return cancel_.load(); }
    const QString& error() const { return error_; }
    ConvertJobList* jobs() { return &jobs_; }

    // Paths or file:// URLs from the dialogs.
    Q_INVOKABLE void setSourceUrl(const QUrl& url);
    Q_INVOKABLE void setCalibrationFileUrl(const QUrl& url);
    Q_INVOKABLE void setOutputFolderUrl(const QUrl& url);
    Q_INVOKABLE void setTargetSelected(const QString& name, bool selected);
    Q_INVOKABLE bool isTargetSelected(const QString& name) const { return targets_.contains(name); }
    // Checks the choices and starts the worker; false with `error` set when something is missing.
    Q_INVOKABLE bool start();
    Q_INVOKABLE void cancel();
    // Back to a fresh wizard (keeps source and choices, forgets the results).
    Q_INVOKABLE void clearResults();
    Q_INVOKABLE void refreshLibraryChoices();

    // Test seam: called on the worker thread with every progress report of target `row`;
    // returning true cancels the run right there (a deterministic mid-conversion cancel).
    using ProgressProbe = std::function<bool(int row, const ConvertProgress& progress)>;
    void setProgressProbe(ProgressProbe probe) { probe_ = std::move(probe); }

    // The bundled calibration sample (resources/calibration/sample.txt).
    static QString sampleText();
    // The summary's warning, from the measured numbers: {text, level 0..2}.
    static QPair<QString, int> qualityWarning(bool nativeTernarySource, const QString& target,
                                              bool lowBitTarget, double pplSource, double pplResult);

  signals:
    void sourceChanged();
    void estimatesChanged();
    void libraryChoicesChanged();
    void targetsChanged();
    void settingsChanged();
    void runningChanged();
    void errorChanged();
    void resultRegistered(qint64 modelId, const QString& path);
    void runFinished();

  private:
    struct RunSpec;
    void setError(const QString& e);
    void worker(std::shared_ptr<const RunSpec> spec);
    QString uniqueOutputPath(const QString& target, const QStringList& taken) const;
    // Called on the GUI thread by the worker's posted events.
    void onJobStarted(int row);
    void onJobProgress(int row, double fraction, const QString& stage);
    void onJobDone(int row, const ConvertSummary& summary);
    void onJobFailed(int row, const QString& error, bool cancelled);
    void onWorkerFinished();
    void maybeFinish();
    void updateEstimates();
    // targetEstimates for a source and keep policy (runs on a pool thread: no member access).
    static QVariantMap planEstimates(const QString& source, const QString& keepPolicy);
    QString lineageJson(const ConvertJob& job, const ConvertSummary& summary) const;

    StudioContext& ctx_;
    SettingsModel& settings_;
    ModelLibrary& library_;
    QString sourcePath_, sourceKind_, sourceDescription_;
    QVariantList libraryChoices_;
    QVariantMap targetEstimates_;
    bool estimating_ = false;
    quint64 estimateRequest_ = 0;  // the newest request; older answers are dropped
    QStringList targets_;
    QString keepPolicy_ = QStringLiteral("default");
    QString calibrationMode_ = QStringLiteral("sample");
    QString calibrationFile_;
    int calibrationCtx_ = 128;
    int calibrationChunks_ = 8;
    QString outputFolder_;
    bool running_ = false;
    bool finished_ = false;
    int pendingRegistrations_ = 0;
    bool workerDone_ = false;
    QString error_;
    ConvertJobList jobs_;
    std::shared_ptr<const RunSpec> spec_;  // of the current run
    std::atomic<bool> cancel_{false};
    ProgressProbe probe_;  // read by the worker; set only while no run is going
    std::thread thread_;
};

}  // namespace lowbit::ui
