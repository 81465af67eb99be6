// The sampling chain, in llama.cpp's usual order: repetition penalty, top-k, top-p, min-p,
// temperature, then a draw from the softmax. Greedy (temperature <= 0) takes the first
// maximum, as llama.cpp does.
#include "lowbit/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace lowbit {

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(static_cast<uint32_t>(params.seed)) {}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
    const int32_t n_vocab = static_cast<int32_t>(logits.size());
    cand_.resize(static_cast<size_t>(n_vocab));
    for (int32_t i = 0; i < n_vocab; ++i) cand_[static_cast<size_t>(i)] = {i, logits[static_cast<size_t>(i)], 0.0f};

    // Repetition penalty over the last repeat_last_n tokens (divide positive logits, multiply negative).
    if (params_.repeat_penalty != 1.0f && params_.repeat_last_n != 0) {
        const size_t n = params_.repeat_last_n < 0 ? history.size()
                                                   : std::min(history.size(), static_cast<size_t>(params_.repeat_last_n));
        std::unordered_set<int32_t> seen(history.end() - static_cast<std::ptrdiff_t>(n), history.end());
        for (int32_t id : seen) {
            if (id < 0 || id >= n_vocab) continue;
            float& l = cand_[static_cast<size_t>(id)].logit;
            l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
        }
    }

    if (params_.temperature <= 0.0f) {
        size_t best = 0;
        for (size_t i = 1; i < cand_.size(); ++i) {
            if (cand_[i].logit > cand_[best].logit) best = i;
        }
        return cand_[best].id;
    }

    // Top-k (also bounds the sorting work).
    size_t k = cand_.size();
    if (params_.top_k > 0) k = std::min(k, static_cast<size_t>(params_.top_k));
    auto by_logit = [](const Candidate& a, const Candidate& b) { return a.logit > b.logit; };
    std::partial_sort(cand_.begin(), cand_.begin() + static_cast<std::ptrdiff_t>(k), cand_.end(), by_logit);
    cand_.resize(k);

    auto softmax = [&]() {
        const float max = cand_.front().logit;
        double sum = 0;
        for (auto& c : cand_) {
            c.p = std::exp(c.logit - max);
            sum += c.p;
        }
        for (auto& c : cand_) c.p = static_cast<float>(c.p / sum);
    };

    // Top-p: the smallest prefix whose probability reaches top_p.
    if (params_.top_p < 1.0f) {
        softmax();
        double cum = 0;
        size_t keep = cand_.size();
        for (size_t i = 0; i < cand_.size(); ++i) {
            cum += cand_[i].p;
            if (cum >= params_.top_p) {
                keep = i + 1;
                break;
            }
        }
        cand_.resize(std::max<size_t>(1, keep));
    }

    // Min-p: drop tokens less likely than min_p times the most likely one.
    if (params_.min_p > 0.0f) {
        const float threshold = cand_.front().logit + std::log(params_.min_p);
        size_t keep = 1;
        while (keep < cand_.size() && cand_[keep].logit >= threshold) ++keep;
        cand_.resize(keep);
    }

    for (auto& c : cand_) c.logit /= params_.temperature;
    softmax();
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double r = u(rng_);
    double cum = 0;
    for (const auto& c : cand_) {
        cum += c.p;
        if (r < cum) return c.id;
    }
    return cand_.back().id;
}

}  // namespace lowbit
