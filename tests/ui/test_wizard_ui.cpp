// The download and conversion wizard end to end in the real window, offscreen, driven with the
// mouse and keyboard: list a repository of a local fake Hub (127.0.0.1), tick its GGUF file,
// download it (SHA-256 checked), send it to the wizard, pick two targets, measure on the
// bundled sample, convert, and find all three models in the library with their figures and
// lineage.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QQuickItem>
#include <QQuickStyle>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

#include "fake_hub.h"
#include "studio_controller.h"
#include "studio_harness.h"
#include "test_data.h"

Q_IMPORT_QML_PLUGIN(LowbitStudioPlugin)

using namespace lowbit::ui;
using lowbit::test::FakeHub;

namespace {

const QString kRepo = QStringLiteral("lowbit-test/tiny-llama-gguf");
const QString kFile = QStringLiteral("random-llama-spm-f16.gguf");

// One app instance on `dataDir`; models are loaded only when the test asks.
bool startStudio(lowbit::test::StudioHarness& s, const QString& dataDir) {
    StudioOptions o;
    o.dataDir = dataDir;
    o.autoLoadModel = false;
    return s.start(o, {1280, 900});
}

QJsonObject lineage(StudioController& app, const QString& path) {
    const auto m = app.storage().models().modelByPath(path);
    return m ? QJsonDocument::fromJson(m->lineage.toUtf8()).object() : QJsonObject();
}

}  // namespace

class TestWizardUi : public QObject {
    Q_OBJECT

  private slots:
    void downloadConvertAndFindInLibrary() {
        FakeHub hub;
        QVERIFY(hub.start());
        const QByteArray model =
            QByteArray::fromStdString(lowbit::test::read_file(lowbit::test::model_path(kFile)));
        QVERIFY(model.size() > 1'000'000);
        hub.addFile(kRepo, kFile, model, true);
        hub.addFile(kRepo, QStringLiteral("README.md"), "# tiny test model\n", false);

        QTemporaryDir dir;
        lowbit::test::StudioHarness s;
        QVERIFY(startStudio(s, dir.path()));
        lowbit::app::DownloadSettings settings;
        settings.hub.baseUrl = hub.baseUrl();
        settings.proxy.mode = lowbit::app::ProxyConfig::Mode::None;
        settings.freeSpaceMarginBytes = 0;
        s.app()->downloads()->setDownloadSettings(settings);

        // Downloads page: type the repository, list it, tick the GGUF file, download.
        QVERIFY(s.click(QStringLiteral("nav_downloads")));
        QCOMPARE(s.page(), QStringLiteral("downloads"));
        QTRY_VERIFY(s.visibleItem(QStringLiteral("catalog_bitnet-b1.58-2b-4t-gguf")) != nullptr);
        QVERIFY(s.typeInto(QStringLiteral("repoField"), kRepo));
        QVERIFY(s.click(QStringLiteral("listRepoButton")));
        const QString fileBox = QStringLiteral("repoFile_") + kFile;
        QTRY_VERIFY_WITH_TIMEOUT(s.visibleItem(fileBox) != nullptr, 10'000);
        QCOMPARE(s.app()->downloads()->repoFiles().size(), 2);
        QVERIFY(s.visibleItem(QStringLiteral("repoFile_README.md")) ==
                nullptr);  // only GGUF files are ticked
        QVERIFY(!s.visibleItem(QStringLiteral("downloadSelectedButton"))->isEnabled());
        QVERIFY(s.click(fileBox));
        QTRY_VERIFY(s.visibleItem(QStringLiteral("downloadSelectedButton"))->isEnabled());
        QVERIFY(s.click(QStringLiteral("downloadSelectedButton")));
        QTRY_COMPARE_WITH_TIMEOUT(s.app()->downloads()->count(), 1, 5'000);

        // The queue shows it; once done it is in the library and offers "Convert…".
        QTRY_VERIFY_WITH_TIMEOUT(s.app()->library()->count() == 1, 30'000);
        const QVariantMap row = s.app()->downloads()->get(0);
        QCOMPARE(row.value("downloadState").toString(), QStringLiteral("completed"));
        const QString downloaded = row.value("localPath").toString();
        QCOMPARE(QFileInfo(downloaded).size(), model.size());
        QVERIFY(downloaded.endsWith(kRepo + QLatin1Char('/') + kFile));
        const QJsonObject got = lineage(*s.app(), downloaded);
        QCOMPARE(got.value("kind").toString(), QStringLiteral("download"));
        QCOMPARE(got.value("repo").toString(), kRepo);
        QCOMPARE(got.value("sha256").toString(), FakeHub::sha256Hex(model));
        QTRY_VERIFY(s.visibleItem(QStringLiteral("download_") + kFile) != nullptr);
        QTRY_VERIFY(s.visibleItem(QStringLiteral("convertDownloadButton")) != nullptr);
        QVERIFY(s.click(QStringLiteral("convertDownloadButton")));

        // The wizard: the source is the download; targets TQ2_0 (preselected) and OneBit.
        QTRY_COMPARE(s.page(), QStringLiteral("convert"));
        ConvertWizard* w = s.app()->converter();
        QCOMPARE(w->sourcePath(), downloaded);
        QTRY_VERIFY(s.visibleItem(QStringLiteral("sourceDescription")) != nullptr);
        QVERIFY(
            s.visibleItem(QStringLiteral("sourceDescription"))->property("text").toString().contains("GGUF"));
        QVERIFY(s.click(QStringLiteral("wizardNext")));
        QTRY_VERIFY(s.visibleItem(QStringLiteral("target_onebit")) != nullptr);
        // Each target card shows what this source would become (planned, not converted): the
        // TQ2_0 card says the 2.06 bits/weight the finished conversion reports below.
        QTRY_VERIFY(s.visibleItem(QStringLiteral("estimate_tq2_0")) != nullptr);
        QTRY_VERIFY(!w->estimating());  // planned on a pool thread; "Estimating size…" meanwhile
        const QString tq2Estimate =
            s.visibleItem(QStringLiteral("estimate_tq2_0"))->property("text").toString();
        QCOMPARE(tq2Estimate, w->targetEstimates().value("tq2_0").toMap().value("text").toString());
        QVERIFY2(tq2Estimate.contains(QStringLiteral("2.06 bits/weight in converted layers")),
                 qPrintable(tq2Estimate));
        QVERIFY(s.visibleItem(QStringLiteral("estimate_onebit")) != nullptr);
        QVERIFY(s.click(QStringLiteral("target_onebit")));
        QTRY_COMPARE(w->targets(), (QStringList{QStringLiteral("tq2_0"), QStringLiteral("onebit")}));
        QVERIFY(s.click(QStringLiteral("wizardNext")));

        // Calibration: the bundled sample, windows of 64 tokens, 2 windows.
        QTRY_VERIFY(s.visibleItem(QStringLiteral("calibrationCtxField")) != nullptr);
        QCOMPARE(w->calibrationMode(), QStringLiteral("sample"));
        QVERIFY(s.typeInto(QStringLiteral("calibrationCtxField"), QStringLiteral("64")));
        QTest::keyClick(s.window(), Qt::Key_Return);
        QTRY_COMPARE(w->calibrationCtx(), 64);
        QVERIFY(s.typeInto(QStringLiteral("calibrationChunksField"), QStringLiteral("2")));
        QTest::keyClick(s.window(), Qt::Key_Return);
        QTRY_COMPARE(w->calibrationChunks(), 2);
        QVERIFY(s.click(QStringLiteral("wizardStart")));
        QTRY_VERIFY_WITH_TIMEOUT(w->running(), 5'000);
        QTRY_VERIFY(s.visibleItem(QStringLiteral("wizardCancel")) != nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(!w->running(), 50'000);
        QVERIFY(w->finished());

        // The summary shows both results with their figures.
        for (const QString& target : {QStringLiteral("tq2_0"), QStringLiteral("onebit")}) {
            QQuickItem* job = s.visibleItem(QStringLiteral("job_") + target);
            QVERIFY2(job, qPrintable(target));
            QQuickItem* bits = s.visibleItem(QStringLiteral("resultBits"), job);
            QVERIFY(bits);
            if (target == QLatin1String("tq2_0"))
                QCOMPARE(bits->property("value").toString(), QStringLiteral("2.06"));
            QQuickItem* ppl = s.visibleItem(QStringLiteral("resultPpl"), job);
            QVERIFY(ppl && ppl->property("value").toString().contains(QStringLiteral("→")));
            QQuickItem* warning = s.visibleItem(QStringLiteral("resultWarning"), job);
            QVERIFY(warning && !warning->property("text").toString().isEmpty());
        }

        // All three in the library, with figures; the results' lineage leads to the download.
        QCOMPARE(s.app()->library()->count(), 3);
        QVERIFY(s.click(QStringLiteral("wizardLibrary")));
        QTRY_COMPARE(s.page(), QStringLiteral("library"));
        QStringList names;
        for (int r = 0; r < 3; ++r) {
            const QVariantMap m = s.app()->library()->get(r);
            names << m.value("fileName").toString();
            QVERIFY(!m.value("bitsPerWeight").toString().isEmpty());
            QVERIFY(!m.value("params").toString().isEmpty());
            QTRY_VERIFY(s.items(QStringLiteral("modelCard_") + m.value("fileName").toString()).size() > 0);
        }
        QStringList expected{kFile, QStringLiteral("random-llama-spm-f16-onebit.gguf"),
                             QStringLiteral("random-llama-spm-f16-tq2_0.gguf")};
        names.sort();
        expected.sort();
        QCOMPARE(names, expected);
        for (int r = 0; r < 2; ++r) {
            const QString path = w->jobs()->get(r).value("outputPath").toString();
            const QJsonObject l = lineage(*s.app(), path);
            QCOMPARE(l.value("source").toObject().value("path").toString(), downloaded);
            QCOMPARE(l.value("source").toObject().value("repo").toString(), kRepo);
            QCOMPARE(l.value("target").toString(), w->jobs()->get(r).value("target").toString());
        }
    }

    // A gated repository through the Downloads page, as a person meets it: the download fails
    // with the licence/token message on its row; the token typed into the page's field and
    // "Try again" start it; quitting mid-download and starting the app again shows it paused
    // at the same bytes; the token is not kept (never saved), so resuming asks for it again,
    // and with it the download continues from the partial file (a Range request) and the
    // model enters the library.
    void gatedDownloadTokenAndRestart() {
        FakeHub hub;
        QVERIFY(hub.start());
        const QString repo = QStringLiteral("lowbit-test/gated-llama-gguf");
        const QString token = QStringLiteral("hf_lowbitTestToken42");
        const QByteArray model =
            QByteArray::fromStdString(lowbit::test::read_file(lowbit::test::model_path(kFile)));
        hub.addFile(repo, kFile, model, true);
        hub.setGated(repo, token);
        hub.chunkBytes = 16384;  // slow enough to quit in the middle
        hub.chunkIntervalMs = 20;
        QTemporaryDir dir;
        lowbit::app::DownloadSettings settings;
        settings.hub.baseUrl = hub.baseUrl();
        settings.proxy.mode = lowbit::app::ProxyConfig::Mode::None;
        settings.freeSpaceMarginBytes = 0;
        const QString row = QStringLiteral("download_") + kFile;
        auto rowText = [](lowbit::test::StudioHarness& s, const QString& name) {
            QQuickItem* r = s.visibleItem(QStringLiteral("download_") + kFile);
            QQuickItem* t = r ? s.visibleItem(name, r) : nullptr;
            return t ? t->property("text").toString() : QString();
        };
        auto enterToken = [&](lowbit::test::StudioHarness& s) {
            if (!s.typeInto(QStringLiteral("tokenField"), token)) return false;
            QTest::keyClick(s.window(), Qt::Key_Return);  // editingFinished hands it to the service
            return true;
        };
        qint64 partBytes = 0;
        {
            lowbit::test::StudioHarness s;
            QVERIFY(startStudio(s, dir.path()));
            s.app()->downloads()->setDownloadSettings(settings);
            QVERIFY(s.click(QStringLiteral("nav_downloads")));
            QVERIFY(s.typeInto(QStringLiteral("repoField"), repo));
            QVERIFY(s.click(QStringLiteral("listRepoButton")));  // listing needs no token
            QTRY_VERIFY_WITH_TIMEOUT(s.visibleItem(QStringLiteral("repoFile_") + kFile) != nullptr, 10'000);
            QVERIFY(s.click(QStringLiteral("repoFile_") + kFile));
            QTRY_VERIFY(s.visibleItem(QStringLiteral("downloadSelectedButton"))->isEnabled());
            QVERIFY(s.click(QStringLiteral("downloadSelectedButton")));

            // No token: the row fails and says what to do, in words.
            QTRY_COMPARE_WITH_TIMEOUT(s.app()->downloads()->get(0).value("downloadState").toString(),
                                      QStringLiteral("failed"), 10'000);
            QTRY_VERIFY(!rowText(s, QStringLiteral("downloadError")).isEmpty());
            const QString refused = rowText(s, QStringLiteral("downloadError"));
            QVERIFY2(
                refused.contains(QStringLiteral("gated")) && refused.contains(QStringLiteral("access token")),
                qPrintable(refused));
            QVERIFY(!QFile::exists(s.app()->downloads()->get(0).value("localPath").toString()));

            // The token, then "Try again": it downloads; quit half way.
            QVERIFY(enterToken(s));
            QVERIFY(s.click(QStringLiteral("resumeDownload")));
            QTRY_VERIFY_WITH_TIMEOUT(s.app()->downloads()->get(0).value("received").toLongLong() > 200'000,
                                     10'000);
            QVERIFY(s.app()->downloads()->get(0).value("received").toLongLong() < model.size());
            QVERIFY(rowText(s, QStringLiteral("downloadError")).isEmpty());
        }  // the app quits mid-download
        // The token went to the Hub with the request that the Hub redirected to its CDN.
        QVERIFY(hub.requestsFor("/resolve/").last().header("authorization").endsWith(token.toUtf8()));

        hub.chunkBytes = 0;
        lowbit::test::StudioHarness s;
        QVERIFY(startStudio(s, dir.path()));
        s.app()->downloads()->setDownloadSettings(settings);
        QVERIFY(s.click(QStringLiteral("nav_downloads")));
        QTRY_VERIFY(s.visibleItem(row) != nullptr);
        QVariantMap restored = s.app()->downloads()->get(0);
        QCOMPARE(restored.value("downloadState").toString(), QStringLiteral("paused"));
        partBytes = restored.value("received").toLongLong();
        QVERIFY(partBytes > 200'000 && partBytes < model.size());
        QVERIFY(rowText(s, QStringLiteral("downloadStatus")).contains(QStringLiteral("Paused")));
        QCOMPARE(s.app()->library()->count(), 0);

        // Resume without the token (it was never saved): refused again, the partial file kept.
        QVERIFY(s.click(QStringLiteral("resumeDownload")));
        QTRY_COMPARE_WITH_TIMEOUT(s.app()->downloads()->get(0).value("downloadState").toString(),
                                  QStringLiteral("failed"), 10'000);
        QTRY_VERIFY(rowText(s, QStringLiteral("downloadError")).contains(QStringLiteral("access token")));
        QCOMPARE(s.app()->downloads()->get(0).value("received").toLongLong(), partBytes);

        // With the token it continues from the partial file and completes, checksum verified.
        QVERIFY(enterToken(s));
        QVERIFY(s.click(QStringLiteral("resumeDownload")));
        QTRY_COMPARE_WITH_TIMEOUT(s.app()->downloads()->get(0).value("downloadState").toString(),
                                  QStringLiteral("completed"), 20'000);
        QCOMPARE(hub.cdnRequests().last().header("range"), "bytes=" + QByteArray::number(partBytes) + "-");
        const QString path = s.app()->downloads()->get(0).value("localPath").toString();
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), model);
        QTRY_COMPARE_WITH_TIMEOUT(s.app()->library()->count(), 1, 10'000);
        QCOMPARE(lineage(*s.app(), path).value("sha256").toString(), FakeHub::sha256Hex(model));
    }

    // A Hugging Face folder imported on the library page opens the conversion wizard on it.
    void libraryImportOfSafetensorsOpensTheWizard() {
        QTemporaryDir dir;
        const QString hf = dir.filePath(QStringLiteral("tiny-hf"));
        QVERIFY(QDir().mkpath(hf));
        for (const auto& [name, bytes] :
             {std::pair{QStringLiteral("config.json"),
                        QByteArray(R"({"architectures": ["LlamaForCausalLM"]})")},
              std::pair{QStringLiteral("tokenizer.json"), QByteArray(R"({"model": {"type": "BPE"}})")},
              std::pair{QStringLiteral("model.safetensors"), QByteArray(4096, 'w')}}) {
            QFile f(hf + QLatin1Char('/') + name);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
        }
        lowbit::test::StudioHarness s;
        QVERIFY(startStudio(s, dir.filePath(QStringLiteral("data"))));
        QVERIFY(s.click(QStringLiteral("nav_library")));
        QCOMPARE(s.page(), QStringLiteral("library"));
        s.app()->library()->importPath(hf);  // what the file dialog and drag-and-drop hand over
        QTRY_COMPARE(s.page(), QStringLiteral("convert"));
        QCOMPARE(s.app()->converter()->sourcePath(), QDir(hf).absolutePath());
        QCOMPARE(s.app()->converter()->sourceKind(), QStringLiteral("folder"));
        QTRY_VERIFY(s.visibleItem(QStringLiteral("sourceDescription")) != nullptr);
        QVERIFY(s.visibleItem(QStringLiteral("sourceDescription"))
                    ->property("text")
                    .toString()
                    .contains(QStringLiteral("Hugging Face model folder")));
        QCOMPARE(s.app()->library()->count(), 0);
    }

    // The page's view model on its own: a refused listing in words, and a safetensors model
    // folder downloaded as a whole and offered to the wizard as a folder source.
    void listErrorAndModelFolder() {
        FakeHub hub;
        QVERIFY(hub.start());
        const QString repo = QStringLiteral("lowbit-test/tiny-hf");
        hub.addFile(repo, QStringLiteral("config.json"), R"({"architectures": ["LlamaForCausalLM"]})", false);
        hub.addFile(repo, QStringLiteral("tokenizer.json"), R"({"model": {"type": "BPE"}})", false);
        hub.addFile(repo, QStringLiteral("model.safetensors"), QByteArray(4096, 'w'), true);
        hub.addFile(repo, QStringLiteral("README.md"), "# not part of the model\n", false);
        QTemporaryDir dir;
        StudioOptions o;
        o.dataDir = dir.path();
        o.autoLoadModel = false;
        StudioController app(o);
        DownloadCenter* d = app.downloads();
        lowbit::app::DownloadSettings settings;
        settings.hub.baseUrl = hub.baseUrl();
        settings.proxy.mode = lowbit::app::ProxyConfig::Mode::None;
        settings.freeSpaceMarginBytes = 0;
        d->setDownloadSettings(settings);

        d->listRepo(QStringLiteral("nobody/missing-repo"));
        QVERIFY(d->listing());
        QTRY_VERIFY_WITH_TIMEOUT(!d->listing(), 10'000);
        QVERIFY(!d->listError().isEmpty());
        QVERIFY(d->repoFiles().isEmpty());

        d->listRepo(QStringLiteral("https://huggingface.co/") + repo);  // a pasted Hub URL works too
        QTRY_VERIFY_WITH_TIMEOUT(!d->listing(), 10'000);
        QCOMPARE(d->listedRepo(), repo);
        QVERIFY(d->listError().isEmpty());
        QCOMPARE(d->repoFiles().size(), 4);
        QVERIFY(d->repoHasFolder());
        QCOMPARE(d->downloadFolder(), 3);  // config, tokenizer, weights; not the README
        QTRY_VERIFY_WITH_TIMEOUT(d->manager().isIdle(), 20'000);
        QString folder;
        for (int r = 0; r < d->count(); ++r) {
            const QVariantMap row = d->get(r);
            QCOMPARE(row.value("downloadState").toString(), QStringLiteral("completed"));
            QVERIFY(!row.value("isGguf").toBool());
            folder = row.value("convertSource").toString();
            QVERIFY(!folder.isEmpty());
        }
        QVERIFY(folder.endsWith(repo));
        QCOMPARE(app.library()->count(), 0);  // a folder is not a library model
        app.converter()->setSourcePath(folder);
        QCOMPARE(app.converter()->sourceKind(), QStringLiteral("folder"));
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QQuickStyle::setStyle(QStringLiteral("Basic"));
    TestWizardUi test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "test_wizard_ui.moc"
