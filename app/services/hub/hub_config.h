#pragma once
// Where the Hub is and how to talk to it: base URL (huggingface.co or a mirror), the optional
// access token, and the URLs of the endpoints we use.
//
//   file list   GET {base}/api/models/{owner}/{repo}/tree/{revision}?recursive=true
//               (JSON array of {type, path, size, oid, lfs: {oid, size}}, paginated with a
//                `Link: <next>; rel="next"` header; lfs.oid is the file's SHA-256)
//   file bytes  GET {base}/{owner}/{repo}/resolve/{revision}/{path}
//               (LFS files answer 302 to a CDN host, with X-Linked-Etag / X-Linked-Size)
//   model page      {base}/{owner}/{repo}
//
// The token lives only in memory (this struct); it is never written to the database, the
// download sidecar files or any log line.
#include <QString>
#include <QUrl>

#include "hub/repo_id.h"

namespace lowbit::app {

struct HubConfig {
    QUrl baseUrl = defaultBaseUrl();
    QString token;  // "hf_..." or empty

    static QUrl defaultBaseUrl() { return QUrl(QStringLiteral("https://huggingface.co")); }

    // Checks a user-typed base URL (http or https, a host, no query or fragment) and returns
    // it without a trailing slash; an invalid one yields an empty QUrl and a reason in `why`.
    static QUrl normalizeBaseUrl(const QString& text, QString* why = nullptr);

    QUrl treeUrl(const RepoId& repo, const QString& revision) const;
    QUrl resolveUrl(const RepoId& repo, const QString& revision, const QString& path) const;
    QUrl modelPageUrl(const RepoId& repo) const;
    QUrl tokensPageUrl() const;

    // Whether `url` has the same scheme, host and port as the base URL: the token is only ever
    // sent there, never to a CDN or any other host a redirect points to.
    bool isHubOrigin(const QUrl& url) const;
};

// Percent-encodes each '/'-separated part of a repository path (keeping the slashes).
QByteArray encodeRepoPath(const QString& path);

}  // namespace lowbit::app
