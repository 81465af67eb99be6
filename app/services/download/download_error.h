#pragma once
// What went wrong with a Hub request or a download, in words a person can act on.
//
// Every message is built to be shown as-is (GUI dialog, CLI stderr) and never contains the
// access token: texts that could echo it (server messages, Qt error strings) pass through
// redactSecret() before they are stored here.
#include <QMetaType>
#include <QObject>
#include <QString>

namespace lowbit::app {

class DownloadError {
    Q_GADGET
    Q_PROPERTY(Kind kind MEMBER kind)
    Q_PROPERTY(QString message MEMBER message)
    Q_PROPERTY(int httpStatus MEMBER httpStatus)
    Q_PROPERTY(bool retryable MEMBER retryable)

  public:
    enum Kind {
        None,
        InvalidRequest,    // a malformed repository id, file path or URL
        Unauthorized,      // HTTP 401: gated or private, token missing or refused
        Forbidden,         // HTTP 403: the token's account has no access (licence not accepted)
        NotFound,          // HTTP 404: repository, revision or file does not exist
        RateLimited,       // HTTP 429
        Server,            // HTTP 5xx
        Network,           // connection refused/lost, DNS, timeout (auto-retried with backoff)
        BadResponse,       // the server answered something we cannot use (bad Content-Range, size)
        DiskFull,          // not enough free space before starting, or ENOSPC while writing
        Io,                // the file or folder cannot be created, written or renamed
        ChecksumMismatch,  // the bytes do not match the Hub's SHA-256 (file removed)
        Cancelled,
    };
    Q_ENUM(Kind)

    Kind kind = None;
    QString message;
    int httpStatus = 0;
    // Whether trying again can help (the manager retries Network/Server/RateLimited by itself;
    // the GUI offers a Retry button for these and for ChecksumMismatch and DiskFull).
    bool retryable = false;

    bool isError() const { return kind != None; }
    bool operator==(const DownloadError&) const = default;
    static DownloadError make(Kind kind, const QString& message, int httpStatus = 0, bool retryable = false) {
        DownloadError e;
        e.kind = kind;
        e.message = message;
        e.httpStatus = httpStatus;
        e.retryable = retryable;
        return e;
    }
};

// Replaces every occurrence of `secret` in `text` with "[token hidden]".
// Empty or very short secrets are left alone so normal words are never masked by accident.
QString redactSecret(QString text, const QString& secret);

}  // namespace lowbit::app

Q_DECLARE_METATYPE(lowbit::app::DownloadError)
