// lowbit_quant against llama.cpp: decoders and quantizers reproduce its output exactly.
// The hashes below are facts recorded from llama.cpp (ggml-org/llama.cpp de3ff815, libggml-base
// built on x86-64) by offline programs that are not part of this repository:
//  - decoders: ggml_get_type_traits(type)->to_float (dequantize_row_q8_K for Q8_K) on
//    random_blocks(type, n, 1234 + type id), FNV-1a 64 of the float bytes;
//  - quantizers: quantize_row_*_ref (ggml_fp32_to_fp16_row / ggml_fp32_to_bf16_row_ref for F16 / BF16)
//    on test_floats(256 * 64, 42), FNV-1a 64 of the bytes;
//  - files: `llama-quantize random-llama-spm-f16.gguf out.gguf TYPE` (no imatrix), FNV-1a 64 chained
//    over the data of every tensor that llama-quantize converted to TYPE, in the order of the f16 file.
#include <QTest>
#include <cmath>
#include <cstring>
#include <vector>

#include "lowbit/gguf.h"
#include "lowbit/quant.h"
#include "random_blocks.h"
#include "test_data.h"

using namespace lowbit;

namespace {

std::vector<float> dequantized(const GgufTensorInfo& t) {
    std::vector<float> out(static_cast<size_t>(t.n_elements()));
    quant::dequantize_tensor(t.type, t.data, t.nbytes, t.ne[0], t.n_elements(), out.data());
    return out;
}

struct Stats {
    double rel_rms;  // ||x̂ - x|| / ||x||
    double max_abs;
};

Stats compare(const std::vector<float>& approx, const std::vector<float>& exact) {
    double se = 0, ss = 0, mx = 0;
    for (size_t i = 0; i < exact.size(); ++i) {
        const double e = static_cast<double>(approx[i]) - exact[i];
        se += e * e;
        ss += static_cast<double>(exact[i]) * exact[i];
        mx = std::max(mx, std::fabs(e));
    }
    return {std::sqrt(se / ss), mx};
}

}  // namespace

class TestQuantLlamaCpp : public QObject {
    Q_OBJECT

  private slots:
    void dequantizeMatchesLlamaCpp_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<qint64>("blocks");
        QTest::addColumn<quint64>("hash");
        auto row = [](TensorType t, qint64 blocks, quint64 h) {
            QTest::newRow(std::string(type_name(t)).c_str()) << static_cast<int>(t) << blocks << h;
        };
        row(TensorType::F16, 4096, 0x73afb304658d78b8ull);
        row(TensorType::BF16, 4096, 0xae685b9a989662e9ull);
        row(TensorType::Q4_0, 64, 0x2b91a77e58290519ull);
        row(TensorType::Q4_1, 64, 0x6147ab5692c4c338ull);
        row(TensorType::Q5_0, 64, 0x68d07574d0cd9c0cull);
        row(TensorType::Q5_1, 64, 0x9120800fb4541ad0ull);
        row(TensorType::Q8_0, 64, 0x7ba058c43b270498ull);
        row(TensorType::Q2_K, 64, 0xfe5064176d9f6d69ull);
        row(TensorType::Q3_K, 64, 0x178461e46a05b58full);
        row(TensorType::Q4_K, 64, 0xf9c5142cbc25ccf4ull);
        row(TensorType::Q5_K, 64, 0x592f6a613cba0401ull);
        row(TensorType::Q6_K, 64, 0x04137a4930fa4d93ull);
        row(TensorType::Q8_K, 64, 0xa71eed5f9fae9f44ull);
        row(TensorType::TQ1_0, 64, 0x937c862df1c7615bull);
        row(TensorType::TQ2_0, 64, 0xde788ca424bab890ull);
        // The non-linear 4-bit types, recorded later the same way from the same llama.cpp (de3ff815).
        row(TensorType::IQ4_NL, 64, 0xcb753bfdd3feee2eull);
        row(TensorType::IQ4_XS, 64, 0x5c055fd6182fb634ull);
    }
    void dequantizeMatchesLlamaCpp() {
        QFETCH(int, type);
        QFETCH(qint64, blocks);
        QFETCH(quint64, hash);
        const auto t = static_cast<TensorType>(type);
        const auto data = test::random_blocks(t, blocks, 1234u + static_cast<uint32_t>(type));
        const int64_t n = blocks * type_traits(t).block_size;
        std::vector<float> out(static_cast<size_t>(n));
        quant::dequantize_row(t, data.data(), out.data(), n);
        QCOMPARE(test::fnv1a64(out.data(), out.size() * sizeof(float)), static_cast<uint64_t>(hash));
    }

    void quantizeMatchesLlamaCppReference_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<quint64>("hash");
        auto row = [](TensorType t, quint64 h) {
            QTest::newRow(std::string(type_name(t)).c_str()) << static_cast<int>(t) << h;
        };
        row(TensorType::F16, 0xc14ef148dc2979b0ull);
        row(TensorType::BF16, 0xcd739d04d7c609f5ull);
        row(TensorType::Q4_0, 0x4dd4abbf5c2bf441ull);
        row(TensorType::Q4_1, 0x59dce0cec87585b9ull);
        row(TensorType::Q5_0, 0xfc1c4a35f4e8c8bfull);
        row(TensorType::Q5_1, 0x23b041ac63bbf5e4ull);
        row(TensorType::Q8_0, 0x0a62afd64c2e4fc2ull);
        row(TensorType::Q8_K, 0x2658a2de35c07523ull);
        row(TensorType::TQ1_0, 0x4fec109db4749fadull);
        row(TensorType::TQ2_0, 0xc8caeafdab6ab4efull);
    }
    void quantizeMatchesLlamaCppReference() {
        QFETCH(int, type);
        QFETCH(quint64, hash);
        const auto t = static_cast<TensorType>(type);
        const int64_t n = 256 * 64;
        const auto x = test::test_floats(n, 42u);
        // The input itself, so a change of the generator is told apart from a quantizer change.
        QCOMPARE(test::fnv1a64(x.data(), x.size() * sizeof(float)), 0xb385454fb3f063dfull);
        std::vector<uint8_t> out(tensor_bytes(t, n, n));
        quant::QuantizeOptions o;
        o.ternary_rule = quant::TernaryRule::AbsMaxBlock;  // llama.cpp's rule for TQ types
        QCOMPARE(quant::quantize_tensor(t, x.data(), out.data(), n, 1, o), out.size());
        QCOMPARE(test::fnv1a64(out.data(), out.size()), static_cast<uint64_t>(hash));
        // Row by row gives the same bytes.
        std::vector<uint8_t> rows(out.size());
        const size_t rb = row_bytes(t, 256);
        for (int64_t r = 0; r < n / 256; ++r) {
            QCOMPARE(quant::quantize_row(t, x.data() + r * 256, rows.data() + r * rb, 256, o), rb);
        }
        QVERIFY(rows == out);
    }

    // llama-quantize's default for these types keeps output.weight in Q6_K (except Q8_0, which
    // converts it too); only tensors it really stored in TYPE are compared.
    void quantizeMatchesLlamaQuantize_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("tensors");
        QTest::addColumn<quint64>("hash");
        QTest::newRow("q8_0") << static_cast<int>(TensorType::Q8_0) << 16 << 0x44edd12baa83715cull;
        QTest::newRow("q4_0") << static_cast<int>(TensorType::Q4_0) << 15 << 0xdd6403d651bd5d78ull;
        QTest::newRow("q4_1") << static_cast<int>(TensorType::Q4_1) << 15 << 0x7b7ab6ea52682d5aull;
        QTest::newRow("q5_0") << static_cast<int>(TensorType::Q5_0) << 15 << 0x9c4ad5e52905b0fbull;
        QTest::newRow("q5_1") << static_cast<int>(TensorType::Q5_1) << 15 << 0x312f1589200e08a2ull;
    }
    void quantizeMatchesLlamaQuantize() {
        QFETCH(int, type);
        QFETCH(int, tensors);
        QFETCH(quint64, hash);
        const auto t = static_cast<TensorType>(type);
        auto src = GgufFile::open(test::model_path("random-llama-spm-f16.gguf"));
        uint64_t h = 0xcbf29ce484222325ull;
        int count = 0;
        for (const auto& st : src->tensors()) {
            if (st.type != TensorType::F16) continue;                           // norms stay F32
            if (t != TensorType::Q8_0 && st.name == "output.weight") continue;  // Q6_K there
            const auto f = dequantized(st);
            std::vector<uint8_t> q(tensor_bytes(t, st.ne[0], st.n_elements()));
            quant::quantize_tensor(t, f.data(), q.data(), st.ne[0], st.rows());
            h = test::fnv1a64(q.data(), q.size(), h);
            ++count;
        }
        QCOMPARE(count, tensors);
        QCOMPARE(h, static_cast<uint64_t>(hash));
    }

    // The shipped TQ files were made by llama-quantize from random-llama-spm-f16.gguf.
    void shippedTernaryFilesHoldTheSameValues() {
        auto tq1 = GgufFile::open(test::model_path("random-llama-spm-TQ1_0.gguf"));
        auto tq2 = GgufFile::open(test::model_path("random-llama-spm-TQ2_0-f16emb.gguf"));
        int compared = 0;
        for (const auto& t1 : tq1->tensors()) {
            if (t1.type != TensorType::TQ1_0) continue;
            const GgufTensorInfo* t2 = tq2->find_tensor(t1.name);
            QVERIFY2(t2 && t2->type == TensorType::TQ2_0, t1.name.c_str());
            const auto a = dequantized(t1);
            const auto b = dequantized(*t2);
            QVERIFY2(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0, t1.name.c_str());
            // Every value is d * {-1, 0, 1} with the block's d.
            const auto* blocks = t1.data;
            for (size_t i = 0; i < a.size(); ++i) {
                uint16_t dh;
                std::memcpy(&dh, blocks + (i / 256) * 54 + 52, 2);
                const float d = fp16_to_fp32(dh);
                QVERIFY(a[i] == 0.0f || a[i] == d || a[i] == -d);
            }
            ++compared;
        }
        QCOMPARE(compared, 14);  // 7 linear weights in each of 2 layers
    }

    void tensorsLlamaQuantizeKeptInOtherTypes() {
        auto tq1 = GgufFile::open(test::model_path("random-llama-spm-TQ1_0.gguf"));
        auto tq2 = GgufFile::open(test::model_path("random-llama-spm-TQ2_0-f16emb.gguf"));
        QCOMPARE(tq1->find_tensor("token_embd.weight")->type, TensorType::Q4_K);
        QCOMPARE(tq1->find_tensor("output.weight")->type, TensorType::Q6_K);
        QCOMPARE(tq2->find_tensor("token_embd.weight")->type, TensorType::F16);
        QCOMPARE(tq2->find_tensor("output.weight")->type, TensorType::F16);
        for (const auto* f : {tq1.get(), tq2.get()}) {
            for (const auto& t : f->tensors()) {
                if (t.name.find("norm") != std::string::npos) QCOMPARE(t.type, TensorType::F32);
            }
        }
    }

    void absMaxRuleReproducesShippedTernaryFiles() {
        auto src = GgufFile::open(test::model_path("random-llama-spm-f16.gguf"));
        quant::QuantizeOptions o;
        o.ternary_rule = quant::TernaryRule::AbsMaxBlock;
        for (const char* file : {"random-llama-spm-TQ1_0.gguf", "random-llama-spm-TQ2_0-f16emb.gguf"}) {
            auto q = GgufFile::open(test::model_path(file));
            int compared = 0;
            for (const auto& qt : q->tensors()) {
                if (qt.type != TensorType::TQ1_0 && qt.type != TensorType::TQ2_0) continue;
                const GgufTensorInfo* st = src->find_tensor(qt.name);
                QVERIFY(st);
                const auto f = dequantized(*st);
                std::vector<uint8_t> ours(qt.nbytes);
                QCOMPARE(quant::quantize_tensor(qt.type, f.data(), ours.data(), st->ne[0], st->rows(), o),
                         qt.nbytes);
                QVERIFY2(std::memcmp(ours.data(), qt.data, qt.nbytes) == 0,
                         (std::string(file) + ": " + qt.name).c_str());
                ++compared;
            }
            QCOMPARE(compared, 14);
        }
    }

    // The k-quant tensors llama-quantize wrote around the ternary layers: our decoding equals
    // llama.cpp's (hash of its to_float output) and is close to the f16 originals. Measured:
    // Q4_K token_embd rel. RMS error 0.0714 (max abs 0.294 at values up to 6.06, RMS 1.0);
    // Q6_K output rel. RMS 0.0177 (max abs 0.0155 at values up to 0.977).
    void kQuantsAroundTernaryLayers_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<quint64>("hash");
        QTest::addColumn<double>("max_rel_rms");
        QTest::addColumn<double>("max_abs");
        QTest::newRow("q4_K token_embd") << "token_embd.weight" << 0x5a7bd42b72e236cdull << 0.075 << 0.32;
        QTest::newRow("q6_K output") << "output.weight" << 0xeb219188534d6a1bull << 0.019 << 0.017;
    }
    void kQuantsAroundTernaryLayers() {
        QFETCH(QString, name);
        QFETCH(quint64, hash);
        QFETCH(double, max_rel_rms);
        QFETCH(double, max_abs);
        auto src = GgufFile::open(test::model_path("random-llama-spm-f16.gguf"));
        auto q = GgufFile::open(test::model_path("random-llama-spm-TQ1_0.gguf"));
        const auto f = dequantized(*src->find_tensor(name.toStdString()));
        const auto d = dequantized(*q->find_tensor(name.toStdString()));
        QCOMPARE(test::fnv1a64(d.data(), d.size() * sizeof(float)), static_cast<uint64_t>(hash));
        const Stats s = compare(d, f);
        qInfo("%s: relative RMS error %.4f, max abs error %.4f", qPrintable(name), s.rel_rms, s.max_abs);
        QVERIFY(s.rel_rms < max_rel_rms);
        QVERIFY(s.max_abs < max_abs);
    }
};

QTEST_GUILESS_MAIN(TestQuantLlamaCpp)
#include "test_quant_llamacpp.moc"
