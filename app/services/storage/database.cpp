#include "storage/database.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

#include "storage/schema.h"
#include "storage/sql.h"
#include "storage/storage_error.h"

namespace lowbit::app {
namespace {

QAtomicInteger<int> g_instanceCounter;  // only makes connection names unique; holds no state

constexpr char kSqliteMagic[] = "SQLite format 3";  // 15 chars + NUL = the 16-byte header

using Kind = StorageError::Kind;

QString damagedMessage(const QString& path, const QString& detail) {
    return QStringLiteral(
               "The chat history database \"%1\" is damaged and cannot be opened (%2). "
               "It has been left untouched so nothing in it is lost.")
        .arg(QDir::toNativeSeparators(path), detail);
}

}  // namespace

Database::Database(QString path)
    : path_(std::move(path)),
      prefix_(QStringLiteral("lowbit-db-%1-").arg(g_instanceCounter.fetchAndAddRelaxed(1))) {}

Database::~Database() {
    QMutexLocker lock(&mutex_);
    for (const QString& name : std::as_const(connections_)) {
        {
            QSqlDatabase db = QSqlDatabase::database(name, false);
            if (db.isOpen()) db.close();
        }
        QSqlDatabase::removeDatabase(name);
    }
}

std::unique_ptr<Database> Database::open(const QString& path) {
    std::unique_ptr<Database> db(new Database(QFileInfo(path).absoluteFilePath()));
    const QFileInfo info(db->path_);
    if (!QDir().mkpath(info.absolutePath())) {
        throw StorageError(Kind::Io,
                           QStringLiteral("Cannot create the folder \"%1\" for the chat history.")
                               .arg(QDir::toNativeSeparators(info.absolutePath())),
                           db->path_);
    }
    if (info.exists() && info.size() > 0) {
        db->inspectExisting();
    } else {
        db->report_.created = true;
    }
    db->migrate();
    return db;
}

QSqlDatabase Database::openConnection(const QString& name, bool readOnly) const {
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path_);
    db.setConnectOptions(readOnly ? QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000")
                                  : QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        const QString error = db.lastError().text();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        throw StorageError(Kind::Io,
                           QStringLiteral("Cannot open the chat history \"%1\": %2")
                               .arg(QDir::toNativeSeparators(path_), error),
                           path_);
    }
    return db;
}

// Looks at an existing file through a read-only connection, so that whatever is wrong with it,
// the bytes on disk are not changed.
void Database::inspectExisting() {
    {
        QFile file(path_);
        if (!file.open(QIODevice::ReadOnly)) {
            throw StorageError(Kind::Io,
                               QStringLiteral("Cannot read the chat history \"%1\": %2")
                                   .arg(QDir::toNativeSeparators(path_), file.errorString()),
                               path_);
        }
        const QByteArray header = file.read(16);
        if (header.size() < 16 || !header.startsWith(QByteArray(kSqliteMagic, sizeof kSqliteMagic))) {
            throw StorageError(Kind::Damaged,
                               damagedMessage(path_, QStringLiteral("it is not an SQLite database")), path_);
        }
    }

    const QString name = prefix_ + QStringLiteral("inspect");
    int appId = 0, version = 0, tables = 0;
    QString check;
    try {
        QSqlDatabase db = openConnection(name, true);
        auto pragma = [&](const QString& statement) {
            QSqlQuery q(db);
            if (!q.exec(statement) || !q.next()) {
                throw StorageError(Kind::Damaged, damagedMessage(path_, q.lastError().text()), path_);
            }
            return q.value(0);
        };
        appId = pragma(QStringLiteral("PRAGMA application_id")).toInt();
        version = pragma(QStringLiteral("PRAGMA user_version")).toInt();
        tables = pragma(QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")).toInt();
        check = pragma(QStringLiteral("PRAGMA quick_check")).toString();
        db.close();
    } catch (...) {
        QSqlDatabase::removeDatabase(name);
        throw;
    }
    QSqlDatabase::removeDatabase(name);

    if (check != QLatin1String("ok")) {
        throw StorageError(Kind::Damaged, damagedMessage(path_, QStringLiteral("integrity check: ") + check),
                           path_);
    }
    if ((appId != 0 && appId != schema::kApplicationId) || (appId == 0 && tables > 0)) {
        throw StorageError(Kind::Foreign,
                           QStringLiteral("The file \"%1\" is an SQLite database of another program, not a "
                                          "Lowbit Studio chat history. It has been left untouched.")
                               .arg(QDir::toNativeSeparators(path_)),
                           path_);
    }
    if (version > schema::latestVersion()) {
        throw StorageError(
            Kind::TooNew,
            QStringLiteral("The chat history \"%1\" was written by a newer version of Lowbit Studio "
                           "(database version %2; this version understands up to %3). It has been "
                           "left untouched: update Lowbit Studio to open it.")
                .arg(QDir::toNativeSeparators(path_))
                .arg(version)
                .arg(schema::latestVersion()),
            path_);
    }
    report_.foundVersion = version;
}

void Database::migrate() {
    QSqlDatabase db = connection();
    // WAL: readers never block the writer, and a crash mid-write leaves the last commit intact.
    sql::exec(db, QStringLiteral("PRAGMA journal_mode = WAL"));

    int version = sql::scalar(db, QStringLiteral("PRAGMA user_version")).toInt();
    if (version > 0 && version < schema::latestVersion()) {
        const QString backup = QStringLiteral("%1.v%2.bak").arg(path_).arg(version);
        QFile::remove(backup);
        sql::run(db, QStringLiteral("VACUUM INTO ?"), {backup});
        report_.backupPath = backup;
    }
    for (const schema::Migration& m : schema::migrations()) {
        if (m.version <= version) continue;
        sql::Transaction tx(db);
        if (m.version == 1)
            sql::exec(db, QStringLiteral("PRAGMA application_id = %1").arg(schema::kApplicationId));
        m.apply(db);
        sql::exec(db, QStringLiteral("PRAGMA user_version = %1").arg(m.version));
        // Foreign keys are not checked by ALTER TABLE: verify before committing.
        QSqlQuery fk = sql::run(db, QStringLiteral("PRAGMA foreign_key_check"));
        if (fk.next()) {
            throw StorageError(
                Kind::Query,
                QStringLiteral("Upgrading the chat history to version %1 (%2) broke a reference in "
                               "table %3; nothing was changed.")
                    .arg(m.version)
                    .arg(QString::fromUtf8(m.description), fk.value(0).toString()),
                path_);
        }
        tx.commit();
        version = m.version;
    }
    report_.version = version;
}

QSqlDatabase Database::connection() {
    const Qt::HANDLE thread = QThread::currentThreadId();
    QMutexLocker lock(&mutex_);
    auto it = connections_.constFind(thread);
    if (it != connections_.constEnd()) {
        QSqlDatabase db = QSqlDatabase::database(*it, false);
        if (db.isValid()) return db;
        // A thread that ended without releaseThreadConnection() left this entry, and the OS
        // reused its id: drop the dead connection and make a fresh one.
        QSqlDatabase::removeDatabase(*it);
        connections_.remove(thread);
    }

    const QString name = prefix_ + QStringLiteral("%1-%2")
                                       .arg(reinterpret_cast<quintptr>(thread), 0, 16)
                                       .arg(g_instanceCounter.fetchAndAddRelaxed(1));
    QSqlDatabase db = openConnection(name, false);
    connections_.insert(thread, name);
    // Per-connection settings: SQLite forgets them when a connection closes.
    sql::exec(db, QStringLiteral("PRAGMA foreign_keys = ON"));
    sql::exec(db, QStringLiteral("PRAGMA synchronous = NORMAL"));
    return db;
}

void Database::releaseThreadConnection() {
    QMutexLocker lock(&mutex_);
    const QString name = connections_.take(QThread::currentThreadId());
    if (name.isEmpty()) return;
    {
        QSqlDatabase db = QSqlDatabase::database(name, false);
        if (db.isOpen()) db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

QString Database::moveAside(const QString& path, const QString& reason) {
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss"));
    const QString target = QStringLiteral("%1.%2-%3").arg(path, reason, stamp);
    for (const QString& suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        if (!QFileInfo::exists(path + suffix)) continue;
        if (!QFile::rename(path + suffix, target + suffix)) {
            throw StorageError(
                Kind::Io,
                QStringLiteral("Cannot move \"%1\" aside to \"%2\".")
                    .arg(QDir::toNativeSeparators(path + suffix), QDir::toNativeSeparators(target + suffix)),
                path);
        }
    }
    return target;
}

}  // namespace lowbit::app
