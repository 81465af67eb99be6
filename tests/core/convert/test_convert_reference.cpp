// Our converter against llama.cpp's own figures and files:
//   - Q8_0 / Q4_0 of random-llama-spm-f16 through OUR converter and OUR engine land within 1% of
//     llama-perplexity's figures for llama-quantize's files
//     (../shared/reference/perplexity-onebit-paper-c128.tsv);
//   - TQ2_0 / TQ1_0 with llama.cpp's per-block rule reproduce llama-quantize's shipped tensors
//     byte for byte, also when the source is itself a quantized file.
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "lowbit/convert.h"
#include "lowbit/gguf.h"
#include "lowbit/model.h"
#include "lowbit/perplexity.h"
#include "lowbit/runner.h"
#include "paper_perplexity.h"
#include "test_data.h"

using namespace lowbit;

namespace {

std::map<std::string, double> reference_ppl() {
    std::map<std::string, double> out;
    std::istringstream in(test::read_file(test::shared_path("reference/perplexity-onebit-paper-c128.tsv")));
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string name, text;
        double ppl = 0;
        ls >> name >> text >> ppl;
        if (!name.empty()) out[name] = ppl;
    }
    return out;
}

}  // namespace

class TestConvertReference : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string path(const std::string& n) { return tmp_.path().toStdString() + "/" + n; }

    std::string convert(const std::string& in, ConvertTarget t, const std::string& name,
                        const std::function<void(ConvertOptions&)>& tweak) {
        ConvertOptions o;
        o.input = in;
        o.output = path(name);
        o.target = t;
        o.threads = 2;
        tweak(o);
        convert_model(o);
        return o.output;
    }

  private slots:
    void q8_0PerplexityMatchesLlamaCpp() {
        // llama-quantize Q8_0 quantizes everything, embeddings and output included.
        const std::string out =
            convert(test::model_path("random-llama-spm-f16.gguf"), ConvertTarget::Q8_0, "q8.gguf",
                    [](ConvertOptions& o) { o.keep = HighPrecisionPolicy::parse("none"); });
        const double ref = reference_ppl().at("random-llama-spm-Q8_0");
        const double ppl = test::paper_perplexity(out).ppl;
        qInfo("Q8_0: ours %.4f, llama.cpp %.4f (%+.3f%%)", ppl, ref, 100.0 * (ppl / ref - 1.0));
        QVERIFY(std::fabs(ppl / ref - 1.0) < 0.01);
    }

    void q4_0PerplexityMatchesLlamaCpp() {
        // llama-quantize Q4_0 keeps output.weight in Q6_K, which we do not write; Q8_0 is the
        // nearest type we produce (measured: +0.26% from llama.cpp's figure; all-Q4_0 would be +2.9%).
        const std::string out = convert(test::model_path("random-llama-spm-f16.gguf"), ConvertTarget::Q4_0,
                                        "q4.gguf", [](ConvertOptions& o) {
                                            o.keep = HighPrecisionPolicy::parse("output");
                                            o.output_type = TypeChoice::of(TensorType::Q8_0);
                                        });
        const double ref = reference_ppl().at("random-llama-spm-Q4_0");
        const double ppl = test::paper_perplexity(out).ppl;
        qInfo("Q4_0: ours %.4f, llama.cpp %.4f (%+.3f%%)", ppl, ref, 100.0 * (ppl / ref - 1.0));
        QVERIFY(std::fabs(ppl / ref - 1.0) < 0.01);
    }

    void tq2_0WithTheLlamaRuleIsByteIdentical() {
        const std::string out =
            convert(test::model_path("random-llama-spm-f16.gguf"), ConvertTarget::TQ2_0, "tq2.gguf",
                    [](ConvertOptions& o) { o.ternary_rule = quant::TernaryRule::AbsMaxBlock; });
        auto ours = GgufFile::open(out);
        auto theirs = GgufFile::open(test::model_path("random-llama-spm-TQ2_0-f16emb.gguf"));
        QCOMPARE(ours->tensors().size(), theirs->tensors().size());
        for (const auto& t : theirs->tensors()) {
            const GgufTensorInfo* u = ours->find_tensor(t.name);
            QVERIFY2(u, t.name.c_str());
            QCOMPARE(u->type, t.type);
            QCOMPARE(u->ne, t.ne);
            QVERIFY2(std::memcmp(u->data, t.data, t.nbytes) == 0, t.name.c_str());
        }
        // And it measures as llama.cpp's file does.
        const double ref = reference_ppl().at("random-llama-spm-TQ2_0-f16emb");
        const double ppl = test::paper_perplexity(out).ppl;
        qInfo("TQ2_0 (llama rule, f16 embd/output): ours %.4f, llama.cpp %.4f", ppl, ref);
        QVERIFY(std::fabs(ppl / ref - 1.0) < 0.01);
    }

    void tq1_0FromAQuantizedSource() {
        // Source: llama-quantize's TQ1_0 file (TQ1_0 layers, Q4_K embeddings, Q6_K output). Its
        // ternary layers decode to values the per-block rule stores again unchanged, so the TQ2_0
        // layers equal the shipped TQ2_0 file's; the k-quant tables are decoded to F16.
        ConvertSummary s;
        ConvertOptions o;
        o.input = test::model_path("random-llama-spm-TQ1_0.gguf");
        o.output = path("from-tq1.gguf");
        o.target = ConvertTarget::TQ2_0;
        o.ternary_rule = quant::TernaryRule::AbsMaxBlock;
        o.threads = 2;
        s = convert_model(o);
        bool warned = false;
        for (const auto& w : s.warnings) warned = warned || w.find("compounds") != std::string::npos;
        QVERIFY(warned);
        auto ours = GgufFile::open(o.output);
        auto theirs = GgufFile::open(test::model_path("random-llama-spm-TQ2_0-f16emb.gguf"));
        int compared = 0;
        for (const auto& t : theirs->tensors()) {
            if (t.type != TensorType::TQ2_0) continue;
            const GgufTensorInfo* u = ours->find_tensor(t.name);
            QVERIFY(u && u->type == TensorType::TQ2_0);
            QVERIFY2(std::memcmp(u->data, t.data, t.nbytes) == 0, t.name.c_str());
            ++compared;
        }
        QCOMPARE(compared, 14);
        QCOMPARE(ours->find_tensor("token_embd.weight")->type, TensorType::F16);

        // The other way round: our TQ1_0 from the f16 model equals llama-quantize's TQ1_0 layers.
        o.input = test::model_path("random-llama-spm-f16.gguf");
        o.output = path("tq1.gguf");
        o.target = ConvertTarget::TQ1_0;
        convert_model(o);
        auto ours1 = GgufFile::open(o.output);
        auto theirs1 = GgufFile::open(test::model_path("random-llama-spm-TQ1_0.gguf"));
        compared = 0;
        for (const auto& t : theirs1->tensors()) {
            if (t.type != TensorType::TQ1_0) continue;
            const GgufTensorInfo* u = ours1->find_tensor(t.name);
            QVERIFY(u && u->type == TensorType::TQ1_0);
            QVERIFY2(std::memcmp(u->data, t.data, t.nbytes) == 0, t.name.c_str());
            ++compared;
        }
        QCOMPARE(compared, 14);
    }
};

QTEST_GUILESS_MAIN(TestConvertReference)
#include "test_convert_reference.moc"
