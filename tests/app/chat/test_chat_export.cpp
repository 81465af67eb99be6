// A chat exported as Markdown and JSON: the transcript holds every message as written (code
// fences intact), the speakers, the system prompt and the replies' figures and endings; the JSON
// holds every stored field and reads back as the same chat (chatFromJson), while other files are
// refused in words; file names drop characters file systems reject.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "chat/chat_export.h"

using namespace lowbit::app;

namespace {

ChatExport sampleChat() {
    ChatExport e;
    e.chat.id = 3;
    e.chat.title = QStringLiteral("Ternary weights");
    e.chat.systemPrompt = QStringLiteral("You are terse.\nAnswer in English.");
    e.chat.sampling = QStringLiteral(R"({"temperature":0.7,"top_k":40})");
    e.chat.promptFormat = QStringLiteral("chatml");
    e.chat.createdAt = 1'700'000'000'000;
    e.chat.updatedAt = 1'700'000'060'000;
    e.modelName = QStringLiteral("bitnet-2b4t");
    MessageRecord q;
    q.role = QStringLiteral("user");
    q.text = QStringLiteral("Why 1.58 bits?");
    q.createdAt = 1'700'000'000'000;
    MessageRecord a;
    a.role = QStringLiteral("assistant");
    a.text = QStringLiteral("Because log2(3) = 1.58.\n\n```python\nimport math\nprint(math.log2(3))\n```");
    a.modelName = QStringLiteral("bitnet-2b4t");
    a.createdAt = 1'700'000'001'000;
    a.promptTokens = 20;
    a.completionTokens = 12;
    a.tokensPerSecond = 35.54;
    a.prefillTokensPerSecond = 120.4;
    a.stopReason = QStringLiteral("end of generation");
    MessageRecord q2 = q;
    q2.text = QStringLiteral("And 2 bits?");
    MessageRecord cut = a;
    cut.text = QStringLiteral("Two bits hold");
    cut.state = MessageState::Stopped;
    cut.completionTokens = 3;
    e.messages = {q, a, q2, cut};
    return e;
}

}  // namespace

class TestChatExport : public QObject {
    Q_OBJECT

  private slots:
    void markdownTranscript() {
        const QString md = chatToMarkdown(sampleChat());
        QVERIFY(md.startsWith(QStringLiteral("# Ternary weights\n")));
        QVERIFY(md.contains(QStringLiteral("- Model: bitnet-2b4t\n")));
        QVERIFY(md.contains(QStringLiteral("- Prompt format: chatml\n")));
        QVERIFY2(md.contains(QStringLiteral("temperature 0.7")) && md.contains(QStringLiteral("top_k 40")),
                 qPrintable(md));
        QVERIFY(md.contains(QStringLiteral("## System prompt\n\n> You are terse.\n> Answer in English.\n")));
        QCOMPARE(md.count(QStringLiteral("\n### You · ")), 2);
        QCOMPARE(md.count(QStringLiteral("\n### bitnet-2b4t · ")), 2);
        QVERIFY(md.contains(QStringLiteral("```python\nimport math\nprint(math.log2(3))\n```\n")));
        QVERIFY2(md.contains(QStringLiteral(
                     "*12 tokens · 35.5 tok/s decode · 120 tok/s prefill · end of generation*")),
                 qPrintable(md));
        QVERIFY(md.contains(QStringLiteral("Two bits hold\n")));
        QVERIFY(md.contains(QStringLiteral("*3 tokens · 35.5 tok/s decode · 120 tok/s prefill · stopped*")));
        // Messages in order.
        QVERIFY(md.indexOf(QStringLiteral("Why 1.58 bits?")) < md.indexOf(QStringLiteral("Because log2")));
        QVERIFY(md.indexOf(QStringLiteral("And 2 bits?")) < md.indexOf(QStringLiteral("Two bits hold")));
    }

    void jsonHoldsEveryField() {
        const ChatExport e = sampleChat();
        QJsonParseError err;
        const QJsonObject o = QJsonDocument::fromJson(chatToJson(e), &err).object();
        QCOMPARE(err.error, QJsonParseError::NoError);
        QCOMPARE(o.value("format").toString(), QStringLiteral("lowbit-studio-chat"));
        QCOMPARE(o.value("title").toString(), e.chat.title);
        QCOMPARE(o.value("model").toString(), e.modelName);
        QCOMPARE(o.value("system_prompt").toString(), e.chat.systemPrompt);
        QCOMPARE(o.value("prompt_format").toString(), QStringLiteral("chatml"));
        QCOMPARE(o.value("sampling").toObject().value("top_k").toInt(), 40);
        QCOMPARE(o.value("created_at").toString(), QStringLiteral("2023-11-14T22:13:20.000Z"));
        const QJsonArray m = o.value("messages").toArray();
        QCOMPARE(m.size(), 4);
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(m[i].toObject().value("text").toString(), e.messages[i].text);
            QCOMPARE(m[i].toObject().value("role").toString(), e.messages[i].role);
        }
        QVERIFY(!m[0].toObject().contains("completion_tokens"));  // figures belong to replies
        QCOMPARE(m[1].toObject().value("completion_tokens").toInt(), 12);
        QCOMPARE(m[1].toObject().value("tokens_per_second").toDouble(), 35.54);
        QCOMPARE(m[1].toObject().value("stop_reason").toString(), QStringLiteral("end of generation"));
        QCOMPARE(m[3].toObject().value("state").toString(), QStringLiteral("stopped"));
    }

    void jsonReadsBack() {
        ChatExport e = sampleChat();
        e.messages[3].state = MessageState::Streaming;  // exported mid-reply
        QString why;
        const auto back = chatFromJson(chatToJson(e), &why);
        QVERIFY2(back, qPrintable(why));
        QCOMPARE(back->chat.title, e.chat.title);
        QCOMPARE(back->chat.systemPrompt, e.chat.systemPrompt);
        QCOMPARE(back->chat.promptFormat, e.chat.promptFormat);
        QCOMPARE(QJsonDocument::fromJson(back->chat.sampling.toUtf8()),
                 QJsonDocument::fromJson(e.chat.sampling.toUtf8()));
        QCOMPARE(back->chat.createdAt, e.chat.createdAt);
        QCOMPARE(back->chat.updatedAt, e.chat.updatedAt);
        QCOMPARE(back->modelName, e.modelName);
        QCOMPARE(back->messages.size(), e.messages.size());
        for (int i = 0; i < e.messages.size(); ++i) {
            const MessageRecord &a = back->messages[i], &b = e.messages[i];
            QCOMPARE(a.role, b.role);
            QCOMPARE(a.text, b.text);
            QCOMPARE(a.createdAt, b.createdAt);
            QCOMPARE(a.modelName, b.role == QLatin1String("user") ? QString() : b.modelName);
            QCOMPARE(a.completionTokens, b.role == QLatin1String("user") ? 0 : b.completionTokens);
            QCOMPARE(a.tokensPerSecond, b.role == QLatin1String("user") ? 0.0 : b.tokensPerSecond);
            QCOMPARE(a.stopReason, b.role == QLatin1String("user") ? QString() : b.stopReason);
        }
        QCOMPARE(back->messages[1].state, MessageState::Complete);
        QCOMPARE(back->messages[3].state, MessageState::Interrupted);  // it will never finish
    }

    void otherFilesAreRefused_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("says");
        QTest::newRow("not json") << QByteArray("# Ternary weights\n") << QStringLiteral("not a JSON file");
        QTest::newRow("other json") << QByteArray(R"({"messages": []})")
                                    << QStringLiteral("not a chat exported");
        QTest::newRow("newer version")
            << QByteArray(R"({"format": "lowbit-studio-chat", "version": 2})") << QStringLiteral("version 2");
        QTest::newRow("no messages") << QByteArray(R"({"format": "lowbit-studio-chat", "version": 1})")
                                     << QStringLiteral("no list of messages");
        QTest::newRow("system role")
            << QByteArray(
                   R"({"format": "lowbit-studio-chat", "version": 1, "messages": [{"role": "system", "text": "x"}]})")
            << QStringLiteral("Message 1");
        QTest::newRow("no text")
            << QByteArray(
                   R"({"format": "lowbit-studio-chat", "version": 1, "messages": [{"role": "user", "text": "a"}, {"role": "assistant"}]})")
            << QStringLiteral("Message 2 of the chat file has no text");
    }
    void otherFilesAreRefused() {
        QFETCH(QByteArray, json);
        QFETCH(QString, says);
        QString why;
        QVERIFY(!chatFromJson(json, &why));
        QVERIFY2(why.contains(says), qPrintable(why));
    }

    void emptyChatStillExports() {
        ChatExport e;
        e.chat.title = QStringLiteral("New chat");
        QVERIFY(chatToMarkdown(e).startsWith(QStringLiteral("# New chat\n")));
        QVERIFY(!chatToMarkdown(e).contains(QStringLiteral("System prompt")));
        QCOMPARE(QJsonDocument::fromJson(chatToJson(e)).object().value("messages").toArray().size(), 0);
    }

    void fileNames() {
        QCOMPARE(chatFileName(QStringLiteral("Why 1/2: a test?"), QStringLiteral("md")),
                 QStringLiteral("Why 1-2- a test-.md"));
        QCOMPARE(chatFileName(QStringLiteral("  "), QStringLiteral("json")), QStringLiteral("chat.json"));
        QCOMPARE(chatFileName(QStringLiteral("..hidden"), QStringLiteral("md")), QStringLiteral("hidden.md"));
        QCOMPARE(chatFileName(QString(200, QLatin1Char('a')), QStringLiteral("md")).size(), 83);
    }
};

QTEST_GUILESS_MAIN(TestChatExport)
#include "test_chat_export.moc"
