#pragma once
// Lists a repository's files through the Hub API (sizes, LFS SHA-256, git blob ids).
//
// Usage (GUI or CLI, asynchronous; the reply belongs to the caller and is deleteLater()'d):
//   auto* reply = hub.listFiles(repo, "main");
//   connect(reply, &HubListReply::finished, this, [reply] {
//       if (reply->error().isError()) show(reply->error().message);
//       else use(reply->files());
//       reply->deleteLater();
//   });
#include <QList>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QString>

#include "download/download_error.h"
#include "download/retry_policy.h"
#include "hub/hub_config.h"

namespace lowbit::app {

struct HubFile {
    Q_GADGET
    Q_PROPERTY(QString path MEMBER path)
    Q_PROPERTY(qint64 size MEMBER size)
    Q_PROPERTY(QString sha256 MEMBER sha256)
    Q_PROPERTY(QString gitOid MEMBER gitOid)
    Q_PROPERTY(bool isLfs READ isLfs)

  public:
    QString path;  // inside the repository, '/'-separated
    qint64 size = -1;
    QString sha256;  // lower-case hex, from lfs.oid; empty for files kept in git itself
    QString gitOid;  // git blob SHA-1 (oid) of small non-LFS files; lets us verify them too
    bool isLfs() const { return !sha256.isEmpty(); }
};

// Parses one page of the tree API (a JSON array). Entries that are not files, or whose path
// is unsafe as a local path, are skipped; `why` reports a malformed document.
bool parseTreePage(const QByteArray& json, QList<HubFile>* files, QString* why);
// The rel="next" target of a Link header, empty when there is none.
QUrl nextPageUrl(const QByteArray& linkHeader, const QUrl& current);

class HubListReply : public QObject {
    Q_OBJECT

  public:
    bool isFinished() const { return finished_; }
    const DownloadError& error() const { return error_; }
    const QList<HubFile>& files() const { return files_; }  // sorted by path
    void abort();

  signals:
    void finished();
    // A page failed for a transient reason and is asked again after `delayMs`.
    void retrying(int attempt, int delayMs, const QString& reason);

  private:
    friend class HubClient;
    explicit HubListReply(QObject* parent) : QObject(parent) {}

    void fetchPage(const QUrl& url);
    void onPageFinished();
    void failOrRetry(const DownloadError& error, int retryAfterMs);
    void finish(const DownloadError& error);

    QNetworkAccessManager* nam_ = nullptr;
    HubConfig hub_;
    RepoId repo_;
    QString revision_;
    RetryPolicy retry_;
    QPointer<QNetworkReply> reply_;
    QUrl pageUrl_;
    int attempt_ = 0;  // failed tries of the current page
    QList<HubFile> files_;
    DownloadError error_;
    int pages_ = 0;
    bool finished_ = false;
};

class HubClient : public QObject {
    Q_OBJECT

  public:
    // `nam` must outlive the client (the DownloadManager shares its own).
    HubClient(QNetworkAccessManager* nam, HubConfig config, QObject* parent = nullptr);

    void setConfig(const HubConfig& config) { config_ = config; }
    const HubConfig& config() const { return config_; }
    // Transient failures (connection lost, 429, 5xx) of a page are retried with this backoff.
    void setRetryPolicy(const RetryPolicy& policy) { retry_ = policy; }

    // Starts listing every file of `repo` at `revision` (following pagination). Invalid input
    // gives a reply that finishes (queued) with an InvalidRequest error.
    HubListReply* listFiles(const QString& repo, const QString& revision = QStringLiteral("main"));

  private:
    QNetworkAccessManager* nam_;
    HubConfig config_;
    RetryPolicy retry_;
};

}  // namespace lowbit::app

Q_DECLARE_METATYPE(lowbit::app::HubFile)
