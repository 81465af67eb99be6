#include "hub/hub_errors.h"

namespace lowbit::app {

namespace {

QString what(const HubRequestContext& c) {
    if (c.path.isEmpty()) return QStringLiteral("the file list of %1").arg(c.repo.full());
    return QStringLiteral("%1 from %2").arg(c.path, c.repo.full());
}

QString serverSaid(const QString& serverMessage, const QString& token) {
    QString m = redactSecret(serverMessage.simplified(), token);
    if (m.isEmpty()) return {};
    if (m.size() > 300) m = m.left(300) + QStringLiteral("...");
    return QStringLiteral(" (the server said: \"%1\")").arg(m);
}

QString howToGetAccess(const HubRequestContext& c) {
    return QStringLiteral(
               "To get access: open %1, sign in and accept the licence (gated models may need the "
               "owner's approval), then create an access token with read permission at %2 and give it "
               "to Lowbit Studio (the command line reads --token or the HF_TOKEN environment variable).")
        .arg(c.hub.modelPageUrl(c.repo).toString(), c.hub.tokensPageUrl().toString());
}

}  // namespace

bool isRetryableHttpStatus(int status) {
    return status == 408 || status == 429 ||
           (status >= 500 && status <= 599 && status != 501 && status != 505);
}

DownloadError hubHttpError(int status, const QByteArray& errorCode, const QString& serverMessage,
                           const HubRequestContext& c) {
    const bool hasToken = !c.hub.token.isEmpty();
    const QString said = serverSaid(serverMessage, c.hub.token);
    const QString code = QString::fromLatin1(errorCode);
    using K = DownloadError::Kind;

    if (status == 401) {
        if (!hasToken) {
            // The Hub answers 401 both for gated/private repositories and, to avoid leaking
            // private names, for repositories that do not exist.
            QString m = code == QLatin1String("RepoNotFound")
                            ? QStringLiteral(
                                  "Cannot download %1: the repository was not found, or it is private or "
                                  "gated and needs an access token (HTTP 401). Check the name; ")
                                  .arg(what(c))
                            : QStringLiteral(
                                  "Cannot download %1: %2 is a gated or private model and the Hub asks "
                                  "for an access token (HTTP 401). ")
                                  .arg(what(c), c.repo.full());
            return DownloadError::make(K::Unauthorized, m + howToGetAccess(c) + said, status);
        }
        return DownloadError::make(
            K::Unauthorized,
            QStringLiteral(
                "The Hub refused the access token for %1 (HTTP 401): the token may be invalid, expired or "
                "lack read permission, or the repository does not exist. Check the token at %2 and the "
                "repository name.%3")
                .arg(what(c), c.hub.tokensPageUrl().toString(), said),
            status);
    }
    if (status == 403) {
        QString m = QStringLiteral("Access to %1 is restricted (HTTP 403): it is a gated model and ")
                        .arg(c.repo.full());
        m += hasToken ? QStringLiteral(
                            "the account that owns the token has not been granted access yet. Open %1, "
                            "accept the licence (or request access) with that account, and try again "
                            "once access is approved.")
                            .arg(c.hub.modelPageUrl(c.repo).toString())
                      : howToGetAccess(c);
        return DownloadError::make(K::Forbidden, m + said, status);
    }
    if (status == 404) {
        QString m;
        if (code == QLatin1String("RevisionNotFound"))
            m = QStringLiteral("Revision '%1' does not exist in %2 (HTTP 404).")
                    .arg(c.revision, c.repo.full());
        else if (code == QLatin1String("RepoNotFound") || c.path.isEmpty())
            m = QStringLiteral(
                    "Repository %1 was not found on %2 (HTTP 404). Check the spelling: OWNER/REPO, "
                    "as in the address of the model page.")
                    .arg(c.repo.full(), c.hub.baseUrl.host());
        else
            m = QStringLiteral(
                    "%1 was not found in %2 at revision '%3' (HTTP 404). List the repository's files to "
                    "see the exact names.")
                    .arg(c.path, c.repo.full(), c.revision);
        return DownloadError::make(K::NotFound, m + said, status);
    }
    if (status == 416)
        return DownloadError::make(
            K::BadResponse,
            QStringLiteral("The server refused the byte range asked for %1 (HTTP 416).%2").arg(what(c), said),
            status);
    if (status == 429)
        return DownloadError::make(
            K::RateLimited,
            QStringLiteral(
                "The Hub is limiting requests (HTTP 429) while fetching %1; waiting before trying again.%2")
                .arg(what(c), said),
            status, true);
    if (status >= 500)
        return DownloadError::make(K::Server,
                                   QStringLiteral("The server had an error (HTTP %1) while sending %2.%3")
                                       .arg(status)
                                       .arg(what(c), said),
                                   status, isRetryableHttpStatus(status));
    return DownloadError::make(
        K::BadResponse,
        QStringLiteral("Unexpected HTTP %1 answer while fetching %2.%3").arg(status).arg(what(c), said),
        status, status == 408);
}

DownloadError networkError(QNetworkReply::NetworkError code, const QString& qtMessage, const QUrl& url,
                           const QString& token) {
    const QString host = url.host();
    const QString detail = redactSecret(qtMessage, token);
    using N = QNetworkReply::NetworkError;
    using K = DownloadError::Kind;
    switch (code) {
        case N::ConnectionRefusedError:
            return DownloadError::make(
                K::Network, QStringLiteral("Could not connect to %1 (connection refused).").arg(host), 0,
                true);
        case N::RemoteHostClosedError:
            return DownloadError::make(
                K::Network,
                QStringLiteral("The connection to %1 was closed before the transfer ended.").arg(host), 0,
                true);
        case N::HostNotFoundError:
            return DownloadError::make(
                K::Network,
                QStringLiteral(
                    "Could not find the server %1: check the network connection and the Hub address.")
                    .arg(host),
                0, true);
        case N::TimeoutError:
        case N::OperationCanceledError:  // what Qt reports when the transfer timeout fires
            return DownloadError::make(
                K::Network, QStringLiteral("The connection to %1 stalled (no data for too long).").arg(host),
                0, true);
        case N::TemporaryNetworkFailureError:
        case N::NetworkSessionFailedError:
        case N::UnknownNetworkError:
            return DownloadError::make(
                K::Network, QStringLiteral("The network connection was lost (%1).").arg(detail), 0, true);
        case N::SslHandshakeFailedError:
            return DownloadError::make(
                K::Network,
                QStringLiteral(
                    "The secure connection to %1 failed (%2). Check the system clock and any proxy that "
                    "intercepts HTTPS.")
                    .arg(host, detail),
                0, false);
        case N::ProxyConnectionRefusedError:
        case N::ProxyConnectionClosedError:
        case N::ProxyNotFoundError:
        case N::ProxyTimeoutError:
            return DownloadError::make(
                K::Network,
                QStringLiteral("The proxy could not be used (%1). Check the proxy setting.").arg(detail), 0,
                true);
        case N::ProxyAuthenticationRequiredError:
            return DownloadError::make(
                K::Network, QStringLiteral("The proxy asks for a user name and password (%1).").arg(detail),
                0, false);
        case N::ProtocolUnknownError:
        case N::ProtocolInvalidOperationError:
            return DownloadError::make(K::InvalidRequest,
                                       QStringLiteral("The address %1 cannot be downloaded (%2).")
                                           .arg(url.toDisplayString(QUrl::RemoveQuery), detail),
                                       0, false);
        default:
            return DownloadError::make(
                K::Network, QStringLiteral("Network error while talking to %1: %2").arg(host, detail), 0,
                true);
    }
}

}  // namespace lowbit::app
