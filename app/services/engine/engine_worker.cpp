#include "engine/engine_worker.h"

#include <QDateTime>

#include "chat/prompt_builder.h"

namespace lowbit::app {

EngineWorker::EngineWorker(std::unique_ptr<InferenceEngine> engine, QObject* parent)
    : QObject(parent), engine_(std::move(engine)) {}

EngineWorker::~EngineWorker() = default;

void EngineWorker::load(quint64 id, const EngineLoadRequest& request, const CancelFlag& cancel) {
    if (cancel->load()) {
        emit loadFailed(id, QStringLiteral("Loading was cancelled."), true);
        return;
    }
    try {
        QElapsedTimer sinceProgress;
        sinceProgress.start();
        double last = -1;
        info_ = engine_->load(
            request,
            [&](double fraction, const QString& phase) {
                // At most ~20 progress events per second, plus every phase change.
                if (fraction - last >= 0.01 || sinceProgress.elapsed() >= 50 || fraction >= 1.0) {
                    last = fraction;
                    sinceProgress.restart();
                    emit loadProgress(id, fraction, phase);
                }
            },
            *cancel);
    } catch (const EngineCancelled&) {
        emit loadFailed(id, QStringLiteral("Loading was cancelled."), true);
        return;
    } catch (const EngineError& e) {
        emit loadFailed(id, e.message(), false);
        return;
    } catch (const std::exception& e) {
        engine_->unload();
        emit loadFailed(id, QString::fromStdString(e.what()), false);
        return;
    }
    chat::ModelHints hints;
    hints.architecture = info_.architecture.toStdString();
    hints.hasToken = [this](const std::string& t) { return engine_->hasSpecialToken(t); };
    detection_ = chat::detectTemplate(info_.chatTemplate, hints);
    PromptFormatInfo format{QString::fromUtf8(chat::familyKey(detection_.spec.family)),
                            QString::fromUtf8(chat::familyName(detection_.spec.family)),
                            QString::fromUtf8(chat::detectionSourceText(detection_.source))};
    emit loadFinished(id, info_, format);
}

void EngineWorker::unload() {
    engine_->unload();
    info_ = {};
    emit unloaded();
}

chat::TemplateSpec EngineWorker::specFor(const QString& promptFormat) const {
    chat::Family family;
    if (promptFormat.isEmpty() || promptFormat == QLatin1String("auto") ||
        !chat::familyFromKey(promptFormat.toStdString(), &family)) {
        return detection_.spec;
    }
    if (family == detection_.spec.family) return detection_.spec;  // keep what the template told
    chat::TemplateSpec spec;
    spec.family = family;
    return spec;
}

void EngineWorker::generate(quint64 id, const GenerationJob& job, const CancelFlag& cancel) {
    if (!engine_->isLoaded()) {
        emit generationFailed(id, QStringLiteral("No model is loaded."), engine_->memory());
        return;
    }
    const chat::TemplateSpec spec = specFor(job.promptFormat);
    chat::RenderOptions render;
    render.bos = info_.bosText;
    render.eos = info_.eosText;
    render.leadingBos = !info_.addsBos;
    render.today = QDateTime::currentDateTime().toString(QStringLiteral("dd MMM yyyy")).toStdString();

    chat::PromptPlan plan;
    try {
        plan = chat::buildPrompt(spec, job.turns, render, info_.contextLength, job.sampling.maxTokens,
                                 [this](const std::string& p) { return engine_->countTokens(p); });
    } catch (const chat::PromptTooLong& e) {
        emit generationFailed(
            id,
            QStringLiteral("The message is too long for this model's context: it takes %1 tokens, "
                           "and %2 are available (context %3, minus room for the reply).")
                .arg(e.tokens)
                .arg(e.budget)
                .arg(info_.contextLength),
            engine_->memory());
        return;
    }
    emit generationStarted(id, plan.promptTokens, plan.droppedTurns);

    std::string pending;
    int pendingPieces = 0;
    bool first = true;  // the first text goes out at once: the wait for it is what people notice
    QElapsedTimer sinceEmit;
    sinceEmit.start();
    auto emitPending = [&] {
        if (pending.empty()) return;
        emit textReady(id, QString::fromStdString(pending), pendingPieces);
        pending.clear();
        pendingPieces = 0;
        sinceEmit.restart();
    };
    EngineRunStats stats;
    try {
        stats = engine_->generate(
            plan.prompt, plan.stopStrings, job.sampling,
            [&](const std::string& piece) {
                pending += piece;
                ++pendingPieces;
                if (first || sinceEmit.elapsed() >= kTextIntervalMs) {
                    first = false;
                    emitPending();
                }
                return !cancel->load();
            },
            *cancel);
    } catch (const EngineError& e) {
        emitPending();
        emit generationFailed(id, e.message(), engine_->memory());
        return;
    } catch (const std::exception& e) {
        emitPending();
        emit generationFailed(id, QString::fromStdString(e.what()), engine_->memory());
        return;
    }
    emitPending();
    if (cancel->load()) {
        stats.cancelled = true;
        stats.stopReason = stop_reason::kStopped;
    }
    emit generationFinished(id, stats, engine_->memory());
}

}  // namespace lowbit::app
