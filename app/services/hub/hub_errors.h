#pragma once
// Turns HTTP statuses, the Hub's X-Error-Code header and Qt network errors into DownloadError
// messages that say what happened and what to do (gated model: how to get access).
#include <QNetworkReply>
#include <QString>

#include "download/download_error.h"
#include "hub/hub_config.h"

namespace lowbit::app {

// What the failing request was about, for the message.
struct HubRequestContext {
    HubConfig hub;  // base URL and whether a token was sent (the token itself is only redacted)
    RepoId repo;
    QString revision;
    QString path;  // file inside the repository; empty for the file list
};

// An error response (status >= 400) of the Hub or its CDN. `errorCode` is the X-Error-Code
// header ("GatedRepo", "RepoNotFound", "EntryNotFound", "RevisionNotFound"), `serverMessage`
// X-Error-Message or a short body text; both may be empty.
DownloadError hubHttpError(int status, const QByteArray& errorCode, const QString& serverMessage,
                           const HubRequestContext& context);

// A transport failure (no HTTP status): connection refused or reset, DNS, timeout, TLS, proxy.
// Transient ones are marked retryable.
DownloadError networkError(QNetworkReply::NetworkError code, const QString& qtMessage, const QUrl& url,
                           const QString& token);

// Whether an HTTP status is worth retrying automatically (429, 5xx except 501/505).
bool isRetryableHttpStatus(int status);

}  // namespace lowbit::app
