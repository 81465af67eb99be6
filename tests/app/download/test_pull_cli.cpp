// `lowbit pull` end to end: the built binary run with QProcess against the fake Hub
// (listing, downloads with wildcards and folders, gated repositories with the token from
// --token or HF_TOKEN, a missing file, a checksum mismatch, and resuming after the process
// was killed mid-download).
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

#include "fake_hub.h"

using lowbit::test::FakeHub;

namespace {

const QString kToken = QStringLiteral("hf_CliSecretToken_424242");

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

struct Result {
    int exitCode = -1;
    QString out;
    QString err;
};

}  // namespace

class TestPullCli : public QObject {
    Q_OBJECT

  private:
    std::unique_ptr<FakeHub> hub_;
    std::unique_ptr<QTemporaryDir> dir_;
    QByteArray weights_;
    QByteArray gated_;

    // Runs lowbit without blocking the event loop (the fake Hub lives on this thread).
    Result run(QStringList args, const QString& token = {}, int timeoutMs = 60000) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("HF_TOKEN");
        env.remove("HUGGING_FACE_HUB_TOKEN");
        env.remove("HF_ENDPOINT");
        if (!token.isEmpty()) env.insert("HF_TOKEN", token);
        p.setProcessEnvironment(env);
        QSignalSpy finished(&p, &QProcess::finished);
        p.start(QStringLiteral(LOWBIT_CLI_PATH), QStringList{"pull"} + args);
        if (!p.waitForStarted(10000)) return {};
        if (!finished.wait(timeoutMs)) {
            p.kill();
            p.waitForFinished();
        }
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
                QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
    }

    QStringList hubArgs() const { return {"--hub", hub_->baseUrl().toString(), "--dir", dir_->path()}; }

  private slots:
    void init() {
        hub_ = std::make_unique<FakeHub>();
        QVERIFY(hub_->start());
        dir_ = std::make_unique<QTemporaryDir>();
        weights_ = makeContent(3 << 20, 11);
        gated_ = makeContent(150000, 12);
        hub_->addFile("lowbit/tiny", "model.gguf", weights_);
        hub_->addFile("lowbit/tiny", "config.json", R"({"hidden_size": 64})", false);
        hub_->addFile("lowbit/tiny", "onnx/model.onnx", makeContent(4000, 13));
        hub_->addFile("lowbit/tiny", "onnx/config.json", R"({"opset": 17})", false);
        hub_->addFile("gated/model", "weights.gguf", gated_);
        hub_->setGated("gated/model", kToken);
    }

    void cleanup() {
        hub_.reset();
        dir_.reset();
    }

    void listsFiles() {
        const Result r = run({"lowbit/tiny", "--hub", hub_->baseUrl().toString()});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("model.gguf"));
        QVERIFY(r.out.contains(FakeHub::sha256Hex(weights_)));
        QVERIFY(r.out.contains(QString::number(weights_.size())));
        QVERIFY(r.out.contains("onnx/model.onnx"));
        QVERIFY(!r.out.contains("evil"));
        QVERIFY(r.err.contains("4 files"));
        QVERIFY(QDir(dir_->path()).isEmpty());  // listing downloads nothing
    }

    void listsFilesAsJson() {
        const Result r = run({"lowbit/tiny", "--json", "--hub", hub_->baseUrl().toString()});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray files = QJsonDocument::fromJson(r.out.toUtf8()).array();
        QCOMPARE(files.size(), 4);
        QCOMPARE(files[1].toObject()["path"].toString(), QString("model.gguf"));  // sorted by path
        QCOMPARE(files[1].toObject()["sha256"].toString(), FakeHub::sha256Hex(weights_));
        QCOMPARE(qint64(files[1].toObject()["size"].toDouble()), qint64(weights_.size()));
        QVERIFY(files[0].toObject()["sha256"].isNull());  // config.json lives in git, not LFS
    }

    void downloadsNamedFilesFoldersAndWildcards() {
        const Result r = run(QStringList{"lowbit/tiny", "*.gguf", "onnx", "config.json"} + hubArgs());
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(readFile(dir_->filePath("model.gguf")), weights_);
        QVERIFY(QFile::exists(dir_->filePath("onnx/model.onnx")));
        QVERIFY(QFile::exists(dir_->filePath("onnx/config.json")));
        QVERIFY(QFile::exists(dir_->filePath("config.json")));
        const QStringList printed = r.out.split('\n', Qt::SkipEmptyParts);
        QCOMPARE(printed.size(), 4);  // one finished path per line on stdout
        QVERIFY(printed.contains(QDir::toNativeSeparators(dir_->filePath("model.gguf"))));
        QVERIFY(r.err.contains("done: model.gguf"));
        QVERIFY(r.err.contains("sha-256 verified"));
        QVERIFY(QDir(dir_->path()).entryList({"*.part", "*.part.json"}, QDir::Files).isEmpty());
    }

    void missingFileFails() {
        const Result r = run(QStringList{"lowbit/tiny", "nope.gguf"} + hubArgs());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("'nope.gguf' is not in lowbit/tiny"), qPrintable(r.err));
        QVERIFY(r.err.contains("model.gguf"));  // lists what is there
    }

    void unknownRepositoryFails() {
        const Result r = run(QStringList{"nobody/nothing"} + hubArgs());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("not found"), qPrintable(r.err));
    }

    void usageErrors() {
        QCOMPARE(run({"not-a-repo"}).exitCode, 2);
        QCOMPARE(run({"a/b", "--hub", "ftp://x"}).exitCode, 2);
        QCOMPARE(run({"a/b", "--parallel", "0"}).exitCode, 2);
        QCOMPARE(run({"a/b", "--bogus"}).exitCode, 2);
    }

    void gatedWithoutTokenExplainsAccess() {
        const Result r = run(QStringList{"gated/model", "weights.gguf"} + hubArgs());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("access token") && r.err.contains("accept the licence") &&
                     r.err.contains("HF_TOKEN"),
                 qPrintable(r.err));
        QVERIFY(!QFile::exists(dir_->filePath("weights.gguf")));
    }

    void gatedWithTokenFromEnvironmentOrOption() {
        Result r = run(QStringList{"gated/model", "weights.gguf"} + hubArgs(), kToken);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(readFile(dir_->filePath("weights.gguf")), gated_);
        QVERIFY(!r.out.contains(kToken) && !r.err.contains(kToken));
        QFile::remove(dir_->filePath("weights.gguf"));
        r = run(QStringList{"gated/model", "weights.gguf", "--token", kToken} + hubArgs());
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(!r.out.contains(kToken) && !r.err.contains(kToken));
        for (const auto& request : hub_->cdnRequests()) QVERIFY(request.header("authorization").isEmpty());
        // A wrong token is refused without being printed.
        QFile::remove(dir_->filePath("weights.gguf"));
        r = run(QStringList{"gated/model", "weights.gguf", "--token", "hf_wrong_token_xyz"} + hubArgs());
        QCOMPARE(r.exitCode, 1);
        QVERIFY(!r.err.contains("hf_wrong_token_xyz"));
        QVERIFY(r.err.contains("refused the access token"));
    }

    void checksumMismatchFails() {
        hub_->setCorrupt("lowbit/tiny", "model.gguf", true);
        const Result r = run(QStringList{"lowbit/tiny", "model.gguf"} + hubArgs());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("SHA-256") && r.err.contains("removed"), qPrintable(r.err));
        QVERIFY(!QFile::exists(dir_->filePath("model.gguf")));
        QVERIFY(!QFile::exists(dir_->filePath("model.gguf.part")));
    }

    void resumesAfterTheProcessWasKilled() {
        hub_->chunkBytes = 32768;
        hub_->chunkIntervalMs = 10;
        QProcess first;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("HF_TOKEN");
        first.setProcessEnvironment(env);
        first.start(QStringLiteral(LOWBIT_CLI_PATH),
                    QStringList{"pull", "lowbit/tiny", "model.gguf"} + hubArgs());
        QVERIFY(first.waitForStarted(10000));
        const QString part = dir_->filePath("model.gguf.part");
        QVERIFY(QTest::qWaitFor([&] { return QFileInfo(part).size() > 500000; }, 20000));
        first.kill();  // like a crash or a closed terminal
        QSignalSpy ended(&first, &QProcess::finished);
        if (first.state() != QProcess::NotRunning) QVERIFY(ended.wait(10000));
        const qint64 kept = QFileInfo(part).size();
        QVERIFY(kept > 0 && kept < weights_.size());
        QVERIFY(QFile::exists(part + ".json"));

        hub_->chunkBytes = 0;
        const Result r = run(QStringList{"lowbit/tiny", "model.gguf"} + hubArgs());
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(readFile(dir_->filePath("model.gguf")), weights_);
        QVERIFY2(r.err.contains("resume: model.gguf"), qPrintable(r.err));
        const QByteArray range = hub_->cdnRequests().last().header("range");
        QCOMPARE(range,
                 "bytes=" + QByteArray::number(kept) + "-");  // writes are unbuffered: nothing was lost
    }

    void networkDownFails() {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(closed.serverPort());
        closed.close();
        const Result r = run({"lowbit/tiny", "--hub", url, "--retries", "2"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("connection refused") && r.err.contains("Gave up after 2 attempts"),
                 qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestPullCli)
#include "test_pull_cli.moc"
