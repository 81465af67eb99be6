#pragma once
// One file's transfer, driven by DownloadManager (which owns the queue and the slots).
//
// Life of a task:
//   start()   Preparing: folder, sidecar, re-hash of an existing .part (worker thread),
//             free-space check  ->  Connecting: GET resolve URL (+ Range: bytes=N- when
//             resuming), redirects followed by hand  ->  Downloading: bytes are written to
//             <file>.part and hashed as they arrive  ->  Verifying: size + SHA-256, then an
//             atomic rename to <file>  ->  Completed.
//   A transient failure (connection lost, timeout, 5xx, 429) goes to Retrying and back to
//   Queued after a backoff delay; the next attempt resumes from the bytes on disk.
//   pause() keeps the .part; the destructor does too (so the app can quit mid-download).
#include <QFutureWatcher>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <atomic>
#include <memory>

#include "download/checksum.h"
#include "download/download_types.h"
#include "download/file_writer.h"
#include "download/part_state.h"
#include "download/speed_meter.h"

class QNetworkAccessManager;

namespace lowbit::app {

class DownloadTask : public QObject {
    Q_OBJECT

  public:
    struct Environment {
        QNetworkAccessManager* nam = nullptr;
        const DownloadSettings* settings = nullptr;  // owned by the manager, read at each step
        const FileWriterFactory* writerFactory = nullptr;
        const FreeSpaceProbe* freeSpace = nullptr;
    };

    DownloadTask(int id, const DownloadSpec& spec, Environment env, QObject* parent = nullptr);
    ~DownloadTask() override;

    const DownloadInfo& info() const { return info_; }
    DownloadState state() const { return info_.state; }

    // Writes the sidecar of a queued download so that the queue itself survives a restart
    // (DownloadManager::restore finds it). No-op when one exists or the spec is invalid.
    void persist();
    void start();    // Queued -> Preparing ...
    void pause();    // any unfinished state -> Paused (keeps the .part)
    void requeue();  // Paused / Failed / Cancelled -> Queued (a fresh series of attempts)
    void cancel();   // -> Cancelled, deletes .part and sidecar

  signals:
    void stateChanged();
    void progressChanged();
    void retryScheduled(int attempt, int delayMs, const QString& reason);

  private:
    enum class Phase { Idle, Hashing, Requesting };

    void setState(DownloadState state);
    void setNote(const QString& note);
    void fail(const DownloadError& error);
    void failOrRetry(const DownloadError& error, int retryAfterMs = -1);
    void stopTransfer();
    void stopHashing();

    bool preparePaths(DownloadError* error);
    void adoptSidecar();
    void beginHashing(const QString& path, qint64 length, bool finalFile);
    void onHashingDone();
    void afterPartChecked();
    bool checkFreeSpace(qint64 needed, DownloadError* error);
    void saveSidecar();

    void sendRequest(const QUrl& url);
    bool handleHeaders();
    void onReadyRead();
    void onFinished();
    void followRedirect(QNetworkReply* reply);
    void restartFromZero(const QString& why);
    bool writeChunk(const QByteArray& chunk);
    void verifyAndFinish();
    void emitProgress(bool force);

    void resetHasher();
    ContentHasher::Kind hashKind() const;
    QString expectedDigest() const;

    int id_;
    DownloadInfo info_;
    Environment env_;
    QString partPath_;
    QString sidecarPath_;
    bool pathsReady_ = false;  // the spec was validated and its folder exists
    PartState part_;

    // Transfer
    QPointer<QNetworkReply> reply_;
    bool headersHandled_ = false;
    int redirectHops_ = 0;
    bool restartedFromZero_ = false;
    qint64 offset_ = 0;    // bytes already in the .part when this request began
    qint64 received_ = 0;  // bytes in the .part now (offset_ + this request's body)
    qint64 attemptStartBytes_ = 0;
    qint64 total_ = -1;
    std::unique_ptr<FileWriter> writer_;
    std::unique_ptr<ContentHasher> hasher_;  // valid while it covers exactly received_ bytes
    SpeedMeter speed_;
    QElapsedTimer lastProgress_;
    QTimer retryTimer_;

    // Background hashing of bytes already on disk
    struct HashJob {
        std::atomic<bool> cancel{false};
        std::unique_ptr<ContentHasher> hasher;
        QString path;
        qint64 length = 0;
        bool ok = false;
        QString why;
    };
    std::shared_ptr<HashJob> hashJob_;
    QFutureWatcher<void> hashWatcher_;
    bool hashingFinalFile_ = false;
};

}  // namespace lowbit::app
