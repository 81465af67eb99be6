// Child process of test_reply_kill: streams a reply into the database the way the app does
// (ReplyWriter on the event loop) and reports each write on stdout, until it is killed.
// Usage: reply_stream_child DB_PATH
#include <QCoreApplication>
#include <QTimer>
#include <cstdio>

#include "storage/chat_store.h"
#include "storage/database.h"
#include "storage/reply_writer.h"

using namespace lowbit::app;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: reply_stream_child DB_PATH\n");
        return 2;
    }
    auto db = Database::open(QString::fromLocal8Bit(argv[1]));
    ChatStore chats(*db);
    const qint64 chat = chats.createChat({.title = QStringLiteral("killed mid-reply")});
    chats.appendMessage(
        {.chatId = chat, .role = QStringLiteral("user"), .text = QStringLiteral("Count for me.")});
    const qint64 reply = chats.appendMessage(
        {.chatId = chat, .role = QStringLiteral("assistant"), .state = MessageState::Streaming});
    std::printf("reply %lld\n", static_cast<long long>(reply));
    std::fflush(stdout);

    ReplyWriter writer(chats, reply, /*intervalMs=*/40, /*tokenBatch=*/16);
    QObject::connect(&writer, &ReplyWriter::flushed, [](int chars) {
        std::printf("flushed %d\n", chars);
        std::fflush(stdout);
    });
    int n = 0;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, [&] { writer.append(QStringLiteral("word%1 ").arg(n++), 1); });
    tick.start(2);
    return app.exec();  // never returns normally: the test kills us
}
