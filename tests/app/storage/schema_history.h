#pragma once
// The schema exactly as earlier releases created it, frozen here (never edit) so the migration
// tests start from real old files rather than from whatever the current code would write.
namespace lowbit::test::schema_history {

// Version 1, with the rows a 0.0.x user would have had.
inline const char* const kV1[] = {
    "PRAGMA application_id = 1279415124",
    "CREATE TABLE models (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, name TEXT NOT NULL, "
    "added_at INTEGER NOT NULL)",
    "CREATE TABLE chats (id INTEGER PRIMARY KEY, title TEXT NOT NULL, model_path TEXT, created_at INTEGER "
    "NOT NULL, "
    "updated_at INTEGER NOT NULL)",
    "CREATE TABLE messages (id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE "
    "CASCADE, "
    "role TEXT NOT NULL, text TEXT NOT NULL, created_at INTEGER NOT NULL)",
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)",
    "PRAGMA user_version = 1",
};

// Version 2 = version 1 plus these statements.
inline const char* const kV2Delta[] = {
    "ALTER TABLE chats ADD COLUMN system_prompt TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE chats ADD COLUMN sampling TEXT NOT NULL DEFAULT '{}'",
    "ALTER TABLE messages ADD COLUMN model_name TEXT",
    "ALTER TABLE messages ADD COLUMN prompt_tokens INTEGER",
    "ALTER TABLE messages ADD COLUMN completion_tokens INTEGER",
    "ALTER TABLE messages ADD COLUMN tokens_per_second REAL",
    "PRAGMA user_version = 2",
};

// Version 3 = version 2 plus these statements (the schema part of release 0.1's step; its data
// moves are exercised by the v1/v2 tests).
inline const char* const kV3Delta[] = {
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
    "ALTER TABLE chats DROP COLUMN model_path",
    "CREATE INDEX messages_by_chat ON messages(chat_id, id)",
    "CREATE INDEX chats_by_update ON chats(updated_at DESC)",
    "PRAGMA user_version = 3",
};

// Version 4 = version 3 plus these statements (release 0.2: saved comparison runs).
inline const char* const kV4Delta[] = {
    "CREATE TABLE compare_runs ("
    "  id INTEGER PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  settings TEXT NOT NULL DEFAULT '{}',"
    "  results TEXT NOT NULL DEFAULT '[]',"
    "  machine TEXT NOT NULL DEFAULT '{}',"
    "  created_at INTEGER NOT NULL)",
    "CREATE INDEX compare_runs_by_time ON compare_runs(created_at DESC)",
    "PRAGMA user_version = 4",
};

}  // namespace lowbit::test::schema_history
