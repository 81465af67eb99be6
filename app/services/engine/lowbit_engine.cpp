// The real engine: lowbit::Model + Runner + Session behind the InferenceEngine interface.
#include <QFile>
#include <QFileInfo>
#include <random>
#include <unordered_set>

#include "engine/inference_engine.h"
#include "lowbit/error.h"
#include "lowbit/model.h"
#include "lowbit/runner.h"
#include "lowbit/session.h"
#include "lowbit/tokenizer.h"

namespace lowbit::app {
namespace {

QString fromStd(const std::string& s) {
    return QString::fromStdString(s);
}

QString stopReasonText(StopReason r) {
    switch (r) {
        case StopReason::MaxTokens:
            return stop_reason::kMaxTokens;
        case StopReason::EndOfGeneration:
            return stop_reason::kEndOfGeneration;
        case StopReason::StopString:
            return stop_reason::kStopString;
        case StopReason::ContextFull:
            return stop_reason::kContextFull;
        case StopReason::Cancelled:
            return stop_reason::kStopped;
    }
    return stop_reason::kEndOfGeneration;
}

class LowbitEngine final : public InferenceEngine {
  public:
    EngineModelInfo load(const EngineLoadRequest& request, const Progress& progress,
                         const std::atomic<bool>& cancel) override {
        unload();
        const QString path = request.path;
        prefetch(path, progress, cancel);

        progress(0.86, QStringLiteral("Checking the model"));
        try {
            model_ = Model::load(path.toStdString());
        } catch (const std::exception& e) {
            throw EngineError(fromStd(e.what()));
        }
        if (cancel.load()) {
            unload();
            throw EngineCancelled();
        }

        RunnerOptions options;
        options.device = request.device.toStdString();
        options.n_threads = request.threads;
        options.n_ctx = request.contextLength;
        options.onebit_int8 = request.onebitInt8;
        progress(0.92, QStringLiteral("Preparing %1")
                           .arg(request.device == QLatin1String("cpu") ? QStringLiteral("the CPU")
                                                                       : request.device));
        try {
            runner_ = create_runner(*model_, options);
        } catch (const std::exception& e) {
            unload();
            throw EngineError(fromStd(e.what()));
        }
        if (cancel.load()) {
            unload();
            throw EngineCancelled();
        }
        session_ = std::make_unique<Session>(*runner_);

        const Tokenizer& tok = model_->tokenizer();
        specials_.clear();
        for (int32_t id = 0; id < tok.n_vocab(); ++id) {
            const TokenAttr a = tok.token_attr(id);
            if (a == TokenAttr::Control || a == TokenAttr::UserDefined) specials_.insert(tok.token_text(id));
        }

        const HParams& hp = model_->hparams();
        const ModelStats& st = model_->stats();
        EngineModelInfo info;
        info.path = QFileInfo(path).absoluteFilePath();
        info.name = fromStd(model_->name());
        info.architecture = fromStd(hp.arch_key);
        info.deviceName = fromStd(runner_->device_name());
        info.fallbackReason = fromStd(runner_->fallback_reason());
        info.nParams = st.n_params;
        info.weightBytes = qint64(st.weight_bytes);
        info.bitsPerWeight = st.bits_per_weight;
        info.contextLength = runner_->n_ctx();
        info.trainContextLength = int(hp.n_ctx_train);
        info.chatTemplate = model_->chat_template();
        if (tok.bos() >= 0) info.bosText = tok.token_text(tok.bos());
        if (tok.eos() >= 0) info.eosText = tok.token_text(tok.eos());
        info.addsBos = tok.add_bos();
        progress(1.0, QStringLiteral("Ready"));
        return info;
    }

    void unload() override {
        session_.reset();
        runner_.reset();
        model_.reset();
        specials_.clear();
    }

    bool isLoaded() const override { return session_ != nullptr; }

    bool hasSpecialToken(const std::string& text) const override { return specials_.count(text) > 0; }

    int countTokens(const std::string& prompt) const override {
        if (!model_) return 0;
        return int(model_->tokenizer().encode(prompt, true, true).size());
    }

    EngineRunStats generate(const std::string& prompt, const std::vector<std::string>& stopStrings,
                            const EngineSampling& s, const OnText& onText,
                            const std::atomic<bool>& cancel) override {
        if (!session_) throw EngineError(QStringLiteral("No model is loaded."));
        GenerateParams params;
        params.max_tokens = s.maxTokens;
        params.stop_strings = stopStrings;
        params.sampling.temperature = s.temperature;
        params.sampling.top_k = s.topK;
        params.sampling.top_p = s.topP;
        params.sampling.min_p = s.minP;
        params.sampling.repeat_penalty = s.repeatPenalty;
        params.sampling.repeat_last_n = s.repeatLastN;
        params.sampling.seed = s.seed >= 0 ? uint64_t(s.seed) : uint64_t(std::random_device{}());
        GenerateStats st;
        try {
            st = session_->generate(
                prompt, params, [&](const std::string& piece, int32_t) { return onText(piece); }, &cancel);
        } catch (const std::exception& e) {
            // A failed evaluation leaves the cache in an unknown state: start the next one clean.
            session_->reset();
            throw EngineError(fromStd(e.what()));
        }
        EngineRunStats out;
        out.promptTokens = st.prompt_tokens;
        out.reusedTokens = st.reused_tokens;
        out.generatedTokens = st.generated_tokens;
        out.prefillSeconds = st.prefill_seconds;
        out.decodeSeconds = st.decode_seconds;
        out.stopReason = stopReasonText(st.stop);
        out.cancelled = st.stop == StopReason::Cancelled;
        return out;
    }

    void resetContext() override {
        if (session_) session_->reset();
    }

    EngineMemory memory() const override {
        EngineMemory m;
        if (!runner_) return m;
        const MemoryStats ms = runner_->memory();
        m.weightBytes = qint64(ms.weight_bytes);
        m.kvBytes = qint64(ms.kv_bytes);
        m.scratchBytes = qint64(ms.scratch_bytes);
        m.deviceBytes = qint64(ms.device_bytes);
        m.contextUsed = runner_->n_past();
        m.contextSize = runner_->n_ctx();
        return m;
    }

  private:
    // Reads the file once through the page cache before parsing it. The engine maps the file,
    // so this is what makes the first reply fast instead of stalling on page faults, and it is
    // the part of loading that takes time on a slow disk: so it carries the progress bar and
    // checks for cancellation between chunks.
    static void prefetch(const QString& path, const Progress& progress, const std::atomic<bool>& cancel) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            throw EngineError(QStringLiteral("Cannot open \"%1\": %2").arg(path, file.errorString()));
        }
        const qint64 size = file.size();
        constexpr qint64 kChunk = 8 << 20;
        QByteArray buffer(kChunk, Qt::Uninitialized);
        qint64 done = 0;
        progress(0.0, QStringLiteral("Reading the file"));
        while (done < size) {
            if (cancel.load()) throw EngineCancelled();
            const qint64 n = file.read(buffer.data(), kChunk);
            if (n <= 0) {
                throw EngineError(QStringLiteral("Cannot read \"%1\": %2").arg(path, file.errorString()));
            }
            done += n;
            progress(0.85 * double(done) / double(size), QStringLiteral("Reading the file"));
        }
    }

    std::unique_ptr<Model> model_;
    std::unique_ptr<Runner> runner_;
    std::unique_ptr<Session> session_;
    std::unordered_set<std::string> specials_;
};

}  // namespace

std::unique_ptr<InferenceEngine> createLowbitEngine() {
    return std::make_unique<LowbitEngine>();
}

}  // namespace lowbit::app
