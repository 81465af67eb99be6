// quantize_row / quantize_tensor: validation and dispatch to the block quantizers.
#include <cmath>
#include <cstring>
#include <string>

#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/quant.h"
#include "quant/quantize_internal.h"

namespace lowbit::quant {
namespace {

bool is_ternary(TensorType t) {
    return t == TensorType::TQ1_0 || t == TensorType::TQ2_0 || t == TensorType::I2_S;
}

int64_t quant_block_size(TensorType type) {
    return type == TensorType::I2_S ? QK_I2_S : type_traits(type).block_size;
}

void check_quantizable(TensorType type, int64_t n, const char* what) {
    if (!can_quantize(type)) {
        throw UnsupportedError("cannot quantize to tensor type " + std::string(type_name(type)));
    }
    const int64_t bs = quant_block_size(type);
    if (n < 0 || n % bs != 0) {
        throw Error(std::string("quantize to ") + std::string(type_name(type)) + ": " + what + " of " +
                    std::to_string(n) + " elements is not a multiple of " + std::to_string(bs));
    }
}

// Per-tensor ternary: trits from the given scale, each block stores fp16(scale) (TQ) or the
// codes only (I2_S). Blocks of 256 for TQ, 128 for I2_S.
void quantize_ternary_scaled(TensorType type, const float* x, void* dst, int64_t n, float scale) {
    int8_t t[QK_K];
    switch (type) {
        case TensorType::TQ1_0: {
            const uint16_t d = fp32_to_fp16(scale);
            auto* y = static_cast<BlockTQ1_0*>(dst);
            for (int64_t i = 0; i < n / QK_K; ++i) {
                ternarize(x + i * QK_K, scale, t, QK_K);
                pack_tq1_0(t, d, &y[i]);
            }
            return;
        }
        case TensorType::TQ2_0: {
            const uint16_t d = fp32_to_fp16(scale);
            auto* y = static_cast<BlockTQ2_0*>(dst);
            for (int64_t i = 0; i < n / QK_K; ++i) {
                ternarize(x + i * QK_K, scale, t, QK_K);
                pack_tq2_0(t, d, &y[i]);
            }
            return;
        }
        case TensorType::I2_S: {
            auto* y = static_cast<uint8_t*>(dst);
            for (int64_t i = 0; i < n / QK_I2_S; ++i) {
                ternarize(x + i * QK_I2_S, scale, t, QK_I2_S);
                pack_i2s(t, y + i * I2_S_BLOCK_BYTES);
            }
            return;
        }
        default:
            break;
    }
}

void check_ternary_scale(float s) {
    if (!(s > 0.0f) || !std::isfinite(s)) {
        throw Error("ternary quantization: the tensor scale must be a positive finite number, got " +
                    std::to_string(s));
    }
}

// The body shared by quantize_row and quantize_tensor; `scale` is the ternary tensor scale
// (already resolved) when the rule is AbsMeanTensor.
void quantize_span(TensorType type, const float* x, void* dst, int64_t n, const QuantizeOptions& opts) {
    const int64_t nb = n / quant_block_size(type);
    switch (type) {
        case TensorType::F32:
            std::memcpy(dst, x, static_cast<size_t>(n) * sizeof(float));
            return;
        case TensorType::F16: {
            auto* h = static_cast<uint16_t*>(dst);
            for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(x[i]);
            return;
        }
        case TensorType::BF16: {
            auto* h = static_cast<uint16_t*>(dst);
            for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(x[i]);
            return;
        }
        case TensorType::Q4_0:
            return quantize_q4_0(x, static_cast<BlockQ4_0*>(dst), nb);
        case TensorType::Q4_1:
            return quantize_q4_1(x, static_cast<BlockQ4_1*>(dst), nb);
        case TensorType::Q5_0:
            return quantize_q5_0(x, static_cast<BlockQ5_0*>(dst), nb);
        case TensorType::Q5_1:
            return quantize_q5_1(x, static_cast<BlockQ5_1*>(dst), nb);
        case TensorType::Q8_0:
            return quantize_q8_0(x, static_cast<BlockQ8_0*>(dst), nb);
        case TensorType::Q8_K:
            return quantize_q8_K(x, static_cast<BlockQ8_K*>(dst), nb);
        case TensorType::TQ1_0:
        case TensorType::TQ2_0:
        case TensorType::I2_S:
            if (opts.ternary_rule == TernaryRule::AbsMaxBlock) {
                if (type == TensorType::TQ1_0)
                    return quantize_tq1_0_absmax(x, static_cast<BlockTQ1_0*>(dst), nb);
                if (type == TensorType::TQ2_0)
                    return quantize_tq2_0_absmax(x, static_cast<BlockTQ2_0*>(dst), nb);
                throw Error("I2_S has one scale per tensor: the per-block (AbsMaxBlock) rule does not apply");
            }
            check_ternary_scale(opts.tensor_scale);
            return quantize_ternary_scaled(type, x, dst, n, opts.tensor_scale);
        default:
            break;
    }
    throw UnsupportedError("cannot quantize to tensor type " + std::string(type_name(type)));
}

void check_finite(const float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) {
            throw Error("cannot quantize: element " + std::to_string(i) + " is " +
                        (std::isnan(x[i]) ? "NaN" : "infinite"));
        }
    }
}

}  // namespace

bool can_quantize(TensorType type) {
    switch (type) {
        case TensorType::F32:
        case TensorType::F16:
        case TensorType::BF16:
        case TensorType::Q4_0:
        case TensorType::Q4_1:
        case TensorType::Q5_0:
        case TensorType::Q5_1:
        case TensorType::Q8_0:
        case TensorType::Q8_K:
        case TensorType::TQ1_0:
        case TensorType::TQ2_0:
        case TensorType::I2_S:
            return true;
        default:
            return false;
    }
}

size_t quantize_row(TensorType type, const float* src, void* dst, int64_t n, const QuantizeOptions& opts) {
    check_quantizable(type, n, "a row");
    if (is_ternary(type) && opts.ternary_rule == TernaryRule::AbsMeanTensor && opts.tensor_scale <= 0.0f) {
        throw Error(
            "quantize_row to " + std::string(type_name(type)) +
            " with the per-tensor absmean rule needs QuantizeOptions::tensor_scale (see TernaryScale)");
    }
    if (type_traits(type).quantized) check_finite(src, n);
    quantize_span(type, src, dst, n, opts);
    return type == TensorType::I2_S ? static_cast<size_t>(n / 4) : row_bytes(type, n);
}

size_t quantize_tensor(TensorType type, const float* src, void* dst, int64_t ne0, int64_t nrows,
                       const QuantizeOptions& opts) {
    if (ne0 <= 0 || nrows < 0) {
        throw Error("quantize: bad shape [" + std::to_string(ne0) + ", " + std::to_string(nrows) + "]");
    }
    const int64_t n = ne0 * nrows;
    if (type == TensorType::I2_S) {
        check_quantizable(type, n, "a tensor");
    } else {
        check_quantizable(type, ne0, "a row");
    }
    if (type_traits(type).quantized) check_finite(src, n);
    QuantizeOptions resolved = opts;
    if (is_ternary(type) && opts.ternary_rule == TernaryRule::AbsMeanTensor && opts.tensor_scale <= 0.0f) {
        resolved.tensor_scale = ternary_tensor_scale(src, n);
    }
    // Rows are whole blocks, so the tensor quantizes as one long row.
    quantize_span(type, src, dst, n, resolved);
    if (type == TensorType::I2_S) {
        write_i2s_trailer(static_cast<uint8_t*>(dst) + n / 4, resolved.tensor_scale);
        return static_cast<size_t>(n / 4) + I2_S_TRAILER_BYTES;
    }
    return tensor_bytes(type, ne0, n);
}

}  // namespace lowbit::quant
