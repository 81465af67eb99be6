// Every SIMD kernel against its scalar reference on random data and awkward shapes.
#include <QTest>
#include <cmath>
#include <random>
#include <vector>

#include "backends/cpu/kernels.h"
#include "hwy/targets.h"
#include "lowbit/fp16.h"
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
            default: qFatal("type not covered");
        }
    }
    return w;
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
        for (TensorType t : {TensorType::Q8_0, TensorType::Q4_0}) {
            for (int k : {32, 256, 4096}) {
                for (int nt : {1, 2, 4, 5}) {
                    QTest::addRow("%s k%d t%d", type_name(t).data(), k, nt)
                        << static_cast<int>(t) << k << 9 << nt;
                }
            }
        }
        for (TensorType t : {TensorType::TQ2_0, TensorType::TQ1_0}) {
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
                const float tol = 1e-5f * std::max(1.0f, std::fabs(y_ref[i])) * std::sqrt(static_cast<float>(k));
                if (std::fabs(y[i] - y_ref[i]) > tol) {
                    hwy::SetSupportedTargetsForTest(0);
                    QFAIL(qPrintable(QString("%1, element %2: simd %3 vs ref %4")
                                         .arg(hwy::TargetName(target)).arg(i).arg(y[i]).arg(y_ref[i])));
                }
            }
        }
        hwy::SetSupportedTargetsForTest(0);
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
