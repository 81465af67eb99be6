// The view models behind the window, on a throw-away data folder: sending, streaming into the
// list and the database, stop, regenerate, edit-and-resend, per-chat settings, the chat list,
// the library, a restart on the same folder, closing mid-reply, work on the UI thread while
// the engine streams, and a damaged database. A scripted engine makes replies exact.
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include "scripted_engine.h"
#include "studio_controller.h"
#include "test_data.h"

using namespace lowbit::ui;
using lowbit::test::ScriptedEngine;

namespace {

QString modelFile(const char* name) {
    return QString::fromStdString(lowbit::test::model_path(name));
}

QString words(int n) {
    QString s;
    for (int i = 0; i < n; ++i) s += QString::fromStdString(ScriptedEngine::word(i));
    return s;
}

struct Harness {
    ScriptedEngine::Script script;
    std::unique_ptr<StudioController> app;

    void start(const QString& dir) {
        StudioOptions o;
        o.dataDir = dir;
        ScriptedEngine::Script s = script;
        o.engineFactory = [s] { return std::make_unique<ScriptedEngine>(s); };
        app = std::make_unique<StudioController>(o);
    }
    // Imports a synthetic model (the inspection is real) and loads it (scripted engine).
    bool importAndLoad(const char* file = "random-llama-spm-TQ2_0-f16emb.gguf") {
        app->importAndLoad(modelFile(file));
        return QTest::qWaitFor([&] { return app->engine()->ready(); }, 20'000);
    }
    bool waitReply(int ms = 20'000) {
        return QTest::qWaitFor([&] { return !app->chat()->generating(); }, ms);
    }
    const QList<lowbit::app::MessageRecord>& messages() { return app->chat()->messages()->messages(); }
};

QByteArray fileHash(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256)
                                       : QByteArray();
}

}  // namespace

class TestViewModels : public QObject {
    Q_OBJECT

  private slots:
    void sendStreamsIntoListAndDatabase() {
        QTemporaryDir dir;
        Harness h;
        h.script.tokenDelayMs = 0;
        h.start(dir.path());
        QVERIFY(!h.app->chat()->canSend());
        QVERIFY(!h.app->chat()->send(QStringLiteral("too early")));
        QVERIFY(h.app->chat()->error().contains(QStringLiteral("model")));
        QVERIFY(h.importAndLoad());
        QCOMPARE(h.app->library()->count(), 1);
        QVERIFY(h.app->chat()->canSend());
        QCOMPARE(h.app->engine()->formatKey(), QStringLiteral("chatml"));

        h.app->chat()->setMaxTokens(40);
        QSignalSpy finished(h.app->chat(), &ChatSession::replyFinished);
        QVERIFY(h.app->chat()->send(QStringLiteral("  Hello there  ")));
        QVERIFY(h.app->chat()->generating());
        QCOMPARE(h.messages().size(), 2);
        QCOMPARE(h.messages()[0].text, QStringLiteral("Hello there"));
        QVERIFY(finished.wait(20'000));
        QCOMPARE(finished.first().at(1).toString(), QStringLiteral("complete"));

        const auto& m = h.messages();
        QCOMPARE(m[1].text, words(40));
        QCOMPARE(m[1].completionTokens, 40);
        QCOMPARE(m[1].modelName, h.app->engine()->modelName());
        // The same in the database.
        const qint64 chatId = h.app->chat()->chatId();
        const auto stored = h.app->storage().chats().messages(chatId);
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored[1].text, words(40));
        QCOMPARE(stored[1].state, lowbit::app::MessageState::Complete);
        QCOMPARE(stored[1].stopReason, lowbit::app::stop_reason::kMaxTokens);
        // The chat is named after its first message and listed.
        QCOMPARE(h.app->chat()->title(), QStringLiteral("Hello there"));
        QCOMPARE(h.app->chats()->count(), 1);
        QVERIFY(h.app->chat()->contextUsed() > 0);
        QVERIFY(!h.app->chat()->lastReplyText().isEmpty());
    }

    // The open chat as Markdown and JSON files, also while a reply streams (as far as it got);
    // nothing to export and an unwritable folder are refused in words. The JSON imports back as
    // a new chat with the same messages; a file that is no chat export is refused.
    void exportAndImportTheChat() {
        QTemporaryDir dir;
        Harness h;
        h.script.tokenDelayMs = 1;  // slow enough to export in the middle of the second reply
        h.start(dir.path());
        const QString md = dir.filePath(QStringLiteral("chat.md"));
        QVERIFY(!h.app->chat()->exportChat(md));
        QVERIFY(!h.app->chat()->error().isEmpty());
        QVERIFY(!QFile::exists(md));
        QVERIFY(h.importAndLoad());
        h.app->chat()->setMaxTokens(12);
        h.app->chat()->setSystemPrompt(QStringLiteral("Be brief."));
        QVERIFY(h.app->chat()->send(QStringLiteral("Hello there")));
        QVERIFY(h.waitReply());
        QSignalSpy exported(h.app->chat(), &ChatSession::exported);

        QVERIFY(h.app->chat()->exportChat(QUrl::fromLocalFile(md).toString()));  // a dialog's URL
        QCOMPARE(exported.count(), 1);
        QCOMPARE(exported.first().at(0).toString(), md);
        QFile mdFile(md);
        QVERIFY(mdFile.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(mdFile.readAll());
        QVERIFY(text.startsWith(QStringLiteral("# Hello there\n")));
        QVERIFY(text.contains(QStringLiteral("> Be brief.")));
        QVERIFY(text.contains(QStringLiteral("### You · ")));
        QVERIFY(text.contains(words(12).trimmed()));
        QVERIFY(text.contains(QStringLiteral("### ") + h.app->engine()->modelName() + QStringLiteral(" · ")));

        const QString json = dir.filePath(QStringLiteral("chat.json"));
        auto readMessages = [&] {
            QFile f(json);
            return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object()
                                               : QJsonObject();
        };
        QVERIFY(h.app->chat()->exportChat(json));
        const QJsonObject o = readMessages();
        QCOMPARE(o.value("system_prompt").toString(), QStringLiteral("Be brief."));
        const QJsonArray m = o.value("messages").toArray();
        QCOMPARE(m.size(), 2);
        QCOMPARE(m[0].toObject().value("text").toString(), QStringLiteral("Hello there"));
        QCOMPARE(m[1].toObject().value("text").toString(), words(12));
        QCOMPARE(m[1].toObject().value("completion_tokens").toInt(), 12);
        QCOMPARE(m[1].toObject().value("state").toString(), QStringLiteral("complete"));

        QVERIFY(!h.app->chat()->exportChat(dir.filePath(QStringLiteral("no/such/folder/chat.md"))));
        QVERIFY(h.app->chat()->error().contains(QStringLiteral("Cannot write")));

        // Mid-reply: the text shown so far, which may be ahead of the database.
        h.app->chat()->setMaxTokens(60'000);
        QVERIFY(h.app->chat()->send(QStringLiteral("Go on")));
        QVERIFY(QTest::qWaitFor([&] { return h.messages().size() == 4 && h.messages()[3].text.size() > 20; },
                                10'000));
        QVERIFY(h.app->chat()->generating());
        QVERIFY(h.app->chat()->exportChat(json));
        const QString shown = h.messages()[3].text;
        h.app->chat()->stop();
        QVERIFY(h.waitReply());
        const QJsonArray partial = readMessages().value("messages").toArray();
        QCOMPARE(partial.size(), 4);
        const QString exportedText = partial[3].toObject().value("text").toString();
        QVERIFY(exportedText.size() > 20);
        QCOMPARE(exportedText, shown);  // not the last, shorter write to the database
        QCOMPARE(partial[3].toObject().value("state").toString(), QStringLiteral("streaming"));

        // Imported back (as on another machine): a second chat, opened, with the same messages,
        // times and figures; the reply exported mid-way comes back interrupted.
        const qint64 original = h.app->chat()->chatId();
        const auto before = h.app->storage().chats().messages(original);
        QVERIFY(h.app->chat()->importChat(QUrl::fromLocalFile(json).toString()));
        QCOMPARE(h.app->chats()->count(), 2);
        const qint64 copy = h.app->chat()->chatId();
        QVERIFY(copy != original);
        QCOMPARE(h.app->chat()->title(), QStringLiteral("Hello there"));
        QCOMPARE(h.app->chat()->systemPrompt(), QStringLiteral("Be brief."));
        const auto after = h.app->storage().chats().messages(copy);
        QCOMPARE(after.size(), 4);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(after[i].text, before[i].text);
            QCOMPARE(after[i].role, before[i].role);
            QCOMPARE(after[i].state, before[i].state);
            QCOMPARE(after[i].createdAt, before[i].createdAt);
            QCOMPARE(after[i].completionTokens, before[i].completionTokens);
        }
        QCOMPARE(after[3].text, exportedText);
        QCOMPARE(after[3].state, lowbit::app::MessageState::Interrupted);
        QCOMPARE(h.messages().size(), 4);  // and on screen

        // Not a chat file: refused in words, nothing added.
        QVERIFY(!h.app->chat()->importChat(md));
        QVERIFY(h.app->chat()->error().contains(QStringLiteral("not a JSON file")));
        QCOMPARE(h.app->chats()->count(), 2);
        QCOMPARE(h.app->chat()->chatId(), copy);
    }

    void stopKeepsPartialReply() {
        QTemporaryDir dir;
        Harness h;
        h.script.tokenDelayMs = 2;
        h.start(dir.path());
        QVERIFY(h.importAndLoad());
        h.app->chat()->setMaxTokens(60'000);
        QVERIFY(h.app->chat()->send(QStringLiteral("Go on")));
        QVERIFY(QTest::qWaitFor([&] { return h.messages().size() == 2 && !h.messages()[1].text.isEmpty(); },
                                10'000));
        h.app->chat()->stop();
        QVERIFY(h.waitReply());
        const auto reply = h.messages()[1];
        QCOMPARE(reply.state, lowbit::app::MessageState::Stopped);
        QVERIFY(!reply.text.isEmpty());
        QCOMPARE(reply.text, words(reply.completionTokens));
        const auto stored = h.app->storage().chats().message(reply.id);
        QCOMPARE(stored->state, lowbit::app::MessageState::Stopped);
        QCOMPARE(stored->text, reply.text);
        QCOMPARE(stored->stopReason, lowbit::app::stop_reason::kStopped);
    }

    void regenerateReplacesLastReply() {
        QTemporaryDir dir;
        Harness h;
        h.script.tokenDelayMs = 0;
        h.start(dir.path());
        QVERIFY(h.importAndLoad());
        h.app->chat()->setMaxTokens(5);
        QVERIFY(h.app->chat()->send(QStringLiteral("Q")));
        QVERIFY(h.waitReply());
        const qint64 first = h.messages()[1].id;
        QVERIFY(h.app->chat()->canRegenerate());
        h.app->chat()->setMaxTokens(7);
        QVERIFY(h.app->chat()->regenerate());
        QVERIFY(h.waitReply());
        QCOMPARE(h.messages().size(), 2);
        QCOMPARE(h.messages()[1].text, words(7));
        // In the database too: the old reply is gone, the new one is in its place.
        const auto stored = h.app->storage().chats().messages(h.app->chat()->chatId());
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored[1].text, words(7));
        QCOMPARE(stored[1].completionTokens, 7);
        Q_UNUSED(first);
    }

    void editAndResendRewritesTheRest() {
        QTemporaryDir dir;
        Harness h;
        std::string prompt;
        h.script.tokenDelayMs = 0;
        h.script.lastPrompt = &prompt;
        h.start(dir.path());
        QVERIFY(h.importAndLoad());
        h.app->chat()->setMaxTokens(3);
        QVERIFY(h.app->chat()->send(QStringLiteral("first")));
        QVERIFY(h.waitReply());
        QVERIFY(h.app->chat()->send(QStringLiteral("second")));
        QVERIFY(h.waitReply());
        QCOMPARE(h.messages().size(), 4);
        const qint64 firstId = h.messages()[0].id;
        QVERIFY(h.app->chat()->editAndResend(firstId, QStringLiteral("first, edited")));
        QVERIFY(h.waitReply());
        QCOMPARE(h.messages().size(), 2);
        QCOMPARE(h.messages()[0].id, firstId);
        QCOMPARE(h.messages()[0].text, QStringLiteral("first, edited"));
        QVERIFY(prompt.find("first, edited") != std::string::npos);
        QVERIFY(prompt.find("second") == std::string::npos);
        const auto stored = h.app->storage().chats().messages(h.app->chat()->chatId());
        QCOMPARE(stored.size(), 2);
        QCOMPARE(stored[0].text, QStringLiteral("first, edited"));
    }

    void chatSettingsShapeThePromptAndPersist() {
        QTemporaryDir dir;
        std::string prompt;
        {
            Harness h;
            h.script.tokenDelayMs = 0;
            h.script.lastPrompt = &prompt;
            h.start(dir.path());
            QVERIFY(h.importAndLoad());
            ChatSession* chat = h.app->chat();
            chat->setSystemPrompt(QStringLiteral("Answer in French."));
            chat->setTemperature(0.3);
            chat->setTopK(12);
            chat->setTopP(0.8);
            chat->setMinP(0.1);
            chat->setRepeatPenalty(1.25);
            chat->setMaxTokens(4);
            chat->setSeed(1234);
            chat->setPromptFormat(QStringLiteral("completion"));
            QVERIFY(chat->send(QStringLiteral("Bonjour")));
            QVERIFY(h.waitReply());
            QCOMPARE(prompt, std::string("Answer in French.\n\nBonjour"));
            chat->setPromptFormat(QStringLiteral("auto"));
            QVERIFY(chat->send(QStringLiteral("Encore")));
            QVERIFY(h.waitReply());
            QVERIFY(prompt.rfind("<|im_start|>system\nAnswer in French.<|im_end|>\n", 0) == 0);
        }
        Harness h;
        h.start(dir.path());
        QVERIFY(h.app->chat()->open(h.app->chats()->chatIdAt(0)));
        ChatSession* chat = h.app->chat();
        QCOMPARE(chat->systemPrompt(), QStringLiteral("Answer in French."));
        QCOMPARE(chat->temperature(), 0.3f);
        QCOMPARE(chat->topK(), 12);
        QCOMPARE(chat->topP(), 0.8f);
        QCOMPARE(chat->minP(), 0.1f);
        QCOMPARE(chat->repeatPenalty(), 1.25f);
        QCOMPARE(chat->maxTokens(), 4);
        QCOMPARE(chat->seed(), 1234);
        QCOMPARE(chat->promptFormat(), QStringLiteral("auto"));
        // A new chat starts from the defaults.
        chat->newChat();
        QCOMPARE(chat->systemPrompt(), QString());
        QCOMPARE(chat->seed(), -1);
        // Out-of-range values are clamped.
        chat->setTemperature(9);
        QCOMPARE(chat->temperature(), 2.0f);
        chat->setMaxTokens(0);
        QCOMPARE(chat->maxTokens(), 1);
    }

    void chatListSearchRenameDelete() {
        QTemporaryDir dir;
        Harness h;
        h.script.tokenDelayMs = 0;
        h.start(dir.path());
        QVERIFY(h.importAndLoad());
        h.app->chat()->setMaxTokens(2);
        for (const char* q : {"apples and pears", "binary weights", "ternary weights"}) {
            h.app->chat()->newChat();
            h.app->chat()->setMaxTokens(2);
            QVERIFY(h.app->chat()->send(QString::fromUtf8(q)));
            QVERIFY(h.waitReply());
        }
        ChatListModel* list = h.app->chats();
        QCOMPARE(list->count(), 3);
        QCOMPARE(list->data(list->index(0), ChatListModel::TitleRole).toString(),
                 QStringLiteral("ternary weights"));
        QCOMPARE(list->data(list->index(0), ChatListModel::SectionRole).toString(), QStringLiteral("Today"));
        list->setSearchText(QStringLiteral("weights"));
        QCOMPARE(list->count(), 2);
        list->setSearchText(QStringLiteral("w1 "));  // matches reply text too
        QCOMPARE(list->count(), 3);
        list->setSearchText({});
        const qint64 open = h.app->chat()->chatId();
        QVERIFY(list->rename(open, QStringLiteral("  Renamed   chat ")));
        QCOMPARE(h.app->chat()->title(), QStringLiteral("Renamed chat"));
        QVERIFY(!list->rename(open, QStringLiteral("   ")));
        QVERIFY(list->remove(open));
        QCOMPARE(list->count(), 2);
        QCOMPARE(h.app->chat()->chatId(), 0);  // the open chat was deleted: a new one shows
        QVERIFY(!h.app->storage().chats().chat(open));
    }

    void sectionsByAge() {
        const qint64 now = QDateTime(QDate(2026, 11, 23), QTime(12, 0)).toMSecsSinceEpoch();
        const qint64 day = 24LL * 3600 * 1000;
        QCOMPARE(ChatListModel::sectionFor(now - 1000, now), QStringLiteral("Today"));
        QCOMPARE(ChatListModel::sectionFor(now - day, now), QStringLiteral("Yesterday"));
        QCOMPARE(ChatListModel::sectionFor(now - 3 * day, now), QStringLiteral("Previous 7 days"));
        QCOMPARE(ChatListModel::sectionFor(now - 20 * day, now), QStringLiteral("Previous 30 days"));
        QCOMPARE(ChatListModel::sectionFor(now - 90 * day, now), QStringLiteral("August 2026"));
    }

    void restartKeepsEverything() {
        QTemporaryDir dir;
        QString reply;
        qint64 chatId = 0;
        {
            Harness h;
            h.script.tokenDelayMs = 0;
            h.start(dir.path());
            QVERIFY(h.importAndLoad());
            h.app->settings()->setTheme(QStringLiteral("dark"));
            h.app->settings()->setThreads(1);
            h.app->settings()->setOnebitInt8(true);
            h.app->settings()->saveWindowGeometry(10, 20, 1000, 700, false);
            h.app->chat()->setMaxTokens(6);
            QVERIFY(h.app->chat()->send(QStringLiteral("Remember me")));
            QVERIFY(h.waitReply());
            reply = h.messages()[1].text;
            chatId = h.app->chat()->chatId();
        }
        Harness h;
        h.start(dir.path());
        // The last model loads again by itself.
        QVERIFY(QTest::qWaitFor([&] { return h.app->engine()->ready(); }, 20'000));
        QCOMPARE(h.app->settings()->theme(), QStringLiteral("dark"));
        QCOMPARE(h.app->settings()->threads(), 1);
        QVERIFY(h.app->settings()->onebitInt8());
        // Settings apply to the load: the engine was asked for the int8 mode.
        QVERIFY(h.app->engine()->deviceName().endsWith(QStringLiteral("W1A8")));
        QCOMPARE(h.app->settings()->windowGeometry().value(QStringLiteral("width")).toInt(), 1000);
        QCOMPARE(h.app->chats()->count(), 1);
        QVERIFY(h.app->chat()->open(chatId));
        QCOMPARE(h.messages().size(), 2);
        QCOMPARE(h.messages()[0].text, QStringLiteral("Remember me"));
        QCOMPARE(h.messages()[1].text, reply);
        QCOMPARE(h.app->library()->count(), 1);
    }

    // Quitting while a reply streams: the reply is saved as stopped with its text so far.
    void closingMidReplyKeepsText() {
        QTemporaryDir dir;
        qint64 replyId = 0;
        {
            Harness h;
            h.script.tokenDelayMs = 2;
            h.start(dir.path());
            QVERIFY(h.importAndLoad());
            h.app->chat()->setMaxTokens(60'000);
            QVERIFY(h.app->chat()->send(QStringLiteral("Long one")));
            QVERIFY(QTest::qWaitFor([&] { return h.messages()[1].text.size() > 20; }, 10'000));
            replyId = h.messages()[1].id;
        }
        Harness h;
        h.start(dir.path());
        const auto m = h.app->storage().chats().message(replyId);
        QVERIFY(m);
        QCOMPARE(m->state, lowbit::app::MessageState::Stopped);
        QVERIFY(m->text.size() > 20);
        QVERIFY(words(2000).startsWith(m->text));
    }

    // The engine streams on its thread while the UI thread reads and writes the same database.
    void uiWorksWhileReplyStreams() {
        QTemporaryDir dir;
        Harness h;
        std::atomic<bool> gate{false};
        h.script.tokenDelayMs = 1;
        h.script.gate = &gate;
        h.start(dir.path());
        QVERIFY(h.importAndLoad());
        h.app->chat()->setMaxTokens(300);
        QVERIFY(h.app->chat()->send(QStringLiteral("stream")));
        const qint64 streamingChat = h.app->chat()->chatId();
        // The engine waits at its gate: everything below happens while it is mid-reply.
        QVERIFY(QTest::qWaitFor([&] { return !h.messages()[1].text.isEmpty(); }, 10'000));
        QVERIFY(h.app->chat()->generating());
        QVERIFY(!h.app->chat()->canSend());  // one reply at a time
        h.app->chats()->rename(streamingChat, QStringLiteral("Busy chat"));
        h.app->chats()->setSearchText(QStringLiteral("Busy"));
        QCOMPARE(h.app->chats()->count(), 1);
        h.app->chats()->setSearchText({});
        // Opening another chat does not disturb the reply, which keeps being saved.
        h.app->chat()->newChat();
        QVERIFY(h.app->chat()->generating());
        QVERIFY(!h.app->chat()->replyVisible());
        gate = true;
        QVERIFY(h.waitReply());
        const auto stored = h.app->storage().chats().messages(streamingChat);
        QCOMPARE(stored[1].text, words(300));
        QCOMPARE(stored[1].state, lowbit::app::MessageState::Complete);
        QVERIFY(h.app->chat()->open(streamingChat));
        QCOMPARE(h.messages()[1].text, words(300));
        QCOMPARE(h.app->chat()->title(), QStringLiteral("Busy chat"));
    }

    // Safetensors weights are not a library model: their Hugging Face folder goes to the
    // conversion wizard (asked for through conversionSuggested); weights without a config.json
    // beside them, or a folder of something else, are refused in words.
    void librarySendsSafetensorsToConversion() {
        QTemporaryDir dir;
        Harness h;
        h.start(dir.path());
        ModelLibrary* lib = h.app->library();
        QSignalSpy suggested(lib, &ModelLibrary::conversionSuggested);
        QSignalSpy failed(lib, &ModelLibrary::importFailed);
        auto write = [](const QString& path, const QByteArray& bytes) {
            QFile f(path);
            return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
        };
        const QString hf = dir.filePath(QStringLiteral("tiny-hf"));
        QVERIFY(QDir().mkpath(hf));
        QVERIFY(write(hf + QStringLiteral("/config.json"), R"({"architectures": ["LlamaForCausalLM"]})"));
        QVERIFY(write(hf + QStringLiteral("/model.safetensors"), QByteArray(64, 'w')));

        lib->importUrls({hf});  // the folder
        QCOMPARE(suggested.count(), 1);
        QCOMPARE(suggested.takeFirst().at(0).toString(), QDir(hf).absolutePath());
        lib->importUrls({QUrl::fromLocalFile(hf + QStringLiteral("/model.safetensors"))});  // its weights
        QCOMPARE(suggested.count(), 1);
        QCOMPARE(suggested.takeFirst().at(0).toString(), QDir(hf).absolutePath());
        QCOMPARE(failed.count(), 0);

        const QString lone = dir.filePath(QStringLiteral("lone"));
        QVERIFY(QDir().mkpath(lone));
        QVERIFY(write(lone + QStringLiteral("/weights.safetensors"), QByteArray(64, 'w')));
        lib->importUrls({lone + QStringLiteral("/weights.safetensors"), lone});
        QCOMPARE(suggested.count(), 0);
        QCOMPARE(failed.count(), 2);
        QVERIFY(failed[0].at(0).toString().contains(QStringLiteral("config.json")));
        QVERIFY(failed[1].at(0).toString().contains(QStringLiteral("is a folder")));
        QTest::qWait(50);
        QCOMPARE(lib->count(), 0);
    }

    void libraryImportAndRemove() {
        QTemporaryDir dir;
        Harness h;
        h.start(dir.path());
        ModelLibrary* lib = h.app->library();
        QSignalSpy imported(lib, &ModelLibrary::imported);
        QSignalSpy failed(lib, &ModelLibrary::importFailed);
        const QString notModel = dir.filePath(QStringLiteral("notes.txt"));
        QFile f(notModel);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("hello");
        f.close();
        const QString fake = dir.filePath(QStringLiteral("fake.gguf"));
        QFile g(fake);
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write("GGUF nonsense");
        g.close();
        lib->importUrls({QUrl::fromLocalFile(notModel), QUrl::fromLocalFile(fake),
                         QUrl::fromLocalFile(modelFile("random-qwen2-f16.gguf")),
                         modelFile("random-llama-spm-TQ1_0.gguf")});
        QVERIFY(QTest::qWaitFor([&] { return imported.size() == 2 && lib->busy() == 0; }, 20'000));
        QCOMPARE(failed.size(), 2);  // the text file and the fake GGUF, each with a message
        QVERIFY(failed[0].at(0).toString().contains(QStringLiteral("notes.txt")));
        QVERIFY(failed[1].at(0).toString().contains(QStringLiteral("fake.gguf")));
        QCOMPARE(lib->count(), 2);
        const QVariantMap qwen = lib->get(lib->indexOf(imported[0].at(0).toLongLong()));
        QCOMPARE(qwen.value(QStringLiteral("architecture")).toString(), QStringLiteral("qwen2"));
        QCOMPARE(qwen.value(QStringLiteral("format")).toString(), QStringLiteral("ChatML (Qwen)"));
        QCOMPARE(qwen.value(QStringLiteral("fitsLevel")).toInt(), 0);
        QVERIFY(qwen.value(QStringLiteral("fitsText")).toString().startsWith(QStringLiteral("Fits")));
        const QVariantMap tq1 = lib->get(lib->indexOf(imported[1].at(0).toLongLong()));
        QCOMPARE(tq1.value(QStringLiteral("linearBits")).toString(), QStringLiteral("1.69"));
        // Importing the same file again refreshes it instead of duplicating.
        lib->importPath(modelFile("random-qwen2-f16.gguf"));
        QVERIFY(QTest::qWaitFor([&] { return imported.size() == 3 && lib->busy() == 0; }, 20'000));
        QCOMPARE(lib->count(), 2);
        // Removing keeps the file (it is the shared test model).
        QVERIFY(lib->remove(imported[0].at(0).toLongLong(), false));
        QCOMPARE(lib->count(), 1);
        QVERIFY(QFile::exists(modelFile("random-qwen2-f16.gguf")));
    }

    void modelsFolderIsScanned() {
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath(QStringLiteral("models/sub")));
        QVERIFY(QFile::copy(modelFile("random-llama3-bpe-f16.gguf"),
                            dir.filePath(QStringLiteral("models/sub/a.gguf"))));
        QVERIFY(QFile::copy(modelFile("random-llama3-bpe-f16.gguf"),
                            dir.filePath(QStringLiteral("models/b.gguf.part"))));
        Harness h;
        h.start(dir.path());
        QVERIFY(QTest::qWaitFor(
            [&] { return h.app->library()->count() == 1 && h.app->library()->busy() == 0; }, 20'000));
        QCOMPARE(h.app->library()->get(0).value(QStringLiteral("fileName")).toString(),
                 QStringLiteral("a.gguf"));
        QCOMPARE(h.app->library()->get(0).value(QStringLiteral("format")).toString(),
                 QStringLiteral("Llama 3"));
    }

    void damagedDatabaseIsKeptAndReplacedOnRequest() {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("lowbit.db"));
        QFile f(db);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(8192, 'x'));
        f.close();
        const QByteArray before = fileHash(db);
        Harness h;
        h.script.tokenDelayMs = 0;
        h.start(dir.path());
        QCOMPARE(h.app->storageProblemKind(), QStringLiteral("damaged"));
        QVERIFY(h.app->storageProblem().contains(QStringLiteral("left untouched")));
        QVERIFY(h.app->temporaryStorage());
        QCOMPARE(fileHash(db), before);
        // The app works meanwhile, on a temporary history.
        QVERIFY(h.importAndLoad());
        h.app->chat()->setMaxTokens(2);
        QVERIFY(h.app->chat()->send(QStringLiteral("temporary")));
        QVERIFY(h.waitReply());
        QCOMPARE(fileHash(db), before);
        // Starting a new history moves the old file aside, byte for byte.
        QVERIFY(h.app->startNewHistory());
        QVERIFY(h.app->storageProblem().isEmpty());
        QVERIFY(!h.app->temporaryStorage());
        QVERIFY(h.app->notice().contains(QStringLiteral("damaged-")));
        const QStringList aside = QDir(dir.path()).entryList({QStringLiteral("lowbit.db.damaged-*")});
        QCOMPARE(aside.size(), 1);
        QCOMPARE(fileHash(dir.filePath(aside.first())), before);
        QCOMPARE(h.app->chats()->count(), 0);
        h.app->chat()->setMaxTokens(2);
        QVERIFY(h.app->chat()->send(QStringLiteral("saved now")));
        QVERIFY(h.waitReply());
        QCOMPARE(h.app->chats()->count(), 1);
    }

    void newerDatabaseIsLeftAlone() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        {
            auto db = lowbit::app::Database::open(path);
            QSqlQuery q(db->connection());
            QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode = DELETE")));
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 99")));
        }
        const QByteArray before = fileHash(path);
        Harness h;
        h.start(dir.path());
        QCOMPARE(h.app->storageProblemKind(), QStringLiteral("newer"));
        QVERIFY(h.app->storageProblem().contains(QStringLiteral("newer version")));
        h.app->dismissStorageProblem();
        QVERIFY(h.app->temporaryStorage());
        h.app.reset();
        QCOMPARE(fileHash(path), before);
    }
};

QTEST_MAIN(TestViewModels)
#include "test_view_models.moc"
