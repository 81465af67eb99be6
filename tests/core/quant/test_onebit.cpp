// OneBit (SVID) and BitNet-binary: decomposition quality on real weight matrices (OneBit's
// Proposition 2), packing, reference mat-vecs, storage cost and the GGUF layout.
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/gguf.h"
#include "lowbit/onebit.h"
#include "test_data.h"

using namespace lowbit;
using onebit::SvidMethod;

namespace {

struct Matrix {
    int64_t rows = 0, cols = 0;
    std::vector<float> w;
};

Matrix load_matrix(const std::string& model, const std::string& name) {
    auto f = GgufFile::open(test::model_path(QString::fromStdString(model)));
    const GgufTensorInfo* t = f->find_tensor(name);
    if (!t) throw Error("test data: no tensor " + name + " in " + model);
    Matrix m;
    m.cols = t->ne[0];
    m.rows = t->rows();
    m.w.resize(static_cast<size_t>(t->n_elements()));
    quant::dequantize_tensor(t->type, t->data, t->nbytes, m.cols, t->n_elements(), m.w.data());
    return m;
}

double frobenius_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = static_cast<double>(a[i]) - b[i];
        s += d * d;
    }
    return std::sqrt(s);
}

std::vector<float> outer(const onebit::Rank1& r) {
    std::vector<float> m(r.a.size() * r.b.size());
    for (size_t i = 0; i < r.a.size(); ++i)
        for (size_t j = 0; j < r.b.size(); ++j) m[i * r.b.size() + j] = r.a[i] * r.b[j];
    return m;
}

std::vector<float> gaussian(int64_t n, float sigma, uint32_t seed) {
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

class TestOnebit : public QObject {
    Q_OBJECT

  private slots:
    void signPacking() {
        // LSB first, 1 = +1, zero (and -0) -> +1, rows padded to whole bytes with zero bits.
        const std::vector<float> w = {
            1.0f,  -1.0f, 0.0f,  -0.0f, -3.0f, 2.0f,  -0.5f, 0.5f,  -1.0f, 4.0f,  // row 0
            -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, 1.0f,  -2.0f};
        std::vector<uint8_t> bits(2 * onebit::sign_row_bytes(10), 0xff);
        QCOMPARE(onebit::sign_row_bytes(10), size_t{2});
        onebit::pack_signs(w.data(), 2, 10, bits.data());
        QCOMPARE(bits[0], uint8_t{0b10101101});
        QCOMPARE(bits[1], uint8_t{0b00000010});
        QCOMPARE(bits[2], uint8_t{0x00});
        QCOMPARE(bits[3], uint8_t{0b00000001});
        std::vector<float> back(20);
        onebit::unpack_signs(bits.data(), 2, 10, back.data());
        for (size_t i = 0; i < w.size(); ++i) QCOMPARE(back[i], w[i] >= 0.0f ? 1.0f : -1.0f);
        const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        QCOMPARE(onebit::sign_dot_ref(bits.data(), x.data(), 10), 1.0 - 2 + 3 + 4 - 5 + 6 - 7 + 8 - 9 + 10);
        const std::vector<int8_t> q = {1, 2, 3, 4, 5, 6, 7, 8, 9, -128};
        QCOMPARE(onebit::sign_dot_i8_ref(bits.data(), q.data(), 10), 1 - 2 + 3 + 4 - 5 + 6 - 7 + 8 - 9 - 128);
    }

    // OneBit Proposition 2: ‖W − sign(W) ⊙ ãb̃ᵀ‖ <= ‖W − abᵀ‖ with ab ᵀ the best rank-1 of W.
    // Checked with the stored (fp16) value vectors, for both decompositions.
    void svidBeatsPlainRankOne_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("tensor");
        for (const char* m :
             {"random-llama-spm-f16.gguf", "random-llama3-bpe-f16.gguf", "random-qwen2-f16.gguf"}) {
            for (const char* t : {"blk.0.attn_q.weight", "blk.1.ffn_up.weight"}) {
                QTest::newRow(qPrintable(QString("%1 %2").arg(m, t))) << QString(m) << QString(t);
            }
        }
    }
    void svidBeatsPlainRankOne() {
        QFETCH(QString, model);
        QFETCH(QString, tensor);
        const Matrix m = load_matrix(model.toStdString(), tensor.toStdString());
        const auto plain = onebit::rank1_signed(m.w.data(), m.rows, m.cols);
        const double plain_err = frobenius_diff(m.w, outer(plain));
        std::vector<float> approx[2];
        int k = 0;
        for (SvidMethod method : {SvidMethod::Nmf, SvidMethod::PowerIteration}) {
            onebit::SvidOptions o;
            o.method = method;
            const auto layer = onebit::onebit_quantize(m.w.data(), m.rows, m.cols, o);
            approx[k].resize(m.w.size());
            onebit::onebit_dequantize(layer, approx[k].data());
            const double svid_err = frobenius_diff(m.w, approx[k]);
            qInfo("%s [%lld x %lld] %s: SVID error %.4f, plain rank-1 error %.4f (|W| = %.4f)",
                  qPrintable(tensor), static_cast<long long>(m.rows), static_cast<long long>(m.cols),
                  method == SvidMethod::Nmf ? "NMF" : "power", svid_err, plain_err,
                  frobenius_diff(m.w, std::vector<float>(m.w.size(), 0.0f)));
            QVERIFY(svid_err < plain_err);
            ++k;
        }
        // Both decompositions reach the same rank-1 factors of |W| (to fp16 and convergence noise).
        QVERIFY(frobenius_diff(approx[0], approx[1]) <=
                2e-3 * frobenius_diff(approx[0], std::vector<float>(approx[0].size(), 0.0f)));
    }

    // On a matrix that is exactly sign ⊙ (a bᵀ) plus a second, weaker rank-1 part in |W|, both
    // methods converge to the leading singular pair of |W| (checked against a long power run).
    void svidConvergesToLeadingPair() {
        const int64_t rows = 96, cols = 64;
        const auto sgn = gaussian(rows * cols, 1.0f, 1u);
        std::vector<float> w(static_cast<size_t>(rows * cols));
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j) {
                const float v = (1.0f + 0.5f * std::sin(0.3f * i)) * (1.0f + 0.5f * std::cos(0.2f * j)) +
                                0.4f * std::sin(0.7f * i + 1.0f) * std::cos(0.45f * j);
                w[i * cols + j] = (sgn[i * cols + j] >= 0 ? 1.0f : -1.0f) * std::fabs(v) * 0.05f;
            }
        onebit::SvidOptions ref_opts;
        ref_opts.method = SvidMethod::PowerIteration;
        ref_opts.max_iterations = 500;
        ref_opts.tolerance = 1e-14;
        const auto ref = outer(onebit::rank1_abs(w.data(), rows, cols, ref_opts));
        const double ref_norm = frobenius_diff(ref, std::vector<float>(ref.size(), 0.0f));
        for (SvidMethod method : {SvidMethod::Nmf, SvidMethod::PowerIteration}) {
            onebit::SvidOptions o;
            o.method = method;
            const auto r = onebit::rank1_abs(w.data(), rows, cols, o);
            for (float v : r.a) QVERIFY(v >= 0.0f);
            for (float v : r.b) QVERIFY(v >= 0.0f);
            QVERIFY(r.iterations >= 2);
            QVERIFY2(frobenius_diff(outer(r), ref) <= 1e-4 * ref_norm,
                     method == SvidMethod::Nmf ? "nmf" : "power");
            // Balanced factors: equal means.
            double ma = 0, mb = 0;
            for (float v : r.a) ma += v;
            for (float v : r.b) mb += v;
            QVERIFY(std::fabs(ma / rows - mb / cols) <= 1e-5 * (ma / rows));
        }
        // An exact SVID (|W| of rank one) is recovered up to fp16 rounding of g and h.
        const auto a = gaussian(rows, 1.0f, 2u), b = gaussian(cols, 1.0f, 3u);
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j)
                w[i * cols + j] = (sgn[i * cols + j] >= 0 ? 1.0f : -1.0f) * (0.5f + std::fabs(a[i])) *
                                  (0.5f + std::fabs(b[j])) * 0.01f;
        const auto layer = onebit::onebit_quantize(w.data(), rows, cols);
        std::vector<float> back(w.size());
        onebit::onebit_dequantize(layer, back.data());
        for (size_t i = 0; i < w.size(); ++i) QVERIFY(std::fabs(back[i] - w[i]) <= 2e-3f * std::fabs(w[i]));
    }

    void onebitMatvecEqualsDenseProduct() {
        const Matrix m = load_matrix("random-llama-spm-f16.gguf", "blk.0.ffn_up.weight");
        const auto layer = onebit::onebit_quantize(m.w.data(), m.rows, m.cols);
        std::vector<float> dense(m.w.size());
        onebit::onebit_dequantize(layer, dense.data());
        const auto x = gaussian(m.cols, 1.0f, 4u);
        std::vector<float> y(static_cast<size_t>(m.rows)), yi8(static_cast<size_t>(m.rows));
        onebit::onebit_matvec_ref(layer.signs.data(), layer.g.data(), layer.h.data(), m.rows, m.cols,
                                  x.data(), y.data());
        onebit::onebit_matvec_i8_ref(layer.signs.data(), layer.g.data(), layer.h.data(), m.rows, m.cols,
                                     x.data(), yi8.data());
        // Activation quantization of the int8 mode, done independently.
        std::vector<float> xg(static_cast<size_t>(m.cols));
        for (int64_t j = 0; j < m.cols; ++j) xg[j] = x[j] * fp16_to_fp32(layer.g[j]);
        std::vector<int8_t> q(static_cast<size_t>(m.cols));
        const auto act = quant::quantize_row_i8s(xg.data(), q.data(), m.cols);
        const size_t rb = onebit::sign_row_bytes(m.cols);
        double yrms = 0;
        for (int64_t i = 0; i < m.rows; ++i) {
            double ref = 0, mag = 0;
            int32_t sumi = 0;
            for (int64_t j = 0; j < m.cols; ++j) {
                ref += static_cast<double>(dense[i * m.cols + j]) * x[j];
                mag += std::fabs(static_cast<double>(dense[i * m.cols + j]) * x[j]);
                sumi += (layer.signs[i * rb + j / 8] >> (j % 8) & 1) ? q[j] : -q[j];
            }
            QVERIFY(std::fabs(y[i] - ref) <= 1e-6 * mag);
            QCOMPARE(yi8[i], static_cast<float>(sumi) / act.scale * fp16_to_fp32(layer.h[i]));
            yrms += ref * ref;
        }
        // int8 mode stays close to W1A16 (per-token absmax int8 of x ⊙ g).
        yrms = std::sqrt(yrms / m.rows);
        QVERIFY(frobenius_diff(y, yi8) / std::sqrt(static_cast<double>(m.rows)) <= 0.02 * yrms);
    }

    // BitNet v1: S = sign(W − mean W), β = mean|W − mean W|.
    void binaryLayer() {
        const int64_t rows = 24, cols = 40;
        auto w = gaussian(rows * cols, 0.02f, 5u);
        for (auto& v : w) v += 0.003f;  // a nonzero mean
        const auto l = onebit::binary_quantize(w.data(), rows, cols);
        double mean = 0;
        for (float v : w) mean += v;
        mean /= static_cast<double>(w.size());
        double beta = 0;
        for (float v : w) beta += std::fabs(v - static_cast<float>(mean));
        beta /= static_cast<double>(w.size());
        QVERIFY(std::fabs(l.beta - beta) <= 1e-6 * beta);
        std::vector<float> back(w.size());
        onebit::binary_dequantize(l, back.data());
        for (size_t i = 0; i < w.size(); ++i) {
            QCOMPARE(back[i], (w[i] - static_cast<float>(mean) >= 0.0f ? 1.0f : -1.0f) * l.beta);
        }
        const auto x = gaussian(cols, 1.0f, 6u);
        std::vector<float> y(static_cast<size_t>(rows));
        onebit::binary_matvec_ref(l.signs.data(), l.beta, rows, cols, x.data(), y.data());
        for (int64_t i = 0; i < rows; ++i) {
            double ref = 0;
            for (int64_t j = 0; j < cols; ++j) ref += static_cast<double>(back[i * cols + j]) * x[j];
            QVERIFY(std::fabs(y[i] - ref) <= 1e-5 * (std::fabs(ref) + l.beta));
        }
    }

    void bitsPerWeight() {
        QCOMPARE(onebit::onebit_bits_per_weight(4096, 4096), 1.0078125);
        QVERIFY(onebit::onebit_bits_per_weight(4096, 4096) <= 1.01);
        QCOMPARE(onebit::onebit_bits_per_weight(4096, 11008), 1.0 + 16.0 * (4096 + 11008) / (4096.0 * 11008));
        QCOMPARE(onebit::binary_bits_per_weight(4096, 4096), 1.0 + 32.0 / (4096.0 * 4096));
    }

    void ggufLayoutRoundTrip() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/onebit.gguf").toStdString();
        const int64_t rows = 16, cols = 64;
        const auto wq = gaussian(rows * cols, 0.02f, 7u);
        const auto wb = gaussian(8 * 32, 0.02f, 8u);
        const auto ob = onebit::onebit_quantize(wq.data(), rows, cols);
        const auto bin = onebit::binary_quantize(wb.data(), 8, 32);
        const std::vector<float> embd(16, 0.5f);
        {
            GgufWriter w(path);
            w.set("general.architecture", GgufValue::make_string("llama"));
            onebit::set_metadata(w, onebit::PackedKind::OneBit);
            w.add_tensor("token_embd.weight", TensorType::F32, {8, 2});
            onebit::declare_onebit_weight(w, "blk.0.attn_q.weight", rows, cols);
            onebit::declare_binary_weight(w, "blk.0.ffn_up.weight", 8, 32);
            QVERIFY_THROWS_EXCEPTION(Error, onebit::declare_onebit_weight(w, "blk.0.bad.weight", 4, 12));
            w.begin();
            w.write_data(embd.data(), embd.size() * sizeof(float));
            w.write_data(ob.signs.data(), ob.signs.size());
            w.write_data(ob.g.data(), ob.g.size() * 2);
            w.write_data(ob.h.data(), ob.h.size() * 2);
            w.write_data(bin.signs.data(), bin.signs.size());
            w.write_data(&bin.beta, sizeof(float));
            w.commit();
        }
        auto f = GgufFile::open(path);
        QCOMPARE(f->get_int(onebit::kVersionKey).value_or(0), int64_t{1});
        QCOMPARE(f->get_string(onebit::kQuantizationKey).value_or(""), std::string("onebit"));
        QVERIFY(!onebit::find_packed_weight(*f, "token_embd.weight"));
        QVERIFY(!onebit::find_packed_weight(*f, "blk.0.attn_q.weight.onebit_g"));
        const auto all = onebit::packed_weights(*f);
        QCOMPARE(all.size(), size_t{2});
        const auto& q = all[0].second;
        QCOMPARE(all[0].first, std::string("blk.0.attn_q.weight"));
        QCOMPARE(q.kind, onebit::PackedKind::OneBit);
        QCOMPARE(q.rows, rows);
        QCOMPARE(q.cols, cols);
        QCOMPARE(q.signs->type, TensorType::I8);
        QCOMPARE(q.signs->ne, (std::vector<int64_t>{cols / 8, rows}));
        QVERIFY(std::memcmp(q.signs->data, ob.signs.data(), ob.signs.size()) == 0);
        QVERIFY(std::memcmp(q.g->data, ob.g.data(), ob.g.size() * 2) == 0);
        QVERIFY(std::memcmp(q.h->data, ob.h.data(), ob.h.size() * 2) == 0);
        QCOMPARE(q.bits_per_weight(), onebit::onebit_bits_per_weight(rows, cols));
        const auto& b = all[1].second;
        QCOMPARE(b.kind, onebit::PackedKind::Binary);
        QCOMPARE(b.rows, int64_t{8});
        QCOMPARE(b.cols, int64_t{32});
        float beta;
        std::memcpy(&beta, b.beta->data, 4);
        QCOMPARE(beta, bin.beta);
        QCOMPARE(b.bits_per_weight(), onebit::binary_bits_per_weight(8, 32));
        QVERIFY(onebit::is_companion_name("blk.0.attn_q.weight.onebit_h"));
        QVERIFY(!onebit::is_companion_name("blk.0.attn_q.weight"));
    }

    // Companions that do not fit the layout are reported, never guessed around.
    void ggufLayoutErrors() {
        QTemporaryDir dir;
        auto write = [&](const std::string& name, bool version, uint32_t v, int64_t g_len) {
            const std::string path = (dir.path() + "/" + QString::fromStdString(name)).toStdString();
            GgufWriter w(path);
            if (version) w.set(std::string(onebit::kVersionKey), GgufValue::u32(v));
            w.add_tensor("blk.0.attn_q.weight", TensorType::I8, {8, 4});
            w.add_tensor("blk.0.attn_q.weight.onebit_g", TensorType::F16, {g_len});
            w.add_tensor("blk.0.attn_q.weight.onebit_h", TensorType::F16, {4});
            w.begin();
            std::vector<uint8_t> zeros(1024, 0);
            w.write_data(zeros.data(), 32);
            w.write_data(zeros.data(), static_cast<size_t>(g_len) * 2);
            w.write_data(zeros.data(), 8);
            w.commit();
            return GgufFile::open(path);
        };
        auto ok = write("ok.gguf", true, 1, 64);
        QVERIFY(onebit::find_packed_weight(*ok, "blk.0.attn_q.weight").has_value());
        auto no_version = write("nov.gguf", false, 0, 64);
        QVERIFY_THROWS_EXCEPTION(FormatError, onebit::find_packed_weight(*no_version, "blk.0.attn_q.weight"));
        auto bad_g = write("badg.gguf", true, 1, 60);
        QVERIFY_THROWS_EXCEPTION(FormatError, onebit::packed_weights(*bad_g));
        auto newer = write("v2.gguf", true, 2, 64);
        QVERIFY_THROWS_EXCEPTION(UnsupportedError, onebit::find_packed_weight(*newer, "blk.0.attn_q.weight"));
    }

    void badInput() {
        std::vector<float> w(64, 1.0f);
        w[3] = std::nanf("");
        QVERIFY_THROWS_EXCEPTION(Error, onebit::rank1_abs(w.data(), 8, 8));
        QVERIFY_THROWS_EXCEPTION(Error, onebit::binary_quantize(w.data(), 8, 8));
        QVERIFY_THROWS_EXCEPTION(Error, onebit::rank1_abs(w.data(), 0, 8));
        w[3] = 0.0f;
        onebit::SvidOptions o;
        o.max_iterations = 0;
        QVERIFY_THROWS_EXCEPTION(Error, onebit::rank1_abs(w.data(), 8, 8, o));
        // An all-zero matrix decomposes to zero vectors without dividing by zero.
        std::vector<float> z(64, 0.0f);
        for (SvidMethod m : {SvidMethod::Nmf, SvidMethod::PowerIteration}) {
            o.method = m;
            o.max_iterations = 8;
            const auto r = onebit::rank1_abs(z.data(), 8, 8, o);
            for (float v : r.a) QCOMPARE(v, 0.0f);
            for (float v : r.b) QCOMPARE(v, 0.0f);
        }
    }
};

QTEST_GUILESS_MAIN(TestOnebit)
#include "test_onebit.moc"
