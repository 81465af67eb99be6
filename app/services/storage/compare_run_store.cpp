#include "storage/compare_run_store.h"

#include <QDateTime>
#include <QSqlQuery>

#include "storage/database.h"
#include "storage/sql.h"

namespace lowbit::app {
namespace {

const QString kColumns = QStringLiteral("id, title, settings, results, machine, created_at, kind");

CompareRunRecord readRun(const QSqlQuery& q) {
    CompareRunRecord r;
    r.id = q.value(0).toLongLong();
    r.title = q.value(1).toString();
    r.settings = q.value(2).toString();
    r.results = q.value(3).toString();
    r.machine = q.value(4).toString();
    r.createdAt = q.value(5).toLongLong();
    r.kind = q.value(6).toString();
    return r;
}

QString orDefault(const QString& json, const char* fallback) {
    return json.isEmpty() ? QString::fromLatin1(fallback) : json;
}

}  // namespace

qint64 CompareRunStore::insert(const CompareRunRecord& run) {
    QSqlQuery q = sql::run(
        db_.connection(),
        QStringLiteral("INSERT INTO compare_runs(title, settings, results, machine, created_at, kind) "
                       "VALUES(?, ?, ?, ?, ?, ?)"),
        {sql::text(run.title), orDefault(run.settings, "{}"), orDefault(run.results, "[]"),
         orDefault(run.machine, "{}"), run.createdAt ? run.createdAt : QDateTime::currentMSecsSinceEpoch(),
         sql::text(run.kind.isEmpty() ? run_kind::perplexity : run.kind)});
    return q.lastInsertId().toLongLong();
}

std::optional<CompareRunRecord> CompareRunStore::run(qint64 id) const {
    QSqlQuery q = sql::run(db_.connection(),
                           QStringLiteral("SELECT %1 FROM compare_runs WHERE id = ?").arg(kColumns), {id});
    if (!q.next()) return std::nullopt;
    return readRun(q);
}

QList<CompareRunRecord> CompareRunStore::listRuns(const QString& kind) const {
    QSqlQuery q = sql::run(
        db_.connection(),
        QStringLiteral("SELECT %1 FROM compare_runs WHERE kind = ? ORDER BY created_at DESC, id DESC")
            .arg(kColumns),
        {sql::text(kind)});
    QList<CompareRunRecord> out;
    while (q.next()) out << readRun(q);
    return out;
}

void CompareRunStore::rename(qint64 id, const QString& title) {
    sql::run(db_.connection(), QStringLiteral("UPDATE compare_runs SET title = ? WHERE id = ?"),
             {sql::text(title), id});
}

void CompareRunStore::remove(qint64 id) {
    sql::run(db_.connection(), QStringLiteral("DELETE FROM compare_runs WHERE id = ?"), {id});
}

}  // namespace lowbit::app
