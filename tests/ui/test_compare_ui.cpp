// The comparison page in the real window, offscreen, with the real engine: two synthetic
// variants of one model are picked with the page's buttons, the run is started from the page,
// and afterwards the perplexity chart has a series per model with a point per window, the
// table shows every model's perplexity and quality, the resource bars are there, the run is
// listed as saved, and the charts export as a PNG image. The prompt temperature is editable, and
// "Compare with…" on an earlier saved run fills the run-against-run table.
#include <QApplication>
#include <QImage>
#include <QQuickItem>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>
#include <algorithm>

#include "storage/compare_run_store.h"
#include "studio_controller.h"
#include "studio_harness.h"
#include "test_data.h"

Q_IMPORT_QML_PLUGIN(LowbitStudioPlugin)

using namespace lowbit::ui;

namespace {

// One app instance on `dataDir`: no model loads by itself and the models folder is not
// scanned, so the library holds exactly what the test imports.
bool startStudio(lowbit::test::StudioHarness& s, const QString& dataDir) {
    StudioOptions o;
    o.dataDir = dataDir;
    o.autoLoadModel = false;
    o.scanModelsFolder = false;
    return s.start(o, {1360, 900}, /*waitActive=*/false);
}

}  // namespace

class TestCompareUi : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        if (!lowbit::app::createLowbitEngine())
            QFAIL("this build has no lowbit engine: the tests need it (configure with the core engine)");
    }

    void runsAComparisonFromThePage() {
        QTemporaryDir dir;
        lowbit::test::StudioHarness s;
        QVERIFY(startStudio(s, dir.path()));
        s.app()->library()->importUrls(
            {QString::fromStdString(lowbit::test::model_path("random-llama-spm-f16.gguf")),
             QString::fromStdString(lowbit::test::model_path("random-llama-spm-TQ2_0-f16emb.gguf"))});
        QTRY_COMPARE_WITH_TIMEOUT(s.app()->library()->count(), 2, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(s.app()->library()->busy(), 0, 20000);

        QVERIFY(s.click(QStringLiteral("nav_compare")));
        QCOMPARE(s.page(), QStringLiteral("compare"));
        CompareViewModel* vm = s.app()->compare();
        // "Add model" twice picks the two library models.
        QVERIFY(s.click(QStringLiteral("addPickButton")));
        QTRY_COMPARE(vm->picks().size(), 1);
        QVERIFY(s.click(QStringLiteral("addPickButton")));
        QTRY_COMPARE(vm->picks().size(), 2);
        QVERIFY(vm->picks()[0].toMap().value("modelId") != vm->picks()[1].toMap().value("modelId"));
        QVERIFY(s.visibleItem(QStringLiteral("pickModel_1")));
        QVERIFY(s.visibleItem(QStringLiteral("pickDevice_1")));

        // The bundled sample, short windows so the test stays quick.
        QCOMPARE(vm->textSource(), QStringLiteral("sample"));
        vm->setWindowSize(64);
        vm->setMaxWindows(2);
        vm->setBenchPrompt(16);
        vm->setBenchGen(8);
        QVERIFY(s.click(QStringLiteral("runCompareButton")));
        QTRY_VERIFY(vm->running());
        QTRY_VERIFY(s.visibleItem(QStringLiteral("cancelCompareButton")));
        QTRY_VERIFY_WITH_TIMEOUT(!vm->running(), 50000);
        QVERIFY2(vm->error().isEmpty(), qPrintable(vm->error()));

        // Chart: a series per model, a point per window.
        QQuickItem* chart = s.visibleItem(QStringLiteral("pplChart"));
        QVERIFY(chart);
        QTRY_COMPARE(chart->property("pointCount").toInt(), 4);
        QVERIFY(chart->property("count").toInt() >= 2);

        // Table: every model's perplexity shown, the second with its quality against the first.
        for (int i = 0; i < 2; ++i) {
            QQuickItem* row = s.visibleItem(QStringLiteral("resultRow_%1").arg(i));
            QVERIFY(row);
            const QString shown = row->property("pplShown").toString();
            QVERIFY2(shown.toDouble() > 1, qPrintable(shown));
            QCOMPARE(shown, vm->results()[i].toMap().value("pplText").toString());
        }
        QVERIFY(vm->results()[1].toMap().value("quality").toDouble() > 0);

        // Saved, and listed on the page.
        QCOMPARE(lowbit::app::CompareRunStore(s.app()->storage().database()).listRuns().size(), 1);
        QTRY_VERIFY(s.visibleItem(QStringLiteral("savedRun_0")));

        // Prompt panel: the same prompt through both models, a streaming column each.
        vm->prompt()->setMaxTokens(8);
        QVERIFY(s.click(QStringLiteral("runPromptButton")));
        QTRY_VERIFY(vm->prompt()->running());
        QTRY_VERIFY_WITH_TIMEOUT(!vm->prompt()->running(), 30000);
        QStringList promptTexts;
        for (int i = 0; i < 2; ++i) {
            QQuickItem* col = s.visibleItem(QStringLiteral("promptColumn_%1").arg(i));
            QVERIFY(col);
            QVERIFY(!col->property("shownText").toString().isEmpty());
            promptTexts << col->property("shownText").toString();
        }
        // Saved: a note in the panel, a row under "Saved prompts"; "Open" on it brings back the
        // prompt and the columns after they changed.
        const qint64 promptRun = vm->prompt()->savedRunId();
        QVERIFY(promptRun > 0);
        QTRY_VERIFY(s.visibleItem(QStringLiteral("promptSavedNote")));
        QVERIFY(s.visibleItem(QStringLiteral("promptSavedNote"))
                    ->property("text")
                    .toString()
                    .contains(QStringLiteral("#%1").arg(promptRun)));
        QTRY_VERIFY(s.visibleItem(QStringLiteral("savedPrompt_0")));
        const QString savedPrompt = vm->prompt()->prompt();
        QVERIFY(s.typeInto(QStringLiteral("promptField"), QStringLiteral("Something else")));
        QCOMPARE(vm->prompt()->prompt(), QStringLiteral("Something else"));
        QVERIFY(s.click(QStringLiteral("openPrompt_0")));
        QTRY_COMPARE(s.visibleItem(QStringLiteral("promptField"))->property("text").toString(), savedPrompt);
        for (int i = 0; i < 2; ++i)
            QCOMPARE(
                s.visibleItem(QStringLiteral("promptColumn_%1").arg(i))->property("shownText").toString(),
                promptTexts[i]);

        // The temperature is editable like max tokens and seed.
        QQuickItem* temperature = s.visibleItem(QStringLiteral("promptTemperature"));
        QVERIFY(temperature);
        QCOMPARE(temperature->property("text").toString(), QStringLiteral("0.80"));
        temperature->setProperty("text", QStringLiteral("0.3"));
        QVERIFY(QMetaObject::invokeMethod(temperature, "editingFinished"));
        QCOMPARE(vm->prompt()->temperature(), 0.3);
        QCOMPARE(temperature->property("text").toString(), QStringLiteral("0.30"));

        // A second run with other windows, then "Compare with…" on the first in the saved list
        // fills the comparison table: the shared models matched, both runs' figures.
        const qint64 firstRun = vm->runId();
        vm->setWindowSize(32);
        QVERIFY(vm->start());
        QTRY_VERIFY_WITH_TIMEOUT(!vm->running(), 50000);
        QVERIFY2(vm->error().isEmpty(), qPrintable(vm->error()));
        QVERIFY(vm->runId() != firstRun);
        QTRY_VERIFY(s.visibleItem(QStringLiteral("savedRun_1")));  // newest first: the first run
        QVERIFY(!s.visibleItem(QStringLiteral("runComparison")));
        QVERIFY(s.scrollIntoView(QStringLiteral("compareRun_1")));
        QVERIFY(s.click(QStringLiteral("compareRun_1")));
        QTRY_COMPARE(vm->otherRunId(), firstRun);
        QTRY_VERIFY(s.visibleItem(QStringLiteral("runComparison")));
        QCOMPARE(vm->comparison().size(), 2);
        for (int i = 0; i < 2; ++i) {
            const QVariantMap row = vm->comparison()[i].toMap();
            QCOMPARE(row.value("presence").toString(), QStringLiteral("both"));
            QCOMPARE(row.value("current").toMap().value("ppl").toDouble(),
                     vm->results()[i].toMap().value("ppl").toDouble());
            QVERIFY(row.value("other").toMap().value("ppl").toDouble() > 0);
            QVERIFY(!row.value("pplChange").toString().isEmpty());
            QVERIFY(s.visibleItem(QStringLiteral("runComparisonRow_%1").arg(i)));
        }
        // The chart overlays the earlier run's lines (dashed): its two windows per model.
        QTRY_COMPARE(chart->property("overlayPointCount").toInt(), 4);
        QCOMPARE(chart->property("pointCount").toInt(),
                 2 * vm->results()[0].toMap().value("running").toList().size());
        QVERIFY(s.visibleItem(QStringLiteral("pplOverlayNote")));
        vm->clearComparison();
        QTRY_COMPARE(chart->property("overlayPointCount").toInt(), 0);
        QVERIFY(!s.visibleItem(QStringLiteral("pplOverlayNote")));
        QVERIFY(vm->compareWith(firstRun));

        // The charts as PNG (what the "Charts as PNG" button saves).
        QQuickItem* page = s.visibleItem(QStringLiteral("comparePage"));
        QVERIFY(page);
        const QString png = dir.filePath(QStringLiteral("charts.png"));
        QVERIFY(QMetaObject::invokeMethod(page, "saveChartsPng", Q_ARG(QVariant, png)));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(png), 10000);
        QImage image;
        QTRY_VERIFY(image.load(png));
        QVERIFY(image.width() > 400 && image.height() > 200);
    }
};

QTEST_MAIN(TestCompareUi)
#include "test_compare_ui.moc"
