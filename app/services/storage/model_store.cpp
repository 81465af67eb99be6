#include "storage/model_store.h"

#include <QDateTime>
#include <QSqlQuery>

#include "storage/database.h"
#include "storage/sql.h"

namespace lowbit::app {
namespace {

const QString kModelColumns = QStringLiteral(
    "id, path, name, architecture, n_params, file_size, file_mtime, bits_per_weight, weight_bytes, "
    "weight_types, "
    "context_length, template_family, details, lineage, added_at, COALESCE(last_used_at, 0)");

ModelRecord readModel(const QSqlQuery& q) {
    ModelRecord m;
    m.id = q.value(0).toLongLong();
    m.path = q.value(1).toString();
    m.name = q.value(2).toString();
    m.architecture = q.value(3).toString();
    m.nParams = q.value(4).toLongLong();
    m.fileSize = q.value(5).toLongLong();
    m.fileMtime = q.value(6).toLongLong();
    m.bitsPerWeight = q.value(7).toDouble();
    m.weightBytes = q.value(8).toLongLong();
    m.weightTypes = q.value(9).toString();
    m.contextLength = q.value(10).toLongLong();
    m.templateFamily = q.value(11).toString();
    m.details = q.value(12).toString();
    m.lineage = q.value(13).toString();
    m.addedAt = q.value(14).toLongLong();
    m.lastUsedAt = q.value(15).toLongLong();
    return m;
}

}  // namespace

qint64 ModelStore::upsert(const ModelRecord& m) {
    QSqlDatabase db = db_.connection();
    sql::Transaction tx(db);
    sql::run(
        db,
        QStringLiteral(
            "INSERT INTO models(path, name, architecture, n_params, file_size, file_mtime, "
            "bits_per_weight, weight_bytes, weight_types, context_length, template_family, details, "
            "lineage, added_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET name = excluded.name, architecture = excluded.architecture, "
            "n_params = excluded.n_params, file_size = excluded.file_size, file_mtime = "
            "excluded.file_mtime, bits_per_weight = excluded.bits_per_weight, weight_bytes = "
            "excluded.weight_bytes, weight_types = excluded.weight_types, context_length = "
            "excluded.context_length, template_family = excluded.template_family, details = "
            "excluded.details"),
        {sql::text(m.path), sql::text(m.name), sql::text(m.architecture), m.nParams, m.fileSize, m.fileMtime,
         m.bitsPerWeight, m.weightBytes, sql::text(m.weightTypes), m.contextLength,
         sql::text(m.templateFamily), m.details.isEmpty() ? QStringLiteral("{}") : m.details,
         m.lineage.isEmpty() ? QStringLiteral("{}") : m.lineage,
         m.addedAt ? m.addedAt : QDateTime::currentMSecsSinceEpoch()});
    const qint64 id =
        sql::scalar(db, QStringLiteral("SELECT id FROM models WHERE path = ?"), {m.path}).toLongLong();
    tx.commit();
    return id;
}

std::optional<ModelRecord> ModelStore::model(qint64 id) const {
    QSqlQuery q = sql::run(db_.connection(),
                           QStringLiteral("SELECT %1 FROM models WHERE id = ?").arg(kModelColumns), {id});
    if (!q.next()) return std::nullopt;
    return readModel(q);
}

std::optional<ModelRecord> ModelStore::modelByPath(const QString& path) const {
    QSqlQuery q = sql::run(db_.connection(),
                           QStringLiteral("SELECT %1 FROM models WHERE path = ?").arg(kModelColumns), {path});
    if (!q.next()) return std::nullopt;
    return readModel(q);
}

QList<ModelRecord> ModelStore::listModels() const {
    QSqlQuery q =
        sql::run(db_.connection(),
                 QStringLiteral("SELECT %1 FROM models ORDER BY name COLLATE NOCASE, id").arg(kModelColumns));
    QList<ModelRecord> out;
    while (q.next()) out << readModel(q);
    return out;
}

void ModelStore::markUsed(qint64 id) {
    sql::run(db_.connection(), QStringLiteral("UPDATE models SET last_used_at = ? WHERE id = ?"),
             {QDateTime::currentMSecsSinceEpoch(), id});
}

void ModelStore::setLineage(qint64 id, const QString& lineageJson) {
    sql::run(db_.connection(), QStringLiteral("UPDATE models SET lineage = ? WHERE id = ?"),
             {lineageJson, id});
}

void ModelStore::remove(qint64 id) {
    sql::run(db_.connection(), QStringLiteral("DELETE FROM models WHERE id = ?"), {id});
}

QString SettingsStore::value(const QString& key, const QString& fallback) const {
    QSqlQuery q =
        sql::run(db_.connection(), QStringLiteral("SELECT value FROM settings WHERE key = ?"), {key});
    return q.next() ? q.value(0).toString() : fallback;
}

void SettingsStore::setValue(const QString& key, const QString& value) {
    sql::run(
        db_.connection(),
        QStringLiteral("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = "
                       "excluded.value"),
        {key, sql::text(value)});
}

void SettingsStore::remove(const QString& key) {
    sql::run(db_.connection(), QStringLiteral("DELETE FROM settings WHERE key = ?"), {key});
}

}  // namespace lowbit::app
