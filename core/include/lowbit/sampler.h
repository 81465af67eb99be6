#pragma once
// The sampling chain: repetition penalty -> top-k -> top-p -> min-p -> temperature -> draw.
// temperature <= 0 is greedy (argmax, first index on ties, as llama.cpp).
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace lowbit {

struct SamplingParams {
    float temperature = 0.8f;
    int top_k = 40;            // <= 0: off
    float top_p = 0.95f;       // >= 1: off
    float min_p = 0.05f;       // <= 0: off
    float repeat_penalty = 1.0f;  // 1: off
    int repeat_last_n = 64;
    uint64_t seed = 0xFFFFFFFF;  // fixed seed -> reproducible draws
};

class Sampler {
public:
    explicit Sampler(const SamplingParams& params);
    // Picks the next token from `logits` (n_vocab values); `history` is the sequence so far
    // (for the repetition penalty).
    int32_t sample(std::span<const float> logits, std::span<const int32_t> history);
    const SamplingParams& params() const { return params_; }

private:
    SamplingParams params_;
    std::mt19937 rng_;
    struct Candidate {
        int32_t id;
        float logit;
        float p;
    };
    std::vector<Candidate> cand_;
};

}  // namespace lowbit
