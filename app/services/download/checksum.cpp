#include "download/checksum.h"

#include <QFile>

namespace lowbit::app {

ContentHasher::ContentHasher(Kind kind, qint64 gitBlobSize) : kind_(kind) {
    if (kind_ == Kind::GitBlob && gitBlobSize < 0) kind_ = Kind::None;
    switch (kind_) {
        case Kind::None:
            break;
        case Kind::Sha256:
            hash_ = std::make_unique<QCryptographicHash>(QCryptographicHash::Sha256);
            break;
        case Kind::GitBlob:
            hash_ = std::make_unique<QCryptographicHash>(QCryptographicHash::Sha1);
            hash_->addData("blob " + QByteArray::number(gitBlobSize) + '\0');
            break;
    }
}

void ContentHasher::add(const char* data, qint64 size) {
    if (hash_ && size > 0) hash_->addData(QByteArrayView(data, size));
    bytes_ += size;
}

QString ContentHasher::hexDigest() const {
    return hash_ ? QString::fromLatin1(hash_->result().toHex()) : QString();
}

bool ContentHasher::addFile(const QString& path, qint64 length, const std::atomic<bool>& cancel,
                            QString* why) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (why) *why = file.errorString();
        return false;
    }
    QByteArray block(1 << 20, Qt::Uninitialized);
    qint64 left = length;
    while (left > 0) {
        if (cancel.load(std::memory_order_relaxed)) {
            if (why) *why = QStringLiteral("cancelled");
            return false;
        }
        const qint64 n = file.read(block.data(), qMin<qint64>(left, block.size()));
        if (n <= 0) {
            if (why) *why = n < 0 ? file.errorString() : QStringLiteral("the file is shorter than expected");
            return false;
        }
        add(block.constData(), n);
        left -= n;
    }
    return true;
}

}  // namespace lowbit::app
