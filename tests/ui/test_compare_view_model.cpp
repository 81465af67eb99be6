// The comparison view's view model with the real engine on two synthetic variants of one model
// (F16 and TQ2_0): perplexities equal separate lowbit::perplexity runs on the same settings, the
// running series fill window by window while the run goes, the ternary weights are smaller, the
// run is saved and reopens after a restart with the same figures, CSV/JSON exports hold them,
// and a cancelled run saves nothing. Two runs with different windows compare model by model with
// both runs' figures as saved; one model on the Vulkan device (lavapipe in CI) and the same model
// on the CPU agree on perplexity, and the Vulkan one reports its device memory.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <memory>

#include "compare_report.h"
#include "lowbit/model.h"
#include "lowbit/perplexity.h"
#include "lowbit/runner.h"
#include "lowbit/session.h"
#include "storage/compare_run_store.h"
#include "studio_controller.h"
#include "test_data.h"
#include "vk_test_util.h"

using namespace lowbit::ui;

namespace {

constexpr int kWindow = 64;
constexpr int kWindows = 3;

QString modelFile(const char* name) {
    return QString::fromStdString(
        lowbit::test::model_path(QString::fromLatin1(name) + QStringLiteral(".gguf")));
}

std::unique_ptr<StudioController> makeStudio(const QString& dir) {
    StudioOptions o;
    o.dataDir = dir;
    o.autoLoadModel = false;
    o.scanModelsFolder = false;
    return std::make_unique<StudioController>(o);
}

// A studio on `dir` whose library holds `paths`, imported and measured (null on a timeout).
std::unique_ptr<StudioController> makeStudioWith(const QString& dir, const QStringList& paths) {
    auto app = makeStudio(dir);
    QVariantList urls;
    for (const QString& p : paths) urls << p;
    app->library()->importUrls(urls);
    const bool ready = QTest::qWaitFor(
        [&] { return app->library()->count() == paths.size() && app->library()->busy() == 0; }, 20000);
    return ready ? std::move(app) : nullptr;
}

qint64 idOf(StudioController& app, const QString& path) {
    const auto m = app.storage().models().modelByPath(path);
    return m ? m->id : 0;
}

// The same measurement done directly by the engine, as `lowbit perplexity -c 64 --chunks 3` does.
double directPerplexity(const QString& path, const QString& text) {
    auto model = lowbit::Model::load(path.toStdString());
    lowbit::RunnerOptions ro;
    ro.n_ctx = kWindow;
    auto runner = lowbit::create_runner(*model, ro);
    lowbit::PerplexityOptions po;
    po.n_ctx = kWindow;
    po.max_chunks = kWindows;
    return lowbit::perplexity_text(*runner, text.toStdString(), po).ppl;
}

// Splits one CSV line, honouring quoted fields (device names hold commas).
QStringList csvFields(const QString& line) {
    QStringList out;
    QString field;
    bool quoted = false;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out << field;
            field.clear();
        } else {
            field += c;
        }
    }
    out << field;
    return out;
}

void configure(CompareViewModel* vm, const QString& text) {
    vm->setTextSource(QStringLiteral("pasted"));
    vm->setPastedText(text);
    vm->setWindowSize(kWindow);
    vm->setMaxWindows(kWindows);
    vm->setMeasureSpeed(true);
    vm->setBenchPrompt(16);
    vm->setBenchGen(8);
}

// Runs the view's comparison on `picks` (model id, device) with `window` tokens per window and
// waits for it; returns the saved run's id (0 on failure, with the test failed).
qint64 runAndWait(CompareViewModel* vm, const QList<QPair<qint64, QString>>& picks, int window, int windows,
                  bool speed = true) {
    vm->clearPicks();
    for (const auto& p : picks)
        if (!vm->addPick(p.first, p.second)) return 0;
    configure(vm, CompareViewModel::sampleText());
    vm->setWindowSize(window);
    vm->setMaxWindows(windows);
    vm->setMeasureSpeed(speed);
    QSignalSpy saved(vm, &CompareViewModel::runSaved);
    if (!vm->start()) return 0;
    if (!saved.wait(90000) && saved.isEmpty()) return 0;
    return saved.first().first().toLongLong();
}

// A saved run's figures as the database holds them.
std::vector<lowbit::ModelMeasurement> savedFigures(StudioController& app, qint64 id) {
    const auto r = lowbit::app::CompareRunStore(app.storage().database()).run(id);
    return r ? compare::fromJson(QJsonDocument::fromJson(r->results.toUtf8()).array())
             : std::vector<lowbit::ModelMeasurement>{};
}

// Checks one side of a comparison row against the saved figures, exactly.
// The chart's line: the running perplexity after each window, as saved.
bool sameRunning(const QVariantList& shown, const std::vector<double>& saved) {
    if (shown.size() != qsizetype(saved.size())) return false;
    for (size_t i = 0; i < saved.size(); ++i)
        if (shown[qsizetype(i)].toDouble() != saved[i]) return false;
    return true;
}

bool sameFigures(const QVariantMap& side, const lowbit::ModelMeasurement& m) {
    return side.value("ppl").toDouble() == m.ppl && side.value("prefillTps").toDouble() == m.prefill_tps &&
           side.value("decodeTps").toDouble() == m.decode_tps &&
           side.value("weightBytes").toDouble() == double(m.weight_bytes) &&
           side.value("peakRssBytes").toDouble() == double(m.peak_rss_bytes) &&
           side.value("device").toString() == QString::fromStdString(m.device) &&
           sameRunning(side.value("running").toList(), m.running_ppl);
}

}  // namespace

class TestCompareViewModel : public QObject {
    Q_OBJECT

    QString f16_, tq2_;

  private slots:
    void initTestCase() {
        f16_ = modelFile("random-llama-spm-f16");
        tq2_ = modelFile("random-llama-spm-TQ2_0-f16emb");
        QVERIFY(!CompareViewModel::sampleText().isEmpty());
    }

    void measuresSavesReopensExports() {
        QTemporaryDir dir;
        const QString text = CompareViewModel::sampleText();
        qint64 runId = 0;
        std::vector<double> ppl;
        QString csv;
        {
            auto app = makeStudioWith(dir.path(), {f16_, tq2_});
            QVERIFY(app);
            CompareViewModel* vm = app->compare();
            QVERIFY(!vm->canStart());
            QVERIFY(!vm->start());  // fewer than 2 models: refused with a reason
            QVERIFY(!vm->error().isEmpty());
            QVERIFY(vm->addPick(idOf(*app, f16_)));
            QVERIFY(vm->addPick(idOf(*app, tq2_)));
            QVERIFY(vm->sharedDevice());  // both on the CPU: they take turns
            configure(vm, text);

            // While the run goes, the running series grows window by window.
            int liveWindowsSeen = 0;
            connect(vm, &CompareViewModel::resultsChanged, this, [&] {
                if (!vm->running()) return;
                for (const QVariant& r : vm->results())
                    liveWindowsSeen =
                        std::max(liveWindowsSeen, int(r.toMap().value("running").toList().size()));
            });
            QSignalSpy saved(vm, &CompareViewModel::runSaved);
            QVERIFY(vm->start());
            QVERIFY(vm->running());
            QVERIFY(!vm->start());  // one run at a time
            QTRY_VERIFY_WITH_TIMEOUT(!vm->running(), 50000);
            QVERIFY2(vm->error().isEmpty(), qPrintable(vm->error()));
            QCOMPARE(saved.count(), 1);
            QVERIFY(liveWindowsSeen >= 1);

            const QVariantList results = vm->results();
            QCOMPARE(results.size(), 2);
            for (int i = 0; i < 2; ++i) {
                const QVariantMap r = results[i].toMap();
                const QVariantList running = r.value("running").toList();
                QCOMPARE(running.size(), kWindows);
                QCOMPARE(running.last().toDouble(), r.value("ppl").toDouble());
                ppl.push_back(r.value("ppl").toDouble());
                QVERIFY(r.value("error").toString().isEmpty());
            }
            // The same figures as the engine's perplexity on the same settings.
            QCOMPARE(ppl[0], directPerplexity(f16_, text));
            QCOMPARE(ppl[1], directPerplexity(tq2_, text));
            QVERIFY(ppl[0] != ppl[1]);

            // The F16 model is the baseline; the ternary one's quality is baseline/ppl.
            QCOMPARE(vm->baseline(), 0);
            QVERIFY(results[0].toMap().value("baseline").toBool());
            QCOMPARE(results[1].toMap().value("quality").toDouble(), ppl[0] / ppl[1]);
            QVERIFY(
                results[1].toMap().value("qualityText").toString().endsWith(QStringLiteral("% of baseline")));
            const double w16 = results[0].toMap().value("weightBytes").toDouble();
            const double wt = results[1].toMap().value("weightBytes").toDouble();
            // (This synthetic model is mostly its F16 embedding and output, which TQ2_0-f16emb keeps.)
            QVERIFY2(wt > 0 && wt < w16, qPrintable(QStringLiteral("%1 vs %2").arg(wt).arg(w16)));

            // Resource bars: weight memory normalized to the baseline, speeds measured.
            const QVariantList metrics = vm->metrics();
            QVariantMap weights, decode;
            for (const QVariant& m : metrics) {
                if (m.toMap().value("key") == QStringLiteral("weight_bytes")) weights = m.toMap();
                if (m.toMap().value("key") == QStringLiteral("decode_tps")) decode = m.toMap();
            }
            QVERIFY(!weights.isEmpty() && !decode.isEmpty());
            const QVariantMap tqBar = weights.value("bars").toList()[1].toMap();
            QCOMPARE(tqBar.value("ratio").toDouble(), wt / w16);
            QVERIFY(tqBar.value("ratioText").toString().endsWith(QStringLiteral("smaller")));
            QVERIFY(decode.value("bars").toList()[0].toMap().value("value").toDouble() > 0);

            runId = vm->runId();
            QVERIFY(runId > 0);
            QCOMPARE(vm->runs().size(), 1);

            // CSV: a header and a row per model with the figures.
            csv = vm->csvText();
            const QStringList lines = csv.trimmed().split('\n');
            QCOMPARE(lines.size(), 3);
            const QStringList header = lines[0].split(',');
            const int pplCol = int(header.indexOf("ppl"));
            const int qCol = int(header.indexOf("quality_vs_baseline"));
            const int wCol = int(header.indexOf("weight_bytes"));
            QVERIFY(pplCol >= 0 && qCol >= 0 && wCol >= 0);
            for (int i = 0; i < 2; ++i) {
                const QStringList f = csvFields(lines[i + 1]);
                QCOMPARE(f.size(), header.size());
                QVERIFY(std::fabs(f[pplCol].toDouble() / ppl[size_t(i)] - 1) < 1e-9);
                QCOMPARE(f[wCol].toDouble(), i == 0 ? w16 : wt);
            }
            QVERIFY(std::fabs(csvFields(lines[2])[qCol].toDouble() - ppl[0] / ppl[1]) < 1e-5);
            QCOMPARE(csvFields(lines[1])[int(header.indexOf("model"))],
                     results[0].toMap().value("name").toString());
            const QString csvPath = dir.filePath("out.csv");
            QVERIFY(vm->exportCsv(QUrl::fromLocalFile(csvPath).toString()));
            QFile cf(csvPath);
            QVERIFY(cf.open(QIODevice::ReadOnly));
            QCOMPARE(QString::fromUtf8(cf.readAll()), csv);

            // JSON: settings, machine and the models with their ratios.
            const QString jsonPath = dir.filePath("out.json");
            QVERIFY(vm->exportJson(jsonPath));
            QFile jf(jsonPath);
            QVERIFY(jf.open(QIODevice::ReadOnly));
            const QJsonObject j = QJsonDocument::fromJson(jf.readAll()).object();
            QCOMPARE(j["baseline"].toInt(), 0);
            QCOMPARE(j["settings"].toObject()["n_ctx"].toInt(), kWindow);
            QCOMPARE(j["settings"].toObject()["max_windows"].toInt(), kWindows);
            QVERIFY(!j["machine"].toObject()["cpu"].toString().isEmpty());
            const QJsonArray models = j["models"].toArray();
            QCOMPARE(models.size(), 2);
            QCOMPARE(models[0].toObject()["ppl"].toDouble(), ppl[0]);
            QCOMPARE(models[1].toObject()["path"].toString(), tq2_);
            QCOMPARE(models[1].toObject()["running_ppl"].toArray().size(), kWindows);
            QCOMPARE(models[1].toObject()["quality_vs_baseline"].toDouble(), ppl[0] / ppl[1]);
            QCOMPARE(models[1].toObject()["weight_bytes_ratio_to_baseline"].toDouble(), wt / w16);
        }

        // After a restart: listed, and reopening shows the same figures.
        auto app = makeStudio(dir.path());
        CompareViewModel* vm = app->compare();
        QCOMPARE(vm->runs().size(), 1);
        QCOMPARE(vm->runs()[0].toMap().value("id").toLongLong(), runId);
        QVERIFY(vm->results().isEmpty());
        QVERIFY(vm->openRun(runId));
        QCOMPARE(vm->runId(), runId);
        const QVariantList results = vm->results();
        QCOMPARE(results.size(), 2);
        QCOMPARE(results[0].toMap().value("ppl").toDouble(), ppl[0]);
        QCOMPARE(results[1].toMap().value("ppl").toDouble(), ppl[1]);
        QCOMPARE(results[1].toMap().value("running").toList().size(), kWindows);
        QCOMPARE(vm->csvText(), csv);
        QCOMPARE(vm->picks().size(), 2);  // ready to run again
        vm->deleteRun(runId);
        QVERIFY(vm->runs().isEmpty());
        QVERIFY(vm->results().isEmpty());
    }

    void cancelSavesNothing() {
        QTemporaryDir dir;
        auto app = makeStudioWith(dir.path(), {f16_, tq2_});
        QVERIFY(app);
        CompareViewModel* vm = app->compare();
        QVERIFY(vm->addPick(idOf(*app, f16_)));
        QVERIFY(vm->addPick(idOf(*app, tq2_)));
        configure(vm, CompareViewModel::sampleText());
        vm->setMaxWindows(50);  // long enough to be cancelled mid-way

        QSignalSpy cancelled(vm, &CompareViewModel::runCancelled);
        QSignalSpy saved(vm, &CompareViewModel::runSaved);
        QVERIFY(vm->start());
        // Cancel once the first window is in.
        QTRY_VERIFY_WITH_TIMEOUT(
            !vm->results().isEmpty() && !vm->results()[0].toMap().value("running").toList().isEmpty(), 30000);
        vm->cancel();
        QTRY_VERIFY_WITH_TIMEOUT(!vm->running(), 30000);
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(saved.count(), 0);
        QVERIFY(vm->results().isEmpty());
        QCOMPARE(vm->runId(), 0);
        QVERIFY(vm->runs().isEmpty());
        QVERIFY(lowbit::app::CompareRunStore(app->storage().database()).listRuns().isEmpty());
        QVERIFY(!vm->exportCsv(dir.filePath("nothing.csv")));
        QVERIFY(!QFile::exists(dir.filePath("nothing.csv")));

        // The view model can run again after a cancel.
        vm->setMaxWindows(1);
        vm->setMeasureSpeed(false);
        QVERIFY(vm->start());
        QTRY_VERIFY_WITH_TIMEOUT(!vm->running(), 30000);
        QCOMPARE(saved.count(), 1);
        QCOMPARE(vm->runs().size(), 1);
    }

    // The prompt panel: each model's column equals a direct Session run with the same prompt,
    // seed and sampling, and a second run gives the same texts.
    void promptPanelSameSeedSameText() {
        QTemporaryDir dir;
        auto app = makeStudioWith(dir.path(), {f16_, tq2_});
        QVERIFY(app);
        CompareViewModel* vm = app->compare();
        QVERIFY(vm->addPick(idOf(*app, f16_)));
        QVERIFY(vm->addPick(idOf(*app, tq2_)));
        PromptRace* race = vm->prompt();
        race->setPrompt(QStringLiteral("Once upon a time"));
        race->setMaxTokens(12);
        race->setSeed(7);
        race->setTemperature(0.8);

        QStringList first;
        for (int round = 0; round < 2; ++round) {
            QVERIFY(vm->startPrompt());
            QVERIFY(race->running());
            QVERIFY(!vm->start());  // one measurement at a time
            QTRY_VERIFY_WITH_TIMEOUT(!race->running(), 30000);
            const QVariantList cols = race->columns();
            QCOMPARE(cols.size(), 2);
            QStringList texts;
            for (const QVariant& c : cols) {
                const QVariantMap m = c.toMap();
                QCOMPARE(m.value("state").toString(), QStringLiteral("done"));
                QVERIFY(m.value("tokens").toInt() > 0);
                QVERIFY(m.value("decodeTps").toDouble() > 0);
                QVERIFY(m.value("prefillTps").toDouble() > 0);
                texts << m.value("text").toString();
            }
            if (round == 0)
                first = texts;
            else
                QCOMPARE(texts, first);
        }
        const QStringList paths = {f16_, tq2_};
        for (int i = 0; i < 2; ++i) {
            auto model = lowbit::Model::load(paths[i].toStdString());
            lowbit::RunnerOptions ro;
            ro.n_ctx = 512;
            auto runner = lowbit::create_runner(*model, ro);
            lowbit::Session session(*runner);
            lowbit::GenerateParams gp;
            gp.max_tokens = 12;
            gp.sampling.seed = 7;
            gp.sampling.temperature = 0.8f;
            std::string text;
            session.generate("Once upon a time", gp, [&](const std::string& piece, int32_t) {
                text += piece;
                return true;
            });
            QCOMPARE(first[i], QString::fromStdString(text));
        }
    }

    // Prompt runs are saved when they finish: listed apart from the perplexity runs, reopened
    // after a restart with the same prompt, settings, texts and speeds (and the models picked
    // again), never confused with a perplexity run; a stopped race saves nothing.
    void promptRunsSavedAndReopened() {
        QTemporaryDir dir;
        QStringList texts;
        QVariantList shown;
        qint64 saved = 0;
        {
            auto app = makeStudioWith(dir.path(), {f16_, tq2_});
            QVERIFY(app);
            CompareViewModel* vm = app->compare();
            QVERIFY(vm->addPick(idOf(*app, f16_)));
            QVERIFY(vm->addPick(idOf(*app, tq2_)));
            PromptRace* race = vm->prompt();
            race->setPrompt(QStringLiteral("The little robot"));
            race->setMaxTokens(10);
            race->setSeed(11);
            race->setTemperature(0.5);
            QVERIFY(vm->startPrompt());
            QCOMPARE(race->savedRunId(), 0);
            QTRY_VERIFY_WITH_TIMEOUT(!race->running(), 30000);
            QCOMPARE(vm->promptRuns().size(), 1);
            QVERIFY(vm->runs().isEmpty());  // not a perplexity run
            saved = vm->promptRuns()[0].toMap().value("id").toLongLong();
            QCOMPARE(race->savedRunId(), saved);
            QCOMPARE(vm->promptRuns()[0].toMap().value("title").toString(),
                     QStringLiteral("The little robot"));
            shown = race->columns();
            for (const QVariant& c : shown) texts << c.toMap().value("text").toString();
            QVERIFY(!texts[0].isEmpty() && !texts[1].isEmpty());

            // Stopped at once: the race ends cancelled and nothing more is saved.
            race->setMaxTokens(2000);
            QVERIFY(vm->startPrompt());
            race->cancel();
            QTRY_VERIFY_WITH_TIMEOUT(!race->running(), 30000);
            QVERIFY(race->wasCancelled());
            QCOMPARE(race->savedRunId(), 0);
            QCOMPARE(vm->promptRuns().size(), 1);
        }

        auto app = makeStudio(dir.path());  // a restart
        QTRY_COMPARE_WITH_TIMEOUT(app->library()->count(), 2, 20000);
        CompareViewModel* vm = app->compare();
        QCOMPARE(vm->promptRuns().size(), 1);
        QVERIFY(vm->picks().isEmpty());
        QVERIFY(!vm->openRun(saved));  // a prompt run is no perplexity run
        QVERIFY(vm->openPromptRun(saved));
        PromptRace* race = vm->prompt();
        QCOMPARE(race->savedRunId(), saved);
        QCOMPARE(race->prompt(), QStringLiteral("The little robot"));
        QCOMPARE(race->seed(), 11);
        QCOMPARE(race->maxTokens(), 10);
        QCOMPARE(race->temperature(), 0.5);
        const QVariantList cols = race->columns();
        QCOMPARE(cols.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const QVariantMap got = cols[i].toMap(), was = shown[i].toMap();
            for (const char* key : {"name", "device", "state", "text", "tokens", "promptTokens"})
                QCOMPARE(got.value(key), was.value(key));
            QCOMPARE(got.value("decodeTps").toDouble(), was.value("decodeTps").toDouble());
            QCOMPARE(got.value("prefillTps").toDouble(), was.value("prefillTps").toDouble());
        }
        QCOMPARE(vm->picks().size(), 2);  // its models, picked again so it can be rerun
        QCOMPARE(vm->picks()[0].toMap().value("path").toString(), f16_);

        // Run again from the reopened settings: the same texts (same seed), saved as a new run.
        QVERIFY(vm->startPrompt());
        QTRY_VERIFY_WITH_TIMEOUT(!race->running(), 30000);
        QCOMPARE(vm->promptRuns().size(), 2);
        QStringList again;
        for (const QVariant& c : race->columns()) again << c.toMap().value("text").toString();
        QCOMPARE(again, texts);

        vm->deleteRun(saved);
        QCOMPARE(vm->promptRuns().size(), 1);
        QVERIFY(!vm->openPromptRun(saved));
    }

    // Two real runs with different settings (window 64 vs 32), sharing the F16 model: the
    // comparison matches it by path with both runs' figures exactly as saved and their change,
    // and a model in only one run is listed as such. Works both ways round after reopening.
    void comparesWithEarlierRun() {
        QTemporaryDir dir;
        const QString tq1 = modelFile("random-llama-spm-TQ1_0");
        auto app = makeStudioWith(dir.path(), {f16_, tq2_, tq1});
        QVERIFY(app);
        CompareViewModel* vm = app->compare();
        const qint64 idF16 = idOf(*app, f16_), idTq2 = idOf(*app, tq2_), idTq1 = idOf(*app, tq1);
        const QString cpu = QStringLiteral("cpu");

        const qint64 first = runAndWait(vm, {{idF16, cpu}, {idTq2, cpu}}, 64, 2);
        QVERIFY2(first > 0, qPrintable(vm->error()));
        QVERIFY(!vm->compareWith(first));  // not with itself
        const qint64 second = runAndWait(vm, {{idF16, cpu}, {idTq1, cpu}}, 32, 2);
        QVERIFY2(second > 0, qPrintable(vm->error()));
        QCOMPARE(vm->runId(), second);
        QVERIFY(vm->comparison().isEmpty());
        const auto figs1 = savedFigures(*app, first);
        const auto figs2 = savedFigures(*app, second);
        QCOMPARE(figs1.size(), size_t(2));
        QCOMPARE(figs2.size(), size_t(2));
        QVERIFY(figs1[0].ppl != figs2[0].ppl);             // the window changed the F16 model's perplexity
        QCOMPARE(figs1[0].running_ppl.size(), size_t(2));  // a running perplexity per window, saved

        QSignalSpy changed(vm, &CompareViewModel::comparisonChanged);
        QVERIFY(vm->compareWith(first));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(vm->otherRunId(), first);
        QVERIFY(!vm->otherRunTitle().isEmpty());
        QVERIFY(!vm->otherMachineText().isEmpty());
        QCOMPARE(vm->otherMachineText(), vm->machineText());  // same machine
        QVariantList rows = vm->comparison();
        QCOMPARE(rows.size(), 3);
        QVariantMap both = rows[0].toMap(), onlyHere = rows[1].toMap(), onlyThere = rows[2].toMap();
        QCOMPARE(both.value("path").toString(), f16_);
        QCOMPARE(both.value("presence").toString(), QStringLiteral("both"));
        QVERIFY(sameFigures(both.value("current").toMap(), figs2[0]));
        QVERIFY(sameFigures(both.value("other").toMap(), figs1[0]));
        QCOMPARE(both.value("pplChange").toString(), compare::changeText(figs1[0].ppl, figs2[0].ppl, "ppl"));
        QCOMPARE(both.value("decodeChange").toString(),
                 compare::changeText(figs1[0].decode_tps, figs2[0].decode_tps, "decode"));
        QVERIFY(both.value("decodeChange").toString().endsWith(QStringLiteral("% decode")));
        QCOMPARE(both.value("weightChange").toString(), QStringLiteral("±0.0% weights"));  // same file
        QCOMPARE(onlyHere.value("path").toString(), tq1);
        QCOMPARE(onlyHere.value("presence").toString(), QStringLiteral("current"));
        QVERIFY(sameFigures(onlyHere.value("current").toMap(), figs2[1]));
        QVERIFY(onlyHere.value("other").toMap().isEmpty());
        QVERIFY(onlyHere.value("pplChange").toString().isEmpty());
        QCOMPARE(onlyThere.value("path").toString(), tq2_);
        QCOMPARE(onlyThere.value("presence").toString(), QStringLiteral("other"));
        QVERIFY(sameFigures(onlyThere.value("other").toMap(), figs1[1]));
        QVERIFY(onlyThere.value("current").toMap().isEmpty());

        // Reopen the first run and compare it with the second: the other way round.
        QVERIFY(vm->openRun(first));
        QVERIFY(vm->comparison().isEmpty());  // a reopened run starts uncompared
        QVERIFY(vm->compareWith(second));
        rows = vm->comparison();
        QCOMPARE(rows.size(), 3);
        QVERIFY(sameFigures(rows[0].toMap().value("current").toMap(), figs1[0]));
        QVERIFY(sameFigures(rows[0].toMap().value("other").toMap(), figs2[0]));
        QCOMPARE(rows[1].toMap().value("path").toString(), tq2_);
        QCOMPARE(rows[1].toMap().value("presence").toString(), QStringLiteral("current"));
        QCOMPARE(rows[2].toMap().value("path").toString(), tq1);
        QCOMPARE(rows[2].toMap().value("presence").toString(), QStringLiteral("other"));

        // Deleting the run compared with clears the comparison.
        vm->deleteRun(second);
        QVERIFY(vm->comparison().isEmpty());
        QCOMPARE(vm->otherRunId(), qint64(0));
    }

    void changeTexts() {
        QCOMPARE(compare::changeText(100, 104.1, "decode"), QStringLiteral("+4.1% decode"));
        QCOMPARE(compare::changeText(200, 150, "prefill"), QStringLiteral("-25.0% prefill"));
        QCOMPARE(compare::changeText(10, 35, "ppl"), QStringLiteral("+250% ppl"));
        QCOMPARE(compare::changeText(0, 35, "ppl"), QString());
        QCOMPARE(compare::changeText(35, 0, "ppl"), QString());
    }

    // One model on the Vulkan device (lavapipe in CI) and the same model on the CPU: the view
    // shows the device that really ran it and its device memory, and the perplexities agree.
    void vulkanAndCpuInOneRun() {
        const std::string why = lowbit::vktest::no_driver_reason();
        if (!why.empty())
            QSKIP(qPrintable("no Vulkan driver on this machine: " + QString::fromStdString(why)));
        QTemporaryDir dir;
        auto app = makeStudioWith(dir.path(), {f16_});
        QVERIFY(app);
        CompareViewModel* vm = app->compare();
        const qint64 id = idOf(*app, f16_);
        const qint64 run =
            runAndWait(vm, {{id, QStringLiteral("vulkan:0")}, {id, QStringLiteral("cpu")}}, 64, 2);
        QVERIFY2(run > 0, qPrintable(vm->error()));
        const QVariantList results = vm->results();
        QCOMPARE(results.size(), 2);
        const QVariantMap gpu = results[0].toMap(), cpu = results[1].toMap();
        QVERIFY2(gpu.value("error").toString().isEmpty(), qPrintable(gpu.value("error").toString()));
        QVERIFY2(gpu.value("fallback").toString().isEmpty(), qPrintable(gpu.value("fallback").toString()));
        QVERIFY2(gpu.value("device").toString().startsWith(QStringLiteral("Vulkan")),
                 qPrintable(gpu.value("device").toString()));
        QVERIFY(gpu.value("deviceBytes").toDouble() > 0);
        QVERIFY(!cpu.value("device").toString().startsWith(QStringLiteral("Vulkan")));
        QCOMPARE(cpu.value("deviceBytes").toDouble(), 0.0);
        const double pg = gpu.value("ppl").toDouble(), pc = cpu.value("ppl").toDouble();
        QVERIFY(pg > 0 && pc > 0);
        QVERIFY2(std::fabs(pg / pc - 1) < 0.005, qPrintable(QStringLiteral("%1 vs %2").arg(pg).arg(pc)));
        qInfo("%s: ppl %.6f, device memory %.0f bytes; %s: ppl %.6f",
              qPrintable(gpu.value("device").toString()), pg, gpu.value("deviceBytes").toDouble(),
              qPrintable(cpu.value("device").toString()), pc);
        QCOMPARE(gpu.value("windows").toInt(), 2);
        // The device memory figure is saved with the run and shown as a resource bar.
        const auto saved = savedFigures(*app, run);
        QCOMPARE(double(saved[0].device_bytes), gpu.value("deviceBytes").toDouble());
        bool deviceBar = false;
        for (const QVariant& m : vm->metrics())
            deviceBar = deviceBar || m.toMap().value("key") == QStringLiteral("device_bytes");
        QVERIFY(deviceBar);
    }

    void reportRoundTripsAndPicksBaseline() {
        lowbit::ModelMeasurement a, b;
        a.name = "big, \"quoted\"";
        a.bits_per_weight = 16.0;
        a.ppl = 10;
        a.weight_bytes = 1000;
        a.decode_tps = 10;
        a.running_ppl = {12, 11, 10};
        b.name = "small";
        b.bits_per_weight = 2.06;
        b.ppl = 12.5;
        b.weight_bytes = 250;
        b.decode_tps = 26;
        // A failed model never becomes the baseline.
        lowbit::ModelMeasurement failed;
        failed.bits_per_weight = 32;
        failed.error = "bad file";
        const std::vector<lowbit::ModelMeasurement> v = {failed, b, a};
        QCOMPARE(compare::baselineIndex(v), 2);
        QCOMPARE(compare::qualityRatio(10, 12.5), 0.8);
        const auto back = compare::fromJson(compare::toJson(v));
        QCOMPARE(back.size(), size_t(3));
        QCOMPARE(back[2].running_ppl, a.running_ppl);
        QCOMPARE(back[0].error, failed.error);
        QCOMPARE(back[1].weight_bytes, size_t(250));
        const QString csv = compare::toCsv(v);
        QVERIFY(csv.contains(QStringLiteral("\"big, \"\"quoted\"\"\"")));
        QVERIFY(csv.contains(QStringLiteral(",0.8,")));  // small: 80% of the baseline's quality
        for (const QVariant& m : compare::resourceMetrics(v)) {
            const QVariantMap mm = m.toMap();
            const QVariantMap small = mm.value("bars").toList()[1].toMap();
            if (mm.value("key") == QStringLiteral("weight_bytes"))
                QCOMPARE(small.value("ratioText").toString(), QStringLiteral("4.0× smaller"));
            if (mm.value("key") == QStringLiteral("decode_tps"))
                QCOMPARE(small.value("ratioText").toString(), QStringLiteral("2.6× faster decode"));
        }
    }
};

QTEST_MAIN(TestCompareViewModel)
#include "test_compare_view_model.moc"
