#pragma once
// Element-wise and row operations of the transformer graph (CPU). Their float semantics follow
// ggml's CPU ops (sums of squares in double, RoPE angles by repeated multiplication in float)
// so logits agree closely with llama.cpp.
#include <cstdint>

#include "lowbit/model.h"

namespace lowbit::cpu {

// y = x / sqrt(mean(x²) + eps) * w   (w may be null: no weight).
void rms_norm_row(const float* x, const float* w, float* y, int64_t n, float eps);
// Reads an F32 or F16 vector weight into floats.
void load_vector(const Weight& w, float* out);

struct RopeParams {
    int64_t n_rot;         // rotated dimensions per head
    float freq_base;
    float freq_scale;
    RopeType type;
    const float* freq_factors = nullptr;  // optional per-pair divisors (rope_freqs.weight)
};
// Precomputes cos/sin for one position: cache[2*i], cache[2*i+1] for i in [0, n_rot/2).
void rope_cache(const RopeParams& p, int64_t pos, float* cache);
// Rotates every head (head_dim apart) of one token's q or k row in place.
void rope_apply(const RopeParams& p, const float* cache, float* x, int64_t n_heads, int64_t head_dim);

// out = silu(gate) * up  /  out = relu(gate)² * up
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
void relu2_mul(const float* gate, const float* up, float* out, int64_t n);
// y += x
void add_inplace(float* y, const float* x, int64_t n);
// In-place softmax of n values; returns nothing. Uses double for the sum as ggml does.
void softmax_inplace(float* x, int64_t n);

// Token embedding row (any stored type the engine can dequantize) as floats.
void embedding_row(const Weight& embd, int32_t token, float* out);

}  // namespace lowbit::cpu
