// matmul() with the low-bit weight kinds, threaded, prefill and decode, against the format
// library's own reference products (lowbit/quant.h, lowbit/onebit.h):
//   I2_S x per-token int8       == quant::vec_dot_i2s_ref · tensor scale, bit for bit
//   OneBit W1A16                 ~ onebit::onebit_matvec_ref (float rounding)
//   OneBit int8 mode             == onebit::onebit_matvec_i8_ref, bit for bit
//   binary W1A16 / int8 mode     ~ onebit::binary_matvec_ref / == its int8 analogue
#include <QTest>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "backends/cpu/matmul.h"
#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/gguf.h"
#include "lowbit/onebit.h"
#include "lowbit/quant.h"

using namespace lowbit;
using namespace lowbit::cpu;

namespace {

std::vector<float> random_matrix(int64_t rows, int64_t cols, std::mt19937& rng) {
    std::normal_distribution<float> nd(0.0f, 0.05f);
    std::vector<float> w(static_cast<size_t>(rows * cols));
    for (auto& v : w) v = nd(rng);
    return w;
}

std::vector<float> random_tokens(int64_t n, int64_t k, std::mt19937& rng) {
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(n * k));
    for (auto& v : x) v = nd(rng);
    return x;
}

// A tensor info pointing at memory the test owns (what the loader gives for companions).
GgufTensorInfo info(const char* name, TensorType type, int64_t n, const void* data, size_t nbytes) {
    GgufTensorInfo t;
    t.name = name;
    t.type = type;
    t.ne = {n};
    t.nbytes = nbytes;
    t.data = static_cast<const uint8_t*>(data);
    return t;
}

QString compare(const std::vector<float>& y, const std::vector<float>& ref, float rel_tol) {
    float scale = 0.0f;
    for (float v : ref) scale = std::max(scale, std::fabs(v));
    for (size_t i = 0; i < y.size(); ++i) {
        const bool ok = rel_tol == 0.0f ? std::memcmp(&y[i], &ref[i], 4) == 0
                                        : std::fabs(y[i] - ref[i]) <= rel_tol * std::max(scale, 1e-6f);
        if (!ok)
            return QString("element %1: %2 vs reference %3")
                .arg(i)
                .arg(y[i], 0, 'g', 9)
                .arg(ref[i], 0, 'g', 9);
    }
    return {};
}

}  // namespace

class TestCpuMatmulLowbit : public QObject {
    Q_OBJECT
  private slots:
    void i2s_data() {
        QTest::addColumn<int>("tokens");
        QTest::addColumn<int>("threads");
        for (int n : {1, 3, 70})
            for (int th : {1, 2}) QTest::addRow("n%d th%d", n, th) << n << th;
    }
    void i2s() {
        QFETCH(int, tokens);
        QFETCH(int, threads);
        const int64_t k = 640, rows = 77;
        std::mt19937 rng(1234 + tokens);
        const auto wf = random_matrix(rows, k, rng);
        std::vector<uint8_t> data(tensor_bytes(TensorType::I2_S, k, k * rows));
        quant::quantize_tensor(TensorType::I2_S, wf.data(), data.data(), k, rows);
        const float scale = quant::i2s_tensor_scale(data.data(), data.size(), k * rows);
        Weight w;
        w.type = TensorType::I2_S;
        w.ne0 = k;
        w.rows = rows;
        w.data = data.data();
        w.row_stride = static_cast<size_t>(k / 4);
        w.scale = scale;
        QVERIFY(can_matmul(w));
        const auto x = random_tokens(tokens, k, rng);
        ThreadPool pool(threads);
        MatmulWorkspace ws;
        std::vector<float> y(static_cast<size_t>(tokens * rows)), ref(y.size());
        matmul(pool, ws, w, x.data(), k, tokens, y.data(), rows);
        std::vector<uint8_t> act(quant::activation_row_bytes(TensorType::I2_S, k));
        for (int t = 0; t < tokens; ++t) {
            quant::quantize_activation_row(TensorType::I2_S, x.data() + t * k, act.data(), k);
            for (int64_t r = 0; r < rows; ++r)
                ref[static_cast<size_t>(t * rows + r)] =
                    quant::vec_dot_i2s_ref(data.data() + r * (k / 4), scale, act.data(), k);
        }
        QCOMPARE(compare(y, ref, 0.0f), QString());
    }

    void onebit_data() {
        QTest::addColumn<bool>("int8");
        QTest::addColumn<int>("tokens");
        for (bool i8 : {false, true})
            for (int n : {1, 5, 70}) QTest::addRow("%s n%d", i8 ? "int8" : "w1a16", n) << i8 << n;
    }
    void onebit() {
        QFETCH(bool, int8);
        QFETCH(int, tokens);
        const int64_t rows = 72, cols = 264;  // cols % 16 == 8: exercises the kernels' tails
        std::mt19937 rng(99 + tokens);
        const auto wf = random_matrix(rows, cols, rng);
        const onebit::OnebitLayer layer = onebit::onebit_quantize(wf.data(), rows, cols);
        const GgufTensorInfo g =
            info("w.onebit_g", TensorType::F16, cols, layer.g.data(), layer.g.size() * 2);
        const GgufTensorInfo h =
            info("w.onebit_h", TensorType::F16, rows, layer.h.data(), layer.h.size() * 2);
        Weight w;
        w.kind = WeightKind::OneBit;
        w.type = TensorType::I8;
        w.ne0 = cols;
        w.rows = rows;
        w.data = layer.signs.data();
        w.row_stride = static_cast<size_t>(cols / 8);
        w.in_scale = &g;
        w.out_scale = &h;
        QVERIFY(can_matmul(w));
        const auto x = random_tokens(tokens, cols, rng);
        ThreadPool pool(2);
        MatmulWorkspace ws;
        std::vector<float> y(static_cast<size_t>(tokens * rows)), ref(y.size());
        matmul(pool, ws, w, x.data(), cols, tokens, y.data(), rows, nullptr, int8);
        for (int t = 0; t < tokens; ++t) {
            if (int8) {
                onebit::onebit_matvec_i8_ref(layer.signs.data(), layer.g.data(), layer.h.data(), rows, cols,
                                             x.data() + t * cols, ref.data() + t * rows);
            } else {
                onebit::onebit_matvec_ref(layer.signs.data(), layer.g.data(), layer.h.data(), rows, cols,
                                          x.data() + t * cols, ref.data() + t * rows);
            }
        }
        QCOMPARE(compare(y, ref, int8 ? 0.0f : 2e-6f), QString());

        // A bias is added after h.
        std::vector<float> bias(static_cast<size_t>(rows));
        for (size_t r = 0; r < bias.size(); ++r) bias[r] = 0.25f * static_cast<float>(r);
        std::vector<float> yb(y.size());
        matmul(pool, ws, w, x.data(), cols, tokens, yb.data(), rows, bias.data(), int8);
        for (int t = 0; t < tokens; ++t)
            for (int64_t r = 0; r < rows; ++r) {
                const size_t i = static_cast<size_t>(t * rows + r);
                QVERIFY(std::fabs(yb[i] - (y[i] + bias[static_cast<size_t>(r)])) <=
                        1e-5f * (1.0f + std::fabs(yb[i])));
            }

        // Without its value vectors a OneBit weight cannot run.
        Weight broken = w;
        broken.out_scale = nullptr;
        QVERIFY(!can_matmul(broken));
        QVERIFY_EXCEPTION_THROWN(matmul(pool, ws, broken, x.data(), cols, 1, y.data(), rows),
                                 UnsupportedError);
    }

    void binary_data() {
        QTest::addColumn<bool>("int8");
        QTest::addColumn<int>("tokens");
        for (bool i8 : {false, true})
            for (int n : {1, 6, 67}) QTest::addRow("%s n%d", i8 ? "int8" : "w1a16", n) << i8 << n;
    }
    void binary() {
        QFETCH(bool, int8);
        QFETCH(int, tokens);
        const int64_t rows = 45, cols = 512;
        std::mt19937 rng(7 + tokens);
        const auto wf = random_matrix(rows, cols, rng);
        const onebit::BinaryLayer layer = onebit::binary_quantize(wf.data(), rows, cols);
        Weight w;
        w.kind = WeightKind::Binary;
        w.type = TensorType::I8;
        w.ne0 = cols;
        w.rows = rows;
        w.data = layer.signs.data();
        w.row_stride = static_cast<size_t>(cols / 8);
        w.scale = layer.beta;
        QVERIFY(can_matmul(w));
        const auto x = random_tokens(tokens, cols, rng);
        ThreadPool pool(2);
        MatmulWorkspace ws;
        std::vector<float> y(static_cast<size_t>(tokens * rows)), ref(y.size());
        matmul(pool, ws, w, x.data(), cols, tokens, y.data(), rows, nullptr, int8);
        std::vector<int8_t> q(static_cast<size_t>(cols));
        for (int t = 0; t < tokens; ++t) {
            const float* xt = x.data() + t * cols;
            if (int8) {
                // The int8 analogue of binary_matvec_ref: (float)Σ s·q / s_a · β.
                const quant::I8Activation a = quant::quantize_row_i8s(xt, q.data(), cols);
                for (int64_t r = 0; r < rows; ++r) {
                    const int32_t s =
                        onebit::sign_dot_i8_ref(layer.signs.data() + r * (cols / 8), q.data(), cols);
                    ref[static_cast<size_t>(t * rows + r)] = static_cast<float>(s) / a.scale * layer.beta;
                }
            } else {
                onebit::binary_matvec_ref(layer.signs.data(), layer.beta, rows, cols, xt,
                                          ref.data() + t * rows);
            }
        }
        QCOMPARE(compare(y, ref, int8 ? 0.0f : 2e-6f), QString());
    }
};

QTEST_GUILESS_MAIN(TestCpuMatmulLowbit)
#include "test_cpu_matmul_lowbit.moc"
