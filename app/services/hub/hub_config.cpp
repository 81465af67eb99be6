#include "hub/hub_config.h"

#include <QStringList>

namespace lowbit::app {

namespace {

QByteArray baseEncoded(const QUrl& base) {
    QByteArray s = base.toEncoded(QUrl::RemoveQuery | QUrl::RemoveFragment);
    while (s.endsWith('/')) s.chop(1);
    return s;
}

QByteArray encodeRepo(const RepoId& repo) {
    return QUrl::toPercentEncoding(repo.owner) + '/' + QUrl::toPercentEncoding(repo.name);
}

int effectivePort(const QUrl& url) {
    if (url.port() != -1) return url.port();
    if (url.scheme() == QLatin1String("https")) return 443;
    if (url.scheme() == QLatin1String("http")) return 80;
    return -1;
}

}  // namespace

QByteArray encodeRepoPath(const QString& path) {
    QByteArray out;
    const QStringList parts = path.split(QLatin1Char('/'));
    for (int i = 0; i < parts.size(); ++i) {
        if (i) out += '/';
        out += QUrl::toPercentEncoding(parts[i]);
    }
    return out;
}

QUrl HubConfig::normalizeBaseUrl(const QString& text, QString* why) {
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    auto fail = [&](const QString& reason) {
        if (why) *why = reason;
        return QUrl();
    };
    if (!url.isValid() || url.isRelative())
        return fail(QStringLiteral("'%1' is not a valid URL (expected for example https://huggingface.co)")
                        .arg(text.trimmed()));
    if (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http"))
        return fail(
            QStringLiteral("the Hub URL must start with https:// or http://, not '%1'").arg(url.scheme()));
    if (url.host().isEmpty()) return fail(QStringLiteral("the Hub URL '%1' has no host").arg(text.trimmed()));
    if (url.hasQuery() || url.hasFragment() || !url.userInfo().isEmpty())
        return fail(QStringLiteral("the Hub URL must not contain a query, fragment or user name"));
    return QUrl::fromEncoded(baseEncoded(url), QUrl::StrictMode);
}

QUrl HubConfig::treeUrl(const RepoId& repo, const QString& revision) const {
    return QUrl::fromEncoded(baseEncoded(baseUrl) + "/api/models/" + encodeRepo(repo) + "/tree/" +
                                 QUrl::toPercentEncoding(revision) + "?recursive=true",
                             QUrl::StrictMode);
}

QUrl HubConfig::resolveUrl(const RepoId& repo, const QString& revision, const QString& path) const {
    return QUrl::fromEncoded(baseEncoded(baseUrl) + '/' + encodeRepo(repo) + "/resolve/" +
                                 QUrl::toPercentEncoding(revision) + '/' + encodeRepoPath(path),
                             QUrl::StrictMode);
}

QUrl HubConfig::modelPageUrl(const RepoId& repo) const {
    return QUrl::fromEncoded(baseEncoded(baseUrl) + '/' + encodeRepo(repo), QUrl::StrictMode);
}

QUrl HubConfig::tokensPageUrl() const {
    return QUrl::fromEncoded(baseEncoded(baseUrl) + "/settings/tokens", QUrl::StrictMode);
}

bool HubConfig::isHubOrigin(const QUrl& url) const {
    return url.scheme() == baseUrl.scheme() && url.host().compare(baseUrl.host(), Qt::CaseInsensitive) == 0 &&
           effectivePort(url) == effectivePort(baseUrl);
}

}  // namespace lowbit::app
