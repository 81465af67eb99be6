#pragma once
// Small helpers over Qt SQL that turn every failure into a StorageError with the statement's
// error text, so no caller can forget to check a QSqlQuery result.
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>
#include <initializer_list>

namespace lowbit::app::sql {

// Prepares `statement` on `db`; throws StorageError(Query) when it does not compile.
QSqlQuery prepare(const QSqlDatabase& db, const QString& statement);
// Binds the values positionally and executes; throws on failure.
void run(QSqlQuery& query, std::initializer_list<QVariant> values = {});
// Prepares, binds and executes in one go.
QSqlQuery run(const QSqlDatabase& db, const QString& statement, std::initializer_list<QVariant> values = {});
// Executes a statement without parameters (DDL, PRAGMA); throws on failure.
void exec(const QSqlDatabase& db, const QString& statement);
// The first column of the first row of a query, or `fallback` when there is no row.
QVariant scalar(const QSqlDatabase& db, const QString& statement, std::initializer_list<QVariant> values = {},
                const QVariant& fallback = {});

// A transaction that rolls back unless commit() is called (RAII). SQLite runs DDL inside
// transactions too, so a failed migration leaves the file exactly as it was.
class Transaction {
  public:
    explicit Transaction(QSqlDatabase db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    QSqlDatabase db_;
    bool done_ = false;
};

// A QString for a NOT NULL text column: Qt binds a null QString as SQL NULL, this never does.
inline QVariant text(const QString& s) {
    return s.isNull() ? QVariant(QStringLiteral("")) : QVariant(s);
}

// Escapes % _ and \ for a LIKE pattern used with ESCAPE '\'.
QString escapeLike(const QString& text);

}  // namespace lowbit::app::sql
