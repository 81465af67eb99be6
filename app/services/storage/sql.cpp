#include "storage/sql.h"

#include <QSqlError>

#include "storage/storage_error.h"

namespace lowbit::app::sql {
namespace {

[[noreturn]] void fail(const QSqlError& error, const QString& statement) {
    throw StorageError(
        StorageError::Kind::Query,
        QStringLiteral("Database error: %1 (in: %2)").arg(error.text(), statement.simplified()));
}

}  // namespace

QSqlQuery prepare(const QSqlDatabase& db, const QString& statement) {
    QSqlQuery query(db);
    if (!query.prepare(statement)) fail(query.lastError(), statement);
    return query;
}

void run(QSqlQuery& query, std::initializer_list<QVariant> values) {
    int i = 0;
    for (const QVariant& v : values) query.bindValue(i++, v);
    if (!query.exec()) fail(query.lastError(), query.lastQuery());
}

QSqlQuery run(const QSqlDatabase& db, const QString& statement, std::initializer_list<QVariant> values) {
    QSqlQuery query = prepare(db, statement);
    run(query, values);
    return query;
}

void exec(const QSqlDatabase& db, const QString& statement) {
    QSqlQuery query(db);
    if (!query.exec(statement)) fail(query.lastError(), statement);
}

QVariant scalar(const QSqlDatabase& db, const QString& statement, std::initializer_list<QVariant> values,
                const QVariant& fallback) {
    QSqlQuery query = run(db, statement, values);
    return query.next() ? query.value(0) : fallback;
}

Transaction::Transaction(QSqlDatabase db) : db_(std::move(db)) {
    // BEGIN IMMEDIATE takes the write lock up front, so two writers wait on busy_timeout
    // instead of failing later with SQLITE_BUSY on lock upgrade.
    exec(db_, QStringLiteral("BEGIN IMMEDIATE"));
}

Transaction::~Transaction() {
    if (!done_) {
        QSqlQuery query(db_);
        query.exec(QStringLiteral("ROLLBACK"));
    }
}

void Transaction::commit() {
    exec(db_, QStringLiteral("COMMIT"));
    done_ = true;
}

QString escapeLike(const QString& text) {
    QString out;
    out.reserve(text.size());
    for (QChar c : text) {
        if (c == u'%' || c == u'_' || c == u'\\') out += u'\\';
        out += c;
    }
    return out;
}

}  // namespace lowbit::app::sql
