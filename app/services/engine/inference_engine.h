#pragma once
// What the app needs from an inference engine, as a small interface: the real one wraps
// lowbit::Model / Runner / Session (lowbit_engine.cpp); tests can put a scripted one in its
// place. Methods are called from the engine worker thread only, one at a time.
#include <QMetaType>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace lowbit::app {

struct EngineLoadRequest {
    QString path;
    QString device = QStringLiteral("cpu");  // "cpu", "vulkan", "vulkan:N"
    int threads = 0;                         // 0: one per physical core
    int contextLength = 0;                   // 0: min(training context, 4096)
    bool onebitInt8 = false;                 // 1-bit layers with int8 activations (CPU)
};

struct EngineModelInfo {
    QString path;
    QString name;
    QString architecture;    // general.architecture
    QString deviceName;      // as the runner describes itself
    QString fallbackReason;  // why a GPU request ended on the CPU (empty if it did not)
    qint64 nParams = 0;
    qint64 weightBytes = 0;
    double bitsPerWeight = 0;
    int contextLength = 0;       // KV cache length in use
    int trainContextLength = 0;  // what the model was trained with
    std::string chatTemplate;    // tokenizer.chat_template, may be empty
    std::string bosText;         // texts of the special tokens, for prompt rendering
    std::string eosText;
    bool addsBos = false;  // the tokenizer puts BOS in front of a prompt by itself
};

struct EngineSampling {
    float temperature = 0.7f;
    int topK = 40;
    float topP = 0.95f;
    float minP = 0.05f;
    float repeatPenalty = 1.1f;
    int repeatLastN = 64;
    qint64 seed = -1;  // -1: a new random seed for each reply
    int maxTokens = 1024;
};

// Stop reasons as stored with a message and shown under it.
namespace stop_reason {
inline const QString kEndOfGeneration = QStringLiteral("end of reply");
inline const QString kMaxTokens = QStringLiteral("max tokens");
inline const QString kStopString = QStringLiteral("end of turn");
inline const QString kContextFull = QStringLiteral("context full");
inline const QString kStopped = QStringLiteral("stopped");
inline const QString kError = QStringLiteral("error");
}  // namespace stop_reason

struct EngineRunStats {
    int promptTokens = 0;
    int reusedTokens = 0;  // prompt tokens found in the KV cache from the previous turn
    int generatedTokens = 0;
    double prefillSeconds = 0;
    double decodeSeconds = 0;
    QString stopReason;  // one of stop_reason::*
    bool cancelled = false;
    double prefillTokensPerSecond() const {
        return prefillSeconds > 0 ? (promptTokens - reusedTokens) / prefillSeconds : 0;
    }
    double decodeTokensPerSecond() const { return decodeSeconds > 0 ? generatedTokens / decodeSeconds : 0; }
};

struct EngineMemory {
    qint64 weightBytes = 0;
    qint64 kvBytes = 0;
    qint64 scratchBytes = 0;
    qint64 deviceBytes = 0;
    int contextUsed = 0;  // tokens in the KV cache
    int contextSize = 0;
};

// A failure the person can act on (file unreadable, unsupported format, prompt too long).
class EngineError : public std::runtime_error {
  public:
    explicit EngineError(const QString& message)
        : std::runtime_error(message.toStdString()), message_(message) {}
    const QString& message() const { return message_; }

  private:
    QString message_;
};

// Thrown by load() when its cancel flag was set.
class EngineCancelled : public std::runtime_error {
  public:
    EngineCancelled() : std::runtime_error("cancelled") {}
};

class InferenceEngine {
  public:
    using Progress = std::function<void(double fraction, const QString& phase)>;
    // Receives each piece of text as soon as it is complete UTF-8; return false to stop.
    using OnText = std::function<bool(const std::string& text)>;

    virtual ~InferenceEngine() = default;

    // Loads a model (replacing any loaded one). Throws EngineError or EngineCancelled; on
    // failure nothing stays loaded.
    virtual EngineModelInfo load(const EngineLoadRequest& request, const Progress& progress,
                                 const std::atomic<bool>& cancel) = 0;
    virtual void unload() = 0;
    virtual bool isLoaded() const = 0;

    // Whether the vocabulary has this exact text as a special (control or user-defined) token.
    virtual bool hasSpecialToken(const std::string& text) const = 0;
    // Tokens the prompt will take (with BOS as the model adds it, special tokens parsed).
    virtual int countTokens(const std::string& prompt) const = 0;

    // Generates a continuation of `prompt`; the KV cache keeps the prompt and reply, so the
    // next call with a longer version of the same conversation only evaluates the new part.
    virtual EngineRunStats generate(const std::string& prompt, const std::vector<std::string>& stopStrings,
                                    const EngineSampling& sampling, const OnText& onText,
                                    const std::atomic<bool>& cancel) = 0;
    // Forgets the KV cache (another chat comes next).
    virtual void resetContext() = 0;

    virtual EngineMemory memory() const = 0;
};

// The lowbit engine, or nullptr when this build has no engine linked in.
std::unique_ptr<InferenceEngine> createLowbitEngine();

}  // namespace lowbit::app

Q_DECLARE_METATYPE(lowbit::app::EngineLoadRequest)
Q_DECLARE_METATYPE(lowbit::app::EngineModelInfo)
Q_DECLARE_METATYPE(lowbit::app::EngineSampling)
Q_DECLARE_METATYPE(lowbit::app::EngineRunStats)
Q_DECLARE_METATYPE(lowbit::app::EngineMemory)
