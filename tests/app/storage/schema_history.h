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

}  // namespace lowbit::test::schema_history
