#pragma once
// The comparison view's prompt panel: the same prompt through each picked model with the same
// seed and sampling, one model after the other on a worker thread (they take turns, so their
// tokens/s do not disturb each other), each column streaming its text with its prefill and
// decode speed. Cancel stops the model generating and skips the rest. A race that was not
// cancelled is saved by the comparison view (CompareViewModel, as a "prompt" run); showSaved()
// puts a saved one back on screen.
#include <QtQml/qqmlregistration.h>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QVariantList>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace lowbit::ui {

struct PromptRaceModel {
    QString name;
    QString path;
    QString device;
};

class PromptRace : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by CompareViewModel")
    Q_PROPERTY(QString prompt READ prompt WRITE setPrompt NOTIFY settingsChanged)
    Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY settingsChanged)
    Q_PROPERTY(int seed READ seed WRITE setSeed NOTIFY settingsChanged)
    Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY settingsChanged)
    Q_PROPERTY(bool running READ running NOTIFY stateChanged)
    Q_PROPERTY(QString error READ error NOTIFY stateChanged)
    // [{name, path, device, state ("waiting"|"running"|"done"|"failed"|"cancelled"), text,
    //   promptTokens, tokens, prefillTps, decodeTps, error}]: columnsJson() as QML sees it
    Q_PROPERTY(QVariantList columns READ columns NOTIFY columnsChanged)
    // The saved run on screen (0: none, or the columns of a race not saved yet).
    Q_PROPERTY(qint64 savedRunId READ savedRunId NOTIFY columnsChanged)

  public:
    explicit PromptRace(QObject* parent = nullptr);
    ~PromptRace() override;

    QString prompt() const { return prompt_; }
    void setPrompt(const QString& p);
    int maxTokens() const { return maxTokens_; }
    void setMaxTokens(int n);
    int seed() const { return seed_; }
    void setSeed(int s);
    double temperature() const { return temperature_; }
    void setTemperature(double t);
    bool running() const { return running_; }
    QString error() const { return error_; }
    QVariantList columns() const;
    qint64 savedRunId() const { return savedRunId_; }
    void setSavedRunId(qint64 id);
    // The last race was stopped before every model had its turn.
    bool wasCancelled() const { return wasCancelled_; }

    // What a saved run holds: the settings (prompt, seed, temperature, max_tokens) and one
    // object per column (the keys of `columns`).
    QJsonObject settingsJson() const;
    QJsonArray columnsJson() const;
    // Shows a saved run: its settings become the panel's and its columns are shown as saved.
    void showSaved(qint64 id, const QJsonObject& settings, const QJsonArray& columns);

    // Starts the models in turn; false (with `error`) when there is nothing to run.
    bool start(const std::vector<PromptRaceModel>& models, int threads);
    Q_INVOKABLE void cancel();

  signals:
    void settingsChanged();
    void stateChanged();
    void columnsChanged();
    void finished();

  private:
    struct Column {
        PromptRaceModel model;
        QString state = QStringLiteral("waiting");
        QString text;
        int promptTokens = 0;
        int tokens = 0;
        double prefillTps = 0;
        double decodeTps = 0;
        QString error;
    };
    void worker(std::vector<PromptRaceModel> models, std::string prompt, int threads, int maxTokens,
                uint64_t seed, float temperature, int generation);
    void joinWorker();

    QString prompt_ = QStringLiteral("Explain in two sentences why a ternary weight needs only 1.58 bits.");
    int maxTokens_ = 48;
    int seed_ = 42;
    double temperature_ = 0.8;
    bool running_ = false;
    QString error_;
    std::vector<Column> columns_;
    qint64 savedRunId_ = 0;
    bool wasCancelled_ = false;
    std::thread thread_;
    std::atomic<bool> cancel_{false};
    int generation_ = 0;
};

}  // namespace lowbit::ui
