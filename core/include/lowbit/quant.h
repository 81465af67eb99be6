#pragma once
// Reference (scalar) conversions between float and the stored tensor types. These define
// what each format means; SIMD kernels and GPU shaders are tested against them.
// Quantizers reproduce llama.cpp's rules bit for bit where the issue demands it (Q8_0, Q4_0,
// TQ1_0/TQ2_0 "per-block" rule), so files we write load in llama.cpp and vice versa.
// Byte layouts and sources: docs/FORMATS.md. No global state: every function is reentrant.
#include <cstddef>
#include <cstdint>

#include "lowbit/tensor_type.h"

namespace lowbit::quant {

// ---------------------------------------------------------------------------------------------
// Dequantization (results equal llama.cpp's dequantize_row_* float for float).

// True when dequantize_tensor() understands the type (dequantize_row() too, except I2_S).
bool can_dequantize(TensorType type);
// Decodes n elements (a multiple of the block size) starting at a block boundary.
// I2_S has no meaning without its tensor scale: use dequantize_i2s_row (this throws for it).
void dequantize_row(TensorType type, const void* src, float* dst, int64_t n);
// I2_S: decodes n codes (a multiple of 128, starting at a 128-element block, i.e. a row start
// when ne0 % 128 == 0) as scale * {-1, 0, +1}.
void dequantize_i2s_row(const void* codes, float scale, float* dst, int64_t n);
// The per-tensor scale of an I2_S tensor of n_elements: the float after the n/4 code bytes.
// Throws FormatError when nbytes is not tensor_bytes(I2_S, ...) or the scale is not finite.
float i2s_tensor_scale(const void* tensor_data, size_t nbytes, int64_t n_elements);
// Decodes a whole tensor (nbytes must equal tensor_bytes(type, ne0, n_elements)).
void dequantize_tensor(TensorType type, const void* data, size_t nbytes, int64_t ne0, int64_t n_elements,
                       float* dst);

// ---------------------------------------------------------------------------------------------
// Quantization.

// How a ternary quantizer (TQ1_0, TQ2_0, I2_S) picks its scale.
enum class TernaryRule {
    // BitNet b1.58: one scale per tensor, s = mean(|W|) (clamped to >= 1e-5), q = clamp(round(W/s), -1, 1)
    // with round half to even (torch.round). A tensor that is already exactly ternary (every
    // nonzero |w| equal, e.g. a dequantized ternary model) keeps its own magnitude as s, so the
    // round trip is lossless. TQ files store fp16(s) in every block; I2_S stores s as float.
    AbsMeanTensor,
    // llama.cpp's TQ1_0/TQ2_0 rule: per 256-block d = max(|x|), q = lroundf(x / d). TQ types only.
    AbsMaxBlock,
};

struct QuantizeOptions {
    TernaryRule ternary_rule = TernaryRule::AbsMeanTensor;
    // Per-tensor scale for AbsMeanTensor when the caller already computed it (a streaming
    // conversion computes it in a first pass with TernaryScale); <= 0 means "compute from the
    // data" (quantize_tensor only; quantize_row then throws, one row cannot know it).
    float tensor_scale = 0.0f;
};

// Accumulates the AbsMeanTensor scale over a tensor given in pieces (O(n), no allocation).
class TernaryScale {
  public:
    void add(const float* x, int64_t n);
    // The scale AbsMeanTensor uses: the common magnitude when the data seen is exactly ternary,
    // else max(mean|x|, 1e-5). 1e-5 when nothing nonzero was seen.
    float scale() const;
    double mean_abs() const { return count_ ? sum_abs_ / static_cast<double>(count_) : 0.0; }
    bool exactly_ternary() const { return nonzero_ > 0 && min_nz_ == max_nz_; }

  private:
    double sum_abs_ = 0.0;  // double: exact enough for 10^10 elements of |w| < 1
    int64_t count_ = 0;
    int64_t nonzero_ = 0;
    float min_nz_ = 0.0f;
    float max_nz_ = 0.0f;
};

// BitNet b1.58's gamma: mean(|W|) clamped to >= 1e-5 (no exact-ternary special case).
float absmean_scale(const float* src, int64_t n);
// TernaryScale over a whole tensor.
float ternary_tensor_scale(const float* src, int64_t n);

// True when quantize_tensor() can produce the type: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1,
// Q8_0, Q8_K, TQ1_0, TQ2_0, I2_S.
bool can_quantize(TensorType type);
// Quantizes a whole tensor of nrows rows of ne0 floats into `dst`, which must hold
// tensor_bytes(type, ne0, ne0 * nrows) bytes. Returns the bytes written. O(n).
// I2_S additionally needs ne0 * nrows to be a multiple of 128 and writes the 32-byte trailer.
size_t quantize_tensor(TensorType type, const float* src, void* dst, int64_t ne0, int64_t nrows,
                       const QuantizeOptions& opts = {});
// Quantizes one row of n floats (n a multiple of the block size; 128 for I2_S, codes only).
// Returns row_bytes(type, n) (n / 4 for I2_S). AbsMeanTensor needs opts.tensor_scale > 0.
size_t quantize_row(TensorType type, const float* src, void* dst, int64_t n,
                    const QuantizeOptions& opts = {});
// Writes the 32-byte I2_S trailer (scale as little-endian float, then 28 zero bytes).
void write_i2s_trailer(void* trailer, float scale);

// ---------------------------------------------------------------------------------------------
// Activations and reference dot products (what every SIMD kernel must reproduce).
//
// Activation row format per weight type (llama.cpp's vec_dot_type, except as noted):
//   F32 -> F32; F16 -> F16; BF16 -> BF16;
//   Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 -> Q8_0 (llama.cpp pairs Q4_1/Q5_1 with Q8_1; Q8_0 carries
//     the same information once the block sum of the int8 values is taken, see vec_dot_ref);
//   Q2_K..Q6_K, TQ1_0, TQ2_0 -> Q8_K (the bsums must be those of the int8 values);
//   I2_S -> I8 row: n int8 values, then a float scale s and an int32 sum of the values
//     (n + 8 bytes, unaligned). x ≈ q / s (bitnet.cpp's quantize_row_i8_s convention).
TensorType activation_type(TensorType weight_type);  // throws UnsupportedError when none
size_t activation_row_bytes(TensorType weight_type, int64_t n);
// Converts n floats to the activation format of weight_type with the reference rules
// (Q8_0: quantize_row_q8_0_ref; Q8_K: quantize_row_q8_K_ref; I8: quantize_row_i8_s).
void quantize_activation_row(TensorType weight_type, const float* x, void* dst, int64_t n);

// bitnet.cpp's per-token int8 activation rule (quantize_row_i8_s): amax = max(1e-5, max|x|)
// in double, s = (float)(127 / amax), q = clamp(round_half_even(x * s), -128, 127).
struct I8Activation {
    float scale;  // s: x ≈ q / s
    int32_t sum;  // Σ q, needed because I2_S codes are offset by one
};
I8Activation quantize_row_i8s(const float* x, int8_t* q, int64_t n);

// Exact integer parts of a dot product, one entry per weight block (32 elements for the
// 32-blocks, 256 for the k-quants and TQ types):
//   sumi   = Σ over the block of (scale-weighted) integer weight times int8 activation:
//            Q4_0/Q5_0/Q8_0/TQ: Σ q_w q_a with signed q_w; Q4_1/Q5_1: Σ q_w q_a with q_w >= 0;
//            Q2_K/Q4_K/Q5_K: Σ_j sc_j Σ q_w q_a (q_w >= 0); Q3_K/Q6_K: Σ_j sc_j Σ q_w q_a (signed,
//            sc_j with its offset removed)
//   summin = Q4_1/Q5_1: Σ q_a; Q2_K/Q4_K/Q5_K: Σ_j m_j bsum_j (the 6-/4-bit mins); else 0.
struct BlockDot {
    int32_t sumi;
    int32_t summin;
};
// wrow: n weights of wtype; act_row: the activation row (activation_type(wtype), not I2_S).
void block_dots_ref(TensorType wtype, const void* wrow, const void* act_row, int64_t n, BlockDot* out);
// Dot product of a weight row with an activation row (same formats as above). Integer parts are
// exact; the float combination per block is
//   Q4_0/Q5_0/Q8_0/TQ: sumf += sumi * (d_w * d_a)
//   Q4_1/Q5_1:         sumf += (d_w * d_a) * sumi + (m_w * d_a) * summin
//   Q2_K..Q6_K:        sumf += (d_w * d_a) * sumi - (dmin_w * d_a) * summin
// (llama.cpp's generic order per block; its Q3_K..Q6_K code spreads the sum over 8 lanes, so
// float results may differ from it in the last bits). F32/F16/BF16 sum in double.
// I2_S needs the tensor scale: use vec_dot_i2s_ref.
float vec_dot_ref(TensorType wtype, const void* wrow, const void* act_row, int64_t n);
// Σ (c - 1) q over n I2_S codes (n a multiple of 128), exact.
int32_t dot_i2s_i8_ref(const void* codes, const int8_t* q, int64_t n);
// bitnet.cpp's finish: ((float)Σ c q - (float)sum) / s * weight_scale, where Σ c q uses the raw
// codes 0..2 (it equals dot_i2s_i8_ref + sum). act_row in the I8 row format above.
float vec_dot_i2s_ref(const void* codes, float weight_scale, const void* act_row, int64_t n);

}  // namespace lowbit::quant
