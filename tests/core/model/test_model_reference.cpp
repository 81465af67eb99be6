// The engine against llama.cpp on the shared models: greedy continuations must be identical
// (../shared/reference/greedy-once-upon-a-time.json, made with llama-simple -n 16).
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "lowbit/model.h"
#include "lowbit/runner.h"
#include "lowbit/sampler.h"
#include "test_data.h"

using namespace lowbit;

namespace {

// What llama-simple prints: every prompt token's piece (special tokens shown), then 16 greedy
// tokens, then a newline.
std::string greedy_like_llama_simple(const Model& model, Runner& runner, const std::string& prompt, int n) {
    const Tokenizer& tok = model.tokenizer();
    std::vector<int32_t> ids = tok.encode(prompt, /*add_special=*/true, /*parse_special=*/true);
    std::string out;
    for (int32_t id : ids) out += tok.token_to_piece(id, true);
    std::vector<float> logits(static_cast<size_t>(model.hparams().n_vocab));
    runner.eval(ids, 1, logits.data());
    SamplingParams greedy;
    greedy.temperature = 0;
    Sampler sampler(greedy);
    for (int i = 0; i < n; ++i) {
        const int32_t id = sampler.sample(logits, ids);
        if (tok.is_eog(id)) break;
        out += tok.token_to_piece(id, true);
        ids.push_back(id);
        runner.eval(std::span<const int32_t>(&id, 1), 1, logits.data());
    }
    return out + "\n";
}

}  // namespace

class TestModelReference : public QObject {
    Q_OBJECT
private slots:
    void greedyMatchesLlamaCpp_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("threads");
        for (const char* m : {"random-llama-spm-f16", "random-llama-spm-TQ1_0", "random-llama-spm-TQ2_0-f16emb",
                              "random-llama3-bpe-f16", "random-qwen2-f16"}) {
            QTest::addRow("%s t1", m) << m << 1;
            QTest::addRow("%s t2", m) << m << 2;
        }
    }
    void greedyMatchesLlamaCpp() {
        QFETCH(QString, model);
        QFETCH(int, threads);
        QFile f(QString::fromStdString(test::shared_path("reference/greedy-once-upon-a-time.json")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(f.readAll()).object();
        QVERIFY(ref.contains(model));
        const std::string expected = ref.value(model).toString().toStdString();

        auto m = Model::load(test::model_path(model + ".gguf"));
        RunnerOptions ro;
        ro.n_threads = threads;
        ro.n_ctx = 64;
        auto runner = create_runner(*m, ro);
        const std::string got = greedy_like_llama_simple(*m, *runner, "Once upon a time", 16);
        QCOMPARE(QString::fromStdString(got), QString::fromStdString(expected));
    }

    void batchedPrefillEqualsTokenByToken() {
        // The same tokens evaluated as one batch or one at a time give the same logits.
        auto m = Model::load(test::model_path("random-llama-spm-f16.gguf"));
        RunnerOptions ro;
        ro.n_threads = 2;
        ro.n_ctx = 64;
        auto a = create_runner(*m, ro);
        auto b = create_runner(*m, ro);
        const auto ids = m->tokenizer().encode("The quick brown fox jumps over the lazy dog", true, false);
        const size_t nv = static_cast<size_t>(m->hparams().n_vocab);
        std::vector<float> la(nv * ids.size()), lb(nv);
        a->eval(ids, static_cast<int>(ids.size()), la.data());
        for (size_t i = 0; i < ids.size(); ++i) {
            b->eval(std::span<const int32_t>(&ids[i], 1), 1, lb.data());
            for (size_t v = 0; v < nv; ++v) {
                const float x = la[i * nv + v], y = lb[v];
                if (std::fabs(x - y) > 1e-3f * std::max(1.0f, std::fabs(x)))
                    QFAIL(qPrintable(QString("token %1 logit %2: batch %3 vs single %4").arg(i).arg(v).arg(x).arg(y)));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestModelReference)
#include "test_model_reference.moc"
