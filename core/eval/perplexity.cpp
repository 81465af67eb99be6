#include "lowbit/perplexity.h"

#include <chrono>
#include <cmath>

#include "lowbit/error.h"
#include "lowbit/model.h"
#include "lowbit/tokenizer.h"

namespace lowbit {
namespace {

// -log softmax(logits)[target], with the sum of exponentials in double as llama.cpp does.
double negative_log_likelihood(const float* logits, int64_t n_vocab, int32_t target) {
    float max = logits[0];
    for (int64_t i = 1; i < n_vocab; ++i) max = std::max(max, logits[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n_vocab; ++i) sum += std::exp(logits[i] - max);
    return -(static_cast<double>(logits[target] - max) - std::log(sum));
}

}  // namespace

PerplexityResult perplexity(Runner& runner, const std::vector<int32_t>& tokens, const PerplexityOptions& opt) {
    const int n_ctx = opt.n_ctx;
    if (n_ctx < 4) throw Error("perplexity: the context must be at least 4 tokens");
    if (runner.n_ctx() < n_ctx)
        throw Error("perplexity: the runner's context (" + std::to_string(runner.n_ctx()) + ") is smaller than " +
                    std::to_string(n_ctx));
    if (static_cast<int64_t>(tokens.size()) < 2 * static_cast<int64_t>(n_ctx))
        throw Error("perplexity: the text has " + std::to_string(tokens.size()) + " tokens; at least " +
                    std::to_string(2 * n_ctx) + " are needed for a context of " + std::to_string(n_ctx));

    const Model& model = runner.model();
    const Tokenizer& tok = model.tokenizer();
    const int64_t n_vocab = model.hparams().n_vocab;
    int n_chunks = static_cast<int>(tokens.size() / static_cast<size_t>(n_ctx));
    if (opt.max_chunks >= 0) n_chunks = std::min(n_chunks, opt.max_chunks);
    const int first = n_ctx / 2;
    const int n_logits = n_ctx - first;

    PerplexityResult res;
    res.n_tokens = static_cast<int>(tokens.size());
    std::vector<float> logits(static_cast<size_t>(n_logits) * static_cast<size_t>(n_vocab));
    std::vector<int32_t> window(static_cast<size_t>(n_ctx));
    double nll = 0.0, nll2 = 0.0;
    int count = 0;
    const auto t0 = std::chrono::steady_clock::now();

    for (int c = 0; c < n_chunks; ++c) {
        if (opt.cancel && opt.cancel->load()) throw CancelledError();
        const size_t start = static_cast<size_t>(c) * static_cast<size_t>(n_ctx);
        std::copy(tokens.begin() + static_cast<std::ptrdiff_t>(start),
                  tokens.begin() + static_cast<std::ptrdiff_t>(start + static_cast<size_t>(n_ctx)), window.begin());
        if (tok.add_bos() && tok.bos() >= 0) window[0] = tok.bos();

        runner.truncate(0);
        runner.eval(window, n_logits, logits.data());

        // Logit row i (position first + i) predicts the token at position first + i + 1.
        for (int i = 0; i + 1 < n_logits; ++i) {
            const double v = negative_log_likelihood(logits.data() + static_cast<size_t>(i) * static_cast<size_t>(n_vocab),
                                                     n_vocab, window[static_cast<size_t>(first + i + 1)]);
            nll += v;
            nll2 += v * v;
            ++count;
        }
        res.running_ppl.push_back(std::exp(nll / count));
        res.n_chunks = c + 1;
        if (opt.on_chunk) {
            PerplexityProgress p;
            p.chunk = c + 1;
            p.n_chunks = n_chunks;
            p.ppl = res.running_ppl.back();
            p.tokens_scored = count;
            p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (!opt.on_chunk(p)) break;
        }
    }
    runner.truncate(0);

    const double mean = nll / count;
    res.ppl = std::exp(mean);
    const double var = nll2 / count - mean * mean;
    res.error = (var > 0 && count > 1) ? std::sqrt(var / (count - 1)) * res.ppl : 0.0;
    res.tokens_scored = count;
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

PerplexityResult perplexity_text(Runner& runner, const std::string& text, const PerplexityOptions& options) {
    const auto tokens = runner.model().tokenizer().encode(text, /*add_special=*/true, /*parse_special=*/false);
    return perplexity(runner, tokens, options);
}

}  // namespace lowbit
