#pragma once
// CPU compute kernels. Matrix products work on "tiles": nr weight rows times nt activation
// rows. The activation rows are first converted to the format the weight type multiplies
// against (llama.cpp's choice, so results agree with it): F32 values rounded to F16 precision
// for F16 weights (to BF16 for BF16), Q8_0 blocks for the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1,
// Q8_0, IQ4_NL), Q8_K blocks for k-quants, IQ4_XS and TQ types. SIMD versions are chosen at run time (Google
// Highway dynamic dispatch); every kernel has a scalar reference (kernels_ref.cpp) that tests compare
// against.
#include <cstddef>
#include <cstdint>

#include "lowbit/tensor_type.h"

namespace lowbit::cpu {

// Format of the activation rows a weight type is multiplied with.
enum class ActFormat {
    F32,        // plain floats (F32 weights)
    F32asF16,   // floats rounded to F16 precision (F16 weights)
    F32asBF16,  // floats rounded to BF16 precision (BF16 weights)
    Q8_0,       // blocks of 32 int8 with an fp16 scale
    Q8_K,       // blocks of 256 int8 with a float scale and 16-element sums
    Q8_K_Row,   // Q8_K layout, but one absmax scale for the whole row (BitNet's per-token int8)
    I8_Row,     // bitnet.cpp's per-token int8 row (quant::quantize_row_i8s): k int8 values, then the
                // float scale s (x ≈ q / s) and the int32 sum of the values; k + 8 bytes, unaligned.
                // I2_S always multiplies with it, 1-bit sign matrices in their int8 mode.
};

// Activation format for a weight type; throws lowbit::UnsupportedError when the type has no kernel.
// per_token_int8: quantize activations per token by absmax (BitNet W1.58A8) for ternary weights.
ActFormat activation_format(TensorType weight_type, bool per_token_int8 = false);
bool has_matmul_kernel(TensorType weight_type);
// Bytes of one converted activation row of k elements.
size_t activation_row_bytes(ActFormat f, int64_t k);
// Converts one row of k floats to format f.
void convert_activation_row(ActFormat f, const float* x, void* out, int64_t k);

// y[t * ldy + r] = dot(weight row r, activation row t), r in [0, nr), t in [0, nt).
// w: first weight row, rows w_stride bytes apart; a: first converted activation row, a_stride apart.
void matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr, const uint8_t* a,
                 size_t a_stride, int64_t nt, float* y, int64_t ldy);
// The scalar reference of matmul_tile (same contract), for tests and as the fallback.
void matmul_tile_ref(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr,
                     const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy);
void convert_activation_row_ref(ActFormat f, const float* x, void* out, int64_t k);
// Σ code·q over one 128-code I2_S block, compiled for the baseline ISA (kernels_ref.cpp): the
// AVX-512 tiles' odd last block. Not in the per-target code because Highway 1.0.3's AVX3_DL
// target string enables AVX-VNNI, so GCC vectorized that loop into VEX VPDPBUSD — an instruction
// AVX-512 VNNI CPUs without AVX-VNNI (Ice Lake, Zen 4) do not have (scripts/check-isa.sh).
int32_t i2s_block_dot_ref(const uint8_t* block, const int8_t* q);

// Attention helpers over an F16 cache.
// scores[j] = scale * dot(q, k_j) for j in [0, n), keys `k_stride` halves apart; q is rounded to F16
// precision first (as llama.cpp does for F16 K).
void attn_scores_f16(const float* q, const uint16_t* k, size_t k_stride, int64_t head_dim, int64_t n,
                     float scale, float* scores);
// out[d] += p * v[d] for d in [0, head_dim)  (v in F16).
void axpy_f16(float p, const uint16_t* v, int64_t head_dim, float* out);
void attn_scores_f16_ref(const float* q, const uint16_t* k, size_t k_stride, int64_t head_dim, int64_t n,
                         float scale, float* scores);

// Row conversions.
void f32_to_f16_row(const float* x, uint16_t* y, int64_t n);
void f16_to_f32_row(const uint16_t* x, float* y, int64_t n);

// ---- 1-bit sign matrices (OneBit, BitNet-binary) ---------------------------------------------
// A sign row holds k bits (k % 8 == 0) in onebit::pack_signs' layout: bit c % 8 of byte c / 8 is
// the sign of weight c, 1 = +1, 0 = -1. Activations are F32 rows (W1A16; OneBit's g already
// multiplied in) or I8_Row rows (int8 mode). Same tile contract as matmul_tile:
//   F32:    y[t * ldy + r] = Σ_c s_rc x_tc                       (float, summation order free)
//   I8_Row: y[t * ldy + r] = (float)(Σ_c s_rc q_tc) / s_t        (the integer sum exact)
// Throws UnsupportedError for any other activation format.
void sign_matmul_tile(ActFormat f, int64_t k, const uint8_t* bits, size_t bits_stride, int64_t nr,
                      const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy);
void sign_matmul_tile_ref(ActFormat f, int64_t k, const uint8_t* bits, size_t bits_stride, int64_t nr,
                          const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy);

// The SIMD target chosen on this CPU, e.g. "AVX3_DL", "AVX2", "SCALAR".
const char* simd_target_name();

}  // namespace lowbit::cpu
