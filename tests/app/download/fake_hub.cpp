#include "fake_hub.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>
#include <memory>

namespace lowbit::test {

namespace {

const char* reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 206:
            return "Partial Content";
        case 302:
            return "Found";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 416:
            return "Range Not Satisfiable";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Status";
    }
}

QByteArray decode(const QByteArray& part) {
    return QByteArray::fromPercentEncoding(part);
}

}  // namespace

FakeHub::FakeHub() {
    connect(&hub_, &QTcpServer::newConnection, this, [this] { onNewConnection(&hub_); });
    connect(&cdn_, &QTcpServer::newConnection, this, [this] { onNewConnection(&cdn_); });
}

FakeHub::~FakeHub() {
    // Close the connections while the members their handlers use still exist.
    const QList<QTcpSocket*> sockets = buffers_.keys();
    buffers_.clear();
    for (QTcpSocket* socket : sockets) {
        socket->disconnect();
        socket->abort();
        delete socket;
    }
}

bool FakeHub::start() {
    return hub_.listen(QHostAddress::LocalHost, 0) && cdn_.listen(QHostAddress::LocalHost, 0);
}

QUrl FakeHub::baseUrl() const {
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(hub_.serverPort()));
}
QUrl FakeHub::cdnUrl() const {
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(cdn_.serverPort()));
}

QString FakeHub::sha256Hex(const QByteArray& data) {
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

QString FakeHub::gitBlobOid(const QByteArray& data) {
    return QString::fromLatin1(
        QCryptographicHash::hash("blob " + QByteArray::number(data.size()) + '\0' + data,
                                 QCryptographicHash::Sha1)
            .toHex());
}

void FakeHub::addFile(const QString& repo, const QString& path, const QByteArray& content, bool lfs) {
    repos_[repo].files[path] = File{content, lfs, false};
}

void FakeHub::setGated(const QString& repo, const QString& token) {
    repos_[repo].token = token;
}

void FakeHub::addTokenWithoutAccess(const QString& token) {
    tokensWithoutAccess_.insert(token);
}

void FakeHub::setCorrupt(const QString& repo, const QString& path, bool corrupt) {
    repos_[repo].files[path].corrupt = corrupt;
}

QList<FakeHub::Request> FakeHub::cdnRequests() const {
    return requestsFor("/cdn/");
}

QList<FakeHub::Request> FakeHub::requestsFor(const QByteArray& pathPart) const {
    QList<Request> out;
    for (const Request& r : requests)
        if (r.target.contains(pathPart)) out.append(r);
    return out;
}

const FakeHub::File* FakeHub::findBySha(const QString& sha) const {
    for (const Repo& repo : repos_)
        for (const File& f : repo.files)
            if (sha256Hex(f.content) == sha) return &f;
    return nullptr;
}

void FakeHub::onNewConnection(QTcpServer* server) {
    while (QTcpSocket* socket = server->nextPendingConnection()) {
        buffers_.insert(socket, {});
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            buffers_.remove(socket);
            socket->deleteLater();
        });
    }
}

void FakeHub::onReadyRead(QTcpSocket* socket) {
    if (!buffers_.contains(socket)) return;
    QByteArray& buffer = buffers_[socket];
    if (buffer == "<answered>") {
        socket->readAll();
        return;
    }
    buffer += socket->readAll();
    const int end = buffer.indexOf("\r\n\r\n");
    if (end < 0) return;
    const QList<QByteArray> lines = buffer.left(end).split('\n');
    buffer = "<answered>";

    Request request;
    request.port = socket->localPort();
    const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
    request.method = first.value(0);
    request.target = first.value(1);
    if (request.target.startsWith("http://") || request.target.startsWith("https://")) {
        request.proxyForm = true;
        const QUrl url = QUrl::fromEncoded(request.target);
        request.target = url.path(QUrl::FullyEncoded).toLatin1();
        if (url.hasQuery()) request.target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    }
    for (int i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const int colon = line.indexOf(':');
        if (colon > 0)
            request.headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
    }
    requests.append(request);
    send(socket, route(request));
}

FakeHub::Response FakeHub::route(const Request& request) {
    const int q = request.target.indexOf('?');
    const QByteArray path = q < 0 ? request.target : request.target.left(q);
    const QByteArray query = q < 0 ? QByteArray() : request.target.mid(q + 1);
    const QList<QByteArray> parts = path.split('/');  // parts[0] is empty

    if (request.method != "GET") return Response{405, {}, "only GET", false, -1};

    if (path.startsWith("/cdn/")) {
        if (failCount != 0) {
            if (failCount > 0) --failCount;
            return Response{failStatus, {{"Retry-After", "0"}}, "simulated failure", false, -1};
        }
        const QString sha = QString::fromLatin1(parts.value(2));
        const File* file = findBySha(sha);
        if (!file) return Response{404, {}, "no such blob", false, -1};
        return serveBytes(request, *file, '"' + sha.toLatin1() + '"');
    }
    // /api/models/{owner}/{repo}/tree/{rev}
    if (parts.size() >= 7 && parts[1] == "api" && parts[2] == "models" && parts[5] == "tree") {
        if (apiFailCount > 0) {
            --apiFailCount;
            return Response{apiFailStatus, {}, "simulated failure", false, -1};
        }
        const QString repoId = QString::fromUtf8(decode(parts[3]) + '/' + decode(parts[4]));
        return tree(request, repoId, QString::fromUtf8(decode(parts[6])), query);
    }
    // /{owner}/{repo}/resolve/{rev}/{path...}
    if (parts.size() >= 6 && parts[3] == "resolve") {
        const QString repoId = QString::fromUtf8(decode(parts[1]) + '/' + decode(parts[2]));
        if (QString::fromUtf8(decode(parts[4])) != QLatin1String("main"))
            return Response{404, {{"X-Error-Code", "RevisionNotFound"}}, "Invalid rev id", false, -1};
        QStringList filePath;
        for (int i = 5; i < parts.size(); ++i) filePath.append(QString::fromUtf8(decode(parts[i])));
        return resolve(request, repoId, filePath.join(QLatin1Char('/')));
    }
    return Response{404, {}, "not found", false, -1};
}

FakeHub::Response FakeHub::tree(const Request& request, const QString& repoId, const QString& revision,
                                const QByteArray& query) {
    if (!repos_.contains(repoId)) {
        // Like the Hub: without a token an unknown repository looks like a private one.
        const int status = request.header("authorization").isEmpty() ? 401 : 404;
        return Response{status,
                        {{"X-Error-Code", "RepoNotFound"}, {"X-Error-Message", "Repository not found"}},
                        R"({"error":"Repository not found"})",
                        false,
                        -1};
    }
    if (revision != QLatin1String("main"))
        return Response{
            404, {{"X-Error-Code", "RevisionNotFound"}}, R"({"error":"Invalid rev id"})", false, -1};
    QJsonArray all;
    QSet<QString> dirs;
    for (auto it = repos_[repoId].files.constBegin(); it != repos_[repoId].files.constEnd(); ++it) {
        const QString& path = it.key();
        const File& f = it.value();
        const int slash = path.lastIndexOf(QLatin1Char('/'));
        if (slash > 0 && !dirs.contains(path.left(slash))) {
            dirs.insert(path.left(slash));
            all.append(QJsonObject{{"type", "directory"},
                                   {"path", path.left(slash)},
                                   {"oid", QString(40, QLatin1Char('0'))},
                                   {"size", 0}});
        }
        QJsonObject entry{{"type", "file"},
                          {"path", path},
                          {"oid", gitBlobOid(f.lfs ? QByteArray("pointer") : f.content)},
                          {"size", double(f.content.size())}};
        if (f.lfs)
            entry.insert("lfs", QJsonObject{{"oid", sha256Hex(f.content)},
                                            {"size", double(f.content.size())},
                                            {"pointerSize", 134}});
        all.append(entry);
    }
    // A path that tries to escape the download folder: the client must skip it.
    all.append(QJsonObject{
        {"type", "file"}, {"path", "../evil.gguf"}, {"oid", QString(40, QLatin1Char('1'))}, {"size", 1}});

    int start = 0;
    const QUrlQuery q(QString::fromLatin1(query));
    if (q.hasQueryItem(QStringLiteral("cursor"))) start = q.queryItemValue(QStringLiteral("cursor")).toInt();
    const int count = pageSize > 0 ? pageSize : int(all.size());
    QJsonArray page;
    for (int i = start; i < qMin(int(all.size()), start + count); ++i) page.append(all[i]);
    Response response{200,
                      {{"Content-Type", "application/json"}},
                      QJsonDocument(page).toJson(QJsonDocument::Compact),
                      false,
                      -1};
    if (start + count < all.size()) {
        const QByteArray next = baseUrl().toEncoded() + "/api/models/" + repoId.toUtf8() +
                                "/tree/main?recursive=true&cursor=" + QByteArray::number(start + count);
        response.headers.append(qMakePair(QByteArray("Link"), "<" + next + ">; rel=\"next\""));
    }
    return response;
}

FakeHub::Response FakeHub::resolve(const Request& request, const QString& repoId, const QString& path) {
    const QByteArray auth = request.header("authorization");
    if (!repos_.contains(repoId)) {
        const int status = auth.isEmpty() ? 401 : 404;
        return Response{status, {{"X-Error-Code", "RepoNotFound"}}, "Repository not found", false, -1};
    }
    const Repo& repo = repos_[repoId];
    if (!repo.token.isEmpty()) {
        if (auth.isEmpty())
            return Response{401,
                            {{"X-Error-Code", "GatedRepo"},
                             {"X-Error-Message", "Access to model " + repoId.toUtf8() +
                                                     " is restricted. You must have access to it and be "
                                                     "authenticated to access it. Please log in."}},
                            "Unauthorized",
                            false,
                            -1};
        const QByteArray token = auth.startsWith("Bearer ") ? auth.mid(7) : auth;
        if (tokensWithoutAccess_.contains(QString::fromUtf8(token)))
            return Response{
                403,
                {{"X-Error-Code", "GatedRepo"},
                 {"X-Error-Message", "Access to model " + repoId.toUtf8() +
                                         " is restricted and you are not in the authorized list."}},
                "Forbidden",
                false,
                -1};
        if (token != repo.token.toUtf8())
            // Echo the token like a careless server would: the client must redact it.
            return Response{401,
                            {{"X-Error-Message", "Invalid credentials in Authorization header: " + token}},
                            "",
                            false,
                            -1};
    }
    if (!repo.files.contains(path))
        return Response{404,
                        {{"X-Error-Code", "EntryNotFound"}, {"X-Error-Message", "Entry not found"}},
                        "Entry not found",
                        false,
                        -1};
    const File& file = repo.files[path];
    if (!file.lfs) return serveBytes(request, file, '"' + gitBlobOid(file.content).toLatin1() + '"');
    const QByteArray sha = sha256Hex(file.content).toLatin1();
    const QByteArray location = sameOriginRedirect
                                    ? "/cdn/" + sha + "?sig=abc"
                                    : cdnUrl().toEncoded() + "/cdn/" + sha + "?sig=abc&expires=1";
    return Response{302,
                    {{"Location", location},
                     {"X-Linked-Etag", '"' + sha + '"'},
                     {"X-Linked-Size", QByteArray::number(file.content.size())},
                     {"X-Repo-Commit", "0123456789abcdef0123456789abcdef01234567"},
                     {"ETag", "\"pointer-etag\""}},
                    "Found. Redirecting",
                    false,
                    -1};
}

FakeHub::Response FakeHub::serveBytes(const Request& request, const File& file, const QByteArray& etag) {
    QByteArray content = file.content;
    if (file.corrupt && !content.isEmpty())
        content[content.size() / 2] = char(content[content.size() / 2] ^ 0x5a);
    const qint64 size = content.size();
    Response response;
    response.headers.append(qMakePair(QByteArray("ETag"), etag));
    response.headers.append(qMakePair(QByteArray("Accept-Ranges"), QByteArray("bytes")));
    const QByteArray range = request.header("range");
    if (!range.isEmpty() && !ignoreRange) {
        // bytes=N- or bytes=N-M
        const QByteArray spec = range.mid(range.indexOf('=') + 1);
        const qint64 first = spec.left(spec.indexOf('-')).toLongLong();
        const QByteArray lastText = spec.mid(spec.indexOf('-') + 1);
        const qint64 last = lastText.isEmpty() ? size - 1 : qMin(size - 1, lastText.toLongLong());
        if (first >= size) {
            response.status = 416;
            response.headers.append(
                qMakePair(QByteArray("Content-Range"), "bytes */" + QByteArray::number(size)));
            return response;
        }
        response.status = 206;
        response.headers.append(qMakePair(QByteArray("Content-Range"), "bytes " + QByteArray::number(first) +
                                                                           '-' + QByteArray::number(last) +
                                                                           '/' + QByteArray::number(size)));
        response.body = content.mid(first, last - first + 1);
    } else {
        response.body = content;
    }
    response.throttle = request.isCdn() && chunkBytes > 0;
    if (request.isCdn() && cutCount > 0 && cutAfterBytes >= 0) {
        --cutCount;
        response.cutAfter = cutAfterBytes;
    }
    return response;
}

void FakeHub::send(QTcpSocket* socket, const Response& response) {
    QByteArray head =
        "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reason(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
    head += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n";
    head += "Connection: close\r\n\r\n";
    socket->write(head);

    const QByteArray body = response.cutAfter >= 0 ? response.body.left(response.cutAfter) : response.body;
    const bool counted = !body.isEmpty();
    if (counted) maxActiveBodies_ = qMax(maxActiveBodies_, ++activeBodies_);
    auto done = [this, counted, socket = QPointer<QTcpSocket>(socket)] {
        if (counted) --activeBodies_;
        if (socket) socket->disconnectFromHost();  // after the buffered bytes are sent
    };
    if (!response.throttle) {
        socket->write(body);
        done();
        return;
    }
    // Throttled body: a chunk every chunkIntervalMs until done or the client goes away.
    auto* timer = new QTimer(socket);
    auto offset = std::make_shared<qint64>(0);
    connect(timer, &QTimer::timeout, socket, [this, socket, timer, body, offset, done] {
        if (socket->state() != QAbstractSocket::ConnectedState) {
            timer->stop();
            done();
            return;
        }
        const QByteArray chunk = body.mid(*offset, chunkBytes);
        socket->write(chunk);
        *offset += chunk.size();
        if (*offset >= body.size()) {
            timer->stop();
            done();
        }
    });
    connect(socket, &QTcpSocket::disconnected, timer, [timer, done] {
        if (timer->isActive()) {
            timer->stop();
            done();
        }
    });
    timer->start(chunkIntervalMs);
}

}  // namespace lowbit::test
