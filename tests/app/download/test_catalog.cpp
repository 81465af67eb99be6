// The curated catalog: the built-in resource loads and validates, matches the source file,
// holds the models the issue names with their exact files, and bad catalogs are refused
// with a message naming the problem.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "download/catalog.h"

using namespace lowbit::app;

class TestCatalog : public QObject {
    Q_OBJECT

  private:
    static QByteArray withModel(const QByteArray& model, int version = 1) {
        return "{\"version\": " + QByteArray::number(version) + ", \"models\": [" + model + "]}";
    }
    static QByteArray model(const QByteArray& overrides) {
        // A valid GGUF entry with some keys replaced by `overrides` (JSON members).
        QJsonObject o = QJsonDocument::fromJson(R"({"id": "m", "name": "M", "repo": "o/r", "kind": "gguf",
            "category": "full-precision", "files": ["m.gguf"], "parameters": 1000000000,
            "approx_download_bytes": 2000000000, "license": "MIT", "good_for": "testing"})")
                            .object();
        const QJsonObject changes = QJsonDocument::fromJson("{" + overrides + "}").object();
        for (auto it = changes.begin(); it != changes.end(); ++it) o.insert(it.key(), it.value());
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    }
    static QString error(const QByteArray& json) {
        QString why;
        const auto c = Catalog::parse(json, &why);
        return c ? QString() : why;
    }

  private slots:
    void builtinLoads() {
        QString why;
        const auto catalog = Catalog::loadBuiltin(&why);
        QVERIFY2(catalog, qPrintable(why));
        QCOMPARE(catalog->version(), 1);
        QVERIFY(catalog->models().size() >= 14);
        for (const CatalogModel& m : catalog->models()) {
            QVERIFY(!m.license.isEmpty());
            QVERIFY(!m.goodFor.isEmpty());
            QVERIFY(m.parameters > 0);
            QVERIFY(m.approxDownloadBytes > 0);
        }
    }

    void builtinMatchesSourceFile() {
        QFile source(QStringLiteral(LOWBIT_SOURCE_DIR "/resources/catalog/models.json"));
        QVERIFY(source.open(QIODevice::ReadOnly));
        QFile resource(QString::fromLatin1(Catalog::kResourcePath));
        QVERIFY(resource.open(QIODevice::ReadOnly));
        QCOMPARE(resource.readAll(), source.readAll());
        QString why;
        QVERIFY2(Catalog::loadFile(source.fileName(), &why), qPrintable(why));
    }

    void holdsTheIssuesModels() {
        const auto catalog = Catalog::loadBuiltin(nullptr);
        QVERIFY(catalog);
        auto byRepo = [&](const QString& repo) -> const CatalogModel* {
            for (const CatalogModel& m : catalog->models())
                if (m.repo == repo) return &m;
            return nullptr;
        };
        const CatalogModel* bitnet = byRepo("microsoft/bitnet-b1.58-2B-4T-gguf");
        QVERIFY(bitnet);
        QCOMPARE(bitnet->kind, CatalogModel::Kind::Gguf);
        QCOMPARE(bitnet->category, CatalogModel::Category::NativeTernary);
        QCOMPARE(bitnet->files, QStringList{"ggml-model-i2_s.gguf"});
        for (const char* repo :
             {"1bitLLM/bitnet_b1_58-large", "1bitLLM/bitnet_b1_58-3B", "tiiuae/Falcon3-1B-Instruct-1.58bit",
              "HF1BitLLM/Llama3-8B-1.58-100B-tokens"}) {
            const CatalogModel* m = byRepo(repo);
            QVERIFY2(m, repo);
            QCOMPARE(m->category, CatalogModel::Category::NativeTernary);
            QCOMPARE(m->kind, CatalogModel::Kind::SafetensorsFolder);
        }
        for (const char* repo : {"HuggingFaceTB/SmolLM2-135M-Instruct", "HuggingFaceTB/SmolLM2-360M-Instruct",
                                 "HuggingFaceTB/SmolLM2-1.7B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct",
                                 "Qwen/Qwen2.5-1.5B-Instruct", "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
                                 "meta-llama/Llama-3.2-1B-Instruct"}) {
            const CatalogModel* m = byRepo(repo);
            QVERIFY2(m, repo);
            QCOMPARE(m->category, CatalogModel::Category::FullPrecision);
        }
        QVERIFY(byRepo("meta-llama/Llama-3.2-1B-Instruct")->gated);
        QVERIFY(!byRepo("Qwen/Qwen2.5-0.5B-Instruct")->gated);
        QVERIFY(catalog->find("smollm2-135m-instruct"));
        QVERIFY(!catalog->find("no-such-model"));
    }

    void selectsFilesFromAListing() {
        const auto catalog = Catalog::loadBuiltin(nullptr);
        const CatalogModel* smol = catalog->find("smollm2-135m-instruct");
        QVERIFY(smol);
        QList<HubFile> listing;
        for (const char* p :
             {"README.md", "config.json", "merges.txt", "model.safetensors", "onnx/model.onnx",
              "onnx/config.json", "tokenizer.json", "vocab.json", "runs/events.out"})
            listing.append(HubFile{QString::fromLatin1(p), 10, {}, {}});
        QStringList picked;
        for (const HubFile& f : smol->select(listing)) picked << f.path;
        QCOMPARE(picked, QStringList({"config.json", "merges.txt", "model.safetensors", "tokenizer.json",
                                      "vocab.json"}));

        const CatalogModel* gguf = catalog->find("bitnet-b1.58-2b-4t-gguf");
        QStringList missing;
        QVERIFY(gguf->select(listing, &missing).isEmpty());
        QCOMPARE(missing, QStringList{"ggml-model-i2_s.gguf"});
        listing.append(HubFile{"ggml-model-i2_s.gguf", 10, QString(64, QLatin1Char('a')), {}});
        QCOMPARE(gguf->select(listing, &missing).size(), 1);
        QVERIFY(missing.isEmpty());
    }

    void validModelParses() {
        QCOMPARE(error(withModel(model({}))), QString());
        QString why;
        const auto c =
            Catalog::parse(withModel(model(R"("revision": "v1.0", "gated": true, "note": "n")")), &why);
        QVERIFY(c);
        QCOMPARE(c->models()[0].revision, QString("v1.0"));
        QVERIFY(c->models()[0].gated);
    }

    void badCatalogsAreRefused_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("{oops") << "not valid JSON";
        QTest::newRow("no version") << QByteArray(R"({"models": []})") << "version";
        QTest::newRow("newer version") << withModel(model({}), 2) << "version 2 is not supported";
        QTest::newRow("no models") << QByteArray(R"({"version": 1, "models": []})") << "no 'models'";
        QTest::newRow("bad repo") << withModel(model(R"("repo": "not a repo")")) << "model 'm'";
        QTest::newRow("bad kind") << withModel(model(R"("kind": "onnx")")) << "'kind'";
        QTest::newRow("bad category") << withModel(model(R"("category": "3-bit")")) << "'category'";
        QTest::newRow("gguf without files") << withModel(model(R"("files": [])")) << "exact 'files'";
        QTest::newRow("gguf lists non-gguf") << withModel(model(R"("files": ["m.bin"])")) << "not a .gguf";
        QTest::newRow("unsafe path") << withModel(model(R"("files": ["../m.gguf"])")) << "'..'";
        QTest::newRow("folder without weights")
            << withModel(model(R"("kind": "safetensors", "files": [], "include": ["*.json"])"))
            << ".safetensors";
        QTest::newRow("no license") << withModel(model(R"("license": "")")) << "'license'";
        QTest::newRow("implausible size")
            << withModel(model(R"("approx_download_bytes": 5)")) << "approx_download_bytes";
        QTest::newRow("bad id") << withModel(model(R"("id": "Has Spaces")")) << "'id'";
        QTest::newRow("duplicate id")
            << QByteArray("{\"version\": 1, \"models\": [" + model({}) + "," + model({}) + "]}")
            << "appears twice";
    }

    void badCatalogsAreRefused() {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const QString why = error(json);
        QVERIFY2(why.contains(expected),
                 qPrintable(QStringLiteral("got: '%1', expected to contain '%2'").arg(why, expected)));
    }
};

QTEST_GUILESS_MAIN(TestCatalog)
#include "test_catalog.moc"
