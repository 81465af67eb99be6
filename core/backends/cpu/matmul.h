#pragma once
// y = x · Wᵀ for a whole batch of tokens, spread over the thread pool. Activations are converted
// once to the weight type's activation format; then every thread takes a band of weight rows
// and multiplies it with all tokens, so each weight byte is read from memory once per batch.
#include <cstdint>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "lowbit/model.h"

namespace lowbit::cpu {

class MatmulWorkspace {
public:
    // Bytes needed to hold `n_tokens` converted activation rows of length k for this weight.
    uint8_t* activations(size_t bytes);

private:
    std::vector<uint8_t> buf_;
};

// x: n_tokens rows of w.ne0 floats, ldx apart; y: n_tokens rows of w.rows floats, ldy apart.
// Applies w.scale; adds `bias` (w.rows floats) when given.
// per_token_int8: BitNet's per-token absmax int8 activations for ternary weights.
void matmul(ThreadPool& pool, MatmulWorkspace& ws, const Weight& w, const float* x, int64_t ldx, int64_t n_tokens,
            float* y, int64_t ldy, const float* bias = nullptr, bool per_token_int8 = false);

// True when the CPU backend can multiply with this weight.
bool can_matmul(const Weight& w);

}  // namespace lowbit::cpu
