#pragma once
// Where downloaded bytes go, behind an interface so tests can simulate a full disk, plus the
// free-space probe used before a download starts. Both are replaceable on DownloadManager.
#include <QFile>
#include <QString>
#include <functional>
#include <memory>

namespace lowbit::app {

class FileWriter {
  public:
    enum class Status { Ok, DiskFull, Failed };
    virtual ~FileWriter() = default;

    // Opens (creating if needed) `path`, cuts it to `keepBytes` and positions at its end.
    virtual bool open(const QString& path, qint64 keepBytes) = 0;
    // Writes everything or reports why not; after a failure the file may hold part of `data`.
    virtual Status write(const char* data, qint64 size) = 0;
    virtual Status flush() = 0;
    virtual void close() = 0;
    virtual QString errorString() const = 0;
};

// Plain unbuffered file writes (each network chunk reaches the file at once, so a crash
// loses nothing that was acknowledged). ENOSPC / EDQUOT are reported as DiskFull.
class LocalFileWriter : public FileWriter {
  public:
    LocalFileWriter();
    ~LocalFileWriter() override;
    bool open(const QString& path, qint64 keepBytes) override;
    Status write(const char* data, qint64 size) override;
    Status flush() override;
    void close() override;
    QString errorString() const override { return error_; }

  private:
    Status failure(qint64 wanted);
    std::unique_ptr<QFile> file_;
    QString error_;
};

using FileWriterFactory = std::function<std::unique_ptr<FileWriter>()>;
// Bytes free for the user in the folder `dir` (which exists), or -1 if unknown.
using FreeSpaceProbe = std::function<qint64(const QString& dir)>;

std::unique_ptr<FileWriter> makeLocalFileWriter();
qint64 systemFreeSpace(const QString& dir);  // QStorageInfo::bytesAvailable()

}  // namespace lowbit::app
