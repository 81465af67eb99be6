#pragma once
// Text generation on a Runner: tokenization, prefix reuse of the KV cache, the sampling chain,
// stop conditions and streaming. Used by the CLI, the chat app and the comparison view.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lowbit/runner.h"
#include "lowbit/sampler.h"

namespace lowbit {

enum class StopReason { MaxTokens, EndOfGeneration, StopString, ContextFull, Cancelled };
const char* stop_reason_name(StopReason r);

struct GenerateParams {
    int max_tokens = 256;
    SamplingParams sampling;
    std::vector<std::string> stop_strings;  // generation stops before any of these texts
    bool add_special = true;                // BOS/EOS as the model asks
    bool parse_special = true;              // recognise "<|im_start|>"-style tokens in the prompt
};

struct GenerateStats {
    int prompt_tokens = 0;    // tokens of the prompt
    int reused_tokens = 0;    // prompt tokens found already in the KV cache
    int generated_tokens = 0;
    double prefill_seconds = 0;
    double decode_seconds = 0;
    StopReason stop = StopReason::MaxTokens;
    double prefill_tps() const { return prefill_seconds > 0 ? (prompt_tokens - reused_tokens) / prefill_seconds : 0; }
    double decode_tps() const { return decode_seconds > 0 ? generated_tokens / decode_seconds : 0; }
};

// Receives text as soon as it is complete UTF-8 (never half a character). Return false to stop.
using TokenCallback = std::function<bool(const std::string& piece, int32_t token)>;

class Session {
public:
    explicit Session(Runner& runner) : runner_(runner) {}

    // Generates a continuation of `prompt`. Tokens the cache already holds from the previous
    // call (a shared prefix, as in a growing chat) are not evaluated again.
    GenerateStats generate(const std::string& prompt, const GenerateParams& params, const TokenCallback& on_text,
                           const std::atomic<bool>* cancel = nullptr);
    // Same with a prompt that is already tokenized.
    GenerateStats generate_tokens(const std::vector<int32_t>& prompt, const GenerateParams& params,
                                  const TokenCallback& on_text, const std::atomic<bool>* cancel = nullptr);

    // Forgets the cached tokens.
    void reset();
    const std::vector<int32_t>& cached_tokens() const { return cached_; }
    Runner& runner() { return runner_; }

private:
    Runner& runner_;
    std::vector<int32_t> cached_;  // tokens whose K/V are in the runner's cache, in order
};

}  // namespace lowbit
