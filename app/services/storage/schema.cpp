#include "storage/schema.h"

#include <QFileInfo>
#include <QSqlQuery>

#include "storage/sql.h"

namespace lowbit::app::schema {
namespace {

void execAll(const QSqlDatabase& db, std::initializer_list<const char*> statements) {
    for (const char* s : statements) sql::exec(db, QString::fromUtf8(s));
}

// v1 (0.0.x): models by path, chats, messages with role and text, key/value settings.
void v1(const QSqlDatabase& db) {
    execAll(db, {
                    "CREATE TABLE models ("
                    "  id INTEGER PRIMARY KEY,"
                    "  path TEXT NOT NULL UNIQUE,"
                    "  name TEXT NOT NULL,"
                    "  added_at INTEGER NOT NULL)",
                    "CREATE TABLE chats ("
                    "  id INTEGER PRIMARY KEY,"
                    "  title TEXT NOT NULL,"
                    "  model_path TEXT,"
                    "  created_at INTEGER NOT NULL,"
                    "  updated_at INTEGER NOT NULL)",
                    "CREATE TABLE messages ("
                    "  id INTEGER PRIMARY KEY,"
                    "  chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,"
                    "  role TEXT NOT NULL,"
                    "  text TEXT NOT NULL,"
                    "  created_at INTEGER NOT NULL)",
                    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)",
                });
}

// v2 (0.1 preview): per-chat system prompt and sampling; token counts and speed per message.
void v2(const QSqlDatabase& db) {
    execAll(db, {
                    "ALTER TABLE chats ADD COLUMN system_prompt TEXT NOT NULL DEFAULT ''",
                    "ALTER TABLE chats ADD COLUMN sampling TEXT NOT NULL DEFAULT '{}'",
                    "ALTER TABLE messages ADD COLUMN model_name TEXT",
                    "ALTER TABLE messages ADD COLUMN prompt_tokens INTEGER",
                    "ALTER TABLE messages ADD COLUMN completion_tokens INTEGER",
                    "ALTER TABLE messages ADD COLUMN tokens_per_second REAL",
                });
}

// v3 (0.1): model metadata for the library, chats refer to models by id, replies carry their
// streaming state (so a reply cut off by a crash is recognised), and the lookups get indices.
void v3(const QSqlDatabase& db) {
    execAll(db,
            {
                "ALTER TABLE models ADD COLUMN architecture TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE models ADD COLUMN n_params INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE models ADD COLUMN file_size INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE models ADD COLUMN file_mtime INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE models ADD COLUMN bits_per_weight REAL NOT NULL DEFAULT 0",
                "ALTER TABLE models ADD COLUMN weight_bytes INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE models ADD COLUMN weight_types TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE models ADD COLUMN context_length INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE models ADD COLUMN template_family TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE models ADD COLUMN details TEXT NOT NULL DEFAULT '{}'",
                "ALTER TABLE models ADD COLUMN lineage TEXT NOT NULL DEFAULT '{}'",
                "ALTER TABLE models ADD COLUMN last_used_at INTEGER",
                "ALTER TABLE chats ADD COLUMN model_id INTEGER REFERENCES models(id) ON DELETE SET NULL",
                "ALTER TABLE chats ADD COLUMN prompt_format TEXT NOT NULL DEFAULT 'auto'",
                "ALTER TABLE messages ADD COLUMN updated_at INTEGER",
                "ALTER TABLE messages ADD COLUMN state TEXT NOT NULL DEFAULT 'complete'",
                "ALTER TABLE messages ADD COLUMN model_id INTEGER REFERENCES models(id) ON DELETE SET NULL",
                "ALTER TABLE messages ADD COLUMN prefill_tokens_per_second REAL",
                "ALTER TABLE messages ADD COLUMN stop_reason TEXT",
            });

    // Chats named their model by path; keep that link as a row of the library. A path no
    // model row has yet becomes one (named after the file) rather than being dropped.
    QSqlQuery paths =
        sql::run(db, QStringLiteral("SELECT DISTINCT model_path FROM chats WHERE model_path IS NOT NULL "
                                    "AND model_path <> '' AND model_path NOT IN (SELECT path FROM models)"));
    QStringList missing;
    while (paths.next()) missing << paths.value(0).toString();
    for (const QString& path : missing) {
        sql::run(db, QStringLiteral("INSERT INTO models(path, name, added_at) VALUES(?, ?, ?)"),
                 {path, QFileInfo(path).completeBaseName(),
                  sql::scalar(db, QStringLiteral("SELECT MIN(created_at) FROM chats WHERE model_path = ?"),
                              {path})});
    }
    execAll(
        db,
        {
            "UPDATE chats SET model_id = (SELECT id FROM models WHERE models.path = chats.model_path)",
            "ALTER TABLE chats DROP COLUMN model_path",
            "UPDATE messages SET updated_at = created_at",
            // A v2 reply's model was only a name; link it when that name is unambiguous.
            "UPDATE messages SET model_id = (SELECT id FROM models WHERE models.name = messages.model_name) "
            "WHERE model_name IS NOT NULL AND (SELECT COUNT(*) FROM models WHERE models.name = "
            "messages.model_name) = 1",
            "CREATE INDEX messages_by_chat ON messages(chat_id, id)",
            "CREATE INDEX chats_by_update ON chats(updated_at DESC)",
        });
}

// v4 (0.2): saved comparison runs (issue 7). Settings, per-model figures and the machine are
// JSON documents: the figures grow new fields as the engine measures more, without migrations.
void v4(const QSqlDatabase& db) {
    execAll(db, {
                    "CREATE TABLE compare_runs ("
                    "  id INTEGER PRIMARY KEY,"
                    "  title TEXT NOT NULL,"
                    "  settings TEXT NOT NULL DEFAULT '{}',"
                    "  results TEXT NOT NULL DEFAULT '[]',"
                    "  machine TEXT NOT NULL DEFAULT '{}',"
                    "  created_at INTEGER NOT NULL)",
                    "CREATE INDEX compare_runs_by_time ON compare_runs(created_at DESC)",
                });
}

// v5 (0.3): the comparison view's prompt panel saves its runs too. They share compare_runs
// (title, settings, per-model results, machine) and are told apart by kind.
void v5(const QSqlDatabase& db) {
    execAll(db, {
                    "ALTER TABLE compare_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'perplexity'",
                    "CREATE INDEX compare_runs_by_kind ON compare_runs(kind, created_at DESC)",
                });
}

}  // namespace

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> list = {
        {1, "initial schema", v1},
        {2, "chat settings and message statistics", v2},
        {3, "model metadata, reply state, indices", v3},
        {4, "comparison runs", v4},
        {5, "prompt runs", v5},
    };
    return list;
}

int latestVersion() {
    return migrations().back().version;
}

}  // namespace lowbit::app::schema
