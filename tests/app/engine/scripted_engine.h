#pragma once
// A stand-in engine with a script: loading takes `loadSteps` progress steps, a reply is the
// words "w0 w1 w2 ..." one per token, and the test can hold the engine at a gate to prove that
// the UI thread keeps running while the engine works. Used where the real engine's random
// output would make exact checks impossible; the real engine is exercised beside it.
#include <QThread>
#include <atomic>
#include <string>

#include "engine/inference_engine.h"

namespace lowbit::test {

class ScriptedEngine final : public app::InferenceEngine {
  public:
    struct Script {
        int loadSteps = 5;
        int loadStepMs = 5;
        int tokenDelayMs = 1;
        int contextLength = 512;
        bool chatml = true;  // the vocabulary has <|im_start|>/<|im_end|>
        bool failLoad = false;
        std::atomic<bool>* gate = nullptr;  // generation waits here after its first token
        std::atomic<int>* generations = nullptr;
        std::string* lastPrompt = nullptr;  // written by the worker thread; read after the reply ends
    };
    explicit ScriptedEngine(Script script) : s_(script) {}

    static std::string word(int i) { return "w" + std::to_string(i) + " "; }

    app::EngineModelInfo load(const app::EngineLoadRequest& request, const Progress& progress,
                              const std::atomic<bool>& cancel) override {
        loaded_ = false;
        for (int i = 0; i < s_.loadSteps; ++i) {
            if (cancel.load()) throw app::EngineCancelled();
            progress(double(i) / s_.loadSteps, QStringLiteral("Step %1").arg(i));
            QThread::msleep(s_.loadStepMs);
        }
        if (cancel.load()) throw app::EngineCancelled();
        if (s_.failLoad) throw app::EngineError(QStringLiteral("scripted failure"));
        loaded_ = true;
        used_ = 0;
        app::EngineModelInfo info;
        info.path = request.path;
        info.name = QStringLiteral("Scripted");
        info.architecture = QStringLiteral("llama");
        // Says what the request asked for, so tests see the settings arrive.
        info.deviceName = QStringLiteral("Script CPU") +
                          (request.onebitInt8 ? QStringLiteral(", 1-bit layers W1A8") : QString());
        info.contextLength = s_.contextLength;
        info.nParams = 1000;
        info.weightBytes = 2000;
        info.bitsPerWeight = 16;
        info.bosText = "<s>";
        info.eosText = "</s>";
        info.addsBos = true;
        progress(1.0, QStringLiteral("Ready"));
        return info;
    }
    void unload() override { loaded_ = false; }
    bool isLoaded() const override { return loaded_; }
    bool hasSpecialToken(const std::string& t) const override {
        return s_.chatml && (t == "<|im_start|>" || t == "<|im_end|>");
    }
    // One token per 4 bytes: enough to make context trimming observable.
    int countTokens(const std::string& prompt) const override { return int(prompt.size() + 3) / 4; }

    app::EngineRunStats generate(const std::string& prompt, const std::vector<std::string>&,
                                 const app::EngineSampling& sampling, const OnText& onText,
                                 const std::atomic<bool>& cancel) override {
        if (s_.generations) ++*s_.generations;
        if (s_.lastPrompt) *s_.lastPrompt = prompt;
        app::EngineRunStats st;
        st.promptTokens = countTokens(prompt);
        st.stopReason = app::stop_reason::kMaxTokens;
        for (int i = 0; i < sampling.maxTokens; ++i) {
            if (cancel.load()) {
                st.cancelled = true;
                st.stopReason = app::stop_reason::kStopped;
                break;
            }
            ++st.generatedTokens;
            if (!onText(word(i))) {
                st.cancelled = true;
                st.stopReason = app::stop_reason::kStopped;
                break;
            }
            if (i == 0 && s_.gate) {
                while (!s_.gate->load() && !cancel.load()) QThread::msleep(1);
            }
            if (s_.tokenDelayMs) QThread::msleep(s_.tokenDelayMs);
        }
        st.decodeSeconds = 0.001 * st.generatedTokens;
        st.prefillSeconds = 0.001;
        used_ = std::min(s_.contextLength, st.promptTokens + st.generatedTokens);
        return st;
    }
    void resetContext() override { used_ = 0; }
    app::EngineMemory memory() const override {
        app::EngineMemory m;
        m.weightBytes = 2000;
        m.kvBytes = 4096;
        m.contextUsed = used_;
        m.contextSize = s_.contextLength;
        return m;
    }

  private:
    Script s_;
    bool loaded_ = false;
    int used_ = 0;
};

}  // namespace lowbit::test
