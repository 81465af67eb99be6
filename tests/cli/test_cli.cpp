// Runs the real `lowbit` binary and checks the contract documented in the README and issues:
// results on stdout, errors on stderr with a non-zero status, stable JSON keys.
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "test_data.h"

namespace {

struct Run {
    int status;
    QString out;
    QString err;
};

Run run(const QStringList& args, int timeout_ms = 240000) {
    QProcess p;
    p.start(QStringLiteral(LOWBIT_CLI_PATH), args);
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        return {-1, {}, "timeout"};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
            QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

QString model(const char* name) {
    return QString::fromStdString(lowbit::test::model_path(name));
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT
  private slots:
    void helpListsCommands() {
        const Run r = run({"--help"});
        QCOMPARE(r.status, 0);
        for (const char* c : {"info", "tokenize", "generate", "perplexity", "bench"})
            QVERIFY(r.out.contains(c));
    }

    void tokenizePrintsOnlyTheIds() {
        const Run r = run({"tokenize", "-m", model("random-llama-spm-f16.gguf"), "-p", "Once upon a time"});
        QCOMPARE(r.status, 0);
        // Same as llama-tokenize --ids: BOS (1) first, one line, nothing else on stdout.
        QCOMPARE(r.out, QString("[1, 9038, 2501, 263, 931]\n"));
    }

    void tokenizeFromFileAndVocabOnly() {
        QTemporaryDir dir;
        QFile f(dir.path() + "/t.txt");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("Hello world");
        f.close();
        const QString vocab = QString::fromStdString(
            lowbit::test::shared_path("reference/tokenizer/ggml-vocab-llama-bpe.gguf"));
        const Run r = run({"tokenize", "-m", vocab, "-f", f.fileName()});
        QCOMPARE(r.status, 0);
        QCOMPARE(r.out, QString("[128000, 9906, 1917]\n"));
    }

    void infoJson() {
        const Run r = run({"info", "-m", model("random-llama-spm-TQ2_0-f16emb.gguf"), "--json"});
        QCOMPARE(r.status, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j.value("architecture").toString(), QString("llama"));
        QVERIFY(j.value("n_params").toDouble() > 9e6);
        QVERIFY(j.value("bits_per_weight").toDouble() > 2.0);
        bool saw_tq2 = false;
        for (const auto& t : j.value("tensors").toArray()) {
            const QJsonObject o = t.toObject();
            if (o.value("type").toString() == "tq2_0") {
                saw_tq2 = true;
                QVERIFY(std::abs(o.value("bits_per_weight").toDouble() - 2.0625) < 1e-9);
            }
        }
        QVERIFY(saw_tq2);
    }

    void generateGreedyIsDeterministic() {
        const QStringList args = {"generate",
                                  "-m",
                                  model("random-llama-spm-f16.gguf"),
                                  "-p",
                                  "Once upon a time",
                                  "-n",
                                  "16",
                                  "--temp",
                                  "0",
                                  "-t",
                                  "2"};
        const Run a = run(args), b = run(args);
        QCOMPARE(a.status, 0);
        QCOMPARE(a.out, b.out);
        // The greedy text llama-simple gives on this model.
        QVERIFY2(a.out.startsWith("Once upon a time Eqswap бытьLog blackengine"), qPrintable(a.out));
        QVERIFY(a.err.contains("tok/s"));
    }

    void perplexityJsonAndText() {
        const QString text = QString::fromStdString(lowbit::test::shared_path("papers/onebit-paper.md"));
        const Run j = run({"perplexity", "-m", model("random-qwen2-f16.gguf"), "-f", text, "-c", "128",
                           "--chunks", "4", "--json"});
        QCOMPARE(j.status, 0);
        const QJsonObject o = QJsonDocument::fromJson(j.out.toUtf8()).object();
        QVERIFY(o.value("ppl").toDouble() > 1.0);
        QCOMPARE(o.value("n_chunks").toInt(), 4);
        const Run t = run(
            {"perplexity", "-m", model("random-qwen2-f16.gguf"), "-f", text, "-c", "128", "--chunks", "4"});
        QCOMPARE(t.status, 0);
        const QStringList lines = t.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 5);  // one running value per window, then the final line
        QVERIFY(lines.last().startsWith("PPL = "));
        QVERIFY(lines.last().contains("+/-"));
    }

    void benchJsonKeys() {
        const Run r = run(
            {"bench", "-m", model("random-llama-spm-f16.gguf"), "-p", "8", "-n", "4", "-r", "1", "--json"});
        QCOMPARE(r.status, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        for (const char* k : {"prefill_tps", "decode_tps", "weight_bytes", "kv_bytes", "peak_rss_bytes"}) {
            QVERIFY2(o.contains(k), k);
            QVERIFY2(o.value(k).toDouble() > 0, k);
        }
    }

    // convert writes a model the other commands run; its JSON summary carries the figures the
    // wizard and scripts read; an existing output is kept unless --force.
    void convertThenRunTheResult() {
        QTemporaryDir dir;
        const QString out = dir.path() + "/tq2.gguf";
        const QString text = QString::fromStdString(lowbit::test::shared_path("papers/onebit-paper.md"));
        // --dry-run plans without writing; the plan is checked against the real conversion below.
        const Run plan = run({"convert", "-m", model("random-llama-spm-f16.gguf"), "-o", out, "--type",
                              "tq2_0", "--dry-run", "--json"});
        QCOMPARE(plan.status, 0);
        QVERIFY(!QFileInfo::exists(out));
        const QJsonObject planned = QJsonDocument::fromJson(plan.out.toUtf8()).object();
        const Run c = run({"convert", "-m", model("random-llama-spm-f16.gguf"), "-o", out, "--type", "tq2_0",
                           "--calibration", text, "-c", "128", "--chunks", "2", "--json"});
        QCOMPARE(c.status, 0);
        const QJsonObject o = QJsonDocument::fromJson(c.out.toUtf8()).object();
        QCOMPARE(o.value("target").toString(), QString("tq2_0"));
        QCOMPARE(o.value("output_bytes").toDouble(), double(QFileInfo(out).size()));
        QVERIFY(o.value("target_bits_per_weight").toDouble() == 2.0625);  // 66 bytes per 256 weights
        QCOMPARE(planned.value("expected_output_bytes").toDouble(), double(QFileInfo(out).size()));
        QCOMPARE(planned.value("target_bits_per_weight").toDouble(), 2.0625);
        QCOMPARE(planned.value("output_bits_per_weight").toDouble(),
                 o.value("output_bits_per_weight").toDouble());
        const double ppl_out = o.value("ppl_output").toObject().value("ppl").toDouble();
        QVERIFY(o.value("ppl_source").toObject().value("ppl").toDouble() > 1.0 && ppl_out > 1.0);
        // The figure convert printed is the one `lowbit perplexity` gives on the written file.
        const Run p = run({"perplexity", "-m", out, "-f", text, "-c", "128", "--chunks", "2", "--json"});
        QCOMPARE(p.status, 0);
        QCOMPARE(QJsonDocument::fromJson(p.out.toUtf8()).object().value("ppl").toDouble(), ppl_out);
        const Run g = run({"generate", "-m", out, "-p", "Once upon a time", "-n", "4", "--temp", "0"});
        QCOMPARE(g.status, 0);
        QVERIFY(g.out.startsWith("Once upon a time"));
        const Run again =
            run({"convert", "-m", model("random-llama-spm-f16.gguf"), "-o", out, "--type", "tq1_0"});
        QCOMPARE(again.status, 1);
        QVERIFY2(again.err.contains("--force"), qPrintable(again.err));
        QCOMPARE(QFileInfo(out).size(), qint64(o.value("output_bytes").toDouble()));  // untouched
        const Run bad =
            run({"convert", "-m", model("random-llama-spm-f16.gguf"), "-o", out, "--type", "q3_x"});
        QCOMPARE(bad.status, 2);
        QVERIFY(bad.err.contains("unknown --type"));
    }

    // compare: the same perplexities as separate `perplexity` runs, and measured speed and memory;
    // a model converted whole to TQ2_0 holds about 1/8 of the F16 weight bytes (2.0625 / 16 bits).
    void compareMatchesSeparateRuns() {
        QTemporaryDir dir;
        const QString f16 = model("random-llama-spm-f16.gguf"), tq2 = dir.path() + "/all-tq2_0.gguf";
        const QString text = QString::fromStdString(lowbit::test::shared_path("papers/onebit-paper.md"));
        QCOMPARE(
            run({"convert", "-m", f16, "-o", tq2, "--type", "tq2_0", "--keep-high-precision", "none", "-q"})
                .status,
            0);
        const Run c = run(
            {"compare", "--models", f16 + "," + tq2, "--text", text, "-c", "128", "--chunks", "3", "--json"});
        QCOMPARE(c.status, 0);
        const QJsonArray models = QJsonDocument::fromJson(c.out.toUtf8()).object().value("models").toArray();
        QCOMPARE(models.size(), 2);
        double bytes[2] = {0, 0};
        for (int i = 0; i < 2; ++i) {
            const QJsonObject m = models[i].toObject();
            const Run p = run({"perplexity", "-m", m.value("path").toString(), "-f", text, "-c", "128",
                               "--chunks", "3", "--json"});
            QCOMPARE(p.status, 0);
            QCOMPARE(m.value("ppl").toDouble(),
                     QJsonDocument::fromJson(p.out.toUtf8()).object().value("ppl").toDouble());
            for (const char* k : {"prefill_tps", "decode_tps", "weight_bytes", "kv_bytes", "peak_rss_bytes",
                                  "bits_per_weight"})
                QVERIFY2(m.value(k).toDouble() > 0, k);
            bytes[i] = m.value("weight_bytes").toDouble();
        }
        QCOMPARE(models[0].toObject().value("kv_bytes").toDouble(),
                 models[1].toObject().value("kv_bytes").toDouble());
        const double ratio = bytes[1] / bytes[0];
        QVERIFY2(ratio > 0.125 && ratio < 0.135, qPrintable(QString::number(ratio)));
    }

    void errorsGoToStderrWithStatus_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown command") << QStringList{"frobnicate"} << 2 << "unknown command";
        QTest::newRow("missing model") << QStringList{"info"} << 2 << "missing model file";
        QTest::newRow("unknown option")
            << QStringList{"info", "-m", "x.gguf", "--bogus"} << 2 << "unknown option";
        QTest::newRow("no such file")
            << QStringList{"info", "-m", "/nonexistent.gguf"} << 1 << "No such file";
        QTest::newRow("not gguf") << QStringList{"tokenize", "-m",
                                                 QString::fromStdString(
                                                     lowbit::test::shared_path("models/README.md")),
                                                 "-p", "x"}
                                  << 1 << "bad magic";
        QTest::newRow("text too short")
            << QStringList{"perplexity",
                           "-m",
                           model("random-qwen2-f16.gguf"),
                           "-f",
                           QString::fromStdString(lowbit::test::shared_path("models/README.md")),
                           "-c",
                           "512"}
            << 1 << "at least";
    }
    void errorsGoToStderrWithStatus() {
        QFETCH(QStringList, args);
        QFETCH(int, status);
        QFETCH(QString, message);
        const Run r = run(args);
        QCOMPARE(r.status, status);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
