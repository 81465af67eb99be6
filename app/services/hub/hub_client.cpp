#include "hub/hub_client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTimer>
#include <algorithm>

#include "download/http_headers.h"
#include "hub/hub_errors.h"
#include "hub/hub_request.h"

namespace lowbit::app {

namespace {

constexpr int kApiTimeoutMs = 30000;
constexpr int kMaxPages = 1000;  // 1000 pages of the Hub's 1000-entry pages: far beyond any model repo

bool isHex(const QString& s, int length) {
    static const QRegularExpression kHex(QStringLiteral("^[0-9a-f]+$"));
    return s.size() == length && kHex.match(s).hasMatch();
}

}  // namespace

bool parseTreePage(const QByteArray& json, QList<HubFile>* files, QString* why) {
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isArray()) {
        if (why)
            *why = parseError.error != QJsonParseError::NoError
                       ? QStringLiteral("the file list is not valid JSON (%1)").arg(parseError.errorString())
                       : QStringLiteral("the file list is not a JSON array");
        return false;
    }
    for (const QJsonValue& v : doc.array()) {
        const QJsonObject o = v.toObject();
        if (o.value(QLatin1String("type")).toString() != QLatin1String("file")) continue;
        HubFile f;
        f.path = o.value(QLatin1String("path")).toString();
        if (!isSafeRepoPath(f.path)) continue;  // never let a listing name a path outside the folder
        const double size = o.value(QLatin1String("size")).toDouble(-1);
        f.size = size >= 0 ? qint64(size) : -1;
        const QString oid = o.value(QLatin1String("oid")).toString().toLower();
        const QJsonObject lfs = o.value(QLatin1String("lfs")).toObject();
        if (!lfs.isEmpty()) {
            const QString sha = lfs.value(QLatin1String("oid")).toString().toLower();
            if (isHex(sha, 64)) f.sha256 = sha;
            const double lfsSize = lfs.value(QLatin1String("size")).toDouble(-1);
            if (lfsSize >= 0) f.size = qint64(lfsSize);
        } else if (isHex(oid, 40)) {
            f.gitOid = oid;
        }
        files->append(f);
    }
    return true;
}

QUrl nextPageUrl(const QByteArray& linkHeader, const QUrl& current) {
    // Link: <https://huggingface.co/api/models/x/y/tree/main?recursive=true&cursor=...>; rel="next"
    static const QRegularExpression kPart(QStringLiteral(R"(<([^>]*)>\s*;([^,]*))"));
    auto it = kPart.globalMatch(QString::fromLatin1(linkHeader));
    while (it.hasNext()) {
        const auto m = it.next();
        if (m.captured(2).contains(QRegularExpression(QStringLiteral(R"(rel\s*=\s*"?next"?)"))))
            return current.resolved(QUrl(m.captured(1)));
    }
    return {};
}

HubClient::HubClient(QNetworkAccessManager* nam, HubConfig config, QObject* parent)
    : QObject(parent), nam_(nam), config_(std::move(config)) {}

HubListReply* HubClient::listFiles(const QString& repoText, const QString& revision) {
    auto* reply = new HubListReply(this);
    reply->nam_ = nam_;
    reply->hub_ = config_;
    reply->retry_ = retry_;
    reply->revision_ = revision;
    QString why;
    const auto repo = RepoId::parse(repoText, &why);
    if (!repo || !isValidRevision(revision, &why)) {
        const DownloadError error = DownloadError::make(DownloadError::InvalidRequest, why);
        // Finish on the next event-loop turn so callers can connect first.
        QTimer::singleShot(0, reply, [reply, error] { reply->finish(error); });
        return reply;
    }
    reply->repo_ = *repo;
    reply->fetchPage(config_.treeUrl(*repo, revision));
    return reply;
}

void HubListReply::abort() {
    if (finished_) return;
    finish(DownloadError::make(DownloadError::Cancelled, QStringLiteral("Listing the files was cancelled.")));
}

void HubListReply::fetchPage(const QUrl& url) {
    if (url != pageUrl_) {
        ++pages_;
        attempt_ = 0;
    }
    pageUrl_ = url;
    QNetworkRequest request =
        makeHubRequest(url, hub_, kApiTimeoutMs, QNetworkRequest::SameOriginRedirectPolicy);
    request.setRawHeader("Accept", "application/json");
    reply_ = nam_->get(request);
    connect(reply_, &QNetworkReply::finished, this, &HubListReply::onPageFinished);
}

void HubListReply::onPageFinished() {
    QNetworkReply* reply = reply_;
    reply_ = nullptr;
    if (!reply) return;
    reply->deleteLater();
    const HubRequestContext context{hub_, repo_, revision_, {}};
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 400) {
        QString message = QString::fromUtf8(reply->rawHeader("X-Error-Message"));
        if (message.isEmpty()) {
            const QJsonObject body = QJsonDocument::fromJson(reply->read(4096)).object();
            message = body.value(QLatin1String("error")).toString();
        }
        failOrRetry(hubHttpError(status, reply->rawHeader("X-Error-Code"), message, context),
                    parseRetryAfterMs(reply->rawHeader("Retry-After")));
        return;
    }
    if (reply->error() != QNetworkReply::NoError) {
        failOrRetry(networkError(reply->error(), reply->errorString(), reply->url(), hub_.token), -1);
        return;
    }
    if (status >= 300) {
        finish(DownloadError::make(
            DownloadError::BadResponse,
            QStringLiteral(
                "The Hub redirected the file list of %1 to another site (%2); set that address as the Hub "
                "URL if it is a mirror you trust.")
                .arg(repo_.full(), reply->attribute(QNetworkRequest::RedirectionTargetAttribute)
                                       .toUrl()
                                       .toDisplayString(QUrl::RemoveQuery)),
            status));
        return;
    }
    QString why;
    if (!parseTreePage(reply->readAll(), &files_, &why)) {
        finish(DownloadError::make(
            DownloadError::BadResponse,
            QStringLiteral("The Hub's answer for %1 could not be read: %2.").arg(repo_.full(), why), status));
        return;
    }
    const QUrl next = nextPageUrl(reply->rawHeader("Link"), reply->url());
    if (next.isValid() && !next.isEmpty()) {
        if (pages_ >= kMaxPages) {
            finish(
                DownloadError::make(DownloadError::BadResponse,
                                    QStringLiteral("The file list of %1 has more than %2 pages; giving up.")
                                        .arg(repo_.full())
                                        .arg(kMaxPages)));
            return;
        }
        fetchPage(next);
        return;
    }
    std::sort(files_.begin(), files_.end(),
              [](const HubFile& a, const HubFile& b) { return a.path < b.path; });
    finish({});
}

void HubListReply::failOrRetry(const DownloadError& error, int retryAfterMs) {
    const bool transient =
        error.retryable && (error.kind == DownloadError::Network || error.kind == DownloadError::Server ||
                            error.kind == DownloadError::RateLimited);
    if (!transient || ++attempt_ >= retry_.maxAttempts) {
        DownloadError e = error;
        if (transient) e.message += QStringLiteral(" Gave up after %1 attempts.").arg(attempt_);
        finish(e);
        return;
    }
    const int delay =
        retryAfterMs >= 0 ? qMin(retryAfterMs, retry_.maxDelayMs) : retry_.delayForAttempt(attempt_);
    emit retrying(attempt_, delay, redactSecret(error.message, hub_.token));
    const QUrl url = pageUrl_;
    QTimer::singleShot(delay, this, [this, url] {
        if (!finished_) fetchPage(url);
    });
}

void HubListReply::finish(const DownloadError& error) {
    if (finished_) return;
    if (reply_) {
        QNetworkReply* r = reply_;
        reply_ = nullptr;
        r->disconnect(this);
        QTimer::singleShot(0, r, [r] {  // not inside the reply's own signal
            r->abort();
            r->deleteLater();
        });
    }
    finished_ = true;
    error_ = error;
    if (error.isError()) files_.clear();
    emit finished();
}

}  // namespace lowbit::app
