#include "hub/hub_request.h"

namespace lowbit::app {

QString version_string();  // services_version.cpp

QString userAgent() {
    return QStringLiteral("LowbitStudio/") +
           version_string().section(QLatin1Char(' '), -1);  // "LowbitStudio/0.1.0"
}

QNetworkRequest makeHubRequest(const QUrl& url, const HubConfig& hub, int transferTimeoutMs,
                               QNetworkRequest::RedirectPolicy redirects) {
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::UserAgentHeader, userAgent());
    // Asking for identity keeps Qt from negotiating gzip and inflating behind our back, which
    // would make Content-Length, Content-Range and resume offsets meaningless.
    request.setRawHeader("Accept-Encoding", "identity");
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, redirects);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    if (transferTimeoutMs > 0) request.setTransferTimeout(transferTimeoutMs);
    if (!hub.token.isEmpty() && hub.isHubOrigin(url))
        request.setRawHeader("Authorization", "Bearer " + hub.token.toUtf8());
    return request;
}

}  // namespace lowbit::app
