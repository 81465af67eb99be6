#pragma once
// The chat-history database file: opening with checks, migrations and per-thread connections.
//
// Opening never damages what is there. An existing file is first inspected through a read-only
// connection (SQLite header, application id, schema version, quick_check); a damaged, foreign
// or newer-version file raises StorageError and is left byte-for-byte as it was. An older
// schema is backed up (VACUUM INTO "<file>.v<N>.bak") before the migrations run, each in its
// own transaction.
//
// Qt SQL connections belong to the thread that made them, so connection() hands every thread
// its own, all opened with the same pragmas (WAL, foreign keys, busy timeout).
#include <QHash>
#include <QMutex>
#include <QSqlDatabase>
#include <QString>
#include <memory>

namespace lowbit::app {

class Database {
  public:
    struct OpenReport {
        bool created = false;  // the file did not exist (or was empty)
        int foundVersion = 0;  // schema version found on disk (0 for a new file)
        int version = 0;       // schema version now
        QString backupPath;    // copy made before migrating, empty if none
    };

    // Opens (creating folder and file when needed) and migrates. Throws StorageError.
    static std::unique_ptr<Database> open(const QString& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // This thread's connection, created on first use.
    QSqlDatabase connection();
    // Closes this thread's connection; call it before a worker thread that used the database ends.
    void releaseThreadConnection();

    const QString& path() const { return path_; }
    const OpenReport& report() const { return report_; }

    // Moves a file the app refuses to open (and its -wal / -shm companions) aside to
    // "<file>.<reason>-<timestamp>", so a new database can start while the old bytes stay on
    // disk for recovery. Returns the new path of the main file. Throws StorageError(Io).
    static QString moveAside(const QString& path, const QString& reason);

  private:
    explicit Database(QString path);
    QSqlDatabase openConnection(const QString& name, bool readOnly) const;
    void inspectExisting();
    void migrate();

    QString path_;
    QString prefix_;  // connection-name prefix unique to this instance
    OpenReport report_;
    QMutex mutex_;
    QHash<Qt::HANDLE, QString> connections_;  // thread id -> connection name
};

}  // namespace lowbit::app
