#pragma once
// A small HTTP/1.1 server on 127.0.0.1 that behaves like the Hugging Face Hub for the
// download tests (no internet needed):
//
//   GET /api/models/{owner}/{repo}/tree/{rev}?recursive=true   file list with lfs.oid (SHA-256),
//                                                              optional pagination (Link header)
//   GET /{owner}/{repo}/resolve/{rev}/{path}                    LFS files: 302 to the "CDN" (a
//                                                              second port = another origin) with
//                                                              X-Linked-Etag / X-Linked-Size;
//                                                              small files: 200 directly
//   GET /cdn/{sha256}                                           the bytes, with Range (206 +
//                                                              Content-Range) and 416
//
// Gated repositories answer 401 without "Authorization: Bearer <token>", 401 for a wrong
// token (echoing it, to prove the client redacts it) and 403 for a known token without
// access. Unknown repositories answer like the Hub (401 without a token, 404 with one).
// Knobs simulate trouble: a connection cut after N body bytes, throttled bodies (for pause
// tests), ignored Range headers, a corrupted body, and error statuses for N requests.
// Every request is recorded (method, target, headers, port, proxy form).
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QString>
#include <QTcpServer>
#include <QUrl>

class QTcpSocket;

namespace lowbit::test {

class FakeHub : public QObject {
    Q_OBJECT

  public:
    struct Request {
        QByteArray method;
        QByteArray target;                      // path and query (absolute-form requests are reduced)
        QHash<QByteArray, QByteArray> headers;  // lower-case names
        quint16 port = 0;                       // which listener accepted it
        bool proxyForm = false;                 // the request line held an absolute URL (sent to a proxy)
        QByteArray header(const char* name) const { return headers.value(QByteArray(name).toLower()); }
        bool isCdn() const { return target.startsWith("/cdn/"); }
    };

    FakeHub();
    ~FakeHub() override;
    bool start();  // listens on two free ports of 127.0.0.1

    QUrl baseUrl() const;  // the "Hub"
    QUrl cdnUrl() const;   // the "CDN" (another origin)
    quint16 hubPort() const { return hub_.serverPort(); }
    quint16 cdnPort() const { return cdn_.serverPort(); }

    void addFile(const QString& repo, const QString& path, const QByteArray& content, bool lfs = true);
    void setGated(const QString& repo, const QString& token);  // the token that has access
    void addTokenWithoutAccess(const QString& token);          // valid account, licence not accepted
    void setCorrupt(const QString& repo, const QString& path, bool corrupt);  // serve one flipped byte

    static QString sha256Hex(const QByteArray& data);
    static QString gitBlobOid(const QByteArray& data);

    // Trouble knobs (all apply to /cdn/ bodies unless said otherwise).
    int pageSize = 0;                 // tree API entries per page (0 = one page)
    bool ignoreRange = false;         // answer 200 with the whole file even when a Range was asked
    qint64 cutAfterBytes = -1;        // close the connection after this many body bytes ...
    int cutCount = 0;                 // ... for this many requests
    int chunkBytes = 0;               // throttle: write the body in chunks of this size ...
    int chunkIntervalMs = 0;          // ... every this many ms
    int failStatus = 0;               // answer this status ...
    int failCount = 0;                // ... for this many requests (e.g. 503, or -1 = forever)
    bool sameOriginRedirect = false;  // redirect to /cdn/ on the Hub port instead of the CDN port
    int apiFailStatus = 0;            // the tree API answers this status ...
    int apiFailCount = 0;             // ... for this many requests

    QList<Request> requests;
    QList<Request> cdnRequests() const;
    QList<Request> requestsFor(const QByteArray& pathPart) const;
    int activeBodies() const { return activeBodies_; }
    int maxActiveBodies() const { return maxActiveBodies_; }

  private:
    struct File {
        QByteArray content;
        bool lfs = true;
        bool corrupt = false;
    };
    struct Repo {
        QMap<QString, File> files;
        QString token;  // non-empty: gated
    };
    struct Response {
        int status = 200;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
        bool throttle = false;
        qint64 cutAfter = -1;
    };

    void onNewConnection(QTcpServer* server);
    void onReadyRead(QTcpSocket* socket);
    Response route(const Request& request);
    Response tree(const Request& request, const QString& repoId, const QString& revision,
                  const QByteArray& query);
    Response resolve(const Request& request, const QString& repoId, const QString& path);
    Response serveBytes(const Request& request, const File& file, const QByteArray& etag);
    void send(QTcpSocket* socket, const Response& response);
    const File* findBySha(const QString& sha) const;  // (tests give every file distinct bytes)

    QTcpServer hub_;
    QTcpServer cdn_;
    QMap<QString, Repo> repos_;
    QSet<QString> tokensWithoutAccess_;
    QHash<QTcpSocket*, QByteArray> buffers_;
    int activeBodies_ = 0;
    int maxActiveBodies_ = 0;
};

}  // namespace lowbit::test
