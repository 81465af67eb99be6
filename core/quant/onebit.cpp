// OneBit and BitNet-binary layers: sign packing, quantization, reference mat-vec products.
#include <cmath>
#include <cstring>
#include <string>

#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/onebit.h"

namespace lowbit::onebit {
namespace {

inline bool sign_bit(const uint8_t* row, int64_t j) {
    return (row[j >> 3] >> (j & 7)) & 1u;
}

void check_shape(int64_t rows, int64_t cols, const char* what) {
    if (rows <= 0 || cols <= 0) {
        throw Error(std::string(what) + ": bad matrix shape [" + std::to_string(rows) + " x " +
                    std::to_string(cols) + "]");
    }
}

void check_finite(const float* w, int64_t n, const char* what) {
    for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(w[i]))
            throw Error(std::string(what) + ": element " + std::to_string(i) + " is not finite");
    }
}

}  // namespace

size_t sign_row_bytes(int64_t cols) {
    return static_cast<size_t>((cols + 7) / 8);
}

void pack_signs(const float* w, int64_t rows, int64_t cols, uint8_t* bits) {
    const size_t rb = sign_row_bytes(cols);
    for (int64_t i = 0; i < rows; ++i) {
        uint8_t* out = bits + i * rb;
        std::memset(out, 0, rb);
        const float* r = w + i * cols;
        for (int64_t j = 0; j < cols; ++j) {
            if (r[j] >= 0.0f) out[j >> 3] = static_cast<uint8_t>(out[j >> 3] | (1u << (j & 7)));
        }
    }
}

void unpack_signs(const uint8_t* bits, int64_t rows, int64_t cols, float* out) {
    const size_t rb = sign_row_bytes(cols);
    for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = sign_bit(bits + i * rb, j) ? 1.0f : -1.0f;
    }
}

double sign_dot_ref(const uint8_t* sign_row, const float* x, int64_t cols) {
    double s = 0.0;
    for (int64_t j = 0; j < cols; ++j) s += sign_bit(sign_row, j) ? x[j] : -static_cast<double>(x[j]);
    return s;
}

int32_t sign_dot_i8_ref(const uint8_t* sign_row, const int8_t* q, int64_t cols) {
    int32_t s = 0;
    for (int64_t j = 0; j < cols; ++j) s += sign_bit(sign_row, j) ? q[j] : -q[j];
    return s;
}

OnebitLayer onebit_quantize(const float* w, int64_t rows, int64_t cols, const SvidOptions& options) {
    check_shape(rows, cols, "OneBit");
    Rank1 r = rank1_abs(w, rows, cols, options);  // also rejects NaN / Inf
    OnebitLayer l;
    l.rows = rows;
    l.cols = cols;
    l.signs.resize(static_cast<size_t>(rows) * sign_row_bytes(cols));
    pack_signs(w, rows, cols, l.signs.data());
    l.g.resize(static_cast<size_t>(cols));
    l.h.resize(static_cast<size_t>(rows));
    for (int64_t j = 0; j < cols; ++j) l.g[j] = fp32_to_fp16(r.b[j]);
    for (int64_t i = 0; i < rows; ++i) l.h[i] = fp32_to_fp16(r.a[i]);
    return l;
}

void onebit_dequantize(const OnebitLayer& l, float* out) {
    const size_t rb = sign_row_bytes(l.cols);
    for (int64_t i = 0; i < l.rows; ++i) {
        const float h = fp16_to_fp32(l.h[i]);
        const uint8_t* row = l.signs.data() + i * rb;
        for (int64_t j = 0; j < l.cols; ++j) {
            out[i * l.cols + j] = (sign_bit(row, j) ? h : -h) * fp16_to_fp32(l.g[j]);
        }
    }
}

void onebit_matvec_ref(const uint8_t* signs, const uint16_t* g, const uint16_t* h, int64_t rows, int64_t cols,
                       const float* x, float* y) {
    check_shape(rows, cols, "onebit_matvec_ref");
    std::vector<float> xg(static_cast<size_t>(cols));
    for (int64_t j = 0; j < cols; ++j) xg[j] = x[j] * fp16_to_fp32(g[j]);
    const size_t rb = sign_row_bytes(cols);
    for (int64_t i = 0; i < rows; ++i) {
        y[i] = static_cast<float>(sign_dot_ref(signs + i * rb, xg.data(), cols)) * fp16_to_fp32(h[i]);
    }
}

void onebit_matvec_i8_ref(const uint8_t* signs, const uint16_t* g, const uint16_t* h, int64_t rows,
                          int64_t cols, const float* x, float* y) {
    check_shape(rows, cols, "onebit_matvec_i8_ref");
    std::vector<float> xg(static_cast<size_t>(cols));
    for (int64_t j = 0; j < cols; ++j) xg[j] = x[j] * fp16_to_fp32(g[j]);
    std::vector<int8_t> q(static_cast<size_t>(cols));
    const quant::I8Activation act = quant::quantize_row_i8s(xg.data(), q.data(), cols);
    const size_t rb = sign_row_bytes(cols);
    for (int64_t i = 0; i < rows; ++i) {
        const int32_t sumi = sign_dot_i8_ref(signs + i * rb, q.data(), cols);
        y[i] = static_cast<float>(sumi) / act.scale * fp16_to_fp32(h[i]);
    }
}

BinaryLayer binary_quantize(const float* w, int64_t rows, int64_t cols) {
    check_shape(rows, cols, "binary");
    const int64_t n = rows * cols;
    check_finite(w, n, "binary");
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += w[i];
    const auto mean = static_cast<float>(sum / static_cast<double>(n));
    std::vector<float> centered(static_cast<size_t>(n));
    double abs_sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        centered[i] = w[i] - mean;
        abs_sum += std::fabs(centered[i]);
    }
    BinaryLayer l;
    l.rows = rows;
    l.cols = cols;
    l.beta = static_cast<float>(abs_sum / static_cast<double>(n));
    l.signs.resize(static_cast<size_t>(rows) * sign_row_bytes(cols));
    pack_signs(centered.data(), rows, cols, l.signs.data());
    return l;
}

void binary_dequantize(const BinaryLayer& l, float* out) {
    unpack_signs(l.signs.data(), l.rows, l.cols, out);
    for (int64_t i = 0; i < l.rows * l.cols; ++i) out[i] *= l.beta;
}

void binary_matvec_ref(const uint8_t* signs, float beta, int64_t rows, int64_t cols, const float* x,
                       float* y) {
    check_shape(rows, cols, "binary_matvec_ref");
    const size_t rb = sign_row_bytes(cols);
    for (int64_t i = 0; i < rows; ++i)
        y[i] = static_cast<float>(sign_dot_ref(signs + i * rb, x, cols)) * beta;
}

double onebit_bits_per_weight(int64_t rows, int64_t cols) {
    const double n = static_cast<double>(rows) * static_cast<double>(cols);
    return (8.0 * static_cast<double>(static_cast<size_t>(rows) * sign_row_bytes(cols)) +
            16.0 * static_cast<double>(rows + cols)) /
           n;
}

double binary_bits_per_weight(int64_t rows, int64_t cols) {
    const double n = static_cast<double>(rows) * static_cast<double>(cols);
    return (8.0 * static_cast<double>(static_cast<size_t>(rows) * sign_row_bytes(cols)) + 32.0) / n;
}

}  // namespace lowbit::onebit
