// Kill-during-write recovery: a child process streams a reply into the database and is killed
// with SIGKILL in the middle. Reopening finds the chat, the reply text up to at least the last
// write the child reported (a prefix of what it was producing), marked "interrupted", and a
// healthy file.
#include <QCoreApplication>
#include <QProcess>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "storage/chat_store.h"
#include "storage/database.h"

using namespace lowbit::app;

class TestReplyKill : public QObject {
    Q_OBJECT

  private slots:
    void killedWriterKeepsWhatWasWritten() {
        for (int round = 0; round < 3; ++round) {
            QTemporaryDir dir;
            const QString path = dir.filePath(QStringLiteral("lowbit.db"));
            QProcess child;
            child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            child.start(QCoreApplication::applicationDirPath() + QStringLiteral("/reply_stream_child"),
                        {path});
            QVERIFY2(child.waitForStarted(10'000), qPrintable(child.errorString()));

            // Kill after a different number of writes each round, so the kill lands at
            // different points of the write cycle.
            const int killAfter = 3 + round * 4;
            int flushes = 0, lastFlushed = 0;
            QByteArray pending;
            while (flushes < killAfter) {
                QVERIFY2(child.waitForReadyRead(10'000), "the child stopped reporting writes");
                pending += child.readAllStandardOutput();
                int nl;
                while ((nl = pending.indexOf('\n')) >= 0) {
                    const QByteArray line = pending.left(nl);
                    pending.remove(0, nl + 1);
                    if (line.startsWith("flushed ")) {
                        ++flushes;
                        lastFlushed = line.mid(8).toInt();
                    }
                }
            }
            child.kill();  // SIGKILL: no destructor, no final write
            QVERIFY(child.waitForFinished(10'000));
            QCOMPARE(child.exitStatus(), QProcess::CrashExit);

            auto db = Database::open(path);
            {
                QSqlQuery q(db->connection());
                QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
                QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
            }
            ChatStore chats(*db);
            QCOMPARE(chats.recoverInterruptedReplies(), 1);
            const auto list = chats.listChats();
            QCOMPARE(list.size(), 1);
            QCOMPARE(list.first().title, QStringLiteral("killed mid-reply"));
            const auto msgs = chats.messages(list.first().id);
            QCOMPARE(msgs.size(), 2);
            QCOMPARE(msgs[0].text, QStringLiteral("Count for me."));
            const MessageRecord& reply = msgs[1];
            QCOMPARE(reply.state, MessageState::Interrupted);
            QVERIFY2(reply.text.size() >= lastFlushed,
                     qPrintable(QStringLiteral("kept %1 chars, child had reported %2")
                                    .arg(reply.text.size())
                                    .arg(lastFlushed)));
            QString expected;
            for (int i = 0; expected.size() < reply.text.size(); ++i)
                expected += QStringLiteral("word%1 ").arg(i);
            QCOMPARE(reply.text, expected.left(reply.text.size()));
            QVERIFY(reply.completionTokens > 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestReplyKill)
#include "test_reply_kill.moc"
