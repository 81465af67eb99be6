// The task's life outside the HTTP exchange: state changes, pause/cancel, preparing (sidecar,
// re-hash of a partial file, free space) and the final verification and rename. The transfer
// itself is in download_task_transfer.cpp.
#include "download/download_task.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>
#include <filesystem>
#include <system_error>

#include "download/units.h"
#include "hub/hub_errors.h"

namespace lowbit::app {

namespace {

std::filesystem::path fsPath(const QString& path) {
#ifdef Q_OS_WIN
    return std::filesystem::path(path.toStdWString());
#else
    return std::filesystem::path(QFile::encodeName(path).toStdString());
#endif
}

bool compatible(const QString& a, const QString& b) {
    return a.isEmpty() || b.isEmpty() || a.compare(b, Qt::CaseInsensitive) == 0;
}

QString fileName(const QString& path) {
    return QFileInfo(path).fileName();
}

}  // namespace

DownloadTask::DownloadTask(int id, const DownloadSpec& spec, Environment env, QObject* parent)
    : QObject(parent), id_(id), env_(env) {
    info_.id = id;
    info_.spec = spec;
    info_.spec.sha256 = spec.sha256.toLower();
    info_.spec.gitOid = spec.gitOid.toLower();
    if (!info_.spec.localPath.isEmpty()) info_.spec.localPath = QFileInfo(spec.localPath).absoluteFilePath();
    partPath_ = PartState::partPath(info_.spec.localPath);
    sidecarPath_ = PartState::sidecarPath(info_.spec.localPath);
    // A restored download shows how far it got before it is resumed.
    if (QFileInfo::exists(sidecarPath_) && QFileInfo::exists(partPath_))
        received_ = QFileInfo(partPath_).size();
    info_.progress.received = received_;
    info_.progress.total = info_.spec.expectedSize;
    retryTimer_.setSingleShot(true);
    connect(&retryTimer_, &QTimer::timeout, this, [this] {
        if (info_.state == DownloadState::Retrying) setState(DownloadState::Queued);
    });
    connect(&hashWatcher_, &QFutureWatcher<void>::finished, this, &DownloadTask::onHashingDone);
}

DownloadTask::~DownloadTask() {
    // Quitting mid-download keeps the .part and its sidecar: the next run resumes from them.
    stopHashing();
    stopTransfer();
}

// ---- state ------------------------------------------------------------------------------

void DownloadTask::setState(DownloadState state) {
    if (info_.state == state) return;
    info_.state = state;
    emit stateChanged();
}

void DownloadTask::setNote(const QString& note) {
    info_.note = note;
}

void DownloadTask::fail(const DownloadError& error) {
    stopHashing();
    stopTransfer();
    retryTimer_.stop();
    // Keep the resume information only when there are bytes to resume from: a download that
    // failed before its first byte (gated, not found, no space) leaves nothing behind.
    if (pathsReady_ && QFileInfo(partPath_).size() <= 0) {
        QFile::remove(partPath_);
        QFile::remove(sidecarPath_);
    }
    info_.error = error;
    info_.error.message = redactSecret(error.message, env_.settings->hub.token);
    emitProgress(true);
    setState(DownloadState::Failed);
}

void DownloadTask::failOrRetry(const DownloadError& error, int retryAfterMs) {
    stopTransfer();
    const bool automatic =
        error.retryable && (error.kind == DownloadError::Network || error.kind == DownloadError::Server ||
                            error.kind == DownloadError::RateLimited);
    if (!automatic) {
        fail(error);
        return;
    }
    // Only failures without progress count: a connection that keeps dropping but moves the
    // download forward each time is retried for as long as it helps.
    info_.attempt = received_ > attemptStartBytes_ ? 1 : info_.attempt + 1;
    const RetryPolicy& policy = env_.settings->retry;
    if (info_.attempt >= policy.maxAttempts) {
        DownloadError e = error;
        e.message +=
            QStringLiteral(" Gave up after %1 attempts in a row without progress.").arg(info_.attempt);
        if (received_ > 0)
            e.message += QStringLiteral(" The partial download (%1) is kept; Retry continues from there.")
                             .arg(humanBytes(received_));
        fail(e);
        return;
    }
    const int delay =
        retryAfterMs >= 0 ? qMin(retryAfterMs, policy.maxDelayMs) : policy.delayForAttempt(info_.attempt);
    info_.error = error;
    info_.error.message = redactSecret(error.message, env_.settings->hub.token);
    emitProgress(true);
    setState(DownloadState::Retrying);
    emit retryScheduled(info_.attempt, delay, info_.error.message);
    retryTimer_.start(delay);
}

void DownloadTask::stopTransfer() {
    if (reply_) {
        QNetworkReply* reply = reply_;
        reply_ = nullptr;
        reply->disconnect(this);  // our own abort is not a network failure
        // Aborting inside the reply's own signal (we often stop from readyRead) makes Qt report
        // a second error for it; abort on the next event-loop turn instead. Nothing reaches us
        // meanwhile since the reply is disconnected.
        QTimer::singleShot(0, reply, [reply] {
            reply->abort();
            reply->deleteLater();
        });
    }
    if (writer_) {
        if (writer_->flush() != FileWriter::Status::Ok) hasher_.reset();  // unsure what reached the disk
        writer_->close();
        writer_.reset();
    }
}

void DownloadTask::stopHashing() {
    if (!hashJob_) return;
    hashJob_->cancel = true;
    hashWatcher_.waitForFinished();  // at most one 1 MiB read
    hashJob_.reset();
}

// ---- public operations ------------------------------------------------------------------

void DownloadTask::pause() {
    switch (info_.state) {
        case DownloadState::Queued:
        case DownloadState::Retrying:
        case DownloadState::Preparing:
        case DownloadState::Connecting:
        case DownloadState::Downloading:
        case DownloadState::Verifying:
            stopHashing();
            stopTransfer();
            retryTimer_.stop();
            info_.progress.bytesPerSecond = 0;
            info_.progress.secondsLeft = -1;
            setNote(received_ > 0 ? QStringLiteral("Paused at %1").arg(humanBytes(received_))
                                  : QStringLiteral("Paused"));
            emitProgress(true);
            setState(DownloadState::Paused);
            break;
        default:
            break;
    }
}

void DownloadTask::requeue() {
    if (info_.state != DownloadState::Paused && info_.state != DownloadState::Failed &&
        info_.state != DownloadState::Cancelled)
        return;
    info_.attempt = 0;
    info_.error = {};
    setState(DownloadState::Queued);
}

void DownloadTask::cancel() {
    if (info_.state == DownloadState::Completed || info_.state == DownloadState::Cancelled) return;
    stopHashing();
    stopTransfer();
    retryTimer_.stop();
    if (!info_.spec.localPath.isEmpty()) {
        QFile::remove(partPath_);
        QFile::remove(sidecarPath_);
    }
    received_ = 0;
    hasher_.reset();
    info_.progress = {};
    info_.progress.total = info_.spec.expectedSize;
    setNote(QStringLiteral("Cancelled; the partial download was deleted"));
    emitProgress(true);
    setState(DownloadState::Cancelled);
}

// ---- preparing --------------------------------------------------------------------------

ContentHasher::Kind DownloadTask::hashKind() const {
    if (!info_.spec.sha256.isEmpty()) return ContentHasher::Kind::Sha256;
    if (!info_.spec.gitOid.isEmpty() && info_.spec.expectedSize >= 0) return ContentHasher::Kind::GitBlob;
    return ContentHasher::Kind::None;
}

QString DownloadTask::expectedDigest() const {
    return !info_.spec.sha256.isEmpty() ? info_.spec.sha256 : info_.spec.gitOid;
}

void DownloadTask::resetHasher() {
    hasher_ = std::make_unique<ContentHasher>(hashKind(), info_.spec.expectedSize);
}

bool DownloadTask::preparePaths(DownloadError* error) {
    QString why;
    const DownloadSpec& s = info_.spec;
    if (!RepoId::parse(s.repo, &why) || !isValidRevision(s.revision, &why) || !isSafeRepoPath(s.path, &why)) {
        *error = DownloadError::make(DownloadError::InvalidRequest, why);
        return false;
    }
    if (s.localPath.isEmpty()) {
        *error = DownloadError::make(DownloadError::InvalidRequest,
                                     QStringLiteral("No destination file was given."));
        return false;
    }
    const QString dir = QFileInfo(s.localPath).absolutePath();
    if (!QDir().mkpath(dir)) {
        *error =
            DownloadError::make(DownloadError::Io, QStringLiteral("Cannot create the folder %1.").arg(dir));
        return false;
    }
    pathsReady_ = true;
    return true;
}

void DownloadTask::persist() {
    DownloadError ignored;
    if (info_.state != DownloadState::Queued || QFileInfo::exists(sidecarPath_) || !preparePaths(&ignored))
        return;
    // A .part without its sidecar cannot be trusted (see adoptSidecar); do not vouch for it.
    QFile::remove(partPath_);
    received_ = 0;
    info_.progress.received = 0;
    saveSidecar();
}

void DownloadTask::adoptSidecar() {
    DownloadSpec& s = info_.spec;
    const auto saved = PartState::load(sidecarPath_);
    const bool matches = saved && saved->repo == s.repo && saved->path == s.path &&
                         saved->revision == s.revision && compatible(saved->sha256, s.sha256) &&
                         compatible(saved->gitOid, s.gitOid) &&
                         (s.expectedSize < 0 || saved->size < 0 || saved->size == s.expectedSize);
    if (matches) {
        part_ = *saved;
        if (s.sha256.isEmpty()) s.sha256 = saved->sha256.toLower();
        if (s.gitOid.isEmpty()) s.gitOid = saved->gitOid.toLower();
        if (s.expectedSize < 0) s.expectedSize = saved->size;
    } else {
        // A .part without a matching sidecar belongs to another file version (or to nobody):
        // its bytes cannot be trusted to continue this download.
        if (QFile::exists(partPath_)) {
            QFile::remove(partPath_);
            setNote(QStringLiteral("Discarded a partial download of a different version"));
        }
        part_ = PartState{};
        hasher_.reset();
        received_ = 0;
    }
}

void DownloadTask::saveSidecar() {
    const DownloadSpec& s = info_.spec;
    part_.hub = env_.settings->hub.baseUrl.toString();
    part_.repo = s.repo;
    part_.revision = s.revision;
    part_.path = s.path;
    part_.size = s.expectedSize;
    part_.sha256 = s.sha256;
    part_.gitOid = s.gitOid;
    QString why;
    // Without a sidecar the download still completes; it only could not resume after a restart.
    if (!part_.save(sidecarPath_, &why))
        setNote(QStringLiteral("Could not save the resume information: %1").arg(why));
}

bool DownloadTask::checkFreeSpace(qint64 needed, DownloadError* error) {
    if (needed <= 0 || !env_.freeSpace || !*env_.freeSpace) return true;
    const QString dir = QFileInfo(info_.spec.localPath).absolutePath();
    const qint64 available = (*env_.freeSpace)(dir);
    const qint64 margin = env_.settings->freeSpaceMarginBytes;
    if (available < 0 || available >= needed + margin) return true;
    *error = DownloadError::make(
        DownloadError::DiskFull,
        QStringLiteral(
            "Not enough free disk space for %1 in %2: it needs %3 more (plus %4 kept free) but only %5 is "
            "available. Free up space or choose another folder, then retry.")
            .arg(fileName(info_.spec.localPath), dir, humanBytes(needed), humanBytes(margin),
                 humanBytes(available)),
        0, true);
    return false;
}

void DownloadTask::start() {
    if (info_.state != DownloadState::Queued) return;
    info_.error = {};
    DownloadError error;
    if (!preparePaths(&error)) {
        fail(error);
        return;
    }
    setState(DownloadState::Preparing);
    adoptSidecar();
    attemptStartBytes_ = received_;

    // The finished file may already be there (a second `pull`, or a crash right after the
    // rename): verify it instead of downloading again.
    const QFileInfo existing(info_.spec.localPath);
    if (existing.isFile() && !QFileInfo::exists(partPath_)) {
        if (hashKind() != ContentHasher::Kind::None &&
            (info_.spec.expectedSize < 0 || existing.size() == info_.spec.expectedSize)) {
            setNote(QStringLiteral("Checking the file already in place"));
            beginHashing(info_.spec.localPath, existing.size(), true);
            return;
        }
        if (hashKind() == ContentHasher::Kind::None && info_.spec.expectedSize >= 0 &&
            existing.size() == info_.spec.expectedSize) {
            received_ = total_ = existing.size();
            QFile::remove(sidecarPath_);
            setNote(QStringLiteral(
                "Already downloaded (same size; the Hub publishes no checksum for this file)"));
            emitProgress(true);
            setState(DownloadState::Completed);
            return;
        }
    }

    qint64 partSize = QFileInfo::exists(partPath_) ? QFileInfo(partPath_).size() : 0;
    if (info_.spec.expectedSize >= 0 && partSize > info_.spec.expectedSize) {
        QFile::remove(partPath_);
        partSize = 0;
        setNote(QStringLiteral("Discarded a partial download larger than the file"));
    }
    if (partSize > 0 && !(hasher_ && hasher_->kind() == hashKind() && hasher_->bytes() == partSize)) {
        setNote(QStringLiteral("Checking the %1 already downloaded").arg(humanBytes(partSize)));
        beginHashing(partPath_, partSize, false);
        return;
    }
    if (partSize == 0) resetHasher();
    received_ = partSize;
    afterPartChecked();
}

void DownloadTask::beginHashing(const QString& path, qint64 length, bool finalFile) {
    auto job = std::make_shared<HashJob>();
    job->hasher = std::make_unique<ContentHasher>(hashKind(), info_.spec.expectedSize);
    job->path = path;
    job->length = length;
    hashJob_ = job;
    hashingFinalFile_ = finalFile;
    if (hashKind() == ContentHasher::Kind::None) {
        job->hasher->add(nullptr, length);  // nothing to compute: only the byte count matters
        job->ok = true;
        onHashingDone();
        return;
    }
    // Hashing gigabytes takes seconds: keep it off the GUI thread.
    hashWatcher_.setFuture(QtConcurrent::run(
        [job] { job->ok = job->hasher->addFile(job->path, job->length, job->cancel, &job->why); }));
}

void DownloadTask::onHashingDone() {
    std::shared_ptr<HashJob> job = hashJob_;
    if (!job || job->cancel) return;
    if (hashJob_->hasher->kind() != ContentHasher::Kind::None && !hashWatcher_.isFinished()) return;
    hashJob_.reset();

    if (hashingFinalFile_) {
        if (job->ok && job->hasher->hexDigest() == expectedDigest()) {
            received_ = total_ = job->length;
            QFile::remove(sidecarPath_);
            setNote(QStringLiteral("Already downloaded (checksum verified)"));
            emitProgress(true);
            setState(DownloadState::Completed);
            return;
        }
        // A different or damaged file is in the way: download and replace it at the end.
        hashingFinalFile_ = false;
        const qint64 partSize = QFileInfo::exists(partPath_) ? QFileInfo(partPath_).size() : 0;
        if (partSize > 0) {
            beginHashing(partPath_, partSize, false);
            return;
        }
        resetHasher();
        received_ = 0;
        afterPartChecked();
        return;
    }

    if (info_.state == DownloadState::Verifying) {
        if (!job->ok) {
            fail(DownloadError::make(
                DownloadError::Io,
                QStringLiteral("Could not read %1 to verify it: %2.").arg(partPath_, job->why), 0, true));
            return;
        }
        hasher_ = std::move(job->hasher);
        verifyAndFinish();
        return;
    }
    if (info_.state != DownloadState::Preparing) return;
    if (job->ok) {
        hasher_ = std::move(job->hasher);
        received_ = hasher_->bytes();
    } else {
        QFile::remove(partPath_);
        resetHasher();
        received_ = 0;
        setNote(QStringLiteral("The partial download could not be read (%1); starting over").arg(job->why));
    }
    afterPartChecked();
}

void DownloadTask::afterPartChecked() {
    attemptStartBytes_ = received_;
    emitProgress(true);
    const qint64 expected = info_.spec.expectedSize;
    DownloadError error;
    if (expected >= 0 && !checkFreeSpace(expected - received_, &error)) {
        fail(error);
        return;
    }
    if (expected > 0 && received_ == expected) {  // every byte is already on disk
        verifyAndFinish();
        return;
    }
    saveSidecar();
    offset_ = received_;
    redirectHops_ = 0;
    restartedFromZero_ = false;
    sendRequest(
        env_.settings->hub.resolveUrl(*RepoId::parse(info_.spec.repo), info_.spec.revision, info_.spec.path));
}

// ---- verifying --------------------------------------------------------------------------

void DownloadTask::verifyAndFinish() {
    stopTransfer();
    setState(DownloadState::Verifying);
    if (!QFileInfo::exists(partPath_)) {  // an empty file has no body to create the part
        QFile empty(partPath_);
        if (!empty.open(QIODevice::WriteOnly)) {
            fail(DownloadError::make(
                DownloadError::Io,
                QStringLiteral("Cannot write %1: %2.").arg(partPath_, empty.errorString())));
            return;
        }
    }
    const qint64 size = QFileInfo(partPath_).size();
    received_ = size;
    DownloadSpec& spec = info_.spec;
    auto discard = [&](const QString& message) {
        QFile::remove(partPath_);
        QFile::remove(sidecarPath_);
        hasher_.reset();
        received_ = 0;
        fail(DownloadError::make(DownloadError::ChecksumMismatch, message, 0, true));
    };
    if (spec.expectedSize >= 0 && size != spec.expectedSize) {
        discard(QStringLiteral(
                    "%1 has %2 bytes instead of the %3 the Hub lists. The damaged file was removed; retry "
                    "to download it again.")
                    .arg(spec.path)
                    .arg(size)
                    .arg(spec.expectedSize));
        return;
    }
    if (hashKind() != ContentHasher::Kind::None) {
        if (!hasher_ || hasher_->kind() != hashKind() || hasher_->bytes() != size) {
            setNote(QStringLiteral("Verifying the checksum"));
            beginHashing(partPath_, size, false);  // the checksum became known only after the bytes
            return;
        }
        const QString got = hasher_->hexDigest();
        if (got != expectedDigest()) {
            discard(
                QStringLiteral(
                    "%1 is damaged: its %2 is %3 but the Hub publishes %4. The file was removed; retry to "
                    "download it again.")
                    .arg(spec.path,
                         hashKind() == ContentHasher::Kind::Sha256 ? QStringLiteral("SHA-256")
                                                                   : QStringLiteral("git blob id"),
                         got, expectedDigest()));
            return;
        }
    }
    std::error_code ec;
    std::filesystem::rename(fsPath(partPath_), fsPath(spec.localPath), ec);  // atomic, replaces an old file
    if (ec) {
        fail(DownloadError::make(
            DownloadError::Io,
            QStringLiteral("Could not rename %1 to %2: %3.")
                .arg(partPath_, spec.localPath, QString::fromLocal8Bit(ec.message().c_str())),
            0, true));
        return;
    }
    QFile::remove(sidecarPath_);
    total_ = size;
    switch (hashKind()) {
        case ContentHasher::Kind::Sha256:
            setNote(QStringLiteral("SHA-256 verified"));
            break;
        case ContentHasher::Kind::GitBlob:
            setNote(QStringLiteral("Git blob id verified"));
            break;
        case ContentHasher::Kind::None:
            setNote(QStringLiteral("Size checked (no checksum is published for this file)"));
            break;
    }
    info_.progress.bytesPerSecond = 0;
    info_.progress.secondsLeft = 0;
    emitProgress(true);
    setState(DownloadState::Completed);
}

void DownloadTask::emitProgress(bool force) {
    DownloadProgress& p = info_.progress;
    p.received = received_;
    p.total = total_ >= 0 ? total_ : info_.spec.expectedSize;
    if (info_.state == DownloadState::Downloading) {
        p.bytesPerSecond = speed_.bytesPerSecond();
        p.secondsLeft = speed_.secondsLeft(received_, p.total);
    }
    if (!force && lastProgress_.isValid() && lastProgress_.elapsed() < env_.settings->progressIntervalMs)
        return;
    lastProgress_.start();
    emit progressChanged();
}

}  // namespace lowbit::app
