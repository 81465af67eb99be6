#pragma once
// Perplexity by llama.cpp's method, so figures compare with llama-perplexity: the whole text is
// tokenized once (BOS first when the model adds one), split into non-overlapping windows of
// n_ctx tokens whose first token is replaced by BOS; in each window the first half is context and
// only the second half is scored. PPL = exp(mean NLL); the error is the standard error of the
// mean NLL times PPL.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lowbit/runner.h"

namespace lowbit {

struct PerplexityProgress {
    int chunk = 0;     // windows done
    int n_chunks = 0;  // windows in total
    double ppl = 0;    // running perplexity over the windows done
    int tokens_scored = 0;
    double seconds = 0;
};

struct PerplexityOptions {
    int n_ctx = 512;
    int max_chunks = -1;  // < 0: all
    // Called after each window; return false to stop early (the result covers the windows done).
    std::function<bool(const PerplexityProgress&)> on_chunk;
    const std::atomic<bool>* cancel = nullptr;  // set -> throws lowbit::CancelledError
};

struct PerplexityResult {
    double ppl = 0;
    double error = 0;  // +/- as llama-perplexity prints it
    int n_tokens = 0;  // tokens of the whole text
    int n_chunks = 0;  // windows evaluated
    int tokens_scored = 0;
    std::vector<double> running_ppl;  // after each window
    double seconds = 0;
};

// The runner's context must hold at least options.n_ctx tokens. Throws lowbit::Error when the
// text has fewer than 2 * n_ctx tokens (as llama.cpp refuses too).
PerplexityResult perplexity(Runner& runner, const std::vector<int32_t>& tokens, const PerplexityOptions& options);
// Tokenizes `text` with the model's rules (special tokens added, special texts not parsed).
PerplexityResult perplexity_text(Runner& runner, const std::string& text, const PerplexityOptions& options);

}  // namespace lowbit
