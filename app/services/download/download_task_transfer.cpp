// The HTTP exchange of a download: request (with Range when resuming), hand-followed
// redirects, status and header checks (206/Content-Range, 200 fallback, 416, errors), writing
// and hashing the body as it arrives, and the end of the body (complete, short or cut).
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>

#include "download/download_task.h"
#include "download/http_headers.h"
#include "download/units.h"
#include "hub/hub_errors.h"
#include "hub/hub_request.h"

namespace lowbit::app {

namespace {

constexpr qint64 kReadChunk = 1 << 20;
constexpr qint64 kReadBuffer = 4 << 20;  // bounds memory when the disk is slower than the network
constexpr int kMaxRedirects = 10;

bool isSha256Hex(const QString& s) {
    if (s.size() != 64) return false;
    for (const QChar c : s)
        if (!((c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
              (c >= QLatin1Char('a') && c <= QLatin1Char('f'))))
            return false;
    return true;
}

QString fileName(const QString& path) {
    return QFileInfo(path).fileName();
}

}  // namespace

// ---- transfer ---------------------------------------------------------------------------

void DownloadTask::sendRequest(const QUrl& url) {
    headersHandled_ = false;
    QNetworkRequest request = makeHubRequest(url, env_.settings->hub, env_.settings->stallTimeoutMs,
                                             QNetworkRequest::ManualRedirectPolicy);
    if (offset_ > 0) request.setRawHeader("Range", "bytes=" + QByteArray::number(offset_) + '-');
    reply_ = env_.nam->get(request);
    reply_->setReadBufferSize(kReadBuffer);
    connect(reply_, &QNetworkReply::readyRead, this, &DownloadTask::onReadyRead);
    connect(reply_, &QNetworkReply::finished, this, &DownloadTask::onFinished);
    setState(DownloadState::Connecting);
}

// Reads the status line and headers of the current answer once. Returns false when the task
// stopped (error, retry or restart), in which case the caller must not touch the reply.
bool DownloadTask::handleHeaders() {
    headersHandled_ = true;
    QNetworkReply* reply = reply_;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0) return true;  // no HTTP answer: onFinished() reports the network error
    DownloadSpec& spec = info_.spec;

    // The Hub's own answer (the first hop) describes the file: its entity tag (the SHA-256 for
    // LFS files), size and commit. A changed tag means the partial bytes are of another version.
    if (redirectHops_ == 0) {
        QByteArray tag = reply->rawHeader("X-Linked-Etag");
        if (tag.isEmpty()) tag = reply->rawHeader("ETag");
        const QString etag = normalizeEtag(tag);
        const QString commit = QString::fromLatin1(reply->rawHeader("X-Repo-Commit"));
        if (!commit.isEmpty()) part_.commit = commit;
        if (!etag.isEmpty()) {
            if (!part_.etag.isEmpty() && part_.etag != etag && offset_ > 0) {
                if (status >= 300 && status < 400) {
                    // Not fetched yet: simply follow the redirect without a Range.
                    QFile::remove(partPath_);
                    offset_ = received_ = 0;
                    part_.etag = etag;
                    resetHasher();
                    setNote(QStringLiteral(
                        "The file changed on the Hub since the partial download began; starting over"));
                } else {
                    part_.etag = etag;
                    restartFromZero(
                        QStringLiteral("The file changed on the Hub since the partial download began."));
                    return false;
                }
            }
            part_.etag = etag;
            if (spec.sha256.isEmpty() && spec.gitOid.isEmpty() && isSha256Hex(etag.toLower()))
                spec.sha256 = etag.toLower();
        }
        bool ok = false;
        const qint64 linkedSize = reply->rawHeader("X-Linked-Size").toLongLong(&ok);
        if (ok && linkedSize >= 0 && spec.expectedSize < 0) spec.expectedSize = linkedSize;
    }

    if (status >= 300 && status < 400) return true;  // body ignored; onFinished() follows it

    const HubRequestContext context{env_.settings->hub, *RepoId::parse(spec.repo), spec.revision, spec.path};
    if (status >= 400) {
        if (status == 416 && offset_ > 0) {
            if (spec.expectedSize < 0 || offset_ == spec.expectedSize) {
                stopTransfer();  // the server says there is nothing after our bytes: check them
                verifyAndFinish();
            } else {
                restartFromZero(QStringLiteral("The server refused to continue the partial download."));
            }
            return false;
        }
        QString message = QString::fromUtf8(reply->rawHeader("X-Error-Message"));
        const DownloadError error = hubHttpError(status, reply->rawHeader("X-Error-Code"), message, context);
        const int retryAfter = parseRetryAfterMs(reply->rawHeader("Retry-After"));
        stopTransfer();
        failOrRetry(error, retryAfter);
        return false;
    }

    qint64 total = -1;
    if (status == 206) {
        const auto range = parseContentRange(reply->rawHeader("Content-Range"));
        if (!range || range->first != offset_) {
            restartFromZero(QStringLiteral("The server sent another byte range than asked for."));
            return false;
        }
        total = range->total;
    } else if (status == 200) {
        if (offset_ > 0) {
            // No Range support here (or the file changed): the body is the whole file.
            setNote(QStringLiteral("The server cannot resume downloads; starting from the beginning"));
            offset_ = received_ = 0;
            resetHasher();
        }
        const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
        if (length.isValid()) total = length.toLongLong();
    } else {
        stopTransfer();
        fail(DownloadError::make(
            DownloadError::BadResponse,
            QStringLiteral("Unexpected HTTP %1 answer for %2.").arg(status).arg(spec.path), status, true));
        return false;
    }

    if (spec.expectedSize >= 0 && total >= 0 && total != spec.expectedSize) {
        stopTransfer();
        fail(DownloadError::make(
            DownloadError::BadResponse,
            QStringLiteral(
                "The server sends %1 bytes for %2 but the Hub lists %3 bytes: the file may have changed on "
                "the Hub. Refresh the file list and retry.")
                .arg(total)
                .arg(spec.path)
                .arg(spec.expectedSize),
            status, true));
        return false;
    }
    if (spec.expectedSize < 0 && total >= 0) {
        spec.expectedSize = total;
        DownloadError error;
        if (!checkFreeSpace(total - offset_, &error)) {
            stopTransfer();
            fail(error);
            return false;
        }
    }
    total_ = spec.expectedSize;
    if (!hasher_ || (received_ == 0 && hasher_->kind() != hashKind())) resetHasher();

    writer_ = env_.writerFactory && *env_.writerFactory ? (*env_.writerFactory)() : makeLocalFileWriter();
    if (!writer_->open(partPath_, offset_)) {
        const QString why = writer_->errorString();
        writer_.reset();
        stopTransfer();
        fail(DownloadError::make(DownloadError::Io,
                                 QStringLiteral("Cannot write %1: %2.").arg(partPath_, why), 0, true));
        return false;
    }
    saveSidecar();
    speed_.restart(received_);
    if (offset_ > 0) setNote(QStringLiteral("Resumed at %1").arg(humanBytes(offset_)));
    setState(DownloadState::Downloading);
    emitProgress(true);
    return true;
}

void DownloadTask::onReadyRead() {
    QNetworkReply* reply = reply_;
    if (!reply) return;
    if (!headersHandled_ && !handleHeaders()) return;
    if (info_.state != DownloadState::Downloading) {
        reply->readAll();  // body of a redirect
        return;
    }
    while (reply->bytesAvailable() > 0) {
        const QByteArray chunk = reply->read(kReadChunk);
        if (chunk.isEmpty()) break;
        if (!writeChunk(chunk)) return;
    }
    emitProgress(false);
}

bool DownloadTask::writeChunk(const QByteArray& chunk) {
    if (total_ >= 0 && received_ + chunk.size() > total_) {
        stopTransfer();
        fail(DownloadError::make(DownloadError::BadResponse,
                                 QStringLiteral("The server sent more bytes than the %1 of %2.")
                                     .arg(humanBytes(total_), info_.spec.path),
                                 0, true));
        return false;
    }
    const FileWriter::Status status = writer_->write(chunk.constData(), chunk.size());
    if (status != FileWriter::Status::Ok) {
        const QString why = writer_->errorString();
        hasher_.reset();  // part of the chunk may have reached the disk: re-hash on resume
        stopTransfer();
        const qint64 kept = QFileInfo(partPath_).size();
        const QString dir = QFileInfo(info_.spec.localPath).absolutePath();
        if (status == FileWriter::Status::DiskFull) {
            const qint64 missing = total_ >= 0 ? total_ - kept : -1;
            fail(DownloadError::make(
                DownloadError::DiskFull,
                QStringLiteral(
                    "The disk is full: %1 could not be written in %2 (%3). The partial download (%4) was "
                    "kept; free up %5 and press Retry to continue where it stopped.")
                    .arg(fileName(info_.spec.localPath), dir, why, humanBytes(kept),
                         missing >= 0 ? QStringLiteral("at least %1").arg(humanBytes(missing))
                                      : QStringLiteral("some space")),
                0, true));
        } else {
            fail(DownloadError::make(
                DownloadError::Io,
                QStringLiteral("Writing %1 failed (%2). The partial download (%3) was kept; press "
                               "Retry to continue.")
                    .arg(partPath_, why, humanBytes(kept)),
                0, true));
        }
        return false;
    }
    hasher_->add(chunk.constData(), chunk.size());
    received_ += chunk.size();
    speed_.record(received_);
    return true;
}

void DownloadTask::onFinished() {
    QNetworkReply* reply = reply_;
    if (!reply) return;
    if (!headersHandled_ && !handleHeaders()) return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 300 && status < 400) {
        followRedirect(reply);
        return;
    }
    if (info_.state == DownloadState::Downloading) {
        while (reply->bytesAvailable() > 0) {  // bytes that arrived before the end (or the cut)
            if (!writeChunk(reply->read(kReadChunk))) return;
        }
    }
    const QNetworkReply::NetworkError netError = reply->error();
    const QString netMessage = reply->errorString();
    const QUrl url = reply->url();
    reply_ = nullptr;
    reply->deleteLater();

    if (netError != QNetworkReply::NoError) {
        emitProgress(true);
        failOrRetry(networkError(netError, netMessage, url, env_.settings->hub.token));
        return;
    }
    if (info_.state != DownloadState::Downloading) {
        fail(DownloadError::make(
            DownloadError::BadResponse,
            QStringLiteral("The server answered without sending %1.").arg(info_.spec.path), status, true));
        return;
    }
    if (total_ >= 0 && received_ < total_) {
        emitProgress(true);
        failOrRetry(DownloadError::make(DownloadError::Network,
                                        QStringLiteral("The connection ended after %1 of %2.")
                                            .arg(humanBytes(received_), humanBytes(total_)),
                                        0, true));
        return;
    }
    verifyAndFinish();
}

void DownloadTask::followRedirect(QNetworkReply* reply) {
    QUrl target = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    if (target.isEmpty()) target = QUrl::fromEncoded(reply->rawHeader("Location"));
    target = reply->url().resolved(target);
    const QUrl from = reply->url();
    reply_ = nullptr;
    reply->disconnect(this);
    reply->deleteLater();
    auto refuse = [&](const QString& why) {
        fail(DownloadError::make(DownloadError::BadResponse,
                                 QStringLiteral("Download of %1 stopped: %2").arg(info_.spec.path, why), 0,
                                 true));
    };
    if (!target.isValid() || target.isEmpty())
        return refuse(QStringLiteral("the server redirected to an invalid address."));
    if (++redirectHops_ > kMaxRedirects) return refuse(QStringLiteral("too many redirects."));
    if (target.scheme() != QLatin1String("https") && target.scheme() != QLatin1String("http"))
        return refuse(QStringLiteral("the server redirected to a non-HTTP address."));
    if (from.scheme() == QLatin1String("https") && target.scheme() != QLatin1String("https"))
        return refuse(
            QStringLiteral("the server redirected from a secure (https) to an insecure (http) address."));
    sendRequest(target);
}

void DownloadTask::restartFromZero(const QString& why) {
    stopTransfer();
    if (restartedFromZero_) {
        fail(DownloadError::make(
            DownloadError::BadResponse,
            QStringLiteral("%1 The server's answers for %2 are inconsistent; try again later.")
                .arg(why, info_.spec.path),
            0, true));
        return;
    }
    restartedFromZero_ = true;
    QFile::remove(partPath_);
    offset_ = received_ = 0;
    resetHasher();
    setNote(why + QStringLiteral(" Starting over."));
    redirectHops_ = 0;
    saveSidecar();
    sendRequest(
        env_.settings->hub.resolveUrl(*RepoId::parse(info_.spec.repo), info_.spec.revision, info_.spec.path));
}

}  // namespace lowbit::app
