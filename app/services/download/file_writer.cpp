#include "download/file_writer.h"

#include <QFileInfo>
#include <QStorageInfo>
#include <cerrno>

namespace lowbit::app {

LocalFileWriter::LocalFileWriter() = default;

LocalFileWriter::~LocalFileWriter() {
    close();
}

bool LocalFileWriter::open(const QString& path, qint64 keepBytes) {
    close();
    file_ = std::make_unique<QFile>(path);
    // Unbuffered: every chunk goes to the kernel at once and a failure shows up at that write.
    if (!file_->open(QIODevice::ReadWrite | QIODevice::Unbuffered) || !file_->resize(keepBytes) ||
        !file_->seek(keepBytes)) {
        error_ = file_->errorString();
        file_.reset();
        return false;
    }
    return true;
}

FileWriter::Status LocalFileWriter::failure(qint64 wanted) {
    const int err = errno;  // read before anything else can change it
    error_ = file_ ? file_->errorString() : QStringLiteral("the file is not open");
#ifdef EDQUOT
    if (err == EDQUOT) return Status::DiskFull;
#endif
    if (err == ENOSPC) return Status::DiskFull;
    if (file_) {
        const qint64 available = QStorageInfo(QFileInfo(file_->fileName()).absolutePath()).bytesAvailable();
        if (available >= 0 && available < wanted) return Status::DiskFull;
    }
    return Status::Failed;
}

FileWriter::Status LocalFileWriter::write(const char* data, qint64 size) {
    if (!file_) return failure(size);
    errno = 0;
    const qint64 n = file_->write(data, size);
    return n == size ? Status::Ok : failure(size - qMax<qint64>(n, 0));
}

FileWriter::Status LocalFileWriter::flush() {
    if (!file_) return Status::Ok;
    errno = 0;
    return file_->flush() ? Status::Ok : failure(0);
}

void LocalFileWriter::close() {
    if (file_) file_->close();
    file_.reset();
}

std::unique_ptr<FileWriter> makeLocalFileWriter() {
    return std::make_unique<LocalFileWriter>();
}

qint64 systemFreeSpace(const QString& dir) {
    const QStorageInfo storage(dir);
    return storage.isValid() ? storage.bytesAvailable() : -1;
}

}  // namespace lowbit::app
