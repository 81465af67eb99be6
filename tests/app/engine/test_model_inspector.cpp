// The library's view of a GGUF file, checked on the synthetic models against facts of their
// formats (TQ2_0 stores 256 weights in 66 bytes, TQ1_0 in 54, F16 in 512) and against the
// model README (dimensions, vocabularies).
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include "engine/inference_engine.h"
#include "engine/model_inspector.h"
#include "lowbit/convert.h"
#include "test_data.h"

using namespace lowbit::app;

namespace {
ModelFacts inspect(const char* file) {
    return inspectModel(QString::fromStdString(lowbit::test::model_path(file)));
}
QJsonObject details(const ModelFacts& f) {
    return QJsonDocument::fromJson(f.record.details.toUtf8()).object();
}
}  // namespace

class TestModelInspector : public QObject {
    Q_OBJECT

  private slots:
    // OneBit and binary weights are I8 tensors of packed signs plus companion tensors: counted
    // as rows x cols weights of their kind, with the companions' bytes, never as weights.
    void packedOneBitModels_data() {
        QTest::addColumn<int>("target");
        QTest::addColumn<QString>("type");
        QTest::newRow("onebit") << int(lowbit::ConvertTarget::OneBit) << "ONEBIT";
        QTest::newRow("binary") << int(lowbit::ConvertTarget::Binary) << "BINARY";
    }
    void packedOneBitModels() {
        QFETCH(int, target);
        QFETCH(QString, type);
        QTemporaryDir dir;
        lowbit::ConvertOptions o;
        o.input = lowbit::test::model_path("random-llama-spm-f16.gguf");
        o.output = QString(dir.path() + "/packed.gguf").toStdString();
        o.target = static_cast<lowbit::ConvertTarget>(target);
        o.svid.max_iterations = 4;
        lowbit::convert_model(o);
        const ModelFacts src = inspect("random-llama-spm-f16.gguf");
        const ModelFacts f = inspectModel(QString::fromStdString(o.output));
        QCOMPARE(f.record.nParams, src.record.nParams);  // the same weights, however stored
        QCOMPARE(f.record.weightTypes, QStringLiteral("F16 ×2 (91%), %1 ×14 (9%), F32 ×5 (<1%)").arg(type));
        // Block matrices: 2 layers of q,o (256x256), k,v (128x256), gate, up, down (768x256).
        qint64 weights = 0, packedBytes = 0;
        for (auto [rows, cols] :
             {std::pair{256, 256}, {256, 256}, {128, 256}, {128, 256}, {768, 256}, {768, 256}, {256, 768}}) {
            weights += 2 * rows * cols;
            const qint64 side = target == int(lowbit::ConvertTarget::OneBit) ? 2 * (rows + cols) : 4;
            packedBytes += 2 * (rows * cols / 8 + side);
        }
        QCOMPARE(f.linearBitsPerWeight, 8.0 * double(packedBytes) / double(weights));
        QVERIFY(f.linearBitsPerWeight > 1.0 && f.linearBitsPerWeight < 1.2);
    }

    void ternaryModel() {
        const ModelFacts f = inspect("random-llama-spm-TQ2_0-f16emb.gguf");
        const ModelRecord& r = f.record;
        QCOMPARE(r.architecture, QStringLiteral("llama"));
        // Shares of the parameters: 2 F16 embedding matrices of 32000x256 = 16.38 M, 14 TQ2_0 block
        // matrices = 1.57 M, 5 F32 norm vectors = 1280, of 17.96 M in all.
        QCOMPARE(r.weightTypes, QStringLiteral("F16 ×2 (91%), TQ2_0 ×14 (9%), F32 ×5 (<1%)"));
        QCOMPARE(r.nParams, 32000 * 256 * 2 + 2 * (2 * 256 * 256 + 2 * 256 * 128 + 3 * 256 * 768) + 5 * 256);
        QCOMPARE(f.linearBitsPerWeight, 8.0 * 66 / 256);  // every block matrix is TQ2_0
        QVERIFY(r.bitsPerWeight > f.linearBitsPerWeight && r.bitsPerWeight < 16);  // F16 embeddings raise it
        QCOMPARE(
            r.fileSize,
            QFileInfo(QString::fromStdString(lowbit::test::model_path("random-llama-spm-TQ2_0-f16emb.gguf")))
                .size());
        QVERIFY(r.weightBytes < r.fileSize);
        const QJsonObject d = details(f);
        QCOMPARE(d[QStringLiteral("layers")].toInt(), 2);
        QCOMPARE(d[QStringLiteral("embedding")].toInt(), 256);
        QCOMPARE(d[QStringLiteral("heads")].toInt(), 4);
        QCOMPARE(d[QStringLiteral("kv_heads")].toInt(), 2);
        QCOMPARE(d[QStringLiteral("vocab")].toInt(), 32000);
        // K and V in F16 for 2 layers of 2 KV heads of 64: 2*2*2*2*64 bytes per position.
        QCOMPARE(f.kvBytesPerToken, 2 * 2 * 2 * 2 * 64);
        QVERIFY(f.estimatedBytes > r.weightBytes);
        QCOMPARE(r.templateFamily, QStringLiteral("transcript"));  // SPM vocabulary, no template
    }

    void sameModelInThreeFormats() {
        const ModelFacts f16 = inspect("random-llama-spm-f16.gguf");
        const ModelFacts tq2 = inspect("random-llama-spm-TQ2_0-f16emb.gguf");
        const ModelFacts tq1 = inspect("random-llama-spm-TQ1_0.gguf");
        QCOMPARE(f16.linearBitsPerWeight, 16.0);
        QCOMPARE(tq1.linearBitsPerWeight, 8.0 * 54 / 256);
        QCOMPARE(f16.record.nParams, tq2.record.nParams);  // same tensors, other storage
        QCOMPARE(f16.record.nParams, tq1.record.nParams);
        QVERIFY(tq1.record.weightBytes < tq2.record.weightBytes);
        QVERIFY(tq2.record.weightBytes < f16.record.weightBytes);
        QVERIFY(tq1.record.weightTypes.contains(QStringLiteral("Q4_K")));  // llama-quantize's embedding type
    }

    void chatFormatFromVocabulary() {
        QCOMPARE(inspect("random-llama3-bpe-f16.gguf").record.templateFamily, QStringLiteral("llama3"));
        QCOMPARE(inspect("random-qwen2-f16.gguf").record.templateFamily, QStringLiteral("chatml"));
        QCOMPARE(inspect("random-qwen2-f16.gguf").record.architecture, QStringLiteral("qwen2"));
    }

    void brokenFilesGiveMessages() {
        QTemporaryDir dir;
        const QString junk = dir.filePath(QStringLiteral("junk.gguf"));
        QFile f(junk);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("GGUF but not really");
        f.close();
        try {
            inspectModel(junk);
            QFAIL("junk accepted");
        } catch (const EngineError& e) {
            QVERIFY2(e.message().contains(QStringLiteral("junk.gguf")), qPrintable(e.message()));
        }
        try {
            inspectModel(dir.filePath(QStringLiteral("missing.gguf")));
            QFAIL("missing file accepted");
        } catch (const EngineError& e) {
            QVERIFY(e.message().contains(QStringLiteral("does not exist")));
        }
    }

    void formatting() {
        QCOMPARE(formatCount(2'412'000'000), QStringLiteral("2.41 B"));
        QCOMPARE(formatCount(135'000'000), QStringLiteral("135 M"));
        QCOMPARE(formatCount(9'400'000), QStringLiteral("9.4 M"));
        QCOMPARE(formatBytes(1'210'000'000), QStringLiteral("1.21 GB"));
        QCOMPARE(formatBytes(35'200'000), QStringLiteral("35.2 MB"));
    }
};

QTEST_GUILESS_MAIN(TestModelInspector)
#include "test_model_inspector.moc"
