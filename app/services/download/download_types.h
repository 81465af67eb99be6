#pragma once
// The values the download service exchanges with its users (GUI, CLI, tests). The gadgets
// (Q_GADGET) can be read from QML as properties.
#include <QMetaType>
#include <QObject>
#include <QString>

#include "download/download_error.h"
#include "download/retry_policy.h"
#include "hub/hub_config.h"
#include "hub/proxy_config.h"

namespace lowbit::app {

struct HubFile;

// One file to fetch from a Hub repository.
struct DownloadSpec {
    QString repo;  // "owner/name"
    QString revision = QStringLiteral("main");
    QString path;              // file inside the repository
    QString localPath;         // where the finished file goes (its folder is created)
    qint64 expectedSize = -1;  // from the listing; -1 = learn it from the server
    QString sha256;            // expected LFS SHA-256; empty = unknown
    QString gitOid;            // expected git blob id of a non-LFS file; empty = unknown

    // The spec for a file of a listing, saved as `dir`/`file.path`.
    static DownloadSpec fromHubFile(const QString& repo, const QString& revision, const HubFile& file,
                                    const QString& dir);
};

class DownloadProgress {
    Q_GADGET
    Q_PROPERTY(qint64 received MEMBER received)
    Q_PROPERTY(qint64 total MEMBER total)
    Q_PROPERTY(double bytesPerSecond MEMBER bytesPerSecond)
    Q_PROPERTY(qint64 secondsLeft MEMBER secondsLeft)
    Q_PROPERTY(double fraction READ fraction)

  public:
    qint64 received = 0;        // bytes of the file on disk so far (including a resumed part)
    qint64 total = -1;          // final size, -1 while unknown
    double bytesPerSecond = 0;  // over the last few seconds
    qint64 secondsLeft = -1;    // -1 while unknown
    double fraction() const { return total > 0 ? double(received) / double(total) : total == 0 ? 1.0 : 0.0; }
    bool operator==(const DownloadProgress&) const = default;
};

class DownloadInfo {
    Q_GADGET
    Q_PROPERTY(int id MEMBER id)
    Q_PROPERTY(State state MEMBER state)
    Q_PROPERTY(QString repo READ repo)
    Q_PROPERTY(QString revision READ revision)
    Q_PROPERTY(QString path READ path)
    Q_PROPERTY(QString localPath READ localPath)
    Q_PROPERTY(lowbit::app::DownloadProgress progress MEMBER progress)
    Q_PROPERTY(lowbit::app::DownloadError error MEMBER error)
    Q_PROPERTY(int attempt MEMBER attempt)
    Q_PROPERTY(QString note MEMBER note)

  public:
    enum State {
        Queued,      // waiting for a free transfer slot
        Preparing,   // checking the folder, free space and the bytes of a partial download
        Connecting,  // request sent (following redirects)
        Downloading,
        Verifying,  // comparing the checksum, then renaming .part to the final name
        Retrying,   // waiting (backoff) before trying again after a network failure
        Paused,     // stopped by the user or restored after a restart; the .part is kept
        Completed,
        Failed,     // see `error`; the .part is kept unless the checksum was wrong
        Cancelled,  // stopped by the user; the .part was deleted
    };
    Q_ENUM(State)

    int id = 0;
    DownloadSpec spec;
    State state = Queued;
    DownloadProgress progress;
    DownloadError error;
    int attempt = 0;  // failed attempts in a row (auto-retry)
    QString note;     // a short human remark: "resumed at 120 MiB", "checksum verified", ...

    QString repo() const { return spec.repo; }
    QString revision() const { return spec.revision; }
    QString path() const { return spec.path; }
    QString localPath() const { return spec.localPath; }
    bool isActive() const {
        return state == Preparing || state == Connecting || state == Downloading || state == Verifying;
    }
    bool isFinished() const { return state == Completed || state == Failed || state == Cancelled; }
};

using DownloadState = DownloadInfo::State;

struct DownloadSettings {
    HubConfig hub;
    ProxyConfig proxy;
    int maxParallel = 2;  // transfers at the same time
    RetryPolicy retry;
    int stallTimeoutMs = 60000;                // a transfer with no bytes for this long is retried
    qint64 freeSpaceMarginBytes = 64ll << 20;  // kept free on top of what the file needs
    int progressIntervalMs = 200;              // at most this often progressChanged per download
};

}  // namespace lowbit::app

Q_DECLARE_METATYPE(lowbit::app::DownloadProgress)
Q_DECLARE_METATYPE(lowbit::app::DownloadInfo)
