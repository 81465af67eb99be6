// lowbit pull OWNER/REPO [FILE...]: the GUI's download engine on the command line.
//
// Without FILE it lists the repository's files (size, LFS SHA-256, path). With FILEs (exact
// paths, folders or wildcards like '*.safetensors') it downloads them into --dir, several at
// a time, resuming any partial download left by an interrupted run, verifying each file's
// SHA-256 against the Hub and retrying dropped connections. Progress goes to stderr (one
// updating line on a terminal, a line every few seconds otherwise); the paths of the finished
// files go to stdout. Exit status: 0 when every file is there and verified, 1 on any failure,
// 2 on a usage error.
//
// The access token comes from --token, else the HF_TOKEN (or HUGGING_FACE_HUB_TOKEN)
// environment variable; the Hub address from --hub, else HF_ENDPOINT. The token is only sent
// to the Hub itself and never printed.
#include <unistd.h>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>
#include <QTimer>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "commands.h"
#include "download/download_manager.h"
#include "download/units.h"

namespace lowbit::cli {

namespace {

using app::DownloadError;
using app::DownloadInfo;
using app::DownloadManager;
using app::DownloadSettings;
using app::DownloadState;
using app::HubFile;

std::string str(const QString& s) {
    return s.toStdString();
}
QString qstr(const std::string& s) {
    return QString::fromStdString(s);
}

QString envOr(const char* a, const char* b = nullptr) {
    QString v = qEnvironmentVariable(a).trimmed();
    if (v.isEmpty() && b) v = qEnvironmentVariable(b).trimmed();
    return v;
}

// Qt needs an application object for its event loop; the CLI has none until a command wants one.
std::unique_ptr<QCoreApplication> ensureApplication() {
    if (QCoreApplication::instance()) return nullptr;
    static int argc = 1;
    static char name[] = "lowbit";
    static char* argv[] = {name, nullptr};
    return std::make_unique<QCoreApplication>(argc, argv);
}

QList<HubFile> listRepository(DownloadManager& downloads, const QString& repo, const QString& revision) {
    app::HubListReply* reply = downloads.hub()->listFiles(repo, revision);
    std::unique_ptr<app::HubListReply> owner(reply);
    if (!reply->isFinished()) {
        QEventLoop loop;
        QObject::connect(reply, &app::HubListReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (reply->error().isError()) throw std::runtime_error(str(reply->error().message));
    return reply->files();
}

void printListing(const QList<HubFile>& files, bool json) {
    if (json) {
        QJsonArray out;
        for (const HubFile& f : files)
            out.append(QJsonObject{{"path", f.path},
                                   {"size", double(f.size)},
                                   {"sha256", f.sha256.isEmpty() ? QJsonValue() : QJsonValue(f.sha256)},
                                   {"git_oid", f.gitOid.isEmpty() ? QJsonValue() : QJsonValue(f.gitOid)}});
        std::fputs(QJsonDocument(out).toJson(QJsonDocument::Indented).constData(), stdout);
        return;
    }
    qint64 total = 0;
    std::printf("%14s  %10s  %-64s  %s\n", "BYTES", "SIZE", "SHA256 (LFS)", "PATH");
    for (const HubFile& f : files) {
        total += qMax<qint64>(0, f.size);
        std::printf("%14lld  %10s  %-64s  %s\n", static_cast<long long>(f.size),
                    str(app::humanBytes(f.size)).c_str(), f.sha256.isEmpty() ? "-" : str(f.sha256).c_str(),
                    str(f.path).c_str());
    }
    std::fprintf(stderr, "%lld files, %s in total\n", static_cast<long long>(files.size()),
                 str(app::humanBytes(total)).c_str());
}

// The files named on the command line: exact paths, folders ("onnx" or "onnx/") and
// wildcards ('*' and '?' stay within one folder). Unknown names are an error listing a few
// of the repository's files.
QList<HubFile> selectFiles(const QList<HubFile>& listing, const std::vector<std::string>& wanted,
                           const QString& repo, const QString& revision) {
    QList<HubFile> out;
    auto add = [&](const HubFile& f) {
        for (const HubFile& o : out)
            if (o.path == f.path) return;
        out.append(f);
    };
    for (const std::string& w : wanted) {
        const QString name = qstr(w);
        bool found = false;
        if (name.contains(QRegularExpression(QStringLiteral("[*?\\[]")))) {
            const QRegularExpression re(QRegularExpression::wildcardToRegularExpression(name));
            for (const HubFile& f : listing)
                if (re.match(f.path).hasMatch()) add(f), found = true;
        } else {
            const QString folder = name.endsWith(QLatin1Char('/')) ? name : name + QLatin1Char('/');
            for (const HubFile& f : listing)
                if (f.path == name || f.path.startsWith(folder)) add(f), found = true;
        }
        if (!found) {
            QStringList some;
            for (const HubFile& f : listing.mid(0, 12)) some << f.path;
            if (listing.size() > 12) some << QStringLiteral("... (%1 files)").arg(listing.size());
            throw std::runtime_error(
                str(QStringLiteral("'%1' is not in %2 at revision '%3'. Its files: %4. Run "
                                   "'lowbit pull %2' to list them all.")
                        .arg(name, repo, revision, some.join(QStringLiteral(", ")))));
        }
    }
    return out;
}

// Progress on stderr: one line rewritten in place on a terminal, a line every few seconds in
// a log. Event lines (retries, finished files) are printed as they happen.
class ProgressPrinter {
  public:
    ProgressPrinter(DownloadManager& downloads, int fileCount)
        : downloads_(downloads), files_(fileCount), tty_(isatty(fileno(stderr)) == 1) {
        timer_.setInterval(tty_ ? 250 : 3000);
        QObject::connect(&timer_, &QTimer::timeout, [this] { printStatus(); });
        timer_.start();
        clock_.start();
    }
    ~ProgressPrinter() { clearLine(); }

    void event(const QString& text) {
        clearLine();
        std::fprintf(stderr, "%s\n", str(text).c_str());
        std::fflush(stderr);
    }
    void fileDone() { ++done_; }
    qint64 elapsedMs() const { return clock_.elapsed(); }

  private:
    void clearLine() {
        if (tty_ && lineShown_) std::fprintf(stderr, "\r\033[K");
        lineShown_ = false;
    }

    void printStatus() {
        QStringList parts;
        for (int id : downloads_.ids()) {
            const DownloadInfo info = downloads_.info(id);
            if (info.state != DownloadState::Downloading && info.state != DownloadState::Preparing &&
                info.state != DownloadState::Verifying)
                continue;
            const app::DownloadProgress& p = info.progress;
            QString line = QStringLiteral("%1 %2 of %3")
                               .arg(info.spec.path, app::humanBytes(p.received), app::humanBytes(p.total));
            if (p.total > 0) line += QStringLiteral(" (%1%)").arg(100.0 * p.fraction(), 0, 'f', 1);
            if (info.state == DownloadState::Downloading)
                line += QStringLiteral(", %1, %2 left")
                            .arg(app::humanSpeed(p.bytesPerSecond), app::humanDuration(p.secondsLeft));
            else
                line += QStringLiteral(", %1").arg(info.note.isEmpty() ? QStringLiteral("checking")
                                                                       : info.note.toLower());
            parts << line;
        }
        if (parts.isEmpty()) return;
        const QString status =
            QStringLiteral("[%1/%2 done] %3").arg(done_).arg(files_).arg(parts.join(QStringLiteral(" | ")));
        if (tty_) {
            std::fprintf(stderr, "\r\033[K%s", str(status.left(240)).c_str());
            lineShown_ = true;
        } else {
            std::fprintf(stderr, "%s\n", str(status).c_str());
        }
        std::fflush(stderr);
    }

    DownloadManager& downloads_;
    int files_;
    int done_ = 0;
    bool tty_;
    bool lineShown_ = false;
    QTimer timer_;
    QElapsedTimer clock_;
};

}  // namespace

int cmd_pull(Args& args) {
    DownloadSettings settings;
    const std::string hub = args.value_or({"--hub"}, str(envOr("HF_ENDPOINT")));
    if (!hub.empty()) {
        QString why;
        settings.hub.baseUrl = app::HubConfig::normalizeBaseUrl(qstr(hub), &why);
        if (settings.hub.baseUrl.isEmpty()) throw UsageError(str(why));
    }
    const auto token = args.value({"--token"});
    settings.hub.token = token ? qstr(*token).trimmed() : envOr("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN");
    const QString dir = qstr(args.value_or({"--dir", "-d"}, "."));
    const QString revision = qstr(args.value_or({"--revision", "-r"}, "main"));
    settings.maxParallel = args.int_or({"--parallel", "-j"}, 2);
    if (settings.maxParallel < 1 || settings.maxParallel > 16)
        throw UsageError("--parallel must be between 1 and 16");
    settings.retry.maxAttempts = args.int_or({"--retries"}, settings.retry.maxAttempts);
    if (settings.retry.maxAttempts < 1) throw UsageError("--retries must be at least 1");
    if (auto proxy = args.value({"--proxy"})) {
        settings.proxy = app::ProxyConfig::fromString(qstr(*proxy));
        bool ok = true;
        QString why;
        if (settings.proxy.mode == app::ProxyConfig::Mode::Manual)
            app::ProxyConfig::parseProxyUrl(settings.proxy.url, &ok, &why);
        if (!ok) throw UsageError(str(why));
    }
    const bool json = args.flag({"--json"});
    const std::vector<std::string> positionals = args.positionals();
    args.finish();
    if (positionals.empty()) throw UsageError("missing the repository (OWNER/REPO)");
    QString why;
    const auto repo = app::RepoId::parse(qstr(positionals[0]), &why);
    if (!repo) throw UsageError(str(why));
    if (!app::isValidRevision(revision, &why)) throw UsageError(str(why));
    const std::vector<std::string> wanted(positionals.begin() + 1, positionals.end());

    auto application = ensureApplication();
    DownloadManager downloads(settings);
    const QList<HubFile> listing = listRepository(downloads, repo->full(), revision);
    if (wanted.empty()) {
        printListing(listing, json);
        return 0;
    }
    const QList<HubFile> files = selectFiles(listing, wanted, repo->full(), revision);

    ProgressPrinter progress(downloads, int(files.size()));
    QEventLoop loop;
    QObject::connect(&downloads, &DownloadManager::idle, &loop, &QEventLoop::quit);
    QObject::connect(&downloads, &DownloadManager::completed, [&](int id, const QString& path) {
        const DownloadInfo info = downloads.info(id);
        progress.fileDone();
        progress.event(QStringLiteral("done: %1 (%2, %3)")
                           .arg(info.spec.path, app::humanBytes(info.progress.total), info.note.toLower()));
        std::printf("%s\n", str(QDir::toNativeSeparators(path)).c_str());
        std::fflush(stdout);
    });
    QObject::connect(
        &downloads, &DownloadManager::retryScheduled,
        [&](int id, int attempt, int delayMs, const QString& reason) {
            progress.event(QStringLiteral("retry: %1: %2 (attempt %3 failed; trying again in %4 s)")
                               .arg(downloads.info(id).spec.path, reason)
                               .arg(attempt)
                               .arg(delayMs / 1000.0, 0, 'f', 1));
        });
    QObject::connect(&downloads, &DownloadManager::stateChanged, [&](int id, DownloadState state) {
        const DownloadInfo info = downloads.info(id);
        if (state == DownloadState::Downloading && info.progress.received > 0)
            progress.event(QStringLiteral("resume: %1 from %2")
                               .arg(info.spec.path, app::humanBytes(info.progress.received)));
    });

    qint64 totalBytes = 0;
    for (const HubFile& f : files) totalBytes += qMax<qint64>(0, f.size);
    downloads.enqueueFiles(repo->full(), revision, files, dir);
    progress.event(QStringLiteral("pull: %1 file%2 (%3) from %4 into %5")
                       .arg(files.size())
                       .arg(files.size() == 1 ? "" : "s")
                       .arg(app::humanBytes(totalBytes), repo->full(), QDir(dir).absolutePath()));
    loop.exec();

    int failures = 0;
    for (int id : downloads.ids()) {
        const DownloadInfo info = downloads.info(id);
        if (info.state == DownloadState::Completed) continue;
        ++failures;
        progress.event(QStringLiteral("lowbit pull: %1: %2")
                           .arg(info.spec.path, info.error.isError() ? info.error.message
                                                                     : QStringLiteral("did not finish")));
    }
    if (failures > 0) {
        progress.event(QStringLiteral("lowbit pull: %1 of %2 file%3 failed")
                           .arg(failures)
                           .arg(files.size())
                           .arg(files.size() == 1 ? "" : "s"));
        return 1;
    }
    progress.event(QStringLiteral("pull: %1 file%2 ready in %3 after %4")
                       .arg(files.size())
                       .arg(files.size() == 1 ? "" : "s")
                       .arg(QDir(dir).absolutePath(), app::humanDuration(progress.elapsedMs() / 1000)));
    return 0;
}

}  // namespace lowbit::cli
