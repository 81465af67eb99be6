// Perplexity against llama-perplexity on the shared models (../shared/reference/
// perplexity-onebit-paper-c128.tsv: -f ../papers/onebit-paper.md -c 128): within 1%.
#include <QFile>
#include <QTest>
#include <QTextStream>

#include "lowbit/model.h"
#include "lowbit/perplexity.h"
#include "test_data.h"

using namespace lowbit;

namespace {
double reference_ppl(const QString& model) {
    QFile f(QString::fromStdString(test::shared_path("reference/perplexity-onebit-paper-c128.tsv")));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    QTextStream in(&f);
    while (!in.atEnd()) {
        const QStringList cols = in.readLine().split('\t');
        if (cols.size() >= 3 && cols[0] == model) return cols[2].split(' ').first().toDouble();
    }
    return -1;
}
}  // namespace

class TestPerplexityReference : public QObject {
    Q_OBJECT
private slots:
    void matchesLlamaCpp_data() {
        QTest::addColumn<QString>("model");
        for (const char* m : {"random-llama-spm-f16", "random-llama-spm-TQ1_0", "random-llama-spm-TQ2_0-f16emb",
                              "random-llama3-bpe-f16", "random-qwen2-f16"})
            QTest::newRow(m) << m;
    }
    void matchesLlamaCpp() {
        QFETCH(QString, model);
        const double expected = reference_ppl(model);
        QVERIFY2(expected > 0, "reference figure missing");
        auto m = Model::load(test::model_path(model + ".gguf"));
        RunnerOptions ro;
        ro.n_threads = 2;
        ro.n_ctx = 128;
        ro.n_batch = 128;
        auto runner = create_runner(*m, ro);
        const std::string text = test::read_file(test::shared_path("papers/onebit-paper.md"));
        PerplexityOptions po;
        po.n_ctx = 128;
        const PerplexityResult r = perplexity_text(*runner, text, po);
        qInfo("%s: PPL %.4f +/- %.4f (llama.cpp %.4f), %d windows, %.2f s", qPrintable(model), r.ppl, r.error,
              expected, r.n_chunks, r.seconds);
        QVERIFY2(std::fabs(r.ppl / expected - 1.0) < 0.01,
                 qPrintable(QString("PPL %1 vs llama.cpp %2").arg(r.ppl).arg(expected)));
        QCOMPARE(static_cast<int>(r.running_ppl.size()), r.n_chunks);
    }
};

QTEST_GUILESS_MAIN(TestPerplexityReference)
#include "test_perplexity_reference.moc"
