#pragma once
// Causal attention of one query head over an F16 KV cache, with the numerics of llama.cpp's CPU
// flash attention (its default), so logits agree with it closely enough for greedy decoding to
// pick the same tokens:
//  * few query rows (decode, short prompts): q rounded to F16; keys visited in order with an
//    online softmax whose value accumulator is kept in F16 (rounded after every update);
//  * many query rows (>= kTiledRows, prefill and perplexity): q in F32, scores and the value
//    accumulation in F32.
#include <cstddef>
#include <cstdint>

namespace lowbit::cpu {

// Query rows at or above which the F32 ("tiled") numerics are used.
constexpr int64_t kTiledRows = 64;

struct AttnHead {
    const float* q;        // head_dim query values
    const uint16_t* k;     // first key of this KV head; keys `stride` halves apart
    const uint16_t* v;     // first value of this KV head; values `stride` halves apart
    size_t stride;
    int64_t head_dim;
    int64_t n_keys;        // keys 0 .. n_keys-1 are visible (causal)
    float scale;           // 1 / sqrt(head_dim)
};

// out: head_dim floats. scratch: at least n_keys floats (F32 path) and head_dim halves (F16 path).
void attention_head(const AttnHead& h, bool tiled_numerics, float* out, float* scratch);
// The same computed plainly (double sums, exact softmax): what both paths approximate.
void attention_head_ref(const AttnHead& h, float* out);

}  // namespace lowbit::cpu
