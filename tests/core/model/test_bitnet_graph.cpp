// The BitNet graph (sub-norms after attention and in the FFN, tied output) against llama.cpp on a
// small random model built deterministically in memory. The reference figures were produced with
//   lowbit bench --dummy tiny-bitnet --type f16 --save tiny-bitnet.gguf
//   llama-perplexity -m tiny-bitnet.gguf -f ../shared/papers/onebit-paper.md -c 128 -t 2
//       -> Final estimate: PPL = 2227.9532 +/- 4.43473
#include <QTest>

#include "lowbit/dummy_model.h"
#include "lowbit/perplexity.h"
#include "test_data.h"

using namespace lowbit;

class TestBitnetGraph : public QObject {
    Q_OBJECT
private slots:
    void perplexityMatchesLlamaCpp() {
        auto shape = find_dummy_shape("tiny-bitnet");
        QVERIFY(shape);
        DummyOptions opt;
        opt.type = TensorType::F16;
        auto dummy = DummyModel::create(*shape, opt);
        QCOMPARE(dummy->model().hparams().arch, Arch::Bitnet);
        QVERIFY(dummy->model().hparams().tied_embeddings);
        RunnerOptions ro;
        ro.n_threads = 2;
        ro.n_ctx = 128;
        auto runner = create_runner(dummy->model(), ro);
        PerplexityOptions po;
        po.n_ctx = 128;
        const auto r = perplexity_text(*runner, test::read_file(test::shared_path("papers/onebit-paper.md")), po);
        qInfo("tiny-bitnet PPL %.4f (llama.cpp 2227.9532)", r.ppl);
        QVERIFY(std::fabs(r.ppl / 2227.9532 - 1.0) < 0.01);
    }

    void bitnet158UsesSquaredRelu() {
        auto shape = find_dummy_shape("tiny-bitnet-b1.58");
        QVERIFY(shape);
        auto dummy = DummyModel::create(*shape, {});
        const HParams& hp = dummy->model().hparams();
        QCOMPARE(hp.arch, Arch::Bitnet158);
        QCOMPARE(hp.ffn_act, FfnActivation::ReLU2);
        QVERIFY(hp.has_sub_norms);
        QVERIFY(!hp.tied_embeddings);
        // It runs end to end and gives finite logits.
        RunnerOptions ro;
        ro.n_ctx = 32;
        auto runner = create_runner(dummy->model(), ro);
        std::vector<int32_t> toks = {1, 300, 301, 302};
        std::vector<float> logits(static_cast<size_t>(hp.n_vocab));
        runner->eval(toks, 1, logits.data());
        for (float v : logits) QVERIFY(std::isfinite(v));
    }
};

QTEST_GUILESS_MAIN(TestBitnetGraph)
#include "test_bitnet_graph.moc"
