#include "download/download_types.h"

#include <QDir>

#include "hub/hub_client.h"

namespace lowbit::app {

DownloadSpec DownloadSpec::fromHubFile(const QString& repo, const QString& revision, const HubFile& file,
                                       const QString& dir) {
    DownloadSpec spec;
    spec.repo = repo;
    spec.revision = revision;
    spec.path = file.path;
    spec.localPath = QDir(dir).filePath(file.path);
    spec.expectedSize = file.size;
    spec.sha256 = file.sha256;
    spec.gitOid = file.gitOid;
    return spec;
}

int RetryPolicy::delayForAttempt(int attempt) const {
    qint64 delay = qMax(0, initialDelayMs);
    for (int i = 1; i < attempt && delay < maxDelayMs; ++i) delay *= 2;
    return int(qMin<qint64>(delay, maxDelayMs));
}

}  // namespace lowbit::app
