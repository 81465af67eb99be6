#pragma once
// Builds the QNetworkRequest for a Hub or CDN URL: User-Agent, no content encoding (byte
// ranges and sizes must refer to the file itself), no cache, and the Authorization header only
// when the URL is on the Hub's own origin. Redirects: API calls let Qt follow same-origin ones
// (SameOriginRedirectPolicy); downloads follow every hop themselves (ManualRedirectPolicy) to
// read the Hub's X-Linked-* headers and to drop the token when a hop leaves the Hub.
#include <QNetworkRequest>

#include "hub/hub_config.h"

namespace lowbit::app {

QNetworkRequest makeHubRequest(const QUrl& url, const HubConfig& hub, int transferTimeoutMs,
                               QNetworkRequest::RedirectPolicy redirects);

QString userAgent();

}  // namespace lowbit::app
