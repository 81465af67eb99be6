#pragma once
// The engine as the UI thread sees it: starts the worker thread, forwards requests to it,
// keeps the state (no model / loading / ready / generating), and cancels through the atomic
// flags. Every method returns at once; results arrive as signals on the UI thread.
#include <QObject>
#include <QThread>

#include "engine/engine_worker.h"

namespace lowbit::app {

class EngineHost : public QObject {
    Q_OBJECT
  public:
    enum class State { NoModel, Loading, Ready, Generating };
    Q_ENUM(State)

    // `engine` may be null (no engine in this build): then every load fails with a message.
    explicit EngineHost(std::unique_ptr<InferenceEngine> engine, QObject* parent = nullptr);
    ~EngineHost() override;  // stops a running reply or load, then ends the thread

    State state() const { return state_; }
    bool hasModel() const { return hasModel_; }
    const EngineModelInfo& modelInfo() const { return info_; }
    const PromptFormatInfo& promptFormat() const { return format_; }
    double loadProgress() const { return loadProgress_; }
    const QString& loadPhase() const { return loadPhase_; }
    const QString& loadingPath() const { return loadingPath_; }
    const EngineMemory& lastMemory() const { return memory_; }

    // Starts loading (a running load or reply is cancelled first). Returns the request id.
    quint64 loadModel(const EngineLoadRequest& request);
    void cancelLoad();
    void unloadModel();
    // Starts a reply; returns its id, or 0 when no model is ready or a reply is running.
    quint64 generate(const GenerationJob& job);
    // Stops the running reply; what was generated so far is kept (generationFinished follows).
    void stop();
    quint64 currentGeneration() const { return genId_; }

  signals:
    void stateChanged();
    void loadProgressChanged(double fraction, const QString& phase);
    void modelLoaded(const lowbit::app::EngineModelInfo& info, const lowbit::app::PromptFormatInfo& format);
    void modelLoadFailed(const QString& message, bool cancelled);
    void modelUnloaded();
    void generationStarted(quint64 id, int promptTokens, int droppedTurns);
    void textReady(quint64 id, const QString& text, int pieces);
    void generationFinished(quint64 id, const lowbit::app::EngineRunStats& stats,
                            const lowbit::app::EngineMemory& memory);
    void generationFailed(quint64 id, const QString& message);

  private:
    void setState(State s);

    QThread thread_;
    EngineWorker* worker_ = nullptr;  // lives on thread_, deleted when it finishes
    State state_ = State::NoModel;
    bool hasModel_ = false;
    EngineModelInfo info_;
    PromptFormatInfo format_;
    EngineMemory memory_;
    double loadProgress_ = 0;
    QString loadPhase_;
    QString loadingPath_;
    quint64 nextId_ = 1;
    quint64 loadId_ = 0;
    quint64 genId_ = 0;
    CancelFlag loadCancel_;
    CancelFlag genCancel_;
};

}  // namespace lowbit::app
