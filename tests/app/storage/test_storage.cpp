// Storage: schema creation and migrations from every earlier version, refusal of damaged,
// foreign and newer files without touching them, chat/message operations, the throttled
// streaming writer, and concurrent use from a worker thread.
#include <QCryptographicHash>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <atomic>

#include "schema_history.h"
#include "storage/chat_store.h"
#include "storage/database.h"
#include "storage/model_store.h"
#include "storage/reply_writer.h"
#include "storage/schema.h"
#include "storage/storage_error.h"

using namespace lowbit::app;

namespace {

// Runs statements on a plain connection that is closed again before returning, the way an
// old release would have left a file on disk.
void writeRaw(const QString& path, const QStringList& statements) {
    const QString name = QStringLiteral("raw-writer");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        for (const QString& s : statements) QVERIFY2(q.exec(s), qPrintable(s + ": " + q.lastError().text()));
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

QStringList v1Statements() {
    QStringList out;
    for (const char* s : lowbit::test::schema_history::kV1) out << QString::fromUtf8(s);
    return out;
}

QStringList v2Statements() {
    QStringList out = v1Statements();
    for (const char* s : lowbit::test::schema_history::kV2Delta) out << QString::fromUtf8(s);
    return out;
}

QByteArray fileHash(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

// Every table's columns (name, type, notnull, default, pk) and every index, as one text, to
// compare a migrated file with a fresh one.
QString schemaFingerprint(Database& db) {
    QSqlDatabase c = db.connection();
    QStringList parts;
    QSqlQuery tables(c);
    tables.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"));
    QStringList names;
    while (tables.next()) names << tables.value(0).toString();
    for (const QString& t : names) {
        QSqlQuery cols(c);
        cols.exec(QStringLiteral("PRAGMA table_info(%1)").arg(t));
        QStringList colText;
        while (cols.next()) {
            colText << QStringLiteral("%1 %2 nn=%3 def=%4 pk=%5")
                           .arg(cols.value(1).toString(), cols.value(2).toString(), cols.value(3).toString(),
                                cols.value(4).toString(), cols.value(5).toString());
        }
        colText.sort();
        QSqlQuery fks(c);
        fks.exec(QStringLiteral("PRAGMA foreign_key_list(%1)").arg(t));
        while (fks.next()) {
            colText << QStringLiteral("fk %1->%2.%3 on delete %4")
                           .arg(fks.value(3).toString(), fks.value(2).toString(), fks.value(4).toString(),
                                fks.value(6).toString());
        }
        parts << t + QStringLiteral(": ") + colText.join(QStringLiteral(", "));
    }
    QSqlQuery idx(c);
    idx.exec(
        QStringLiteral("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                       "ORDER BY name"));
    while (idx.next())
        parts << QStringLiteral("index %1 on %2").arg(idx.value(0).toString(), idx.value(1).toString());
    return parts.join(QLatin1Char('\n'));
}

QVariant scalarOn(Database& db, const QString& statement) {
    QSqlQuery q(db.connection());
    if (!q.exec(statement) || !q.next()) return {};
    return q.value(0);
}

}  // namespace

class TestStorage : public QObject {
    Q_OBJECT

  private slots:
    void freshDatabaseHasLatestSchema() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sub/folder/lowbit.db"));
        auto db = Database::open(path);
        QVERIFY(db->report().created);
        QCOMPARE(db->report().version, schema::latestVersion());
        QCOMPARE(scalarOn(*db, QStringLiteral("PRAGMA user_version")).toInt(), schema::latestVersion());
        QCOMPARE(scalarOn(*db, QStringLiteral("PRAGMA application_id")).toInt(), schema::kApplicationId);
        QCOMPARE(scalarOn(*db, QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
        QCOMPARE(scalarOn(*db, QStringLiteral("PRAGMA foreign_keys")).toInt(), 1);
        QVERIFY(db->report().backupPath.isEmpty());
    }

    void migratesFromV1() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        QStringList st = v1Statements();
        st << "INSERT INTO models(id, path, name, added_at) VALUES(7, '/m/tiny.gguf', 'Tiny', 1000)"
           << "INSERT INTO chats(id, title, model_path, created_at, updated_at) VALUES(1, 'Known model', "
              "'/m/tiny.gguf', 1100, 1200)"
           << "INSERT INTO chats(id, title, model_path, created_at, updated_at) VALUES(2, 'Unknown model', "
              "'/elsewhere/other-Q4.gguf', 1300, 1400)"
           << "INSERT INTO chats(id, title, model_path, created_at, updated_at) VALUES(3, 'No model', NULL, "
              "1500, 1600)"
           << "INSERT INTO messages(chat_id, role, text, created_at) VALUES(1, 'user', 'Hello', 1110)"
           << "INSERT INTO messages(chat_id, role, text, created_at) VALUES(1, 'assistant', 'Hi there', 1120)"
           << "INSERT INTO messages(chat_id, role, text, created_at) VALUES(2, 'user', 'Second', 1310)"
           << "INSERT INTO settings(key, value) VALUES('theme', 'dark')";
        writeRaw(path, st);
        const QByteArray before = fileHash(path);

        auto db = Database::open(path);
        QCOMPARE(db->report().foundVersion, 1);
        QCOMPARE(db->report().version, schema::latestVersion());
        // The pre-migration copy holds the old bytes' content (same schema version and rows).
        QVERIFY(QFile::exists(db->report().backupPath));
        QVERIFY(!before.isEmpty());
        {
            const QString name = QStringLiteral("backup-check");
            {
                QSqlDatabase b = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
                b.setDatabaseName(db->report().backupPath);
                QVERIFY(b.open());
                QSqlQuery q(b);
                QVERIFY(q.exec(QStringLiteral("PRAGMA user_version")) && q.next());
                QCOMPARE(q.value(0).toInt(), 1);
                QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM messages")) && q.next());
                QCOMPARE(q.value(0).toInt(), 3);
                b.close();
            }
            QSqlDatabase::removeDatabase(name);
        }

        ChatStore chats(*db);
        ModelStore models(*db);
        const auto c1 = chats.chat(1);
        QVERIFY(c1);
        QCOMPARE(c1->title, QStringLiteral("Known model"));
        QCOMPARE(c1->modelId, 7);
        QCOMPARE(c1->systemPrompt, QString());
        QCOMPARE(c1->promptFormat, QStringLiteral("auto"));
        // A chat whose model was not in the library gets a library row instead of losing the link.
        const auto c2 = chats.chat(2);
        QVERIFY(c2 && c2->modelId != 0);
        const auto m2 = models.model(c2->modelId);
        QVERIFY(m2);
        QCOMPARE(m2->path, QStringLiteral("/elsewhere/other-Q4.gguf"));
        QCOMPARE(m2->name, QStringLiteral("other-Q4"));
        QCOMPARE(m2->addedAt, 1300);
        QCOMPARE(chats.chat(3)->modelId, 0);

        const auto msgs = chats.messages(1);
        QCOMPARE(msgs.size(), 2);
        QCOMPARE(msgs[1].text, QStringLiteral("Hi there"));
        QCOMPARE(msgs[1].state, MessageState::Complete);
        QCOMPARE(msgs[1].updatedAt, 1120);
        QCOMPARE(SettingsStore(*db).value(QStringLiteral("theme")), QStringLiteral("dark"));

        // The migrated file has exactly the schema of a new one.
        QTemporaryDir freshDir;
        auto fresh = Database::open(freshDir.filePath(QStringLiteral("fresh.db")));
        QCOMPARE(schemaFingerprint(*db), schemaFingerprint(*fresh));

        // Opening again is a no-op (no new backup, same version).
        db.reset();
        auto again = Database::open(path);
        QCOMPARE(again->report().foundVersion, schema::latestVersion());
        QVERIFY(again->report().backupPath.isEmpty());
    }

    void migratesFromV2() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        QStringList st = v2Statements();
        st << "INSERT INTO models(id, path, name, added_at) VALUES(1, '/m/a.gguf', 'Alpha', 10)"
           << "INSERT INTO models(id, path, name, added_at) VALUES(2, '/m/b.gguf', 'Twin', 10)"
           << "INSERT INTO models(id, path, name, added_at) VALUES(3, '/m/c.gguf', 'Twin', 10)"
           << "INSERT INTO chats(id, title, model_path, created_at, updated_at, system_prompt, sampling) "
              "VALUES(5, 'Chat', '/m/a.gguf', 100, 200, 'Be brief.', '{\"temperature\":0.2}')"
           << "INSERT INTO messages(chat_id, role, text, created_at) VALUES(5, 'user', 'Q', 110)"
           << "INSERT INTO messages(chat_id, role, text, created_at, model_name, prompt_tokens, "
              "completion_tokens, "
              "tokens_per_second) VALUES(5, 'assistant', 'A', 120, 'Alpha', 12, 34, 56.5)"
           << "INSERT INTO messages(chat_id, role, text, created_at, model_name) VALUES(5, 'assistant', 'B', "
              "130, "
              "'Twin')";
        writeRaw(path, st);

        auto db = Database::open(path);
        QCOMPARE(db->report().foundVersion, 2);
        QCOMPARE(db->report().version, schema::latestVersion());
        ChatStore chats(*db);
        const auto c = chats.chat(5);
        QVERIFY(c);
        QCOMPARE(c->systemPrompt, QStringLiteral("Be brief."));
        QCOMPARE(c->sampling, QStringLiteral("{\"temperature\":0.2}"));
        QCOMPARE(c->modelId, 1);
        const auto msgs = chats.messages(5);
        QCOMPARE(msgs.size(), 3);
        QCOMPARE(msgs[1].modelName, QStringLiteral("Alpha"));
        QCOMPARE(msgs[1].modelId, 1);  // unambiguous name -> linked
        QCOMPARE(msgs[1].promptTokens, 12);
        QCOMPARE(msgs[1].completionTokens, 34);
        QCOMPARE(msgs[1].tokensPerSecond, 56.5);
        QCOMPARE(msgs[2].modelId, 0);  // two models named "Twin": left unlinked, name kept
        QCOMPARE(msgs[2].modelName, QStringLiteral("Twin"));

        QTemporaryDir freshDir;
        auto fresh = Database::open(freshDir.filePath(QStringLiteral("fresh.db")));
        QCOMPARE(schemaFingerprint(*db), schemaFingerprint(*fresh));
    }

    // A migration that fails half-way leaves the file at its old version with its rows.
    void failedMigrationRollsBack() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        QStringList st = v2Statements();
        // A dangling reference written while foreign keys were off (as any tool could).
        st << "PRAGMA foreign_keys = OFF"
           << "INSERT INTO messages(chat_id, role, text, created_at) VALUES(99, 'user', 'orphan', 1)";
        writeRaw(path, st);
        try {
            Database::open(path);
            QFAIL("expected the migration to be refused");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageError::Kind::Query);
            QVERIFY2(e.message().contains(QStringLiteral("version 3")), qPrintable(e.message()));
        }
        writeRaw(path, {});
        const QString name = QStringLiteral("after-rollback");
        {
            QSqlDatabase b = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            b.setDatabaseName(path);
            QVERIFY(b.open());
            QSqlQuery q(b);
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version")) && q.next());
            QCOMPARE(q.value(0).toInt(), 2);
            QVERIFY(q.exec(QStringLiteral("SELECT text FROM messages")) && q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("orphan"));
            QVERIFY(!q.exec(QStringLiteral("SELECT state FROM messages")));  // v3 column absent
            b.close();
        }
        QSqlDatabase::removeDatabase(name);
    }

    void refusesGarbageWithoutTouchingIt() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray("this is not a database, but it is somebody's file\n").repeated(200));
        f.close();
        const QByteArray before = fileHash(path);
        try {
            Database::open(path);
            QFAIL("garbage was accepted");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageError::Kind::Damaged);
            QVERIFY(e.message().contains(QStringLiteral("left untouched")));
            QCOMPARE(e.path(), QFileInfo(path).absoluteFilePath());
        }
        QCOMPARE(fileHash(path), before);
        QVERIFY(!QFile::exists(path + "-wal"));
    }

    void refusesCorruptedPagesWithoutTouchingThem() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        {
            auto db = Database::open(path);
            ChatStore chats(*db);
            for (int i = 0; i < 40; ++i) {
                const qint64 id = chats.createChat({.title = QStringLiteral("chat %1").arg(i)});
                MessageRecord m;
                m.chatId = id;
                m.role = QStringLiteral("user");
                m.text = QString(500, QChar(u'a' + i % 26));
                chats.appendMessage(m);
            }
            QSqlQuery(db->connection()).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
            QSqlQuery(db->connection()).exec(QStringLiteral("PRAGMA journal_mode = DELETE"));
        }
        // Scribble over the middle of the file: b-tree pages become nonsense.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        const qint64 size = f.size();
        QVERIFY(size > 8 * 4096);
        f.seek(2 * 4096);
        f.write(QByteArray(3 * 4096, '\xA5'));
        f.close();
        const QByteArray before = fileHash(path);
        try {
            Database::open(path);
            QFAIL("a corrupted file was accepted");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageError::Kind::Damaged);
        }
        QCOMPARE(fileHash(path), before);

        // The app then offers to move it aside and start over; the old bytes survive.
        const QString aside = Database::moveAside(path, QStringLiteral("damaged"));
        QVERIFY(!QFile::exists(path));
        QCOMPARE(fileHash(aside), before);
        auto db = Database::open(path);
        QVERIFY(db->report().created);
    }

    void refusesNewerVersionWithoutTouchingIt() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        {
            auto db = Database::open(path);
            ChatStore(*db).createChat({.title = QStringLiteral("from the future")});
            QSqlQuery q(db->connection());
            QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode = DELETE")));
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = %1").arg(schema::latestVersion() + 5)));
        }
        const QByteArray before = fileHash(path);
        try {
            Database::open(path);
            QFAIL("a newer database was accepted");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageError::Kind::TooNew);
            QVERIFY2(e.message().contains(QStringLiteral("newer version")), qPrintable(e.message()));
            QVERIFY(e.message().contains(QString::number(schema::latestVersion() + 5)));
        }
        QCOMPARE(fileHash(path), before);
        QVERIFY(!QFile::exists(path + "-wal"));
    }

    void refusesForeignDatabase() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("other.db"));
        writeRaw(path, {QStringLiteral("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)"),
                        QStringLiteral("INSERT INTO invoices(total) VALUES(12.5)")});
        const QByteArray before = fileHash(path);
        try {
            Database::open(path);
            QFAIL("a foreign database was accepted");
        } catch (const StorageError& e) {
            QCOMPARE(e.kind(), StorageError::Kind::Foreign);
        }
        QCOMPARE(fileHash(path), before);
    }

    void chatsAndMessages() {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("lowbit.db")));
        ChatStore chats(*db);
        ModelStore models(*db);
        const qint64 modelId =
            models.upsert({.path = QStringLiteral("/m/x.gguf"), .name = QStringLiteral("X")});
        const qint64 a = chats.createChat({.title = QStringLiteral("Alpha"), .modelId = modelId});
        QTest::qWait(3);
        const qint64 b = chats.createChat(
            {.title = QStringLiteral("Beta 100% sure"), .systemPrompt = QStringLiteral("S")});
        QCOMPARE(chats.listChats().first().id, b);  // newest first

        MessageRecord m;
        m.chatId = a;
        m.role = QStringLiteral("user");
        m.text = QStringLiteral("What is a ternary weight?");
        QTest::qWait(3);  // timestamps have millisecond resolution
        const qint64 m1 = chats.appendMessage(m);
        QCOMPARE(chats.listChats().first().id, a);  // a message moves its chat up

        // Search matches titles and message text; LIKE wildcards in the query are literal.
        QCOMPARE(chats.listChats(QStringLiteral("ternary")).size(), 1);
        QCOMPARE(chats.listChats(QStringLiteral("TERNARY")).first().id, a);
        QCOMPARE(chats.listChats(QStringLiteral("100%")).size(), 1);
        QCOMPARE(chats.listChats(QStringLiteral("%")).size(), 1);
        QCOMPARE(chats.listChats(QStringLiteral("_")).size(), 0);

        chats.renameChat(a, QStringLiteral("Ternary weights"));
        QCOMPARE(chats.chat(a)->title, QStringLiteral("Ternary weights"));
        chats.updateChatSettings(a, QStringLiteral("You are terse."), QStringLiteral("{\"top_k\":5}"),
                                 QStringLiteral("chatml"));
        QCOMPARE(chats.chat(a)->promptFormat, QStringLiteral("chatml"));
        QCOMPARE(chats.chat(a)->sampling, QStringLiteral("{\"top_k\":5}"));

        MessageRecord r;
        r.chatId = a;
        r.role = QStringLiteral("assistant");
        r.state = MessageState::Streaming;
        r.modelId = modelId;
        r.modelName = QStringLiteral("X");
        const qint64 m2 = chats.appendMessage(r);
        chats.updateStreamingReply(m2, QStringLiteral("It is one of"), 4);
        QCOMPARE(chats.message(m2)->text, QStringLiteral("It is one of"));
        QCOMPARE(chats.message(m2)->state, MessageState::Streaming);
        chats.finishReply(m2, QStringLiteral("It is one of -1, 0, 1."), MessageState::Complete,
                          {.promptTokens = 20,
                           .completionTokens = 9,
                           .tokensPerSecond = 42.5,
                           .prefillTokensPerSecond = 300,
                           .stopReason = QStringLiteral("end of generation")});
        const auto done = chats.message(m2);
        QCOMPARE(done->state, MessageState::Complete);
        QCOMPARE(done->completionTokens, 9);
        QCOMPARE(done->tokensPerSecond, 42.5);
        QCOMPARE(done->stopReason, QStringLiteral("end of generation"));

        // Edit-and-resend: the edited message stays, everything after it goes.
        m.text = QStringLiteral("Follow-up");
        const qint64 m3 = chats.appendMessage(m);
        chats.rewriteFrom(m1, QStringLiteral("What is a binary weight?"));
        auto msgs = chats.messages(a);
        QCOMPARE(msgs.size(), 1);
        QCOMPARE(msgs[0].id, m1);
        QCOMPARE(msgs[0].text, QStringLiteral("What is a binary weight?"));
        QVERIFY(!chats.message(m3));

        // Regenerate: the reply and what follows are removed.
        r.state = MessageState::Complete;
        const qint64 m4 = chats.appendMessage(r);
        chats.truncateFrom(m4);
        QCOMPARE(chats.messageCount(a), 1);

        // Removing the model keeps the chat and its messages, unlinked.
        models.remove(modelId);
        QCOMPARE(chats.chat(a)->modelId, 0);
        QCOMPARE(chats.messageCount(a), 1);

        // Deleting a chat deletes its messages (foreign key cascade).
        chats.deleteChat(a);
        QVERIFY(!chats.chat(a));
        QCOMPARE(scalarOn(*db, QStringLiteral("SELECT COUNT(*) FROM messages")).toInt(), 0);
    }

    void modelUpsertKeepsIdentity() {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("lowbit.db")));
        ModelStore models(*db);
        ModelRecord rec{.path = QStringLiteral("/m/a.gguf"), .name = QStringLiteral("A"), .nParams = 100};
        const qint64 id = models.upsert(rec);
        models.setLineage(id, QStringLiteral("{\"source\":\"hf\"}"));
        const qint64 added = models.model(id)->addedAt;
        rec.nParams = 200;
        rec.name = QStringLiteral("A2");
        QTest::qWait(2);
        QCOMPARE(models.upsert(rec), id);
        const auto m = models.model(id);
        QCOMPARE(m->nParams, 200);
        QCOMPARE(m->name, QStringLiteral("A2"));
        QCOMPARE(m->addedAt, added);
        QCOMPARE(m->lineage, QStringLiteral("{\"source\":\"hf\"}"));
        QCOMPARE(models.modelByPath(QStringLiteral("/m/a.gguf"))->id, id);
        QCOMPARE(models.listModels().size(), 1);
        models.markUsed(id);
        QVERIFY(models.model(id)->lastUsedAt > 0);
    }

    void replyWriterThrottles() {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("lowbit.db")));
        ChatStore chats(*db);
        const qint64 chat = chats.createChat({.title = QStringLiteral("t")});
        MessageRecord r{
            .chatId = chat, .role = QStringLiteral("assistant"), .state = MessageState::Streaming};
        const qint64 id = chats.appendMessage(r);

        // Token batch: a long interval, so only the count triggers writes.
        ReplyWriter w(chats, id, 60'000, 5);
        for (int i = 0; i < 4; ++i) w.append(QStringLiteral("t%1 ").arg(i), 1);
        QCOMPARE(w.flushCount(), 0);
        QCOMPARE(chats.message(id)->text, QString());
        w.append(QStringLiteral("t4 "), 1);
        QCOMPARE(w.flushCount(), 1);
        QCOMPARE(chats.message(id)->text, QStringLiteral("t0 t1 t2 t3 t4 "));
        QCOMPARE(chats.message(id)->completionTokens, 5);

        // Interval: the tail is written by the timer even when no more tokens come.
        ReplyWriter w2(chats, id, 30, 1000);
        w2.append(QStringLiteral("tail"), 1);
        QTRY_COMPARE_WITH_TIMEOUT(chats.message(id)->text, QStringLiteral("tail"), 2000);
        QCOMPARE(chats.message(id)->state, MessageState::Streaming);

        w2.append(QStringLiteral(" end"), 1);
        w2.finish(MessageState::Stopped, {.completionTokens = 2, .stopReason = QStringLiteral("stopped")});
        const auto m = chats.message(id);
        QCOMPARE(m->text, QStringLiteral("tail end"));
        QCOMPARE(m->state, MessageState::Stopped);
        QCOMPARE(m->stopReason, QStringLiteral("stopped"));
        w2.append(QStringLiteral("ignored"), 1);  // after finish: no effect
        QTest::qWait(60);
        QCOMPARE(chats.message(id)->text, QStringLiteral("tail end"));
    }

    void interruptedRepliesAreRecovered() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        {
            auto db = Database::open(path);
            ChatStore chats(*db);
            const qint64 chat = chats.createChat({.title = QStringLiteral("t")});
            const qint64 id = chats.appendMessage(
                {.chatId = chat, .role = QStringLiteral("assistant"), .state = MessageState::Streaming});
            chats.updateStreamingReply(id, QStringLiteral("half a reply"), 3);
        }
        auto db = Database::open(path);
        ChatStore chats(*db);
        QCOMPARE(chats.recoverInterruptedReplies(), 1);
        const auto msgs = chats.messages(chats.listChats().first().id);
        QCOMPARE(msgs.first().state, MessageState::Interrupted);
        QCOMPARE(msgs.first().text, QStringLiteral("half a reply"));
        QCOMPARE(chats.recoverInterruptedReplies(), 0);
    }

    // A worker thread streams a reply through its own connection while the UI thread keeps
    // creating, reading and renaming chats: WAL + busy timeout + IMMEDIATE transactions mean
    // neither side ever sees "database is locked", and nothing written is lost.
    void concurrentUiAndWorker() {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("lowbit.db")));
        ChatStore chats(*db);
        const qint64 chat = chats.createChat({.title = QStringLiteral("shared")});
        const qint64 reply = chats.appendMessage(
            {.chatId = chat, .role = QStringLiteral("assistant"), .state = MessageState::Streaming});

        std::atomic<int> workerErrors{0};
        std::atomic<bool> done{false};
        QString expected;
        for (int i = 0; i < 400; ++i) expected += QStringLiteral("w%1 ").arg(i);
        QThread* worker = QThread::create([&] {
            ChatStore workerChats(*db);
            QString text;
            try {
                for (int i = 0; i < 400; ++i) {
                    text += QStringLiteral("w%1 ").arg(i);
                    workerChats.updateStreamingReply(reply, text, i + 1);
                    if (i % 50 == 0) {
                        workerChats.appendMessage({.chatId = chat,
                                                   .role = QStringLiteral("user"),
                                                   .text = QStringLiteral("note %1").arg(i)});
                    }
                }
                workerChats.finishReply(reply, text, MessageState::Complete, {.completionTokens = 400});
            } catch (const StorageError& e) {
                qWarning("worker: %s", qPrintable(e.message()));
                ++workerErrors;
            }
            db->releaseThreadConnection();
            done = true;
        });
        worker->start();
        int uiOps = 0;
        while (!done) {
            const qint64 c = chats.createChat({.title = QStringLiteral("ui %1").arg(uiOps)});
            chats.renameChat(c, QStringLiteral("ui renamed %1").arg(uiOps));
            const auto list = chats.listChats();
            QVERIFY(!list.isEmpty());
            const auto m = chats.message(reply);
            QVERIFY(m);
            QVERIFY(expected.startsWith(m->text));  // readers see a consistent prefix, never a torn write
            ++uiOps;
        }
        QVERIFY(worker->wait(30'000));
        delete worker;
        QCOMPARE(workerErrors.load(), 0);
        QVERIFY(uiOps > 0);
        const auto m = chats.message(reply);
        QCOMPARE(m->text, expected);
        QCOMPARE(m->state, MessageState::Complete);
        QCOMPARE(chats.messageCount(chat), 1 + 8);
        QCOMPARE(chats.listChats().size(), 1 + uiOps);
    }
};

QTEST_GUILESS_MAIN(TestStorage)
#include "test_storage.moc"
