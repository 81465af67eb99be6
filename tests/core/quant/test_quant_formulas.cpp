// quantize -> dequantize follows each format's formula; the I2_S byte layout is bitnet.cpp's;
// the reference dot products agree with the dequantized values; bad input gives clear errors.
#include <QTest>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/quant.h"
#include "random_blocks.h"

using namespace lowbit;
using quant::QuantizeOptions;
using quant::TernaryRule;

namespace {

std::vector<uint8_t> quantize(TensorType t, const std::vector<float>& x, int64_t ne0,
                              const QuantizeOptions& o = {}) {
    std::vector<uint8_t> q(tensor_bytes(t, ne0, static_cast<int64_t>(x.size())));
    const size_t n =
        quant::quantize_tensor(t, x.data(), q.data(), ne0, static_cast<int64_t>(x.size()) / ne0, o);
    if (n != q.size()) throw Error("quantize_tensor returned a wrong size");
    return q;
}

std::vector<float> dequantize(TensorType t, const std::vector<uint8_t>& q, int64_t ne0, int64_t n) {
    std::vector<float> x(static_cast<size_t>(n));
    quant::dequantize_tensor(t, q.data(), q.size(), ne0, n, x.data());
    return x;
}

uint16_t half_at(const std::vector<uint8_t>& q, size_t off) {
    uint16_t h;
    std::memcpy(&h, q.data() + off, 2);
    return h;
}

// A matrix that is exactly s * {-1, 0, +1}, as a model trained ternary is.
std::vector<float> ternary_matrix(int64_t n, float s, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x) v = s * static_cast<float>(static_cast<int>(rng() % 3u) - 1);
    return x;
}

// Gaussian-like latent weights (sum of uniforms), standard deviation about `sigma`.
std::vector<float> latent_weights(int64_t n, float sigma, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x) {
        float s = 0;
        for (int k = 0; k < 4; ++k) s += static_cast<float>(rng() % 100001u) / 100000.0f - 0.5f;
        v = s * sigma * 1.7320508f;
    }
    return x;
}

}  // namespace

class TestQuantFormulas : public QObject {
    Q_OBJECT

  private slots:
    // Q8_0: x̂ = fp16(d) * q with d = max|x| / 127 and q = round(x / d). The error is half a step
    // plus what rounding d to fp16 moves the largest level (it matters for tiny blocks, where fp16's
    // d is subnormal: llama.cpp has the same limit).
    void q8_0RoundTrip() {
        const int64_t n = 256 * 32;
        const auto x = test::test_floats(n, 7u);
        const auto q = quantize(TensorType::Q8_0, x, 256);
        const auto y = dequantize(TensorType::Q8_0, q, 256, n);
        for (int64_t b = 0; b < n / 32; ++b) {
            float amax = 0;
            for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
            const float d_true = amax / 127;
            const float d = fp16_to_fp32(half_at(q, b * 34));
            QCOMPARE(d, fp16_to_fp32(fp32_to_fp16(d_true)));
            const double bound = 0.5 * d_true + 127.0 * std::fabs(d - d_true) + 1e-6 * amax;
            for (int j = 0; j < 32; ++j) {
                const auto qi = static_cast<int8_t>(q[b * 34 + 2 + j]);
                QCOMPARE(y[b * 32 + j], qi * d);
                QCOMPARE(static_cast<int>(qi),
                         static_cast<int>(std::roundf(x[b * 32 + j] * (d_true ? 1 / d_true : 0))));
                QVERIFY(std::fabs(y[b * 32 + j] - x[b * 32 + j]) <= bound);
            }
        }
    }

    // Q4_0: x̂ = fp16(d) * (q - 8), d = max / -8 (max = the signed extreme, which lands exactly on
    // q = 0); the opposite extreme may clamp at q = 15, so the error is at most one step |d|.
    void q4_0RoundTrip() {
        const int64_t n = 256 * 32;
        const auto x = test::test_floats(n, 8u);
        const auto q = quantize(TensorType::Q4_0, x, 256);
        const auto y = dequantize(TensorType::Q4_0, q, 256, n);
        for (int64_t b = 0; b < n / 32; ++b) {
            float amax = 0, max = 0;
            for (int j = 0; j < 32; ++j) {
                if (std::fabs(x[b * 32 + j]) > amax) {
                    amax = std::fabs(x[b * 32 + j]);
                    max = x[b * 32 + j];
                }
            }
            const float d_true = max / -8;
            const float d = fp16_to_fp32(half_at(q, b * 18));
            QCOMPARE(d, fp16_to_fp32(fp32_to_fp16(d_true)));
            for (int j = 0; j < 16; ++j) {
                const uint8_t byte = q[b * 18 + 2 + j];
                QCOMPARE(y[b * 32 + j], ((byte & 0xF) - 8) * d);
                QCOMPARE(y[b * 32 + j + 16], ((byte >> 4) - 8) * d);
            }
            const double bound = std::fabs(d_true) + 8.0 * std::fabs(d - d_true) + 1e-6 * amax;
            for (int j = 0; j < 32; ++j) QVERIFY(std::fabs(y[b * 32 + j] - x[b * 32 + j]) <= bound);
        }
    }

    // Q4_1 / Q5_0 / Q5_1: within one step of the true scale, plus the fp16 rounding of the
    // stored scale (times the largest level) and of the stored minimum.
    void otherBlockTypesRoundTrip_data() {
        QTest::addColumn<int>("type");
        QTest::newRow("q4_1") << static_cast<int>(TensorType::Q4_1);
        QTest::newRow("q5_0") << static_cast<int>(TensorType::Q5_0);
        QTest::newRow("q5_1") << static_cast<int>(TensorType::Q5_1);
    }
    void otherBlockTypesRoundTrip() {
        QFETCH(int, type);
        const auto t = static_cast<TensorType>(type);
        const int64_t n = 256 * 32;
        const auto x = test::test_floats(n, 9u);
        const auto q = quantize(t, x, 256);
        const auto y = dequantize(t, q, 256, n);
        const size_t bb = type_traits(t).block_bytes;
        for (int64_t b = 0; b < n / 32; ++b) {
            float lo = x[b * 32], hi = x[b * 32], amax = 0, max = 0;
            for (int j = 0; j < 32; ++j) {
                const float v = x[b * 32 + j];
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                if (std::fabs(v) > amax) {
                    amax = std::fabs(v);
                    max = v;
                }
            }
            const float d = fp16_to_fp32(half_at(q, b * bb));
            double d_true, levels, min_err = 0;
            if (t == TensorType::Q5_0) {
                d_true = max / -16.0f;
                levels = 16;
            } else {
                d_true = (hi - lo) / (t == TensorType::Q4_1 ? 15.0f : 31.0f);
                levels = t == TensorType::Q4_1 ? 15 : 31;
                min_err = std::fabs(fp16_to_fp32(half_at(q, b * bb + 2)) - lo);
            }
            const double bound =
                std::fabs(d_true) + levels * std::fabs(d - d_true) + min_err + 1e-6 * std::max(amax, hi - lo);
            for (int j = 0; j < 32; ++j) {
                QVERIFY2(std::fabs(y[b * 32 + j] - x[b * 32 + j]) <= bound,
                         qPrintable(QString("block %1 elem %2").arg(b).arg(j)));
            }
        }
    }

    // F16/BF16: round to nearest even, exactly the fp16.h conversions.
    void halfTypesRoundTrip() {
        const auto x = test::test_floats(256 * 8, 10u);
        const auto h = dequantize(TensorType::F16, quantize(TensorType::F16, x, 256), 256, 2048);
        const auto b = dequantize(TensorType::BF16, quantize(TensorType::BF16, x, 256), 256, 2048);
        for (size_t i = 0; i < x.size(); ++i) {
            QCOMPARE(h[i], fp16_to_fp32(fp32_to_fp16(x[i])));
            QCOMPARE(b[i], bf16_to_fp32(fp32_to_bf16(x[i])));
        }
    }

    // Q8_K: d = max / -127 (signed extreme), q = nearest(x / d) capped at 127, bsums = Σ q per 16.
    void q8_KFormula() {
        const int64_t n = 256 * 8;
        const auto x = test::test_floats(n, 11u);
        std::vector<uint8_t> q(row_bytes(TensorType::Q8_K, n));
        quant::quantize_row(TensorType::Q8_K, x.data(), q.data(), n);
        for (int64_t b = 0; b < n / 256; ++b) {
            const uint8_t* blk = q.data() + b * 292;
            float d;
            std::memcpy(&d, blk, 4);
            float amax = 0;
            for (int j = 0; j < 256; ++j) amax = std::max(amax, std::fabs(x[b * 256 + j]));
            if (amax == 0.0f) {
                QCOMPARE(d, 0.0f);
                continue;
            }
            QVERIFY(std::fabs(std::fabs(d) * 127 - amax) <= 1e-6f * amax);
            for (int g = 0; g < 16; ++g) {
                int sum = 0;
                for (int j = 0; j < 16; ++j) {
                    const auto qi = static_cast<int8_t>(blk[4 + g * 16 + j]);
                    sum += qi;
                    QVERIFY(std::fabs(qi * d - x[b * 256 + g * 16 + j]) <= 0.5001f * std::fabs(d));
                }
                int16_t bsum;
                std::memcpy(&bsum, blk + 4 + 256 + 2 * g, 2);
                QCOMPARE(static_cast<int>(bsum), sum);
            }
        }
    }

    // TQ1_0 / TQ2_0, both rules: every value is exactly d * {-1, 0, 1}; the trit follows the rule.
    void ternaryValuesFollowTheRule_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("rule");
        QTest::newRow("tq1_0 absmax")
            << static_cast<int>(TensorType::TQ1_0) << static_cast<int>(TernaryRule::AbsMaxBlock);
        QTest::newRow("tq2_0 absmax")
            << static_cast<int>(TensorType::TQ2_0) << static_cast<int>(TernaryRule::AbsMaxBlock);
        QTest::newRow("tq1_0 absmean")
            << static_cast<int>(TensorType::TQ1_0) << static_cast<int>(TernaryRule::AbsMeanTensor);
        QTest::newRow("tq2_0 absmean")
            << static_cast<int>(TensorType::TQ2_0) << static_cast<int>(TernaryRule::AbsMeanTensor);
    }
    void ternaryValuesFollowTheRule() {
        QFETCH(int, type);
        QFETCH(int, rule);
        const auto t = static_cast<TensorType>(type);
        const int64_t n = 256 * 64;
        const auto x = latent_weights(n, 0.02f, 12u);
        QuantizeOptions o;
        o.ternary_rule = static_cast<TernaryRule>(rule);
        const auto q = quantize(t, x, 1024, o);
        const auto y = dequantize(t, q, 1024, n);
        const size_t bb = type_traits(t).block_bytes;
        const float gamma = quant::absmean_scale(x.data(), n);
        for (int64_t b = 0; b < n / 256; ++b) {
            const float d = fp16_to_fp32(half_at(q, b * bb + bb - 2));  // d ends both block types
            float amax = 0;
            for (int j = 0; j < 256; ++j) amax = std::max(amax, std::fabs(x[b * 256 + j]));
            if (o.ternary_rule == TernaryRule::AbsMaxBlock) {
                QCOMPARE(d, fp16_to_fp32(fp32_to_fp16(amax)));
            } else {
                QCOMPARE(d, fp16_to_fp32(fp32_to_fp16(gamma)));
            }
            for (int j = 0; j < 256; ++j) {
                const float xv = x[b * 256 + j];
                const float yv = y[b * 256 + j];
                int trit;
                if (o.ternary_rule == TernaryRule::AbsMaxBlock) {
                    trit = static_cast<int>(std::lroundf(xv * (1.0f / amax)));
                } else {
                    trit = static_cast<int>(
                        std::max(-1.0f, std::min(1.0f, std::nearbyint(xv * (1.0f / gamma)))));
                }
                QCOMPARE(yv, static_cast<float>(trit) * d);
            }
        }
    }

    // The BitNet b1.58 scale of latent weights is mean|W|; a tensor that is already ternary keeps
    // its magnitude, so a model trained ternary converts losslessly to every ternary type.
    void absMeanScale() {
        const auto w = latent_weights(4096, 0.05f, 13u);
        double mean = 0;
        for (float v : w) mean += std::fabs(v);
        mean /= 4096;
        QVERIFY(std::fabs(quant::absmean_scale(w.data(), 4096) - mean) <= 1e-7 * mean);
        QCOMPARE(quant::ternary_tensor_scale(w.data(), 4096), quant::absmean_scale(w.data(), 4096));
        const auto t = ternary_matrix(4096, 0.0123f, 14u);
        QCOMPARE(quant::ternary_tensor_scale(t.data(), 4096), 0.0123f);
        QVERIFY(quant::absmean_scale(t.data(), 4096) < 0.0123f * 0.7f);  // about 2/3 of s
        std::vector<float> zeros(512, 0.0f);
        QCOMPARE(quant::ternary_tensor_scale(zeros.data(), 512), 1e-5f);
    }

    void ternaryModelRoundTripIsLossless_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<float>("scale");
        // TQ types store the scale as fp16: a scale that fp16 represents round-trips exactly.
        QTest::newRow("tq1_0") << static_cast<int>(TensorType::TQ1_0) << 0.0625f;
        QTest::newRow("tq2_0") << static_cast<int>(TensorType::TQ2_0) << 0.0625f;
        QTest::newRow("tq2_0 fp16 scale")
            << static_cast<int>(TensorType::TQ2_0) << fp16_to_fp32(fp32_to_fp16(0.0137f));
        // I2_S stores a float: any scale.
        QTest::newRow("i2_s") << static_cast<int>(TensorType::I2_S) << 0.0123456f;
    }
    void ternaryModelRoundTripIsLossless() {
        QFETCH(int, type);
        QFETCH(float, scale);
        const auto t = static_cast<TensorType>(type);
        const int64_t ne0 = 512, rows = 24, n = ne0 * rows;
        const auto w = ternary_matrix(n, scale, 15u);
        // Whole tensor at once.
        const auto q = quantize(t, w, ne0);
        QVERIFY(dequantize(t, q, ne0, n) == w);
        // Streaming: the scale from a first pass over row chunks, then row by row.
        quant::TernaryScale acc;
        for (int64_t r = 0; r < rows; r += 5)
            acc.add(w.data() + r * ne0, std::min<int64_t>(5, rows - r) * ne0);
        QVERIFY(acc.exactly_ternary());
        QuantizeOptions o;
        o.tensor_scale = acc.scale();
        std::vector<uint8_t> streamed(q.size());
        const size_t rb = t == TensorType::I2_S ? ne0 / 4 : row_bytes(t, ne0);
        for (int64_t r = 0; r < rows; ++r) {
            QCOMPARE(quant::quantize_row(t, w.data() + r * ne0, streamed.data() + r * rb, ne0, o), rb);
        }
        if (t == TensorType::I2_S) quant::write_i2s_trailer(streamed.data() + n / 4, o.tensor_scale);
        QVERIFY(streamed == q);
    }

    // I2_S as bitnet.cpp lays it out (x86, ACT_PARALLEL; utils/convert-hf-to-gguf-bitnet.py):
    // blocks of 128 elements in 32 bytes, element 32g + p at bits 6 - 2g of byte p, codes
    // 0/1/2 = -1/0/+1, then a 32-byte trailer whose first 4 bytes are the float scale.
    void i2sByteLayout() {
        const int64_t n = 256;
        std::vector<float> w(n);
        for (int64_t i = 0; i < n; ++i)
            w[i] = 0.5f * static_cast<float>(static_cast<int>((i * 7 + i / 3) % 3) - 1);
        const auto q = quantize(TensorType::I2_S, w, 128);
        QCOMPARE(q.size(), static_cast<size_t>(n / 4 + 32));
        for (int64_t i = 0; i < n; ++i) {
            const int64_t blk = i / 128, g = (i % 128) / 32, p = i % 32;
            const int code = (q[blk * 32 + p] >> (6 - 2 * g)) & 3;
            QCOMPARE(code, static_cast<int>(w[i] / 0.5f) + 1);
        }
        float s;
        std::memcpy(&s, q.data() + n / 4, 4);
        QCOMPARE(s, 0.5f);
        for (size_t k = n / 4 + 4; k < q.size(); ++k) QCOMPARE(q[k], uint8_t{0});
        QCOMPARE(quant::i2s_tensor_scale(q.data(), q.size(), n), 0.5f);
        // A hand-made block: byte 0 = 0b10'01'00'10 holds elements 0, 32, 64, 96 = +1, 0, -1, +1.
        std::vector<uint8_t> blk(32, 0x55);  // all codes 1 = 0
        blk[0] = 0b10010010;
        std::vector<float> y(128);
        quant::dequantize_i2s_row(blk.data(), 2.0f, y.data(), 128);
        QCOMPARE(y[0], 2.0f);
        QCOMPARE(y[32], 0.0f);
        QCOMPARE(y[64], -2.0f);
        QCOMPARE(y[96], 2.0f);
        QCOMPARE(y[1], 0.0f);
    }

    // Latent weights to I2_S: the stored scale is mean|W| and values are scale * trit.
    void i2sAbsMean() {
        const int64_t ne0 = 256, rows = 16, n = ne0 * rows;
        const auto w = latent_weights(n, 0.03f, 16u);
        const auto q = quantize(TensorType::I2_S, w, ne0);
        const float s = quant::i2s_tensor_scale(q.data(), q.size(), n);
        QCOMPARE(s, quant::absmean_scale(w.data(), n));
        const auto y = dequantize(TensorType::I2_S, q, ne0, n);
        for (int64_t i = 0; i < n; ++i) {
            const float t = std::max(-1.0f, std::min(1.0f, std::nearbyint(w[i] * (1.0f / s))));
            QCOMPARE(y[i], t * s);
        }
    }

    // vec_dot_ref against the dequantized operands, and its integer parts against values
    // decoded independently (dequantized value / scale).
    void dotProductsMatchDequantized_data() {
        QTest::addColumn<int>("type");
        for (TensorType t :
             {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q4_0, TensorType::Q4_1,
              TensorType::Q5_0, TensorType::Q5_1, TensorType::Q8_0, TensorType::Q2_K, TensorType::Q3_K,
              TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::TQ1_0, TensorType::TQ2_0,
              TensorType::IQ4_NL, TensorType::IQ4_XS}) {
            QTest::newRow(std::string(type_name(t)).c_str()) << static_cast<int>(t);
        }
    }
    void dotProductsMatchDequantized() {
        QFETCH(int, type);
        const auto t = static_cast<TensorType>(type);
        const int64_t n = 256 * 8;
        const int64_t nblocks = n / type_traits(t).block_size;
        const auto w = test::random_blocks(t, nblocks, 99u + static_cast<uint32_t>(type));
        std::vector<float> wf(n);
        quant::dequantize_row(t, w.data(), wf.data(), n);
        const auto x = test::test_floats(n, 17u);
        const TensorType at = quant::activation_type(t);
        std::vector<uint8_t> a(quant::activation_row_bytes(t, n));
        quant::quantize_activation_row(t, x.data(), a.data(), n);
        std::vector<float> af(n);
        quant::dequantize_row(at, a.data(), af.data(), n);
        double exact = 0, mag = 0;
        for (int64_t i = 0; i < n; ++i) {
            exact += static_cast<double>(wf[i]) * af[i];
            mag += std::fabs(static_cast<double>(wf[i]) * af[i]);
        }
        const float got = quant::vec_dot_ref(t, w.data(), a.data(), n);
        QVERIFY2(std::fabs(got - exact) <= 1e-5 * mag + 1e-30,
                 qPrintable(QString("got %1, dequantized %2, magnitude %3").arg(got).arg(exact).arg(mag)));
        if (t == TensorType::TQ1_0 || t == TensorType::TQ2_0) {
            // Integer part: Σ trit * q8 per block, with trit = value / d recovered from the floats.
            std::vector<quant::BlockDot> parts(static_cast<size_t>(nblocks));
            quant::block_dots_ref(t, w.data(), a.data(), n, parts.data());
            const size_t bb = type_traits(t).block_bytes;
            for (int64_t b = 0; b < nblocks; ++b) {
                uint16_t dh;
                std::memcpy(&dh, w.data() + b * bb + bb - 2, 2);
                const float d = fp16_to_fp32(dh);
                if (d == 0.0f) continue;  // values carry no trit then
                int32_t sum = 0;
                for (int j = 0; j < 256; ++j) {
                    // Decodable codes reach 2d in TQ2_0 (code 3) and TQ1_0 (bytes above 242).
                    const int trit = static_cast<int>(std::lround(wf[b * 256 + j] / d));
                    sum += trit * static_cast<int8_t>(a[b * 292 + 4 + j]);
                }
                QCOMPARE(parts[b].sumi, sum);
            }
        }
    }

    // bitnet.cpp's activation rule and I2_S finish.
    void i8ActivationsAndI2sDot() {
        std::vector<float> x = {0.0f, 1.0f, -2.0f, 0.5f};
        x.resize(128, 0.25f);
        std::vector<int8_t> q(128);
        const auto act = quant::quantize_row_i8s(x.data(), q.data(), 128);
        QCOMPARE(act.scale, 63.5f);            // 127 / 2
        QCOMPARE(static_cast<int>(q[1]), 64);  // 63.5 rounds half to even
        QCOMPARE(static_cast<int>(q[2]), -127);
        QCOMPARE(static_cast<int>(q[3]), 32);  // 31.75
        QCOMPARE(static_cast<int>(q[4]), 16);  // 15.875
        int32_t sum = 0;
        for (int8_t v : q) sum += v;
        QCOMPARE(act.sum, sum);
        std::vector<float> zero(128, 0.0f);
        QCOMPARE(quant::quantize_row_i8s(zero.data(), q.data(), 128).scale,
                 static_cast<float>(127 / 0.00001));

        const int64_t n = 512;
        const auto w = ternary_matrix(n, 0.04f, 18u);
        const auto wq = quantize(TensorType::I2_S, w, n);
        const auto xs = test::test_floats(n, 19u);
        std::vector<uint8_t> a(quant::activation_row_bytes(TensorType::I2_S, n));
        QCOMPARE(a.size(), static_cast<size_t>(n + 8));
        quant::quantize_activation_row(TensorType::I2_S, xs.data(), a.data(), n);
        int32_t expect = 0;
        double dense = 0;
        float s;
        std::memcpy(&s, a.data() + n, 4);
        for (int64_t i = 0; i < n; ++i) {
            const int trit = w[i] > 0 ? 1 : (w[i] < 0 ? -1 : 0);
            expect += trit * static_cast<int8_t>(a[i]);
            dense += static_cast<double>(w[i]) * static_cast<int8_t>(a[i]) / s;
        }
        QCOMPARE(quant::dot_i2s_i8_ref(wq.data(), reinterpret_cast<const int8_t*>(a.data()), n), expect);
        const float got = quant::vec_dot_i2s_ref(wq.data(), 0.04f, a.data(), n);
        QVERIFY(std::fabs(got - dense) <= 1e-5 * std::fabs(dense) + 1e-6);
    }

    void badInputGivesClearErrors() {
        std::vector<float> x(256, 1.0f);
        std::vector<uint8_t> out(4096);
        // Row length not a multiple of the block size.
        QVERIFY_THROWS_EXCEPTION(Error,
                                 quant::quantize_tensor(TensorType::Q8_0, x.data(), out.data(), 48, 1));
        QVERIFY_THROWS_EXCEPTION(Error,
                                 quant::quantize_tensor(TensorType::I2_S, x.data(), out.data(), 96, 1));
        // NaN / Inf.
        x[17] = std::nanf("");
        QVERIFY_THROWS_EXCEPTION(Error,
                                 quant::quantize_tensor(TensorType::Q4_0, x.data(), out.data(), 256, 1));
        x[17] = INFINITY;
        QVERIFY_THROWS_EXCEPTION(Error,
                                 quant::quantize_tensor(TensorType::TQ2_0, x.data(), out.data(), 256, 1));
        x[17] = 1.0f;
        // Per-block rule for a per-tensor format; absmean row without the tensor scale.
        QuantizeOptions absmax;
        absmax.ternary_rule = TernaryRule::AbsMaxBlock;
        QVERIFY_THROWS_EXCEPTION(
            Error, quant::quantize_tensor(TensorType::I2_S, x.data(), out.data(), 256, 1, absmax));
        QVERIFY_THROWS_EXCEPTION(Error, quant::quantize_row(TensorType::TQ1_0, x.data(), out.data(), 256));
        // Types without a quantizer / decoder.
        QVERIFY_THROWS_EXCEPTION(UnsupportedError,
                                 quant::quantize_tensor(TensorType::Q4_K, x.data(), out.data(), 256, 1));
        QVERIFY_THROWS_EXCEPTION(UnsupportedError,
                                 quant::dequantize_row(TensorType::IQ2_XXS, out.data(), x.data(), 256));
        QVERIFY(!quant::can_dequantize(TensorType::IQ2_XXS));
        QVERIFY(!quant::can_quantize(TensorType::Q6_K));
        // I2_S rows need the scale; tensors must have the exact size.
        QVERIFY_THROWS_EXCEPTION(Error, quant::dequantize_row(TensorType::I2_S, out.data(), x.data(), 128));
        QVERIFY_THROWS_EXCEPTION(FormatError, quant::i2s_tensor_scale(out.data(), 64, 256));
        QVERIFY_THROWS_EXCEPTION(
            FormatError, quant::dequantize_tensor(TensorType::Q8_0, out.data(), 33, 32, 32, x.data()));
        const float nan = std::nanf("");
        std::memcpy(out.data() + 64, &nan, 4);
        QVERIFY_THROWS_EXCEPTION(FormatError, quant::i2s_tensor_scale(out.data(), 96, 256));
        // No dot product for I2_S without its scale.
        QVERIFY_THROWS_EXCEPTION(Error, quant::vec_dot_ref(TensorType::I2_S, out.data(), out.data(), 128));
    }
};

QTEST_GUILESS_MAIN(TestQuantFormulas)
#include "test_quant_formulas.moc"
