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
    // Float scratch (value vectors and per-thread rows of 1-bit layers).
    float* floats(size_t n);

  private:
    std::vector<uint8_t> buf_;
    std::vector<float> floats_;
};

// x: n_tokens rows of w.ne0 floats, ldx apart; y: n_tokens rows of w.rows floats, ldy apart.
// Applies w.scale; adds `bias` (w.rows floats) when given.
// per_token_int8: int8 activations, one absmax scale per token: BitNet W1.58A8 for the ternary
// types (TQ1_0/TQ2_0; I2_S always runs so), and the optional int8 mode of OneBit/binary sign
// matrices (sign x int8 instead of W1A16). Other weight types ignore it.
// 1-bit weights: OneBit computes ((x ⊙ g) · Sᵀ) ⊙ h, binary β · (x · Sᵀ) (docs/FORMATS.md).
void matmul(ThreadPool& pool, MatmulWorkspace& ws, const Weight& w, const float* x, int64_t ldx,
            int64_t n_tokens, float* y, int64_t ldy, const float* bias = nullptr,
            bool per_token_int8 = false);

// True when the CPU backend can multiply with this weight.
bool can_matmul(const Weight& w);

}  // namespace lowbit::cpu
