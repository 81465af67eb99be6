#include "download/part_state.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace lowbit::app {

namespace {
const QLatin1String kFormat("lowbit-download-part");
}

QString PartState::finalPathOf(const QString& sidecar) {
    static const QString kSuffix = QStringLiteral(".part.json");
    if (!sidecar.endsWith(kSuffix) || sidecar.size() == kSuffix.size()) return {};
    return sidecar.left(sidecar.size() - kSuffix.size());
}

std::optional<PartState> PartState::load(const QString& sidecar, QString* why) {
    QFile file(sidecar);
    if (!file.open(QIODevice::ReadOnly)) {
        if (why) *why = file.errorString();
        return std::nullopt;
    }
    if (file.size() > 64 * 1024) {
        if (why) *why = QStringLiteral("the file is too large to be a download sidecar");
        return std::nullopt;
    }
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    const QJsonObject o = doc.object();
    if (error.error != QJsonParseError::NoError || !doc.isObject() ||
        o.value(QLatin1String("format")).toString() != kFormat) {
        if (why) *why = QStringLiteral("not a Lowbit download sidecar");
        return std::nullopt;
    }
    const int version = o.value(QLatin1String("version")).toInt(0);
    if (version < 1 || version > kVersion) {
        if (why) *why = QStringLiteral("sidecar version %1 is not supported").arg(version);
        return std::nullopt;
    }
    PartState s;
    s.hub = o.value(QLatin1String("hub")).toString();
    s.repo = o.value(QLatin1String("repo")).toString();
    s.revision = o.value(QLatin1String("revision")).toString();
    s.path = o.value(QLatin1String("path")).toString();
    s.size = qint64(o.value(QLatin1String("size")).toDouble(-1));
    s.sha256 = o.value(QLatin1String("sha256")).toString();
    s.gitOid = o.value(QLatin1String("git_oid")).toString();
    s.etag = o.value(QLatin1String("etag")).toString();
    s.commit = o.value(QLatin1String("commit")).toString();
    if (s.repo.isEmpty() || s.revision.isEmpty() || s.path.isEmpty()) {
        if (why) *why = QStringLiteral("the sidecar lacks the repository, revision or path");
        return std::nullopt;
    }
    return s;
}

bool PartState::save(const QString& sidecar, QString* why) const {
    QJsonObject o;
    o.insert(QLatin1String("format"), kFormat);
    o.insert(QLatin1String("version"), kVersion);
    o.insert(QLatin1String("hub"), hub);
    o.insert(QLatin1String("repo"), repo);
    o.insert(QLatin1String("revision"), revision);
    o.insert(QLatin1String("path"), path);
    o.insert(QLatin1String("size"), double(size));
    o.insert(QLatin1String("sha256"), sha256);
    o.insert(QLatin1String("git_oid"), gitOid);
    o.insert(QLatin1String("etag"), etag);
    o.insert(QLatin1String("commit"), commit);
    QSaveFile file(sidecar);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(o).toJson()) < 0 || !file.commit()) {
        if (why) *why = file.errorString();
        return false;
    }
    return true;
}

}  // namespace lowbit::app
