// Every SIMD kernel against its scalar reference on random data and awkward shapes.
#include <QTest>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "backends/cpu/cpu_extensions.h"
#include "backends/cpu/kernels.h"
#include "core/backends/cpu/exact_inputs.h"
#include "core/quant/random_blocks.h"
#include "hwy/targets.h"
#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/onebit.h"
#include "lowbit/quant.h"
#include "quant/blocks.h"

using namespace lowbit;
using namespace lowbit::cpu;

namespace {

// Random weight rows of `type`: floats in [-1, 1]; block types get random codes and small scales.
std::vector<uint8_t> random_weights(TensorType type, int64_t k, int64_t rows, std::mt19937& rng) {
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    const size_t rb = row_bytes(type, k);
    std::vector<uint8_t> w(rb * static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
        uint8_t* row = w.data() + r * rb;
        switch (type) {
            case TensorType::F32:
                for (int64_t i = 0; i < k; ++i) reinterpret_cast<float*>(row)[i] = u(rng);
                break;
            case TensorType::F16:
                for (int64_t i = 0; i < k; ++i) reinterpret_cast<uint16_t*>(row)[i] = fp32_to_fp16(u(rng));
                break;
            case TensorType::BF16:
                for (int64_t i = 0; i < k; ++i) reinterpret_cast<uint16_t*>(row)[i] = fp32_to_bf16(u(rng));
                break;
            case TensorType::Q8_0:
                for (int64_t b = 0; b < k / 32; ++b) {
                    auto* blk = reinterpret_cast<quant::BlockQ8_0*>(row) + b;
                    blk->d = fp32_to_fp16(0.01f + 0.01f * std::fabs(u(rng)));
                    for (auto& q : blk->qs) q = static_cast<int8_t>(rng() % 255 - 127);
                }
                break;
            case TensorType::Q4_0:
                for (int64_t b = 0; b < k / 32; ++b) {
                    auto* blk = reinterpret_cast<quant::BlockQ4_0*>(row) + b;
                    blk->d = fp32_to_fp16(0.05f + 0.01f * std::fabs(u(rng)));
                    for (auto& q : blk->qs) q = static_cast<uint8_t>(rng());
                }
                break;
            case TensorType::TQ2_0:
                for (int64_t b = 0; b < k / 256; ++b) {
                    auto* blk = reinterpret_cast<quant::BlockTQ2_0*>(row) + b;
                    blk->d = fp32_to_fp16(0.02f + 0.01f * std::fabs(u(rng)));
                    for (auto& q : blk->qs) {  // four codes in {0, 1, 2}
                        q = 0;
                        for (int l = 0; l < 4; ++l) q |= static_cast<uint8_t>((rng() % 3) << (2 * l));
                    }
                }
                break;
            case TensorType::TQ1_0:
                for (int64_t b = 0; b < k / 256; ++b) {
                    auto* blk = reinterpret_cast<quant::BlockTQ1_0*>(row) + b;
                    blk->d = fp32_to_fp16(0.02f + 0.01f * std::fabs(u(rng)));
                    for (auto& q : blk->qs) q = static_cast<uint8_t>(rng());
                    for (auto& q : blk->qh) q = static_cast<uint8_t>(rng());
                }
                break;
            case TensorType::I2_S:  // any byte: codes 0..3 (3 is never written but must agree too)
                for (size_t i = 0; i < rb; ++i) row[i] = static_cast<uint8_t>(rng());
                break;
            case TensorType::Q2_K:
            case TensorType::Q3_K:
            case TensorType::Q4_K:
            case TensorType::Q5_K:
            case TensorType::Q6_K:
            case TensorType::Q4_1:
            case TensorType::Q5_0:
            case TensorType::Q5_1:
            case TensorType::IQ4_NL:
            case TensorType::IQ4_XS: {
                const auto blocks =
                    test::random_blocks(type, k / type_traits(type).block_size, static_cast<uint32_t>(rng()));
                std::memcpy(row, blocks.data(), rb);
                break;
            }
            default:
                qFatal("type not covered");
        }
    }
    return w;
}

// Every SIMD target this CPU can run (AVX3_DL, AVX3, AVX2, SSE4, ...), not only the best; fn
// returns an empty string when the target's result is right, else what is wrong.
template <typename Fn>
void for_each_target(Fn&& fn) {
    for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
        hwy::SetSupportedTargetsForTest(target);
        const QString err = fn();
        if (!err.isEmpty()) {
            hwy::SetSupportedTargetsForTest(0);
            QFAIL(qPrintable(QString("%1: %2").arg(hwy::TargetName(target), err)));
        }
    }
    hwy::SetSupportedTargetsForTest(0);
}

// Exactly equal floats (bit patterns), or a message naming the first difference.
QString exact_diff(const std::vector<float>& y, const std::vector<float>& ref) {
    for (size_t i = 0; i < y.size(); ++i)
        if (std::memcmp(&y[i], &ref[i], sizeof(float)) != 0)
            return QString("element %1: simd %2 vs ref %3")
                .arg(i)
                .arg(y[i], 0, 'g', 9)
                .arg(ref[i], 0, 'g', 9);
    return {};
}

}  // namespace

class TestCpuKernels : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        qInfo("SIMD target: %s", simd_target_name());
        // Forcing a target really switches the dispatched code (the per-target loops rely on it).
        QStringList seen;
        for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
            hwy::SetSupportedTargetsForTest(target);
            QCOMPARE(QString(simd_target_name()), QString(hwy::TargetName(target)));
            seen << simd_target_name();
        }
        hwy::SetSupportedTargetsForTest(0);
        qInfo("targets tested: %s", qPrintable(seen.join(", ")));
        const CpuExtensions& ext = cpu_extensions();
        qInfo("extensions in use: gfni %d, avxvnni %d, dotprod %d (LOWBIT_CPU_DISABLE=%s)", ext.gfni,
              ext.avx_vnni, ext.neon_dotprod, qgetenv("LOWBIT_CPU_DISABLE").constData());
    }

    // The switch that lets ctest run the fallback tiles (test_cpu_kernels_baseline).
    void disablingExtensionsByName() {
        const CpuExtensions all{true, true, true};
        const CpuExtensions none = without_disabled(all, "all");
        QVERIFY(!none.gfni && !none.avx_vnni && !none.neon_dotprod);
        const CpuExtensions two = without_disabled(all, "gfni,avxvnni");
        QVERIFY(!two.gfni && !two.avx_vnni && two.neon_dotprod);
        const CpuExtensions partial = without_disabled(all, "avx,dot,vnni");  // whole names only
        QVERIFY(partial.gfni && partial.avx_vnni && partial.neon_dotprod);
        QVERIFY(without_disabled(all, "").gfni);
        QCOMPARE(without_disabled(all, "dotprod").neon_dotprod, false);
    }

    void matmulMatchesReference_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("tokens");
        const TensorType float_types[] = {TensorType::F32, TensorType::F16, TensorType::BF16};
        for (TensorType t : float_types) {
            for (int k : {8, 33, 256, 1000}) {
                for (int nt : {1, 3, 4, 9}) {
                    QTest::addRow("%s k%d t%d", type_name(t).data(), k, nt)
                        << static_cast<int>(t) << k << 7 << nt;
                }
            }
        }
        for (TensorType t : {TensorType::Q8_0, TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0,
                             TensorType::Q5_1, TensorType::IQ4_NL}) {
            for (int k : {32, 96, 256, 4096}) {  // 1 and 3 blocks: an odd last block
                for (int nt : {1, 2, 4, 5}) {
                    QTest::addRow("%s k%d t%d", type_name(t).data(), k, nt)
                        << static_cast<int>(t) << k << 9 << nt;
                }
            }
        }
        for (TensorType t : {TensorType::TQ2_0, TensorType::TQ1_0, TensorType::Q2_K, TensorType::Q3_K,
                             TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::IQ4_XS}) {
            for (int k : {256, 1536, 4096}) {
                for (int nt : {1, 2, 4, 5}) {
                    QTest::addRow("%s k%d t%d", type_name(t).data(), k, nt)
                        << static_cast<int>(t) << k << 9 << nt;
                }
            }
        }
    }
    void matmulMatchesReference() {
        QFETCH(int, type);
        QFETCH(int, k);
        QFETCH(int, rows);
        QFETCH(int, tokens);
        const auto wt = static_cast<TensorType>(type);
        std::mt19937 rng(type * 1000 + k + tokens);
        const auto w = random_weights(wt, k, rows, rng);
        const ActFormat af = activation_format(wt);
        const size_t ab = activation_row_bytes(af, k);
        std::vector<uint8_t> act(ab * tokens), act_ref(ab * tokens);
        std::uniform_real_distribution<float> u(-2.0f, 2.0f);
        std::vector<float> x(static_cast<size_t>(k));
        for (int t = 0; t < tokens; ++t) {
            for (auto& v : x) v = u(rng);
            convert_activation_row(af, x.data(), act.data() + t * ab, k);
            convert_activation_row_ref(af, x.data(), act_ref.data() + t * ab, k);
        }
        QVERIFY(act == act_ref);  // activation conversion is exact
        std::vector<float> y(static_cast<size_t>(rows * tokens)), y_ref(y.size());
        const size_t rb = row_bytes(wt, k);
        matmul_tile_ref(wt, k, w.data(), rb, rows, act.data(), ab, tokens, y_ref.data(), rows);
        // Every SIMD target this CPU can run (AVX3_DL, AVX3, AVX2, SSE4, ...), not only the best.
        for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
            hwy::SetSupportedTargetsForTest(target);
            matmul_tile(wt, k, w.data(), rb, rows, act.data(), ab, tokens, y.data(), rows);
            for (size_t i = 0; i < y.size(); ++i) {
                // SIMD reorders sums; integer block sums are exact, so only float rounding differs.
                const float tol =
                    1e-5f * std::max(1.0f, std::fabs(y_ref[i])) * std::sqrt(static_cast<float>(k));
                if (std::fabs(y[i] - y_ref[i]) > tol) {
                    hwy::SetSupportedTargetsForTest(0);
                    QFAIL(qPrintable(QString("%1, element %2: simd %3 vs ref %4")
                                         .arg(hwy::TargetName(target))
                                         .arg(i)
                                         .arg(y[i])
                                         .arg(y_ref[i])));
                }
            }
        }
        hwy::SetSupportedTargetsForTest(0);
    }

    // I2_S: the integer sum is over the whole row, and the float finish is the reference's own, so
    // every target must give quant::vec_dot_i2s_ref's value bit for bit (tensor scale 1 here).
    void i2sMatchesReferenceExactly_data() {
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("tokens");
        for (int k : {128, 384, 2560, 6912})
            for (int nt : {1, 2, 4, 5, 9}) QTest::addRow("k%d t%d", k, nt) << k << nt;
    }
    void i2sMatchesReferenceExactly() {
        QFETCH(int, k);
        QFETCH(int, tokens);
        const int rows = 11;
        std::mt19937 rng(k * 31 + tokens);
        const auto w = random_weights(TensorType::I2_S, k, rows, rng);
        QCOMPARE(activation_format(TensorType::I2_S), ActFormat::I8_Row);
        QCOMPARE(activation_format(TensorType::I2_S, true), ActFormat::I8_Row);
        const size_t ab = activation_row_bytes(ActFormat::I8_Row, k);
        QCOMPARE(ab, quant::activation_row_bytes(TensorType::I2_S, k));
        std::vector<uint8_t> act(ab * tokens);
        std::normal_distribution<float> nd(0.0f, 1.5f);
        std::vector<float> x(static_cast<size_t>(k));
        for (int t = 0; t < tokens; ++t) {
            for (auto& v : x) v = nd(rng);
            if (t == 1) x[static_cast<size_t>(k / 2)] = 40.0f;  // an outlier token: most values round to 0
            convert_activation_row(ActFormat::I8_Row, x.data(), act.data() + t * ab, k);
        }
        std::vector<float> y_ref(static_cast<size_t>(rows * tokens)), y(y_ref.size());
        for (int t = 0; t < tokens; ++t)
            for (int r = 0; r < rows; ++r)
                y_ref[static_cast<size_t>(t * rows + r)] =
                    quant::vec_dot_i2s_ref(w.data() + r * (k / 4), 1.0f, act.data() + t * ab, k);
        matmul_tile_ref(TensorType::I2_S, k, w.data(), k / 4, rows, act.data(), ab, tokens, y.data(), rows);
        QCOMPARE(exact_diff(y, y_ref), QString());
        for_each_target([&] {
            std::fill(y.begin(), y.end(), 0.0f);
            matmul_tile(TensorType::I2_S, k, w.data(), k / 4, rows, act.data(), ab, tokens, y.data(), rows);
            return exact_diff(y, y_ref);
        });
    }

    // Integer parts of the block types, bit for bit: unit scales and small activations make every
    // float operation exact (see small_q8k_rows), so SIMD must equal the reference exactly. The
    // full-range test above covers saturation and overflow; this one catches any integer slip.
    void integerPartsExact_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("tokens");
        for (TensorType t : {TensorType::TQ1_0, TensorType::TQ2_0, TensorType::Q2_K, TensorType::Q3_K,
                             TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::IQ4_XS,
                             TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1, TensorType::IQ4_NL})
            for (int nt : {1, 4, 5})
                QTest::addRow("%s t%d", type_name(t).data(), nt) << static_cast<int>(t) << nt;
    }
    void integerPartsExact() {
        QFETCH(int, type);
        QFETCH(int, tokens);
        const auto wt = static_cast<TensorType>(type);
        const int k = 1024, rows = 9;
        std::mt19937 rng(type * 7 + tokens);
        auto w = random_weights(wt, k, rows, rng);
        const size_t rb = row_bytes(wt, k);
        for (int r = 0; r < rows; ++r) test::unit_scales(wt, w.data() + r * rb, k);
        const ActFormat af = activation_format(wt);
        const auto act = af == ActFormat::Q8_0 ? test::small_q8_0_rows(k, tokens, rng)
                                               : test::small_q8k_rows(k, tokens, rng);
        const size_t ab = activation_row_bytes(af, k);
        std::vector<float> y_ref(static_cast<size_t>(rows * tokens)), y(y_ref.size());
        for (int t = 0; t < tokens; ++t)
            for (int r = 0; r < rows; ++r)
                y_ref[static_cast<size_t>(t * rows + r)] =
                    quant::vec_dot_ref(wt, w.data() + r * rb, act.data() + t * ab, k);
        for (float v : y_ref) QVERIFY(v == std::nearbyint(v) && std::fabs(v) < 16777216.0f);
        for_each_target([&] {
            matmul_tile(wt, k, w.data(), rb, rows, act.data(), ab, tokens, y.data(), rows);
            return exact_diff(y, y_ref);
        });
    }

    // 1-bit sign matrices: W1A16 within float rounding, int8 mode bit for bit.
    void signMatchesReference_data() {
        QTest::addColumn<bool>("int8");
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("tokens");
        for (bool i8 : {false, true})
            for (int k : {8, 24, 64, 136, 1000, 2056, 4096})
                for (int nt : {1, 2, 4, 5})
                    QTest::addRow("%s k%d t%d", i8 ? "i8" : "f32", k, nt) << i8 << k << nt;
    }
    void signMatchesReference() {
        QFETCH(bool, int8);
        QFETCH(int, k);
        QFETCH(int, tokens);
        const int rows = 9;
        std::mt19937 rng(k * 3 + tokens + (int8 ? 1000 : 0));
        const size_t rb = onebit::sign_row_bytes(k);
        std::vector<uint8_t> bits(rb * rows);
        for (auto& b : bits) b = static_cast<uint8_t>(rng());
        const ActFormat af = int8 ? ActFormat::I8_Row : ActFormat::F32;
        const size_t ab = activation_row_bytes(af, k);
        std::vector<uint8_t> act(ab * tokens);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        std::vector<float> x(static_cast<size_t>(k));
        for (int t = 0; t < tokens; ++t) {
            for (auto& v : x) v = nd(rng);
            convert_activation_row(af, x.data(), act.data() + t * ab, k);
        }
        std::vector<float> y_ref(static_cast<size_t>(rows * tokens)), y(y_ref.size());
        sign_matmul_tile_ref(af, k, bits.data(), rb, rows, act.data(), ab, tokens, y_ref.data(), rows);
        // The reference is onebit's own definition.
        for (int t = 0; t < tokens; ++t)
            for (int r = 0; r < rows; ++r) {
                const uint8_t* at = act.data() + t * ab;
                const float want =
                    int8 ? static_cast<float>(onebit::sign_dot_i8_ref(
                               bits.data() + r * rb, reinterpret_cast<const int8_t*>(at), k)) /
                               quant::quantize_row_i8s(x.data(),
                                                       std::vector<int8_t>(static_cast<size_t>(k)).data(), k)
                                   .scale
                         : static_cast<float>(onebit::sign_dot_ref(bits.data() + r * rb,
                                                                   reinterpret_cast<const float*>(at), k));
                if (t == tokens - 1 || !int8) QCOMPARE(y_ref[static_cast<size_t>(t * rows + r)], want);
            }
        for_each_target([&] {
            std::fill(y.begin(), y.end(), 0.0f);
            sign_matmul_tile(af, k, bits.data(), rb, rows, act.data(), ab, tokens, y.data(), rows);
            if (int8) return exact_diff(y, y_ref);
            for (size_t i = 0; i < y.size(); ++i) {
                const float tol =
                    2e-6f * std::sqrt(static_cast<float>(k)) * std::max(1.0f, std::fabs(y_ref[i]));
                if (std::fabs(y[i] - y_ref[i]) > tol)
                    return QString("element %1: simd %2 vs ref %3").arg(i).arg(y[i]).arg(y_ref[i]);
            }
            return QString();
        });
        QVERIFY_EXCEPTION_THROWN(
            sign_matmul_tile(ActFormat::Q8_0, k, bits.data(), rb, rows, act.data(), ab, 1, y.data(), rows),
            UnsupportedError);
    }

    // The per-token int8 formats carry exactly bitnet.cpp's quantization (quant::quantize_row_i8s).
    void perTokenInt8Formats() {
        std::mt19937 rng(11);
        std::normal_distribution<float> nd(0.0f, 2.0f);
        for (int k : {256, 1024, 2560}) {
            std::vector<float> x(static_cast<size_t>(k));
            for (auto& v : x) v = nd(rng);
            x[3] = 2.5f * 127.0f / 127.0f;  // some values land on .5 steps after scaling
            std::vector<uint8_t> i8(activation_row_bytes(ActFormat::I8_Row, k));
            convert_activation_row(ActFormat::I8_Row, x.data(), i8.data(), k);
            std::vector<uint8_t> want(quant::activation_row_bytes(TensorType::I2_S, k));
            quant::quantize_activation_row(TensorType::I2_S, x.data(), want.data(), k);
            QVERIFY(i8 == want);
            std::vector<uint8_t> q8k(activation_row_bytes(ActFormat::Q8_K_Row, k));
            convert_activation_row(ActFormat::Q8_K_Row, x.data(), q8k.data(), k);
            float s;
            std::memcpy(&s, want.data() + k, 4);
            const auto* blocks = reinterpret_cast<const quant::BlockQ8_K*>(q8k.data());
            for (int i = 0; i < k; ++i)
                QCOMPARE(blocks[i / 256].qs[i % 256], static_cast<int8_t>(want[static_cast<size_t>(i)]));
            for (int b = 0; b < k / 256; ++b) QCOMPARE(blocks[b].d, 1.0f / s);
        }
    }

    void q8ActivationRoundTrip() {
        // Quantized activations dequantize to within half a step of the input.
        std::mt19937 rng(7);
        std::normal_distribution<float> n(0.0f, 3.0f);
        std::vector<float> x(256);
        for (auto& v : x) v = n(rng);
        std::vector<uint8_t> q(activation_row_bytes(ActFormat::Q8_0, 256));
        convert_activation_row(ActFormat::Q8_0, x.data(), q.data(), 256);
        const auto* b = reinterpret_cast<const quant::BlockQ8_0*>(q.data());
        for (int i = 0; i < 256; ++i) {
            const float d = fp16_to_fp32(b[i / 32].d);
            QVERIFY(std::fabs(b[i / 32].qs[i % 32] * d - x[i]) <= 0.51f * d + 1e-3f);
        }
    }

    void attentionScoresMatchReference() {
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        for (int hd : {8, 64, 80, 128}) {
            const int n = 37;
            const size_t stride = static_cast<size_t>(hd) * 2;  // keys of 2 heads interleaved
            std::vector<uint16_t> keys(stride * n);
            for (auto& v : keys) v = fp32_to_fp16(u(rng));
            std::vector<float> q(hd), s(n), s_ref(n);
            for (auto& v : q) v = u(rng);
            attn_scores_f16(q.data(), keys.data(), stride, hd, n, 0.125f, s.data());
            attn_scores_f16_ref(q.data(), keys.data(), stride, hd, n, 0.125f, s_ref.data());
            for (int j = 0; j < n; ++j) QVERIFY(std::fabs(s[j] - s_ref[j]) < 1e-5f);
        }
    }

    void f16RowConversionsAreExact() {
        std::mt19937 rng(5);
        std::uniform_real_distribution<float> u(-70000.0f, 70000.0f);
        std::vector<float> x(1001), back(1001);
        for (auto& v : x) v = u(rng) * (rng() % 2 ? 1e-6f : 1.0f);
        std::vector<uint16_t> h(1001);
        f32_to_f16_row(x.data(), h.data(), 1001);
        for (size_t i = 0; i < x.size(); ++i) QCOMPARE(h[i], fp32_to_fp16(x[i]));
        f16_to_f32_row(h.data(), back.data(), 1001);
        for (size_t i = 0; i < x.size(); ++i) QCOMPARE(back[i], fp16_to_fp32(h[i]));
    }
};

QTEST_GUILESS_MAIN(TestCpuKernels)
#include "test_cpu_kernels.moc"
