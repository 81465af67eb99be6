// The conversion wizard's view model with the real converter on a synthetic model: two targets
// in one run with a short calibration text (windows of 64 tokens, 2 windows), the summary's
// figures against the files on disk and an independent reading of their headers, the lineage
// written to the library, cancel (nothing left behind, source untouched), refused starts, and
// the warning's rules.
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <atomic>
#include <memory>

#include "engine/model_inspector.h"
#include "lowbit/convert.h"
#include "studio_controller.h"
#include "test_data.h"

using namespace lowbit::ui;

namespace {

QByteArray fileHash(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result();
}

QString sourceModel() {
    return QString::fromStdString(lowbit::test::model_path("random-llama-spm-f16.gguf"));
}

QJsonObject lineageOf(StudioController& app, const QString& path) {
    const auto m = app.storage().models().modelByPath(path);
    return m ? QJsonDocument::fromJson(m->lineage.toUtf8()).object() : QJsonObject();
}

std::unique_ptr<StudioController> makeStudio(const QString& dir) {
    StudioOptions o;
    o.dataDir = dir;
    o.autoLoadModel = false;
    o.scanModelsFolder = false;
    return std::make_unique<StudioController>(o);
}

}  // namespace

class TestConvertWizard : public QObject {
    Q_OBJECT

  private slots:
    void warningFollowsTheNumbers() {
        // A model not trained ternary that lost a lot: the papers' warning, severe.
        auto w = ConvertWizard::qualityWarning(false, QStringLiteral("tq2_0"), true, 10.0, 250.0);
        QCOMPARE(w.second, 2);
        QVERIFY(w.first.contains(QStringLiteral("+2400.0%")));
        QVERIFY(w.first.contains(QStringLiteral("not trained for it")));
        // A native BitNet b1.58 source repacked to a ternary type: quality kept.
        w = ConvertWizard::qualityWarning(true, QStringLiteral("i2_s"), true, 9.80, 9.81);
        QCOMPARE(w.second, 0);
        QVERIFY(w.first.contains(QStringLiteral("trained ternary")));
        QVERIFY(w.first.contains(QStringLiteral("9.80 → 9.81")));
        // Moderate loss, and a reference format close to the source.
        QCOMPARE(ConvertWizard::qualityWarning(false, QStringLiteral("q4_0"), false, 10.0, 12.0).second, 1);
        QCOMPARE(ConvertWizard::qualityWarning(false, QStringLiteral("q8_0"), false, 10.0, 10.05).second, 0);
        // Not measured: a caution for low-bit targets of ordinary models only.
        QCOMPARE(ConvertWizard::qualityWarning(false, QStringLiteral("onebit"), true, 0, 0).second, 1);
        QCOMPARE(ConvertWizard::qualityWarning(false, QStringLiteral("q8_0"), false, 0, 0).second, 0);
    }

    void refusesIncompleteChoices() {
        QTemporaryDir dir;
        auto app = makeStudio(dir.path());
        ConvertWizard* w = app->converter();
        QVERIFY(!w->start());
        QVERIFY(!w->error().isEmpty());
        w->setSourcePath(dir.filePath(QStringLiteral("nothing.gguf")));
        QVERIFY(!w->sourceValid());
        QVERIFY(w->sourceDescription().contains(QStringLiteral("does not exist")));
        QVERIFY(!w->start());
        w->setSourcePath(sourceModel());
        QVERIFY(w->sourceValid());
        QCOMPARE(w->sourceKind(), QStringLiteral("gguf"));
        w->setTargets({});
        QVERIFY(!w->start());
        QVERIFY(w->error().contains(QStringLiteral("target")));
        w->setTargets({QStringLiteral("tq2_0")});
        w->setCalibrationMode(QStringLiteral("file"));
        QVERIFY(!w->start());  // no file chosen
        QVERIFY(!w->running());
        QCOMPARE(w->jobs()->count(), 0);
        // A folder without config.json is not a model folder.
        w->setSourcePath(dir.path());
        QVERIFY(!w->sourceValid());
        QVERIFY(w->sourceDescription().contains(QStringLiteral("config.json")));
    }

    // A second source chosen while the first is still being planned: only the newest answer
    // lands, and it is the plan of that source (what plan_conversion says directly).
    void estimatesFollowTheNewestSource() {
        QTemporaryDir dir;
        auto app = makeStudio(dir.path());
        ConvertWizard* w = app->converter();
        const QString second = QString::fromStdString(lowbit::test::model_path("random-qwen2-f16.gguf"));
        QSignalSpy estimated(w, &ConvertWizard::estimatesChanged);
        w->setSourcePath(sourceModel());
        w->setSourcePath(second);
        QVERIFY(w->estimating());
        QTRY_VERIFY(!w->estimating());
        QTest::qWait(200);               // room for the first request's late answer, which must be dropped
        QCOMPARE(estimated.count(), 3);  // two starts, one answer
        lowbit::ConvertOptions o;
        o.input = second.toStdString();
        o.output = dir.filePath(QStringLiteral("never.gguf")).toStdString();
        o.target = *lowbit::convert_target_from_name("tq2_0");
        const lowbit::ConvertPlan plan = lowbit::plan_conversion(o);
        QCOMPARE(w->targetEstimates().value("tq2_0").toMap().value("bytes").toLongLong(),
                 static_cast<qint64>(plan.expected_output_bytes));
        // A source that is not a model: no estimates, nothing pending.
        w->setSourcePath(dir.filePath(QStringLiteral("nothing.txt")));
        QVERIFY(!w->estimating());
        QVERIFY(w->targetEstimates().isEmpty());
    }

    void convertsToTwoTargets() {
        QTemporaryDir dir;
        auto app = makeStudio(dir.path());
        ConvertWizard* w = app->converter();
        const QString source = sourceModel();
        const QByteArray sourceHash = fileHash(source);

        const QString calibration = dir.filePath(QStringLiteral("calibration.txt"));
        {
            QFile f(calibration);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(ConvertWizard::sampleText().toUtf8());
        }
        QVERIFY(!ConvertWizard::sampleText().isEmpty());
        const QString out = dir.filePath(QStringLiteral("out"));
        QVERIFY(w->targetEstimates().isEmpty());  // no source yet
        QSignalSpy estimated(w, &ConvertWizard::estimatesChanged);
        w->setSourcePath(source);
        // Planned off the GUI thread: setSourcePath returns at once, the estimates follow.
        QVERIFY(w->estimating());
        QVERIFY(w->targetEstimates().isEmpty());
        QTRY_VERIFY(!w->estimating());
        QCOMPARE(estimated.count(), 2);  // started, done
        // Every target is planned before anything is converted; the planned sizes are checked
        // against the written files below.
        const QVariantMap estimates = w->targetEstimates();
        for (const QVariant& c : w->targetChoices()) {
            const QVariantMap e = estimates.value(c.toMap().value("name").toString()).toMap();
            QVERIFY2(e.value("bytes").toLongLong() > 0,
                     qPrintable(c.toMap().value("name").toString() + u' ' + e.value("error").toString()));
            QVERIFY(e.value("text").toString().contains(QStringLiteral("bits/weight")));
        }
        QVERIFY(estimates.value("tq2_0").toMap().value("bytes").toLongLong() <
                estimates.value("q8_0").toMap().value("bytes").toLongLong());
        w->setTargets({QStringLiteral("onebit"), QStringLiteral("tq2_0")});
        QCOMPARE(w->targets(), (QStringList{QStringLiteral("tq2_0"), QStringLiteral("onebit")}));
        w->setCalibrationFile(calibration);
        QCOMPARE(w->calibrationMode(), QStringLiteral("file"));
        w->setCalibrationCtx(64);
        w->setCalibrationChunks(2);
        w->setOutputFolder(out);

        // Progress arrives while it runs (fractions strictly between 0 and 1), per row.
        QList<double> midway(2, 0.0);
        connect(w->jobs(), &QAbstractItemModel::dataChanged, this, [&](const QModelIndex& from) {
            const double f = w->jobs()->data(from, ConvertJobList::FractionRole).toDouble();
            if (f > 0 && f < 1) midway[from.row()] = f;
        });
        // The source's calibration perplexity is measured once, with the first target: which rows
        // went through the MeasuringSource stage (the probe runs on the worker thread).
        std::atomic<int> measuredSourceRows{0}, measuredResultRows{0};
        w->setProgressProbe([&](int row, const lowbit::ConvertProgress& p) {
            if (p.stage == lowbit::ConvertStage::MeasuringSource) measuredSourceRows.fetch_or(1 << row);
            if (p.stage == lowbit::ConvertStage::MeasuringResult) measuredResultRows.fetch_or(1 << row);
            return false;
        });
        QVERIFY(w->start());
        QVERIFY(w->running());
        QCOMPARE(w->jobs()->count(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(!w->running(), 50'000);
        QVERIFY(w->finished());
        QVERIFY2(midway[0] > 0 && midway[1] > 0, "no progress was reported while converting");
        QCOMPARE(measuredSourceRows.load(), 1);  // the first target only
        QCOMPARE(measuredResultRows.load(), 3);  // every result
        w->setProgressProbe({});

        double sourcePpl = 0;
        for (int row = 0; row < 2; ++row) {
            const QVariantMap j = w->jobs()->get(row);
            const QString target = row == 0 ? QStringLiteral("tq2_0") : QStringLiteral("onebit");
            QCOMPARE(j.value("target").toString(), target);
            QVERIFY2(j.value("jobState").toString() == QLatin1String("done"),
                     qPrintable(j.value("error").toString()));
            const QString path = j.value("outputPath").toString();
            QCOMPARE(QFileInfo(path).absolutePath(), QDir(out).absolutePath());
            QCOMPARE(QFileInfo(path).fileName(), QStringLiteral("random-llama-spm-f16-%1.gguf").arg(target));
            // Sizes are the files on disk.
            QVERIFY(QFileInfo::exists(path));
            QCOMPARE(j.value("outputBytes").toLongLong(), QFileInfo(path).size());
            QCOMPARE(estimates.value(target).toMap().value("bytes").toLongLong(), QFileInfo(path).size());
            // Bits per weight: the target's own figure over its tensors, and the whole file's
            // figure equal to what the library's independent header reader finds.
            const double targetBits = j.value("targetBitsPerWeight").toDouble();
            if (row == 0)
                QCOMPARE(targetBits, 2.0625);  // 66 bytes per 256 weights
            else
                QVERIFY2(targetBits > 1.0 && targetBits < 1.5, qPrintable(QString::number(targetBits)));
            const double bits = j.value("bitsPerWeight").toDouble();
            QVERIFY(bits > targetBits && bits < 16.0);
            // The plan shown on the target card before converting said the same.
            QCOMPARE(estimates.value(target).toMap().value("targetBitsPerWeight").toDouble(), targetBits);
            QCOMPARE(estimates.value(target).toMap().value("bitsPerWeight").toDouble(), bits);
            const auto record = app->storage().models().modelByPath(QFileInfo(path).absoluteFilePath());
            QVERIFY(record);
            QCOMPARE(record->bitsPerWeight, bits);  // what the library card shows
            if (row == 0) {
                // A standard type: the library's header reader agrees on its own.
                QVERIFY(qAbs(lowbit::app::inspectModel(path).record.bitsPerWeight - bits) < 0.01);
            }
            // The tensors' bytes (bits x weights) are the file less its header (vocabulary).
            const double tensorBytes = bits * double(record->nParams) / 8.0;
            const double header = double(QFileInfo(path).size()) - tensorBytes;
            QVERIFY2(header > 0 && header < 2e6, qPrintable(QString::number(header)));
            // Perplexity of the source (the same for both) and of the result.
            QVERIFY(j.value("hasPpl").toBool());
            const double ps = j.value("pplSource").toDouble(), pr = j.value("pplResult").toDouble();
            QVERIFY(ps > 1 && pr > 1);
            if (row == 0) sourcePpl = ps;
            QCOMPARE(ps, sourcePpl);
            QVERIFY(qAbs(j.value("pplChange").toDouble() - 100.0 * (pr / ps - 1.0)) < 1e-9);
            const auto expected = ConvertWizard::qualityWarning(false, target, true, ps, pr);
            QCOMPARE(j.value("warning").toString(), expected.first);
            QCOMPARE(j.value("warningLevel").toInt(), expected.second);

            // In the library, with its lineage.
            const qint64 id = j.value("modelId").toLongLong();
            QVERIFY(id > 0);
            QVERIFY(app->library()->indexOf(id) >= 0);
            const QJsonObject lineage = lineageOf(*app, QFileInfo(path).absoluteFilePath());
            QCOMPARE(lineage.value("kind").toString(), QStringLiteral("conversion"));
            QCOMPARE(lineage.value("target").toString(), target);
            QCOMPARE(lineage.value("source").toObject().value("path").toString(), source);
            QCOMPARE(lineage.value("source").toObject().value("format").toString(), QStringLiteral("gguf"));
            QVERIFY(lineage.value("method").toString().startsWith(target));
            const QJsonObject settings = lineage.value("settings").toObject();
            QCOMPARE(settings.value("keep_high_precision").toString(), QStringLiteral("default"));
            QCOMPARE(settings.value("calibration").toObject().value("ctx").toInt(), 64);
            QCOMPARE(settings.value("calibration").toObject().value("max_chunks").toInt(), 2);
            QCOMPARE(settings.value("calibration").toObject().value("text").toString(),
                     QFileInfo(calibration).absoluteFilePath());
            QCOMPARE(lineage.value("figures").toObject().value("ppl_result").toDouble(), pr);
        }
        QCOMPARE(app->library()->count(), 2);
        QCOMPARE(fileHash(source), sourceHash);

        // A second run never overwrites the first results: new names.
        w->setTargets({QStringLiteral("tq2_0")});
        w->setCalibrationMode(QStringLiteral("none"));
        QVERIFY(w->start());
        QTRY_VERIFY_WITH_TIMEOUT(!w->running(), 30'000);
        QCOMPARE(QFileInfo(w->jobs()->get(0).value("outputPath").toString()).fileName(),
                 QStringLiteral("random-llama-spm-f16-tq2_0-2.gguf"));
        QVERIFY(!w->jobs()->get(0).value("hasPpl").toBool());
        QCOMPARE(app->library()->count(), 3);
    }

    void cancelLeavesNothing() {
        QTemporaryDir dir;
        auto app = makeStudio(dir.path());
        ConvertWizard* w = app->converter();
        const QString source = sourceModel();
        const QByteArray sourceHash = fileHash(source);
        const QString out = dir.filePath(QStringLiteral("out"));
        w->setSourcePath(source);
        w->setTargets({QStringLiteral("onebit"), QStringLiteral("tq1_0")});
        w->setCalibrationMode(QStringLiteral("none"));
        w->setOutputFolder(out);
        // Cancel in the middle of the first conversion, once a few tensors are written.
        std::atomic<int> cancelledAt{-1};
        w->setProgressProbe([&](int row, const lowbit::ConvertProgress& p) {
            if (row != 0 || p.stage != lowbit::ConvertStage::Converting || p.tensor_index < 5) return false;
            cancelledAt.store(p.tensor_index);
            return true;
        });
        QVERIFY(w->start());
        QTRY_VERIFY_WITH_TIMEOUT(!w->running(), 30'000);
        QCOMPARE(w->jobs()->get(0).value("jobState").toString(), QStringLiteral("cancelled"));
        QCOMPARE(w->jobs()->get(1).value("jobState").toString(), QStringLiteral("cancelled"));
        QVERIFY(cancelledAt.load() >= 5);  // it was cancelled mid-way, not before starting
        // No result, no partial file, nothing in the library, the source as it was.
        QCOMPARE(QDir(out).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot), QStringList());
        QCOMPARE(app->library()->count(), 0);
        QCOMPARE(fileHash(source), sourceHash);
        QVERIFY(!w->cancelling());
    }

    void closingDuringAConversionCancelsIt() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("out"));
        {
            auto app = makeStudio(dir.path());
            ConvertWizard* w = app->converter();
            w->setSourcePath(sourceModel());
            w->setTargets({QStringLiteral("onebit")});
            w->setCalibrationMode(QStringLiteral("none"));
            w->setOutputFolder(out);
            // Hold the worker mid-conversion until the wizard is being destroyed.
            std::atomic<bool> reached{false};
            w->setProgressProbe([&](int, const lowbit::ConvertProgress& p) {
                if (p.stage != lowbit::ConvertStage::Converting || p.tensor_index < 3) return false;
                reached.store(true);
                for (int i = 0; i < 4000 && !w->cancelling(); ++i) QThread::msleep(5);
                return false;
            });
            QVERIFY(w->start());
            QTRY_VERIFY_WITH_TIMEOUT(reached.load(), 20'000);
            QVERIFY(!w->cancelling());
        }  // the window closes: the worker is cancelled and joined
        QCOMPARE(QDir(out).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot), QStringList());
    }
};

QTEST_MAIN(TestConvertWizard)
#include "test_convert_wizard.moc"
