// Storage of comparison runs: migration v3 -> v4 keeps everything and adds the table (same
// schema as a fresh file), v4 -> v5 keeps the saved runs as perplexity runs beside the prompt
// panel's, and runs are saved, listed newest first by kind, reopened, renamed, removed.
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "schema_history.h"
#include "storage/chat_store.h"
#include "storage/compare_run_store.h"
#include "storage/database.h"
#include "storage/schema.h"

using namespace lowbit::app;

namespace {

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

QStringList v3Statements() {
    QStringList out;
    namespace h = lowbit::test::schema_history;
    for (const char* s : h::kV1) out << QString::fromUtf8(s);
    for (const char* s : h::kV2Delta) out << QString::fromUtf8(s);
    for (const char* s : h::kV3Delta) out << QString::fromUtf8(s);
    return out;
}

QStringList v4Statements() {
    QStringList out = v3Statements();
    for (const char* s : lowbit::test::schema_history::kV4Delta) out << QString::fromUtf8(s);
    return out;
}

// Columns of every table and the indices, to compare a migrated file with a fresh one.
QString schemaText(Database& db) {
    QSqlQuery q(db.connection());
    q.exec(QStringLiteral(
        "SELECT type, name, tbl_name FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"));
    QStringList parts;
    QStringList tables;
    while (q.next()) {
        parts << q.value(0).toString() + QLatin1Char(' ') + q.value(1).toString();
        if (q.value(0).toString() == QLatin1String("table")) tables << q.value(1).toString();
    }
    for (const QString& t : tables) {
        QSqlQuery cols(db.connection());
        cols.exec(QStringLiteral("PRAGMA table_info(%1)").arg(t));
        QStringList c;
        while (cols.next())
            c << QStringLiteral("%1 %2 %3 %4")
                     .arg(cols.value(1).toString(), cols.value(2).toString(), cols.value(3).toString(),
                          cols.value(4).toString());
        c.sort();
        parts << t + QStringLiteral(": ") + c.join(QStringLiteral(", "));
    }
    return parts.join(QLatin1Char('\n'));
}

}  // namespace

class TestCompareRuns : public QObject {
    Q_OBJECT

  private slots:
    void migratesFromV3() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        QStringList st = v3Statements();
        st << "INSERT INTO models(id, path, name, added_at, bits_per_weight) VALUES(4, '/m/t.gguf', 'T', 10, "
              "2.06)"
           << "INSERT INTO chats(id, title, created_at, updated_at, model_id) VALUES(9, 'Kept', 100, 200, 4)"
           << "INSERT INTO messages(chat_id, role, text, created_at, updated_at) VALUES(9, 'user', 'Hi', "
              "110, 110)";
        writeRaw(path, st);

        auto db = Database::open(path);
        QCOMPARE(db->report().foundVersion, 3);
        QCOMPARE(db->report().version, schema::latestVersion());
        QVERIFY(schema::latestVersion() >= 4);
        QVERIFY(!db->report().backupPath.isEmpty());
        ChatStore chats(*db);
        QCOMPARE(chats.chat(9)->title, QStringLiteral("Kept"));
        QCOMPARE(chats.chat(9)->modelId, 4);
        QCOMPARE(chats.messages(9).size(), 1);

        CompareRunStore runs(*db);
        QVERIFY(runs.listRuns().isEmpty());
        const qint64 id = runs.insert({0, QStringLiteral("after migration"), {}, {}, {}, 0});
        QVERIFY(id > 0);
        QCOMPARE(runs.run(id)->results, QStringLiteral("[]"));

        QTemporaryDir freshDir;
        auto fresh = Database::open(freshDir.filePath(QStringLiteral("fresh.db")));
        QCOMPARE(schemaText(*db), schemaText(*fresh));
    }

    void migratesFromV4() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        QStringList st = v4Statements();
        st << "INSERT INTO compare_runs(id, title, settings, results, machine, created_at) VALUES(7, "
              "'2 models', '{\"n_ctx\":64}', '[{\"ppl\":9.5}]', '{}', 500)";
        writeRaw(path, st);

        auto db = Database::open(path);
        QCOMPARE(db->report().foundVersion, 4);
        QCOMPARE(db->report().version, schema::latestVersion());
        QVERIFY(!db->report().backupPath.isEmpty());
        CompareRunStore runs(*db);
        const auto kept = runs.listRuns(run_kind::perplexity);
        QCOMPARE(kept.size(), 1);
        QCOMPARE(kept[0].id, 7);
        QCOMPARE(kept[0].kind, run_kind::perplexity);
        QCOMPARE(kept[0].results, QStringLiteral("[{\"ppl\":9.5}]"));
        QVERIFY(runs.listRuns(run_kind::prompt).isEmpty());

        QTemporaryDir freshDir;
        auto fresh = Database::open(freshDir.filePath(QStringLiteral("fresh.db")));
        QCOMPARE(schemaText(*db), schemaText(*fresh));
    }

    // The two kinds share the table but never each other's lists.
    void kindsAreListedApart() {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("lowbit.db")));
        CompareRunStore runs(*db);
        const qint64 ppl = runs.insert({0, QStringLiteral("ppl"), {}, {}, {}, 1000});
        CompareRunRecord p{0,
                           QStringLiteral("Once upon a time"),
                           QStringLiteral("{\"seed\":7}"),
                           QStringLiteral("[{\"text\":\"x\"}]"),
                           {},
                           2000,
                           run_kind::prompt};
        const qint64 prompt = runs.insert(p);
        QCOMPARE(runs.listRuns().size(), 1);
        QCOMPARE(runs.listRuns()[0].id, ppl);
        QCOMPARE(runs.listRuns(run_kind::prompt).size(), 1);
        QCOMPARE(runs.listRuns(run_kind::prompt)[0].id, prompt);
        QCOMPARE(runs.run(prompt)->kind, run_kind::prompt);
        QCOMPARE(runs.run(prompt)->results, QStringLiteral("[{\"text\":\"x\"}]"));
        QCOMPARE(runs.run(ppl)->kind, run_kind::perplexity);
        runs.remove(prompt);
        QVERIFY(runs.listRuns(run_kind::prompt).isEmpty());
    }

    void saveListReopenRemove() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lowbit.db"));
        qint64 older = 0, newer = 0;
        {
            auto db = Database::open(path);
            CompareRunStore runs(*db);
            older =
                runs.insert({0, QStringLiteral("first"), QStringLiteral("{\"n_ctx\":64}"),
                             QStringLiteral("[{\"ppl\":12.5}]"), QStringLiteral("{\"cpu\":\"x\"}"), 1000});
            newer = runs.insert({0, QStringLiteral("second"), {}, QStringLiteral("[{\"ppl\":3}]"), {}, 2000});
        }
        auto db = Database::open(path);  // reopened: survives a restart
        CompareRunStore runs(*db);
        const auto list = runs.listRuns();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list[0].id, newer);
        QCOMPARE(list[1].id, older);
        const auto r = runs.run(older);
        QVERIFY(r);
        QCOMPARE(r->title, QStringLiteral("first"));
        QCOMPARE(r->settings, QStringLiteral("{\"n_ctx\":64}"));
        QCOMPARE(r->results, QStringLiteral("[{\"ppl\":12.5}]"));
        QCOMPARE(r->machine, QStringLiteral("{\"cpu\":\"x\"}"));
        QCOMPARE(r->createdAt, 1000);
        QCOMPARE(runs.run(newer)->settings, QStringLiteral("{}"));
        runs.rename(older, QStringLiteral("renamed"));
        QCOMPARE(runs.run(older)->title, QStringLiteral("renamed"));
        runs.remove(newer);
        QVERIFY(!runs.run(newer));
        QCOMPARE(runs.listRuns().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestCompareRuns)
#include "test_compare_runs.moc"
