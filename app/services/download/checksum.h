#pragma once
// The content check of a download: SHA-256 for LFS files (the Hub's lfs.oid), or the git
// blob id (SHA-1 of "blob <size>\0" + bytes) for small files kept in git itself. Both are
// computed incrementally while the bytes arrive, so verifying a multi-GB file costs nothing
// at the end; resuming re-hashes the bytes already on disk (in a worker thread).
#include <QCryptographicHash>
#include <QString>
#include <atomic>
#include <memory>

namespace lowbit::app {

class ContentHasher {
  public:
    enum class Kind { None, Sha256, GitBlob };

    // GitBlob needs the final size up front (it is part of the hashed header).
    ContentHasher(Kind kind, qint64 gitBlobSize = -1);

    Kind kind() const { return kind_; }
    void add(const char* data, qint64 size);
    qint64 bytes() const { return bytes_; }
    // Lower-case hex digest of everything added; empty for Kind::None.
    QString hexDigest() const;

    // Adds the first `length` bytes of the file at `path`, reading in 1 MiB blocks and
    // stopping early when `cancel` becomes true. Returns false with a reason on a read error,
    // a short file or cancellation.
    bool addFile(const QString& path, qint64 length, const std::atomic<bool>& cancel, QString* why);

  private:
    Kind kind_;
    std::unique_ptr<QCryptographicHash> hash_;
    qint64 bytes_ = 0;
};

}  // namespace lowbit::app
