// The engine worker thread: loading with progress and cancel, streaming replies in batches,
// stop through the atomic flag, a new load cancelling a running reply, context trimming, and
// proof that the UI thread keeps running while the engine works. The last tests run the real
// lowbit engine on a synthetic model.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "engine/engine_host.h"
#include "lowbit/convert.h"
#include "scripted_engine.h"
#include "test_data.h"

using namespace lowbit::app;
using lowbit::test::ScriptedEngine;

namespace {

std::unique_ptr<InferenceEngine> scripted(ScriptedEngine::Script s = {}) {
    return std::make_unique<ScriptedEngine>(s);
}

GenerationJob job(const QString& user, int maxTokens) {
    GenerationJob j;
    j.turns = {{"system", "Be brief."}, {"user", user.toStdString()}};
    j.sampling.maxTokens = maxTokens;
    return j;
}

QString collect(const QSignalSpy& spy, quint64 id) {
    QString text;
    for (const auto& args : spy) {
        if (args.at(0).toULongLong() == id) text += args.at(1).toString();
    }
    return text;
}

bool loadAndWait(EngineHost& host, const QString& path, bool onebitInt8 = false) {
    QSignalSpy loaded(&host, &EngineHost::modelLoaded);
    QSignalSpy failed(&host, &EngineHost::modelLoadFailed);
    host.loadModel({.path = path, .onebitInt8 = onebitInt8});
    return QTest::qWaitFor([&] { return !loaded.isEmpty() || !failed.isEmpty(); }, 30'000) &&
           !loaded.isEmpty();
}

}  // namespace

class TestEngineHost : public QObject {
    Q_OBJECT

  private slots:
    void loadsWithProgress() {
        EngineHost host(scripted({.loadSteps = 20}));
        QSignalSpy progress(&host, &EngineHost::loadProgressChanged);
        QSignalSpy loaded(&host, &EngineHost::modelLoaded);
        QCOMPARE(host.state(), EngineHost::State::NoModel);
        host.loadModel({.path = QStringLiteral("/models/a.gguf")});
        QCOMPARE(host.state(), EngineHost::State::Loading);  // at once: the call does not wait
        QVERIFY(loaded.wait(10'000));
        QCOMPARE(host.state(), EngineHost::State::Ready);
        QVERIFY(host.hasModel());
        QVERIFY(progress.size() >= 3);
        QCOMPARE(progress.last().at(0).toDouble(), 1.0);
        // No template, but the vocabulary has ChatML's tokens.
        QCOMPARE(host.promptFormat().key, QStringLiteral("chatml"));
        QVERIFY(host.promptFormat().source.contains(QStringLiteral("special tokens")));
        QCOMPARE(host.modelInfo().name, QStringLiteral("Scripted"));
    }

    void cancelsLoading() {
        EngineHost host(scripted({.loadSteps = 1000, .loadStepMs = 2}));
        QSignalSpy progress(&host, &EngineHost::loadProgressChanged);
        QSignalSpy failed(&host, &EngineHost::modelLoadFailed);
        host.loadModel({.path = QStringLiteral("/models/big.gguf")});
        QVERIFY(QTest::qWaitFor([&] { return progress.size() >= 3; }, 10'000));
        host.cancelLoad();
        QVERIFY(failed.wait(10'000));
        QCOMPARE(failed.first().at(1).toBool(), true);  // cancelled, not an error
        QCOMPARE(host.state(), EngineHost::State::NoModel);
        QVERIFY(!host.hasModel());
    }

    void reportsLoadErrors() {
        EngineHost host(scripted({.failLoad = true}));
        QSignalSpy failed(&host, &EngineHost::modelLoadFailed);
        host.loadModel({.path = QStringLiteral("/models/x.gguf")});
        QVERIFY(failed.wait(10'000));
        QCOMPARE(failed.first().at(0).toString(), QStringLiteral("scripted failure"));
        QCOMPARE(failed.first().at(1).toBool(), false);
        QCOMPARE(host.state(), EngineHost::State::NoModel);
    }

    void withoutEngineLoadingExplains() {
        EngineHost host(nullptr);
        QSignalSpy failed(&host, &EngineHost::modelLoadFailed);
        host.loadModel({.path = QStringLiteral("/models/x.gguf")});
        QVERIFY(failed.wait(10'000));
        QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("no inference engine")));
    }

    void streamsWholeReply() {
        std::string prompt;
        EngineHost host(scripted({.tokenDelayMs = 0, .lastPrompt = &prompt}));
        QVERIFY(loadAndWait(host, QStringLiteral("/m.gguf")));
        QSignalSpy text(&host, &EngineHost::textReady);
        QSignalSpy started(&host, &EngineHost::generationStarted);
        QSignalSpy finished(&host, &EngineHost::generationFinished);
        const quint64 id = host.generate(job(QStringLiteral("Count"), 200));
        QVERIFY(id != 0);
        QCOMPARE(host.state(), EngineHost::State::Generating);
        QCOMPARE(host.generate(job(QStringLiteral("again"), 5)), 0u);  // one reply at a time
        QVERIFY(finished.wait(10'000));
        QCOMPARE(started.size(), 1);
        QString expected;
        for (int i = 0; i < 200; ++i) expected += QString::fromStdString(ScriptedEngine::word(i));
        QCOMPARE(collect(text, id), expected);
        // Batched: far fewer events than tokens when tokens come faster than the interval.
        QVERIFY2(text.size() < 200, qPrintable(QString::number(text.size())));
        const auto stats = finished.first().at(1).value<EngineRunStats>();
        QCOMPARE(stats.generatedTokens, 200);
        QVERIFY(!stats.cancelled);
        QCOMPARE(host.state(), EngineHost::State::Ready);
        // The prompt was rendered in the detected format (ChatML) with the system prompt.
        QCOMPARE(prompt,
                 std::string("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nCount<|im_end|>\n"
                             "<|im_start|>assistant\n"));
    }

    void promptFormatOverride() {
        std::string prompt;
        EngineHost host(scripted({.tokenDelayMs = 0, .lastPrompt = &prompt}));
        QVERIFY(loadAndWait(host, QStringLiteral("/m.gguf")));
        QSignalSpy finished(&host, &EngineHost::generationFinished);
        GenerationJob j = job(QStringLiteral("Once upon a time"), 3);
        j.promptFormat = QStringLiteral("completion");
        host.generate(j);
        QVERIFY(finished.wait(10'000));
        QCOMPARE(prompt, std::string("Be brief.\n\nOnce upon a time"));
    }

    // The engine holds at a gate after its first token until the UI thread opens it. If the
    // UI thread were blocked by the engine, the gate would never open and the test would time
    // out: so passing proves the two run concurrently.
    void uiThreadRunsWhileEngineWorks() {
        std::atomic<bool> gate{false};
        EngineHost host(scripted({.tokenDelayMs = 0, .gate = &gate}));
        QVERIFY(loadAndWait(host, QStringLiteral("/m.gguf")));
        QSignalSpy text(&host, &EngineHost::textReady);
        QSignalSpy finished(&host, &EngineHost::generationFinished);
        int ticks = 0;
        QTimer timer;
        connect(&timer, &QTimer::timeout, [&] {
            if (++ticks == 5) gate = true;
        });
        timer.start(1);
        host.generate(job(QStringLiteral("x"), 50));
        QVERIFY(finished.wait(20'000));
        QVERIFY(ticks >= 5);
        QCOMPARE(finished.first().at(1).value<EngineRunStats>().generatedTokens, 50);
    }

    void stopKeepsWhatWasGenerated() {
        EngineHost host(scripted({.tokenDelayMs = 1}));
        QVERIFY(loadAndWait(host, QStringLiteral("/m.gguf")));
        QSignalSpy text(&host, &EngineHost::textReady);
        QSignalSpy finished(&host, &EngineHost::generationFinished);
        const quint64 id = host.generate(job(QStringLiteral("Go on forever"), 1'000'000));
        QVERIFY(text.wait(10'000));
        host.stop();
        QVERIFY(finished.wait(10'000));
        const auto stats = finished.first().at(1).value<EngineRunStats>();
        QVERIFY(stats.cancelled);
        QCOMPARE(stats.stopReason, stop_reason::kStopped);
        QVERIFY(stats.generatedTokens > 0 && stats.generatedTokens < 1'000'000);
        // Every generated word reached the UI, in order, none lost after the stop.
        QString expected;
        for (int i = 0; i < stats.generatedTokens; ++i)
            expected += QString::fromStdString(ScriptedEngine::word(i));
        QCOMPARE(collect(text, id), expected);
        QCOMPARE(host.state(), EngineHost::State::Ready);
    }

    void loadingCancelsRunningReply() {
        EngineHost host(scripted({.tokenDelayMs = 1}));
        QVERIFY(loadAndWait(host, QStringLiteral("/a.gguf")));
        QSignalSpy text(&host, &EngineHost::textReady);
        QSignalSpy finished(&host, &EngineHost::generationFinished);
        QSignalSpy loaded(&host, &EngineHost::modelLoaded);
        host.generate(job(QStringLiteral("long"), 1'000'000));
        QVERIFY(text.wait(10'000));
        host.loadModel({.path = QStringLiteral("/b.gguf")});
        QVERIFY(loaded.wait(10'000));
        QCOMPARE(finished.size(), 1);
        QVERIFY(finished.first().at(1).value<EngineRunStats>().cancelled);
        QCOMPARE(host.modelInfo().path, QStringLiteral("/b.gguf"));
        QCOMPARE(host.state(), EngineHost::State::Ready);
    }

    void trimsOldTurnsToFitContext() {
        std::string prompt;
        EngineHost host(scripted({.tokenDelayMs = 0, .contextLength = 64, .lastPrompt = &prompt}));
        QVERIFY(loadAndWait(host, QStringLiteral("/m.gguf")));
        QSignalSpy started(&host, &EngineHost::generationStarted);
        QSignalSpy finished(&host, &EngineHost::generationFinished);
        GenerationJob j;
        j.turns = {{"system", "S"},        {"user", "first question"},     {"assistant", "first answer"},
                   {"user", "second one"}, {"assistant", "second answer"}, {"user", "third"}};
        j.sampling.maxTokens = 8;
        host.generate(j);
        QVERIFY(finished.wait(10'000));
        QVERIFY(started.first().at(2).toInt() >= 2);  // turns dropped
        QVERIFY(prompt.find("first question") == std::string::npos);
        QVERIFY(prompt.find("<|im_start|>system\nS<|im_end|>") == 0);
        QVERIFY(prompt.find("third") != std::string::npos);
        QVERIFY(started.first().at(1).toInt() <= 64 - 8);
    }

    void refusesPromptThatCannotFit() {
        EngineHost host(scripted({.tokenDelayMs = 0, .contextLength = 32}));
        QVERIFY(loadAndWait(host, QStringLiteral("/m.gguf")));
        QSignalSpy failed(&host, &EngineHost::generationFailed);
        host.generate(job(QString(400, QChar(u'x')), 8));
        QVERIFY(failed.wait(10'000));
        QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("too long")));
        QCOMPARE(host.state(), EngineHost::State::Ready);
    }

    void realEngineGenerates() {
        auto engine = createLowbitEngine();
        if (!engine)
            QFAIL("this build has no lowbit engine: the tests need it (configure with the core engine)");
        EngineHost host(std::move(engine));
        const QString path =
            QString::fromStdString(lowbit::test::model_path("random-llama-spm-TQ2_0-f16emb.gguf"));
        QSignalSpy progress(&host, &EngineHost::loadProgressChanged);
        QVERIFY(loadAndWait(host, path));
        QVERIFY(progress.size() >= 2);
        QCOMPARE(host.modelInfo().architecture, QStringLiteral("llama"));
        QVERIFY(host.modelInfo().nParams > 0);
        // No chat template and an SPM vocabulary without chat tokens: the transcript fallback.
        QCOMPARE(host.promptFormat().key, QStringLiteral("transcript"));

        QSignalSpy text(&host, &EngineHost::textReady);
        QSignalSpy finished(&host, &EngineHost::generationFinished);
        GenerationJob j = job(QStringLiteral("Once upon a time"), 24);
        j.sampling.temperature = 0;
        j.sampling.seed = 1;
        const quint64 id = host.generate(j);
        QVERIFY(finished.wait(60'000));
        const auto stats = finished.first().at(1).value<EngineRunStats>();
        const auto memory = finished.first().at(2).value<EngineMemory>();
        QVERIFY(stats.generatedTokens > 0 && stats.generatedTokens <= 24);
        QVERIFY(stats.promptTokens > 5);
        QVERIFY(memory.weightBytes > 0);
        // Every generated token is in the cache, except one that completed a stop string.
        QVERIFY(memory.contextUsed == stats.promptTokens + stats.generatedTokens ||
                memory.contextUsed == stats.promptTokens + stats.generatedTokens - 1);
        QVERIFY(memory.contextSize >= memory.contextUsed);
        const QString first = collect(text, id);
        QVERIFY(!first.isEmpty());

        // Greedy and the same prompt: the same text again, with the prompt served from the cache.
        QSignalSpy text2(&host, &EngineHost::textReady);
        QSignalSpy finished2(&host, &EngineHost::generationFinished);
        const quint64 id2 = host.generate(j);
        QVERIFY(finished2.wait(60'000));
        QCOMPARE(collect(text2, id2), first);
        QVERIFY(finished2.first().at(1).value<EngineRunStats>().reusedTokens > 0);
    }

    // The app's "int8 activations for 1-bit layers" setting reaches the runner: a OneBit model
    // loaded with it says W1A8 in its device name and generates; without it, it does not say so.
    void realEngineOneBitInt8() {
        auto engine = createLowbitEngine();
        if (!engine)
            QFAIL("this build has no lowbit engine: the tests need it (configure with the core engine)");
        QTemporaryDir dir;
        lowbit::ConvertOptions o;
        o.input = lowbit::test::model_path("random-llama-spm-f16.gguf");
        o.output = dir.filePath(QStringLiteral("onebit.gguf")).toStdString();
        o.target = lowbit::ConvertTarget::OneBit;
        o.svid.method = lowbit::onebit::SvidMethod::PowerIteration;
        lowbit::convert_model(o);
        EngineHost host(std::move(engine));
        const QString path = QString::fromStdString(o.output);
        QVERIFY(loadAndWait(host, path, true));
        QVERIFY2(host.modelInfo().deviceName.endsWith(QStringLiteral(", 1-bit layers W1A8")),
                 qPrintable(host.modelInfo().deviceName));
        QSignalSpy finished(&host, &EngineHost::generationFinished);
        GenerationJob j = job(QStringLiteral("Once upon a time"), 4);
        j.sampling.temperature = 0;
        host.generate(j);
        QVERIFY(finished.wait(60'000));
        QVERIFY(finished.first().at(1).value<EngineRunStats>().generatedTokens > 0);
        QVERIFY(loadAndWait(host, path, false));
        QVERIFY(!host.modelInfo().deviceName.contains(QStringLiteral("W1A8")));
    }

    void realEngineStops() {
        auto engine = createLowbitEngine();
        if (!engine)
            QFAIL("this build has no lowbit engine: the tests need it (configure with the core engine)");
        EngineHost host(std::move(engine));
        QVERIFY(
            loadAndWait(host, QString::fromStdString(lowbit::test::model_path("random-llama-spm-f16.gguf"))));
        QSignalSpy text(&host, &EngineHost::textReady);
        QSignalSpy finished(&host, &EngineHost::generationFinished);
        GenerationJob j = job(QStringLiteral("Tell me a very long story"), 100'000);
        j.promptFormat = QStringLiteral("completion");  // no turn markers: nothing to stop on
        host.generate(j);
        QVERIFY(text.wait(60'000));
        host.stop();
        QVERIFY(finished.wait(60'000));
        const auto stats = finished.first().at(1).value<EngineRunStats>();
        if (stats.stopReason != stop_reason::kStopped) {
            // Only if the model produced its end token or filled the context before the stop
            // landed; either way it ended on its own terms, not by hanging.
            QVERIFY(stats.stopReason == stop_reason::kEndOfGeneration ||
                    stats.stopReason == stop_reason::kContextFull);
        } else {
            QVERIFY(stats.cancelled);
        }
    }
};

QTEST_GUILESS_MAIN(TestEngineHost)
#include "test_engine_host.moc"
