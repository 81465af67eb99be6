#pragma once
// 1-bit weights: OneBit (sign matrix S and FP16 value vectors g, h; y = ((x ⊙ g) · Sᵀ) ⊙ h) and
// BitNet-binary (sign(W − mean W) and one scale β), with their reference decompositions, packing,
// mat-vec products and GGUF layout (docs/FORMATS.md, "OneBit and binary"). No global state.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lowbit/quant.h"

namespace lowbit {
class GgufFile;
class GgufWriter;
struct GgufTensorInfo;
}  // namespace lowbit

namespace lowbit::onebit {

// ---------------------------------------------------------------------------------------------
// Packed signs: one bit per weight, row-major; within a row, weight c is bit (c % 8) of byte
// c / 8 (least significant bit first); bit 1 = +1, bit 0 = −1. Every row starts on a byte: a row
// of `cols` weights takes ceil(cols / 8) bytes and the unused high bits of its last byte are 0.
// (GGUF files only hold matrices with cols % 8 == 0, so no padding appears there.)
// sign(w) = +1 for w >= 0, including +0 and −0, and −1 for w < 0.
size_t sign_row_bytes(int64_t cols);
// Packs rows x cols floats (row-major) into rows * sign_row_bytes(cols) bytes.
void pack_signs(const float* w, int64_t rows, int64_t cols, uint8_t* bits);
// Unpacks to ±1.0f.
void unpack_signs(const uint8_t* bits, int64_t rows, int64_t cols, float* out);
// Σ s_j x_j over one packed row (double accumulation).
double sign_dot_ref(const uint8_t* sign_row, const float* x, int64_t cols);
// Σ s_j q_j over one packed row: the exact integer every sign x int8 kernel must produce.
int32_t sign_dot_i8_ref(const uint8_t* sign_row, const int8_t* q, int64_t cols);

// ---------------------------------------------------------------------------------------------
// Sign-Value-Independent Decomposition (OneBit, Sec. 3.3): W ≈ sign(W) ⊙ (a bᵀ) with a, b >= 0
// a rank-1 approximation of |W|.
enum class SvidMethod {
    // Lee–Seung multiplicative updates for rank-1 NMF: a ← a ⊙ (|W| b) ⊘ (a bᵀb), then
    // b ← b ⊙ (|W|ᵀ a) ⊘ (b aᵀa); init a = row means of |W|, b = column means / mean |W|.
    Nmf,
    // Power iteration for the leading singular pair of |W| (its rank-1 SVD); init v = column
    // means of |W|. Non-negative by Perron–Frobenius; absolute values are taken anyway.
    PowerIteration,
};
// For rank 1 both converge to the same fixed point (the leading singular pair of |W|); they
// differ in start and path, so after a few iterations their factors agree to a few digits.

struct SvidOptions {
    SvidMethod method = SvidMethod::Nmf;
    int max_iterations = 32;
    // Stops early when the fit aᵀ|W|b changes by less than this (relative) between iterations.
    double tolerance = 1e-7;
};

struct Rank1 {
    std::vector<float> a;  // rows (output side)
    std::vector<float> b;  // cols (input side)
    int iterations = 0;    // iterations run
};

// Rank-1 factors of |W| (W: rows x cols, row-major), a, b >= 0, rescaled so that mean(a) = mean(b)
// (keeps both well inside FP16's range). Throws on NaN/Inf or an empty matrix.
Rank1 rank1_abs(const float* w, int64_t rows, int64_t cols, const SvidOptions& options = {});
// The plain best rank-1 approximation of W itself (power iteration on W, signed), for comparisons
// such as OneBit's Proposition 2. Runs until the singular value changes by < 1e-12 (relative) or
// max_iterations.
Rank1 rank1_signed(const float* w, int64_t rows, int64_t cols, int max_iterations = 1000);

// ---------------------------------------------------------------------------------------------
// OneBit layer: S = sign(W), h = a (rows), g = b (cols), stored as FP16 bits.
struct OnebitLayer {
    int64_t rows = 0, cols = 0;
    std::vector<uint8_t> signs;  // rows * sign_row_bytes(cols)
    std::vector<uint16_t> g;     // cols, fp16 (input side)
    std::vector<uint16_t> h;     // rows, fp16 (output side)
};
OnebitLayer onebit_quantize(const float* w, int64_t rows, int64_t cols, const SvidOptions& options = {});
// Ŵ_ij = (s_ij * h_i) * g_j with the stored FP16 values (rows x cols floats).
void onebit_dequantize(const OnebitLayer& layer, float* out);

// W1A16 reference mat-vec: y_i = h_i * Σ_j s_ij (x_j g_j), the sum in double, then rounded to float
// and multiplied by h_i in float. signs: rows * sign_row_bytes(cols) bytes; g: cols halves; h: rows.
void onebit_matvec_ref(const uint8_t* signs, const uint16_t* g, const uint16_t* h, int64_t rows, int64_t cols,
                       const float* x, float* y);
// Optional int8-activation mode: xg_j = x_j * g_j (float), quantized per token with
// quant::quantize_row_i8s (q, s); y_i = ((float)Σ_j s_ij q_j / s) * h_i. The integer sum is exact.
void onebit_matvec_i8_ref(const uint8_t* signs, const uint16_t* g, const uint16_t* h, int64_t rows,
                          int64_t cols, const float* x, float* y);

// ---------------------------------------------------------------------------------------------
// BitNet-binary layer (BitNet v1): S = sign(W − mean(W)), β = mean|W − mean(W)|; Ŵ = β S.
struct BinaryLayer {
    int64_t rows = 0, cols = 0;
    std::vector<uint8_t> signs;
    float beta = 0.0f;
};
BinaryLayer binary_quantize(const float* w, int64_t rows, int64_t cols);
void binary_dequantize(const BinaryLayer& layer, float* out);
// y_i = (float)(Σ_j s_ij x_j) * β (sum in double).
void binary_matvec_ref(const uint8_t* signs, float beta, int64_t rows, int64_t cols, const float* x,
                       float* y);

// ---------------------------------------------------------------------------------------------
// Storage cost (bits per weight including the value vectors / scale) of one rows x cols matrix.
double onebit_bits_per_weight(int64_t rows, int64_t cols);  // 1 + 16 (rows + cols) / (rows cols)
double binary_bits_per_weight(int64_t rows, int64_t cols);  // 1 + 32 / (rows cols)

// ---------------------------------------------------------------------------------------------
// GGUF layout (version 1). A packed weight named N (e.g. "blk.0.attn_q.weight") is stored as
//   N            I8  ne = [cols / 8, rows]  the sign bits, byte for byte as packed above
//   N.onebit_g   F16 ne = [cols]            OneBit only
//   N.onebit_h   F16 ne = [rows]            OneBit only
//   N.binary_beta F32 ne = [1]              binary only
// with file metadata lowbit.onebit.version = 1 (UINT32) and lowbit.quantization = "onebit" or
// "binary" (STRING) naming the scheme of the model's linear layers.
inline constexpr std::string_view kVersionKey = "lowbit.onebit.version";
inline constexpr std::string_view kQuantizationKey = "lowbit.quantization";
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr std::string_view kGSuffix = ".onebit_g";
inline constexpr std::string_view kHSuffix = ".onebit_h";
inline constexpr std::string_view kBetaSuffix = ".binary_beta";

std::string g_tensor_name(std::string_view weight_name);
std::string h_tensor_name(std::string_view weight_name);
std::string beta_tensor_name(std::string_view weight_name);
// True for the names of companion tensors (value vectors, β), which are not weights themselves.
bool is_companion_name(std::string_view tensor_name);

enum class PackedKind { OneBit, Binary };

// A packed 1-bit weight found in a file, validated (types, shapes, sizes).
struct PackedWeight {
    PackedKind kind = PackedKind::OneBit;
    int64_t rows = 0, cols = 0;
    const GgufTensorInfo* signs = nullptr;
    const GgufTensorInfo* g = nullptr;     // OneBit
    const GgufTensorInfo* h = nullptr;     // OneBit
    const GgufTensorInfo* beta = nullptr;  // binary
    uint64_t total_bytes = 0;              // signs + companions
    double bits_per_weight() const;
};

// The packed weight stored under `weight_name`, or nullopt when that tensor is an ordinary one
// (no companion tensors). Throws FormatError when companions exist but types or shapes do not
// match the layout above or the version key is missing, UnsupportedError for a newer version.
std::optional<PackedWeight> find_packed_weight(const GgufFile& file, std::string_view weight_name);
// Every packed weight of a file, in tensor order.
std::vector<std::pair<std::string, PackedWeight>> packed_weights(const GgufFile& file);

// Writer helpers: declare the tensors of one packed weight (in the order of the layout above)
// and the metadata keys. Data must then be written in the same order: signs, then g, then h
// (OneBit) or β (binary). Throws Error when cols % 8 != 0 (keep such a matrix in F16 instead).
void declare_onebit_weight(GgufWriter& writer, const std::string& weight_name, int64_t rows, int64_t cols);
void declare_binary_weight(GgufWriter& writer, const std::string& weight_name, int64_t rows, int64_t cols);
void set_metadata(GgufWriter& writer, PackedKind kind);

}  // namespace lowbit::onebit
