#pragma once
// The model library: one row per GGUF file the user imported or that sits in the models folder.
#include <QList>
#include <optional>

#include "storage/records.h"

namespace lowbit::app {

class Database;

class ModelStore {
  public:
    explicit ModelStore(Database& db) : db_(db) {}

    // Inserts the model, or refreshes the row with the same path (keeping its id, added_at and
    // lineage). Returns the id.
    qint64 upsert(const ModelRecord& model);
    std::optional<ModelRecord> model(qint64 id) const;
    std::optional<ModelRecord> modelByPath(const QString& path) const;
    QList<ModelRecord> listModels() const;  // by name
    void markUsed(qint64 id);
    void setLineage(qint64 id, const QString& lineageJson);
    // Removes the row; chats and messages that used it keep their text (model_id becomes NULL).
    void remove(qint64 id);

  private:
    Database& db_;
};

// Application settings as key/value text (window geometry, theme, threads, device, ...).
class SettingsStore {
  public:
    explicit SettingsStore(Database& db) : db_(db) {}
    QString value(const QString& key, const QString& fallback = {}) const;
    void setValue(const QString& key, const QString& value);
    void remove(const QString& key);

  private:
    Database& db_;
};

}  // namespace lowbit::app
