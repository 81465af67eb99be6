// The download service against a fake Hub on 127.0.0.1: listing, complete downloads with
// checksum, pause/resume with Range, resume after a restart, checksum mismatch, disk full
// (before and while writing), gated repositories with and without a token, automatic retry
// after a cut connection, the queue's parallel limit, proxies, and the pure helpers.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

#include "download/download_manager.h"
#include "download/download_settings_store.h"
#include "download/http_headers.h"
#include "download/part_state.h"
#include "download/speed_meter.h"
#include "download/units.h"
#include "fake_hub.h"
#include "hub/hub_errors.h"
#include "hub/proxy_config.h"
#include "storage/database.h"
#include "storage/model_store.h"

using namespace lowbit::app;
using lowbit::test::FakeHub;

namespace {

// Every qDebug/qWarning/... of the process, to prove the token never reaches a log line.
QMutex gLogMutex;
QStringList gLog;
QtMessageHandler gPreviousHandler = nullptr;

void captureMessages(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    {
        QMutexLocker lock(&gLogMutex);
        gLog.append(message);
    }
    if (gPreviousHandler) gPreviousHandler(type, context, message);
}

const QString kGoodToken = QStringLiteral("hf_GoodSecretToken_1234567890");
const QString kWrongToken = QStringLiteral("hf_WrongSecretToken_0987654321");
const QString kNoAccessToken = QStringLiteral("hf_NoAccessSecretToken_5555");

QByteArray makeContent(qint64 size, quint32 seed) {
    QByteArray data(size, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    for (qint64 i = 0; i < size; ++i) data[i] = char(gen.generate() & 0xff);
    return data;
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Fails with DiskFull once `limit` bytes were written in total (writing the part that fits,
// like a real full disk).
class LimitedWriter : public FileWriter {
  public:
    LimitedWriter(std::shared_ptr<qint64> budget) : budget_(std::move(budget)) {}
    bool open(const QString& path, qint64 keepBytes) override { return inner_.open(path, keepBytes); }
    Status write(const char* data, qint64 size) override {
        const qint64 allowed = qMin(size, *budget_);
        if (allowed > 0 && inner_.write(data, allowed) != Status::Ok) return Status::Failed;
        *budget_ -= allowed;
        return allowed == size ? Status::Ok : Status::DiskFull;
    }
    Status flush() override { return inner_.flush(); }
    void close() override { inner_.close(); }
    QString errorString() const override { return QStringLiteral("No space left on device"); }

  private:
    std::shared_ptr<qint64> budget_;
    LocalFileWriter inner_;
};

}  // namespace

class TestDownload : public QObject {
    Q_OBJECT

  private:
    std::unique_ptr<FakeHub> hub_;
    std::unique_ptr<QTemporaryDir> dir_;
    QByteArray big_;     // 1 MiB LFS file
    QByteArray small_;   // 300 KB LFS file
    QByteArray config_;  // non-LFS file
    QByteArray gated_;   // the gated repository's file

    DownloadSettings settings() const {
        DownloadSettings s;
        s.hub.baseUrl = hub_->baseUrl();
        s.proxy.mode = ProxyConfig::Mode::None;
        s.maxParallel = 2;
        s.retry.maxAttempts = 4;
        s.retry.initialDelayMs = 20;
        s.retry.maxDelayMs = 200;
        s.stallTimeoutMs = 5000;
        s.freeSpaceMarginBytes = 0;
        s.progressIntervalMs = 0;
        return s;
    }

    QList<HubFile> list(DownloadManager& m, const QString& repo, DownloadError* error = nullptr) {
        HubListReply* reply = m.hub()->listFiles(repo);
        QSignalSpy done(reply, &HubListReply::finished);
        if (!reply->isFinished()) done.wait(5000);
        if (error) *error = reply->error();
        const QList<HubFile> files = reply->files();
        reply->deleteLater();
        return files;
    }

    HubFile fileOf(DownloadManager& m, const QString& repo, const QString& path) {
        for (const HubFile& f : list(m, repo))
            if (f.path == path) return f;
        return {};
    }

    DownloadSpec spec(DownloadManager& m, const QString& repo, const QString& path) {
        const HubFile f = fileOf(m, repo, path);
        return DownloadSpec::fromHubFile(repo, QStringLiteral("main"), f, dir_->path());
    }

    static bool waitFor(DownloadManager& m, int id, DownloadState state, int timeoutMs = 10000) {
        const bool ok = QTest::qWaitFor([&] { return m.info(id).state == state; }, timeoutMs);
        if (!ok)
            qWarning("download %d is in state %d (%s / %s), not %d", id, int(m.info(id).state),
                     qPrintable(m.info(id).note), qPrintable(m.info(id).error.message), int(state));
        return ok;
    }

    static bool waitForBytes(DownloadManager& m, int id, qint64 bytes, int timeoutMs = 10000) {
        return QTest::qWaitFor([&] { return m.info(id).progress.received >= bytes; }, timeoutMs);
    }

    void assertNoTokenAnywhere(const DownloadInfo& info) {
        for (const QString& t : {kGoodToken, kWrongToken, kNoAccessToken}) {
            QVERIFY2(!info.error.message.contains(t), qPrintable(info.error.message));
            QVERIFY(!info.note.contains(t));
        }
    }

  private slots:
    void initTestCase() { gPreviousHandler = qInstallMessageHandler(captureMessages); }

    void cleanupTestCase() {
        qInstallMessageHandler(gPreviousHandler);
        QMutexLocker lock(&gLogMutex);
        for (const QString& line : gLog)
            for (const QString& t : {kGoodToken, kWrongToken, kNoAccessToken})
                QVERIFY2(!line.contains(t), qPrintable(QStringLiteral("token in a log line: ") + line));
    }

    void init() {
        hub_ = std::make_unique<FakeHub>();
        QVERIFY(hub_->start());
        dir_ = std::make_unique<QTemporaryDir>();
        QVERIFY(dir_->isValid());
        big_ = makeContent(1 << 20, 1);
        small_ = makeContent(300000, 2);
        gated_ = makeContent(200000, 4);
        config_ = R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 576})";
        hub_->addFile("lowbit/tiny", "model.gguf", big_);
        hub_->addFile("lowbit/tiny", "small.gguf", small_);
        hub_->addFile("lowbit/tiny", "config.json", config_, false);
        hub_->addFile("lowbit/tiny", "sub dir/extra weights.safetensors", makeContent(5000, 3));
        hub_->addFile("gated/model", "model.gguf", gated_);
        hub_->setGated("gated/model", kGoodToken);
        hub_->addTokenWithoutAccess(kNoAccessToken);
    }

    void cleanup() {
        hub_.reset();
        dir_.reset();
    }

    // ---- pure helpers -------------------------------------------------------------------

    void repoIdsAndPaths() {
        QVERIFY(RepoId::parse("microsoft/bitnet-b1.58-2B-4T-gguf"));
        QCOMPARE(RepoId::parse(" HF1BitLLM/Llama3-8B-1.58-100B-tokens ")->name,
                 QString("Llama3-8B-1.58-100B-tokens"));
        QString why;
        QVERIFY(!RepoId::parse("justaname", &why));
        QVERIFY(why.contains("OWNER/REPO"));
        QVERIFY(!RepoId::parse("a/b/c"));
        QVERIFY(!RepoId::parse("../etc"));
        QVERIFY(!RepoId::parse("own er/repo"));
        QVERIFY(!RepoId::parse("owner/-repo"));
        QVERIFY(!RepoId::parse("owner/re..po"));
        QVERIFY(isSafeRepoPath("onnx/model.onnx"));
        QVERIFY(isSafeRepoPath("sub dir/extra weights.safetensors"));
        for (const char* bad : {"", "/etc/passwd", "../x.gguf", "a/../../x", "a//b", "a\\b", "C:x", "./a"})
            QVERIFY2(!isSafeRepoPath(QString::fromLatin1(bad)), bad);
        QVERIFY(isValidRevision("refs/pr/3"));
        QVERIFY(!isValidRevision("main branch"));
        QVERIFY(!isValidRevision(""));
    }

    void hubUrls() {
        HubConfig c;
        const RepoId repo{"owner", "repo"};
        QCOMPARE(c.treeUrl(repo, "main").toString(),
                 QString("https://huggingface.co/api/models/owner/repo/tree/main?recursive=true"));
        QCOMPARE(c.resolveUrl(repo, "refs/pr/1", "sub dir/a+b.gguf").toEncoded(),
                 QByteArray("https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F1/sub%20dir/a%2Bb.gguf"));
        QString why;
        c.baseUrl = HubConfig::normalizeBaseUrl("https://mirror.example.org/hf/", &why);
        QCOMPARE(c.resolveUrl(repo, "main", "x.gguf").toString(),
                 QString("https://mirror.example.org/hf/owner/repo/resolve/main/x.gguf"));
        QCOMPARE(c.modelPageUrl(repo).toString(), QString("https://mirror.example.org/hf/owner/repo"));
        QVERIFY(c.isHubOrigin(QUrl("https://mirror.example.org:443/x")));
        QVERIFY(!c.isHubOrigin(QUrl("https://cdn.example.org/x")));
        QVERIFY(!c.isHubOrigin(QUrl("http://mirror.example.org/x")));
        QVERIFY(HubConfig::normalizeBaseUrl("ftp://x.org", &why).isEmpty());
        QVERIFY(why.contains("https://"));
        QVERIFY(HubConfig::normalizeBaseUrl("not a url", &why).isEmpty());
        QVERIFY(HubConfig::normalizeBaseUrl("https://h.org/?q=1", &why).isEmpty());
    }

    void headerParsing() {
        auto r = parseContentRange("bytes 100-199/1000");
        QVERIFY(r);
        QCOMPARE(r->first, 100);
        QCOMPARE(r->last, 199);
        QCOMPARE(r->total, 1000);
        QCOMPARE(parseContentRange("bytes 0-9/*")->total, -1);
        QVERIFY(!parseContentRange("bytes 10-5/100"));
        QVERIFY(!parseContentRange("bytes 0-100/100"));
        QVERIFY(!parseContentRange("bytes */100"));
        QVERIFY(!parseContentRange("items 0-1/2"));
        QCOMPARE(normalizeEtag("W/\"abc\""), QString("abc"));
        QCOMPARE(normalizeEtag("\"abc\""), QString("abc"));
        QCOMPARE(parseRetryAfterMs("7"), 7000);
        QCOMPARE(parseRetryAfterMs("soon"), -1);
        QCOMPARE(nextPageUrl(R"(<https://h.co/api/x?cursor=2>; rel="next")", QUrl("https://h.co/api/x")),
                 QUrl("https://h.co/api/x?cursor=2"));
        QCOMPARE(
            nextPageUrl(R"(</api/x?c=3>; rel="prev", </api/x?c=5>; rel="next")", QUrl("https://h.co/api/x")),
            QUrl("https://h.co/api/x?c=5"));
        QVERIFY(nextPageUrl("", QUrl("https://h.co")).isEmpty());
        RetryPolicy p{5, 100, 1000};
        QCOMPARE(p.delayForAttempt(1), 100);
        QCOMPARE(p.delayForAttempt(2), 200);
        QCOMPARE(p.delayForAttempt(4), 800);
        QCOMPARE(p.delayForAttempt(5), 1000);
        QCOMPARE(p.delayForAttempt(40), 1000);
        QCOMPARE(humanBytes(1536), QString("1.50 KiB"));
        QCOMPARE(humanDuration(3909), QString("1:05:09"));
        QCOMPARE(redactSecret("token hf_abcdef in text hf_abcdef", "hf_abcdef"),
                 QString("token [token hidden] in text [token hidden]"));
    }

    void speedMeter() {
        SpeedMeter m(5000);
        m.restart(0);
        QCOMPARE(m.bytesPerSecond(), 0.0);
        QTest::qWait(150);
        m.record(150000);
        QVERIFY(m.bytesPerSecond() > 100000 && m.bytesPerSecond() < 1100000);
        QVERIFY(m.secondsLeft(150000, 1150000) >= 1);
        QCOMPARE(m.secondsLeft(150000, -1), -1);
    }

    void proxyFromEnvironment() {
        EnvironmentProxyFactory f({{"https_proxy", "http://proxy.corp:3128"},
                                   {"http_proxy", "proxy.corp:8080"},
                                   {"no_proxy", "internal.corp,.mirror.org"}});
        auto https = f.queryProxy(QNetworkProxyQuery(QUrl("https://huggingface.co/x")));
        QCOMPARE(https.first().type(), QNetworkProxy::HttpProxy);
        QCOMPARE(https.first().hostName(), QString("proxy.corp"));
        QCOMPARE(https.first().port(), quint16(3128));
        QCOMPARE(f.queryProxy(QNetworkProxyQuery(QUrl("http://x.org/"))).first().port(), quint16(8080));
        QCOMPARE(f.queryProxy(QNetworkProxyQuery(QUrl("https://internal.corp/"))).first().type(),
                 QNetworkProxy::NoProxy);
        QCOMPARE(f.queryProxy(QNetworkProxyQuery(QUrl("https://hf.mirror.org/"))).first().type(),
                 QNetworkProxy::NoProxy);
        QCOMPARE(f.queryProxy(QNetworkProxyQuery(QUrl("https://127.0.0.1:9/"))).first().type(),
                 QNetworkProxy::NoProxy);
        QCOMPARE(f.queryProxy(QNetworkProxyQuery(QUrl("https://localhost/"))).first().type(),
                 QNetworkProxy::NoProxy);
        EnvironmentProxyFactory none({});
        QCOMPARE(none.queryProxy(QNetworkProxyQuery(QUrl("https://huggingface.co/"))).first().type(),
                 QNetworkProxy::NoProxy);
        QCOMPARE(ProxyConfig::fromString("none").mode, ProxyConfig::Mode::None);
        QCOMPARE(ProxyConfig::fromString("").mode, ProxyConfig::Mode::Environment);
        QCOMPARE(ProxyConfig::fromString("socks5://p:1080").mode, ProxyConfig::Mode::Manual);
        bool ok = false;
        QCOMPARE(ProxyConfig::parseProxyUrl("socks5://p:1081", &ok).type(), QNetworkProxy::Socks5Proxy);
        QVERIFY(ok);
        ProxyConfig::parseProxyUrl("gopher://p", &ok);
        QVERIFY(!ok);
    }

    void sidecarRoundTrip() {
        PartState s;
        s.hub = "https://huggingface.co";
        s.repo = "a/b";
        s.revision = "main";
        s.path = "m.gguf";
        s.size = 5000000000;
        s.sha256 = QString(64, QLatin1Char('a'));
        s.etag = "tag";
        const QString file = PartState::sidecarPath(dir_->filePath("m.gguf"));
        QVERIFY(s.save(file));
        auto back = PartState::load(file);
        QVERIFY(back);
        QCOMPARE(back->size, s.size);
        QCOMPARE(back->sha256, s.sha256);
        QCOMPARE(PartState::finalPathOf(file), dir_->filePath("m.gguf"));
        QFile junk(file);
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("{not json");
        junk.close();
        QString why;
        QVERIFY(!PartState::load(file, &why));
        QVERIFY(!why.isEmpty());
    }

    void settingsPersistWithoutToken() {
        auto db = Database::open(dir_->filePath("app.sqlite"));
        SettingsStore store(*db);
        DownloadSettings s;
        s.hub.baseUrl = QUrl("https://hf-mirror.example.org");
        s.hub.token = kGoodToken;
        s.proxy = ProxyConfig::fromString("http://proxy.corp:3128");
        s.maxParallel = 3;
        s.retry.maxAttempts = 9;
        saveDownloadSettings(store, s);
        const DownloadSettings back = loadDownloadSettings(store);
        QCOMPARE(back.hub.baseUrl, s.hub.baseUrl);
        QVERIFY(back.hub.token.isEmpty());
        QCOMPARE(back.proxy.mode, ProxyConfig::Mode::Manual);
        QCOMPARE(back.proxy.url, QString("http://proxy.corp:3128"));
        QCOMPARE(back.maxParallel, 3);
        QCOMPARE(back.retry.maxAttempts, 9);
        store.setValue("download.parallel", "999");
        store.setValue("hub.base_url", "ftp://nope");
        const DownloadSettings fallback = loadDownloadSettings(store);
        QCOMPARE(fallback.maxParallel, DownloadSettings{}.maxParallel);
        QCOMPARE(fallback.hub.baseUrl, HubConfig::defaultBaseUrl());
        db.reset();
        QVERIFY(!readFile(dir_->filePath("app.sqlite")).contains(kGoodToken.toUtf8()));
    }

    void errorMessages() {
        HubRequestContext c{HubConfig{}, RepoId{"meta-llama", "Llama-3.2-1B-Instruct"}, "main",
                            "model.safetensors"};
        const DownloadError gated = hubHttpError(401, "GatedRepo", {}, c);
        QCOMPARE(gated.kind, DownloadError::Unauthorized);
        QVERIFY(gated.message.contains("https://huggingface.co/meta-llama/Llama-3.2-1B-Instruct"));
        QVERIFY(gated.message.contains("accept the licence"));
        QVERIFY(gated.message.contains("https://huggingface.co/settings/tokens"));
        c.hub.token = kGoodToken;
        const DownloadError forbidden =
            hubHttpError(403, "GatedRepo", "token " + kGoodToken + " has no access", c);
        QCOMPARE(forbidden.kind, DownloadError::Forbidden);
        QVERIFY(!forbidden.message.contains(kGoodToken));
        QVERIFY(forbidden.message.contains("[token hidden]"));
        QVERIFY(hubHttpError(503, {}, {}, c).retryable);
        QVERIFY(!hubHttpError(404, "EntryNotFound", {}, c).retryable);
        QVERIFY(hubHttpError(404, "EntryNotFound", {}, c).message.contains("model.safetensors"));
        QVERIFY(hubHttpError(404, "RevisionNotFound", {}, c).message.contains("Revision 'main'"));
        QVERIFY(networkError(QNetworkReply::RemoteHostClosedError, {}, QUrl("https://cdn.x/"), {}).retryable);
        QVERIFY(
            !networkError(QNetworkReply::SslHandshakeFailedError, {}, QUrl("https://cdn.x/"), {}).retryable);
    }

    // ---- listing ------------------------------------------------------------------------

    void listFilesPaginated() {
        hub_->pageSize = 2;
        DownloadManager m(settings());
        DownloadError error;
        const QList<HubFile> files = list(m, "lowbit/tiny", &error);
        QVERIFY2(!error.isError(), qPrintable(error.message));
        QStringList paths;
        for (const HubFile& f : files) paths << f.path;
        // Sorted, directories and the "../evil.gguf" entry skipped.
        QCOMPARE(paths, QStringList({"config.json", "model.gguf", "small.gguf",
                                     "sub dir/extra weights.safetensors"}));
        QCOMPARE(files[1].size, big_.size());
        QCOMPARE(files[1].sha256, FakeHub::sha256Hex(big_));
        QVERIFY(files[1].isLfs());
        QVERIFY(!files[0].isLfs());
        QCOMPARE(files[0].gitOid, FakeHub::gitBlobOid(config_));
        QCOMPARE(files[0].size, config_.size());
        QVERIFY(hub_->requestsFor("/api/models/").size() >= 3);  // several pages
    }

    void listFilesErrors() {
        DownloadManager m(settings());
        DownloadError error;
        QVERIFY(list(m, "nobody/nothing", &error).isEmpty());
        QCOMPARE(error.kind, DownloadError::Unauthorized);  // the Hub's answer without a token
        QVERIFY2(error.message.contains("not found, or it is private or gated"), qPrintable(error.message));
        m.setAccessToken(kGoodToken);
        list(m, "nobody/nothing", &error);
        QCOMPARE(error.kind, DownloadError::NotFound);
        QVERIFY(error.message.contains("nobody/nothing"));
        list(m, "not-a-repo-id", &error);
        QCOMPARE(error.kind, DownloadError::InvalidRequest);
        HubListReply* reply = m.hub()->listFiles("lowbit/tiny", "v9");
        QSignalSpy done(reply, &HubListReply::finished);
        QVERIFY(done.wait(5000));
        QCOMPARE(reply->error().kind, DownloadError::NotFound);
        QVERIFY(reply->error().message.contains("Revision 'v9'"));
        delete reply;
        // A gated repository can be listed without a token (like on the Hub).
        QCOMPARE(list(m, "gated/model", &error).size(), 1);
    }

    void listFilesRetriesTransientErrors() {
        hub_->apiFailStatus = 503;
        hub_->apiFailCount = 2;
        DownloadManager m(settings());
        HubListReply* reply = m.hub()->listFiles("lowbit/tiny");
        QSignalSpy retrying(reply, &HubListReply::retrying);
        QSignalSpy done(reply, &HubListReply::finished);
        QVERIFY(done.wait(5000));
        QVERIFY2(!reply->error().isError(), qPrintable(reply->error().message));
        QCOMPARE(reply->files().size(), 4);
        QCOMPARE(retrying.size(), 2);
        delete reply;

        hub_->apiFailCount = 100;  // bounded: gives up after maxAttempts
        DownloadError error;
        list(m, "lowbit/tiny", &error);
        QCOMPARE(error.kind, DownloadError::Server);
        QVERIFY2(error.message.contains("Gave up after 4 attempts"), qPrintable(error.message));
    }

    // ---- downloads ----------------------------------------------------------------------

    void completeDownload() {
        DownloadManager m(settings());
        QSignalSpy completed(&m, &DownloadManager::completed);
        QSignalSpy progress(&m, &DownloadManager::progressChanged);
        const DownloadSpec s = spec(m, "lowbit/tiny", "model.gguf");
        QCOMPARE(s.sha256, FakeHub::sha256Hex(big_));
        const int id = m.enqueue(s);
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        QCOMPARE(completed.size(), 1);
        QCOMPARE(completed[0][1].toString(), dir_->filePath("model.gguf"));
        QCOMPARE(readFile(dir_->filePath("model.gguf")), big_);
        QVERIFY(!QFile::exists(dir_->filePath("model.gguf.part")));
        QVERIFY(!QFile::exists(dir_->filePath("model.gguf.part.json")));
        const DownloadInfo info = m.info(id);
        QCOMPARE(info.progress.received, big_.size());
        QCOMPARE(info.progress.total, big_.size());
        QCOMPARE(info.note, QString("SHA-256 verified"));
        QVERIFY(progress.size() >= 2);
        // The redirect went to the CDN origin; no Range for a fresh download.
        const auto cdn = hub_->cdnRequests();
        QCOMPARE(cdn.size(), 1);
        QCOMPARE(cdn[0].port, hub_->cdnPort());
        QVERIFY(cdn[0].header("range").isEmpty());
        QCOMPARE(cdn[0].header("accept-encoding"), QByteArray("identity"));
        QVERIFY(m.isIdle());
    }

    void smallGitFileAndSubfolder() {
        DownloadManager m(settings());
        const int a = m.enqueue(spec(m, "lowbit/tiny", "config.json"));
        const int b = m.enqueue(spec(m, "lowbit/tiny", "sub dir/extra weights.safetensors"));
        QVERIFY(waitFor(m, a, DownloadState::Completed));
        QVERIFY(waitFor(m, b, DownloadState::Completed));
        QCOMPARE(m.info(a).note, QString("Git blob id verified"));
        QCOMPARE(readFile(dir_->filePath("config.json")), config_);
        QVERIFY(QFileInfo(dir_->filePath("sub dir/extra weights.safetensors")).size() == 5000);
    }

    void sameOriginRelativeRedirect() {
        hub_->sameOriginRedirect = true;
        DownloadManager m(settings());
        const int id = m.enqueue(spec(m, "lowbit/tiny", "small.gguf"));
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        QCOMPARE(readFile(dir_->filePath("small.gguf")), small_);
    }

    void pauseAndResumeUsesRange() {
        hub_->chunkBytes = 8192;
        hub_->chunkIntervalMs = 10;
        DownloadManager m(settings());
        const int id = m.enqueue(spec(m, "lowbit/tiny", "model.gguf"));
        QVERIFY(waitForBytes(m, id, 200000));
        m.pause(id);
        QCOMPARE(m.info(id).state, DownloadState::Paused);
        const qint64 pausedAt = m.info(id).progress.received;
        QVERIFY(pausedAt > 0 && pausedAt < big_.size());
        QTest::qWait(150);
        QCOMPARE(QFileInfo(dir_->filePath("model.gguf.part")).size(),
                 pausedAt);  // nothing arrives while paused
        QVERIFY(QFile::exists(dir_->filePath("model.gguf.part.json")));
        QVERIFY(!QFile::exists(dir_->filePath("model.gguf")));

        hub_->chunkBytes = 0;
        m.resume(id);
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        QCOMPARE(readFile(dir_->filePath("model.gguf")), big_);
        const auto cdn = hub_->cdnRequests();
        QCOMPARE(cdn.size(), 2);
        QCOMPARE(cdn[1].header("range"), "bytes=" + QByteArray::number(pausedAt) + "-");
        QVERIFY(m.info(id).note.contains("SHA-256"));
    }

    void resumeWhenServerIgnoresRange() {
        hub_->chunkBytes = 8192;
        hub_->chunkIntervalMs = 10;
        DownloadManager m(settings());
        const int id = m.enqueue(spec(m, "lowbit/tiny", "model.gguf"));
        QVERIFY(waitForBytes(m, id, 100000));
        m.pause(id);
        hub_->chunkBytes = 0;
        hub_->ignoreRange = true;  // answers 200 with the whole file
        m.resume(id);
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        QCOMPARE(readFile(dir_->filePath("model.gguf")), big_);
        QVERIFY(!hub_->cdnRequests().last().header("range").isEmpty());
    }

    void resumeAfterRestart() {
        hub_->chunkBytes = 8192;
        hub_->chunkIntervalMs = 10;
        qint64 partSize = 0;
        {
            DownloadSettings s = settings();
            s.hub.token = kGoodToken;  // a token in use must not end up in the sidecar
            DownloadManager first(s);
            const int id = first.enqueue(spec(first, "lowbit/tiny", "model.gguf"));
            QVERIFY(waitForBytes(first, id, 300000));
        }  // the app quits mid-download
        const QString part = dir_->filePath("model.gguf.part");
        QVERIFY(QFile::exists(part));
        QVERIFY(QFile::exists(part + ".json"));
        QVERIFY(!readFile(part + ".json").contains(kGoodToken.toUtf8()));
        partSize = QFileInfo(part).size();
        QVERIFY(partSize >= 300000 && partSize < big_.size());
        const int requestsBefore = hub_->cdnRequests().size();

        hub_->chunkBytes = 0;
        DownloadManager second(settings());
        const QList<int> restored = second.restore(dir_->path());
        QCOMPARE(restored.size(), 1);
        const int id = restored[0];
        QCOMPARE(second.info(id).state, DownloadState::Paused);
        QCOMPARE(second.info(id).progress.received, partSize);
        QCOMPARE(second.info(id).spec.sha256, FakeHub::sha256Hex(big_));
        second.resume(id);
        QVERIFY(waitFor(second, id, DownloadState::Completed));
        QCOMPARE(readFile(dir_->filePath("model.gguf")), big_);
        const auto cdn = hub_->cdnRequests();
        QCOMPARE(cdn.size(), requestsBefore + 1);
        QCOMPARE(cdn.last().header("range"), "bytes=" + QByteArray::number(partSize) + "-");
        QVERIFY(!QFile::exists(part + ".json"));
    }

    void queueSurvivesRestart() {
        hub_->chunkBytes = 8192;
        hub_->chunkIntervalMs = 10;
        QStringList names{"model.gguf", "small.gguf", "config.json"};
        {
            DownloadSettings s = settings();
            s.maxParallel = 1;
            DownloadManager first(s);
            QList<int> ids;
            for (const QString& n : names) ids << first.enqueue(spec(first, "lowbit/tiny", n));
            QVERIFY(waitForBytes(first, ids[0], 100000));
            QCOMPARE(first.info(ids[1]).state, DownloadState::Queued);
        }  // quit with one running and two waiting downloads
        hub_->chunkBytes = 0;
        DownloadManager second(settings());
        const QList<int> restored = second.restore(dir_->path(), /*start=*/true);
        QCOMPARE(restored.size(), 3);
        QSignalSpy idle(&second, &DownloadManager::idle);
        QVERIFY(idle.wait(10000));
        for (int id : restored) QCOMPARE(second.info(id).state, DownloadState::Completed);
        QCOMPARE(readFile(dir_->filePath("model.gguf")), big_);
        QCOMPARE(readFile(dir_->filePath("small.gguf")), small_);
        QCOMPARE(readFile(dir_->filePath("config.json")), config_);
        QVERIFY(QDir(dir_->path()).entryList({"*.part*"}, QDir::Files).isEmpty());
    }

    void changedUpstreamDiscardsPart() {
        hub_->chunkBytes = 8192;
        hub_->chunkIntervalMs = 10;
        {
            DownloadManager first(settings());
            const int id = first.enqueue(spec(first, "lowbit/tiny", "model.gguf"));
            QVERIFY(waitForBytes(first, id, 100000));
        }
        hub_->chunkBytes = 0;
        const QByteArray v2 = makeContent(1 << 20, 77);
        hub_->addFile("lowbit/tiny", "model.gguf", v2);  // a new commit changed the file
        DownloadManager second(settings());
        const int id = second.enqueue(spec(second, "lowbit/tiny", "model.gguf"));
        QVERIFY(waitFor(second, id, DownloadState::Completed));
        QCOMPARE(readFile(dir_->filePath("model.gguf")), v2);
        QVERIFY(hub_->cdnRequests().last().header("range").isEmpty());
    }

    void checksumMismatchRemovesFileAndRetryWorks() {
        hub_->setCorrupt("lowbit/tiny", "small.gguf", true);
        DownloadManager m(settings());
        QSignalSpy failed(&m, &DownloadManager::failed);
        const int id = m.enqueue(spec(m, "lowbit/tiny", "small.gguf"));
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const DownloadError e = m.info(id).error;
        QCOMPARE(e.kind, DownloadError::ChecksumMismatch);
        QVERIFY(e.retryable);
        QVERIFY2(e.message.contains("SHA-256") && e.message.contains("removed"), qPrintable(e.message));
        QCOMPARE(failed.size(), 1);
        QVERIFY(!QFile::exists(dir_->filePath("small.gguf")));
        QVERIFY(!QFile::exists(dir_->filePath("small.gguf.part")));
        QVERIFY(!QFile::exists(dir_->filePath("small.gguf.part.json")));

        hub_->setCorrupt("lowbit/tiny", "small.gguf", false);
        m.retry(id);
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        QCOMPARE(readFile(dir_->filePath("small.gguf")), small_);
        QVERIFY(hub_->cdnRequests().last().header("range").isEmpty());  // started over
    }

    void notEnoughFreeSpace() {
        DownloadManager m(settings());
        m.setFreeSpaceProbe([](const QString&) { return qint64(1000); });
        const int id = m.enqueue(spec(m, "lowbit/tiny", "model.gguf"));
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const DownloadError e = m.info(id).error;
        QCOMPARE(e.kind, DownloadError::DiskFull);
        QVERIFY2(e.message.contains(humanBytes(big_.size())) && e.message.contains(humanBytes(1000)),
                 qPrintable(e.message));
        QVERIFY(e.message.contains(dir_->path()));
        QVERIFY(hub_->cdnRequests().isEmpty());  // nothing was fetched
        m.setFreeSpaceProbe({});
        m.retry(id);
        QVERIFY(waitFor(m, id, DownloadState::Completed));
    }

    void diskFullWhileWritingKeepsPart() {
        DownloadManager m(settings());
        auto budget = std::make_shared<qint64>(100000);
        m.setFileWriterFactory([budget] { return std::make_unique<LimitedWriter>(budget); });
        const int id = m.enqueue(spec(m, "lowbit/tiny", "model.gguf"));
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const DownloadError e = m.info(id).error;
        QCOMPARE(e.kind, DownloadError::DiskFull);
        QVERIFY2(e.message.contains("disk is full") && e.message.contains("kept"), qPrintable(e.message));
        QCOMPARE(QFileInfo(dir_->filePath("model.gguf.part")).size(), 100000);
        QVERIFY(QFile::exists(dir_->filePath("model.gguf.part.json")));
        QCOMPARE(hub_->cdnRequests().size(), 1);  // not retried by itself

        m.setFileWriterFactory({});  // space was freed
        m.retry(id);
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        QCOMPARE(readFile(dir_->filePath("model.gguf")), big_);
        QCOMPARE(hub_->cdnRequests().last().header("range"), QByteArray("bytes=100000-"));
    }

    void gatedWithoutToken() {
        DownloadManager m(settings());
        const int id = m.enqueue(spec(m, "gated/model", "model.gguf"));
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const DownloadError e = m.info(id).error;
        QCOMPARE(e.kind, DownloadError::Unauthorized);
        QCOMPARE(e.httpStatus, 401);
        QVERIFY2(e.message.contains("gated") && e.message.contains("access token") &&
                     e.message.contains("accept the licence"),
                 qPrintable(e.message));
        QVERIFY(e.message.contains(hub_->baseUrl().toString() + "/gated/model"));
        QVERIFY(e.message.contains("HF_TOKEN"));
        QVERIFY(hub_->cdnRequests().isEmpty());
        QVERIFY(!QFile::exists(dir_->filePath("model.gguf")));
        QVERIFY(QDir(dir_->path()).entryList({"*.part*"}, QDir::Files).isEmpty());  // nothing left behind
    }

    void gatedWithWrongToken() {
        DownloadSettings s = settings();
        s.hub.token = kWrongToken;
        DownloadManager m(s);
        const int id = m.enqueue(spec(m, "gated/model", "model.gguf"));
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const DownloadInfo info = m.info(id);
        QCOMPARE(info.error.kind, DownloadError::Unauthorized);
        QVERIFY2(info.error.message.contains("refused the access token"), qPrintable(info.error.message));
        QVERIFY(info.error.message.contains("[token hidden]"));  // the server echoed it
        assertNoTokenAnywhere(info);
    }

    void gatedTokenWithoutAccess() {
        DownloadSettings s = settings();
        s.hub.token = kNoAccessToken;
        DownloadManager m(s);
        const int id = m.enqueue(spec(m, "gated/model", "model.gguf"));
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const DownloadInfo info = m.info(id);
        QCOMPARE(info.error.kind, DownloadError::Forbidden);
        QVERIFY2(info.error.message.contains("accept the licence"), qPrintable(info.error.message));
        assertNoTokenAnywhere(info);
    }

    void gatedWithToken() {
        DownloadManager m(settings());
        m.setAccessToken(kGoodToken);
        const int id = m.enqueue(spec(m, "gated/model", "model.gguf"));
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        QCOMPARE(readFile(dir_->filePath("model.gguf")), gated_);
        const auto resolves = hub_->requestsFor("/resolve/");
        QCOMPARE(resolves.size(), 1);
        QCOMPARE(resolves[0].header("authorization"), "Bearer " + kGoodToken.toUtf8());
        const auto cdn = hub_->cdnRequests();
        QCOMPARE(cdn.size(), 1);
        QVERIFY(cdn[0].header("authorization").isEmpty());  // never forwarded to another origin
        assertNoTokenAnywhere(m.info(id));
    }

    void missingFileIs404() {
        DownloadManager m(settings());
        DownloadSpec s;
        s.repo = "lowbit/tiny";
        s.path = "nope.gguf";
        s.localPath = dir_->filePath("nope.gguf");
        const int id = m.enqueue(s);
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const DownloadError e = m.info(id).error;
        QCOMPARE(e.kind, DownloadError::NotFound);
        QVERIFY2(e.message.contains("nope.gguf") && e.message.contains("lowbit/tiny"), qPrintable(e.message));
        QCOMPARE(hub_->requestsFor("/resolve/").size(), 1);  // not retried
    }

    void unknownChecksumLearnedFromLinkedEtag() {
        DownloadManager m(settings());
        DownloadSpec s;  // no listing: size and SHA-256 come from X-Linked-Size / X-Linked-Etag
        s.repo = "lowbit/tiny";
        s.path = "small.gguf";
        s.localPath = dir_->filePath("small.gguf");
        const int id = m.enqueue(s);
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        QCOMPARE(m.info(id).spec.sha256, FakeHub::sha256Hex(small_));
        QCOMPARE(m.info(id).note, QString("SHA-256 verified"));
        hub_->setCorrupt("lowbit/tiny", "small.gguf", true);
        QFile::remove(s.localPath);
        const int again = m.enqueue(s);
        QVERIFY(waitFor(m, again, DownloadState::Failed));
        QCOMPARE(m.info(again).error.kind, DownloadError::ChecksumMismatch);
    }

    void autoRetryAfterCutConnection() {
        hub_->cutAfterBytes = 100000;
        hub_->cutCount = 1;
        DownloadManager m(settings());
        QSignalSpy retries(&m, &DownloadManager::retryScheduled);
        const int id = m.enqueue(spec(m, "lowbit/tiny", "model.gguf"));
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        QCOMPARE(readFile(dir_->filePath("model.gguf")), big_);
        QCOMPARE(retries.size(), 1);
        QVERIFY(retries[0][3].toString().contains("closed"));
        const auto cdn = hub_->cdnRequests();
        QCOMPARE(cdn.size(), 2);
        QCOMPARE(cdn[1].header("range"), QByteArray("bytes=100000-"));
    }

    void retriesAreBounded() {
        hub_->failStatus = 503;
        hub_->failCount = -1;  // the CDN never recovers
        DownloadManager m(settings());
        QSignalSpy retries(&m, &DownloadManager::retryScheduled);
        const int id = m.enqueue(spec(m, "lowbit/tiny", "small.gguf"));
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const DownloadError e = m.info(id).error;
        QCOMPARE(e.kind, DownloadError::Server);
        QVERIFY2(e.message.contains("Gave up after 4 attempts"), qPrintable(e.message));
        QCOMPARE(retries.size(), 3);
        QCOMPARE(hub_->cdnRequests().size(), 4);
        QCOMPARE(retries[0][2].toInt(), 0);  // Retry-After: 0 honoured
    }

    void networkDownRetriesThenFails() {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close();
        DownloadSettings s = settings();
        s.hub.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
        DownloadManager m(s);
        QSignalSpy retries(&m, &DownloadManager::retryScheduled);
        DownloadSpec spec;
        spec.repo = "lowbit/tiny";
        spec.path = "model.gguf";
        spec.localPath = dir_->filePath("model.gguf");
        const int id = m.enqueue(spec);
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        QCOMPARE(m.info(id).error.kind, DownloadError::Network);
        QVERIFY2(m.info(id).error.message.contains("connection refused"),
                 qPrintable(m.info(id).error.message));
        QCOMPARE(retries.size(), 3);
        // Backoff doubles: 20, 40, 80 ms.
        QCOMPARE(retries[0][2].toInt(), 20);
        QCOMPARE(retries[1][2].toInt(), 40);
        QCOMPARE(retries[2][2].toInt(), 80);
    }

    void queueRespectsParallelLimit() {
        for (int i = 0; i < 4; ++i)
            hub_->addFile("lowbit/many", QStringLiteral("part-%1.gguf").arg(i), makeContent(64000, 10 + i));
        hub_->chunkBytes = 8000;
        hub_->chunkIntervalMs = 5;
        for (int limit : {1, 2}) {
            DownloadSettings s = settings();
            s.maxParallel = limit;
            DownloadManager m(s);
            int maxActive = 0;
            connect(&m, &DownloadManager::activeCountChanged, this,
                    [&] { maxActive = qMax(maxActive, m.activeCount()); });
            const QString sub = dir_->filePath(QStringLiteral("limit%1").arg(limit));
            const QList<int> ids = m.enqueueFiles("lowbit/many", "main", list(m, "lowbit/many"), sub);
            QCOMPARE(ids.size(), 4);
            QSignalSpy idle(&m, &DownloadManager::idle);
            QVERIFY(idle.wait(15000));
            for (int id : ids) QCOMPARE(m.info(id).state, DownloadState::Completed);
            QVERIFY2(maxActive <= limit, qPrintable(QString::number(maxActive)));
            QVERIFY(maxActive >= 1);
        }
        QVERIFY(hub_->maxActiveBodies() <= 2);
    }

    void duplicateEnqueueAndAlreadyDownloaded() {
        DownloadManager m(settings());
        const DownloadSpec s = spec(m, "lowbit/tiny", "small.gguf");
        const int id = m.enqueue(s);
        QCOMPARE(m.enqueue(s), id);  // same destination: same entry
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        const int before = hub_->cdnRequests().size();
        DownloadManager other(settings());
        const int again = other.enqueue(s);
        QVERIFY(waitFor(other, again, DownloadState::Completed));
        QCOMPARE(other.info(again).note, QString("Already downloaded (checksum verified)"));
        QCOMPARE(hub_->cdnRequests().size(), before);
    }

    void cancelDeletesPartial() {
        hub_->chunkBytes = 8192;
        hub_->chunkIntervalMs = 10;
        DownloadManager m(settings());
        QSignalSpy removed(&m, &DownloadManager::removed);
        const int id = m.enqueue(spec(m, "lowbit/tiny", "model.gguf"));
        QVERIFY(waitForBytes(m, id, 50000));
        m.cancel(id);
        QCOMPARE(m.info(id).state, DownloadState::Cancelled);
        QVERIFY(!QFile::exists(dir_->filePath("model.gguf.part")));
        QVERIFY(!QFile::exists(dir_->filePath("model.gguf.part.json")));
        m.remove(id);
        QCOMPARE(removed.size(), 1);
        QVERIFY(m.ids().isEmpty());
    }

    void throughManualProxy() {
        DownloadSettings s = settings();
        s.hub.baseUrl = QUrl("http://hub.lowbit.invalid");  // only reachable through the proxy
        s.proxy = ProxyConfig::fromString(QStringLiteral("http://127.0.0.1:%1").arg(hub_->hubPort()));
        DownloadManager m(s);
        DownloadError error;
        const QList<HubFile> files = list(m, "lowbit/tiny", &error);
        QVERIFY2(!error.isError(), qPrintable(error.message));
        QCOMPARE(files.size(), 4);
        QVERIFY(hub_->requests.first().proxyForm);
        const int id = m.enqueue(DownloadSpec::fromHubFile("lowbit/tiny", "main", files[2], dir_->path()));
        QVERIFY(waitFor(m, id, DownloadState::Completed));
        QCOMPARE(readFile(dir_->filePath("small.gguf")), small_);
        QVERIFY(hub_->requestsFor("/resolve/").first().proxyForm);
    }

    void invalidSpecFailsClearly() {
        DownloadManager m(settings());
        DownloadSpec s;
        s.repo = "lowbit/tiny";
        s.path = "../escape.gguf";
        s.localPath = dir_->filePath("x.gguf");
        const int id = m.enqueue(s);
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        QCOMPARE(m.info(id).error.kind, DownloadError::InvalidRequest);
        QVERIFY(hub_->requests.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDownload)
#include "test_download.moc"
