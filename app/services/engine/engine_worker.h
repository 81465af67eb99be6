#pragma once
// The engine's own thread. EngineWorker lives on it and runs every engine call (load,
// generate) there; EngineHost is its face on the UI thread. They talk only through queued
// signals and slots, plus one atomic cancel flag per request that the UI thread may set at any
// time (stop, cancel loading) and the engine checks between tokens / file chunks.
#include <QElapsedTimer>
#include <QObject>
#include <QThread>
#include <memory>
#include <vector>

#include "chat/chat_template.h"
#include "engine/inference_engine.h"

namespace lowbit::app {

using CancelFlag = std::shared_ptr<std::atomic<bool>>;

// One reply to produce.
struct GenerationJob {
    std::vector<chat::Turn> turns;                  // system (optional), history, the user turn to answer
    QString promptFormat = QStringLiteral("auto");  // "auto" or a chat::familyKey
    EngineSampling sampling;
};

// How the loaded model's prompts are written, as chosen at load time.
struct PromptFormatInfo {
    QString key;     // chat::familyKey
    QString name;    // chat::familyName
    QString source;  // chat::detectionSourceText
};

class EngineWorker : public QObject {
    Q_OBJECT
  public:
    explicit EngineWorker(std::unique_ptr<InferenceEngine> engine, QObject* parent = nullptr);
    ~EngineWorker() override;

    // Called through QMetaObject::invokeMethod from the host (so they run on this thread).
    void load(quint64 id, const EngineLoadRequest& request, const CancelFlag& cancel);
    void unload();
    void generate(quint64 id, const GenerationJob& job, const CancelFlag& cancel);

    // Shortest time between two textReady signals: tokens are batched so a fast model does
    // not flood the UI thread with one event per token.
    static constexpr int kTextIntervalMs = 30;

  signals:
    void loadProgress(quint64 id, double fraction, const QString& phase);
    void loadFinished(quint64 id, const lowbit::app::EngineModelInfo& info,
                      const lowbit::app::PromptFormatInfo& format);
    void loadFailed(quint64 id, const QString& message, bool cancelled);
    void unloaded();
    void generationStarted(quint64 id, int promptTokens, int droppedTurns);
    void textReady(quint64 id, const QString& text, int pieces);
    void generationFinished(quint64 id, const lowbit::app::EngineRunStats& stats,
                            const lowbit::app::EngineMemory& memory);
    void generationFailed(quint64 id, const QString& message, const lowbit::app::EngineMemory& memory);

  private:
    chat::TemplateSpec specFor(const QString& promptFormat) const;

    std::unique_ptr<InferenceEngine> engine_;
    EngineModelInfo info_;
    chat::Detection detection_;
};

}  // namespace lowbit::app

Q_DECLARE_METATYPE(lowbit::app::PromptFormatInfo)
