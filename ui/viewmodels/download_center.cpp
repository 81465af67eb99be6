#include "download_center.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include "download/download_settings_store.h"
#include "download/units.h"
#include "engine/model_inspector.h"
#include "library_registration.h"
#include "model_library.h"
#include "settings_model.h"
#include "studio_context.h"

namespace lowbit::ui {
namespace {

using app::DownloadInfo;
using app::DownloadState;

QString stateKey(DownloadState s) {
    switch (s) {
        case DownloadState::Queued:
            return QStringLiteral("queued");
        case DownloadState::Preparing:
            return QStringLiteral("preparing");
        case DownloadState::Connecting:
            return QStringLiteral("connecting");
        case DownloadState::Downloading:
            return QStringLiteral("downloading");
        case DownloadState::Verifying:
            return QStringLiteral("verifying");
        case DownloadState::Retrying:
            return QStringLiteral("retrying");
        case DownloadState::Paused:
            return QStringLiteral("paused");
        case DownloadState::Completed:
            return QStringLiteral("completed");
        case DownloadState::Failed:
            return QStringLiteral("failed");
        case DownloadState::Cancelled:
            return QStringLiteral("cancelled");
    }
    return {};
}

QString stateText(const DownloadInfo& i) {
    switch (i.state) {
        case DownloadState::Queued:
            return DownloadCenter::tr("Waiting in the queue");
        case DownloadState::Preparing:
            return DownloadCenter::tr("Preparing");
        case DownloadState::Connecting:
            return DownloadCenter::tr("Connecting");
        case DownloadState::Downloading:
            return DownloadCenter::tr("Downloading");
        case DownloadState::Verifying:
            return DownloadCenter::tr("Verifying the checksum");
        case DownloadState::Retrying:
            return DownloadCenter::tr("Connection lost, trying again (attempt %1)").arg(i.attempt + 1);
        case DownloadState::Paused:
            return DownloadCenter::tr("Paused");
        case DownloadState::Completed:
            return DownloadCenter::tr("Done");
        case DownloadState::Failed:
            return DownloadCenter::tr("Failed");
        case DownloadState::Cancelled:
            return DownloadCenter::tr("Cancelled");
    }
    return {};
}

bool isGguf(const QString& path) {
    return path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive);
}

// "https://huggingface.co/owner/repo/tree/main" or "owner/repo" -> "owner/repo".
QString repoFromInput(QString text) {
    text = text.trimmed();
    static const QRegularExpression url(QStringLiteral("^https?://[^/]+/([^/]+/[^/?#]+)"));
    if (const auto m = url.match(text); m.hasMatch()) return m.captured(1);
    return text;
}

}  // namespace

DownloadCenter::DownloadCenter(StudioContext& ctx, SettingsModel& settings, ModelLibrary& library,
                               QObject* parent)
    : QAbstractListModel(parent), ctx_(ctx), settings_(settings), library_(library) {
    manager_ = std::make_unique<app::DownloadManager>(app::loadDownloadSettings(ctx_.storage->settings()));
    connect(manager_.get(), &app::DownloadManager::added, this, [this](int) { rebuildRows(); });
    connect(manager_.get(), &app::DownloadManager::removed, this, [this](int) { rebuildRows(); });
    connect(manager_.get(), &app::DownloadManager::stateChanged, this, [this](int id, DownloadState) {
        rowChanged(id);
        // A folder's "Convert" button depends on its sibling files.
        if (count() > 0) emit dataChanged(index(0), index(count() - 1), {ConvertSourceRole});
    });
    connect(manager_.get(), &app::DownloadManager::progressChanged, this,
            [this](int id, const app::DownloadProgress&) { rowChanged(id); });
    connect(manager_.get(), &app::DownloadManager::retryScheduled, this,
            [this](int id, int, int, const QString&) { rowChanged(id); });
    connect(manager_.get(), &app::DownloadManager::failed, this,
            [this](int id, const app::DownloadError&) { rowChanged(id); });
    connect(manager_.get(), &app::DownloadManager::completed, this, &DownloadCenter::onCompleted);
    connect(manager_.get(), &app::DownloadManager::activeCountChanged, this,
            &DownloadCenter::activeCountChanged);

    QString why;
    catalogData_ = app::Catalog::loadBuiltin(&why);
    if (!catalogData_) catalogError_ = why;
    if (catalogData_) {
        for (const app::CatalogModel& m : catalogData_->models()) {
            const bool native = m.category == app::CatalogModel::Category::NativeTernary;
            catalog_ << QVariantMap{
                {QStringLiteral("id"), m.id},
                {QStringLiteral("name"), m.name},
                {QStringLiteral("repo"), m.repo},
                {QStringLiteral("format"), m.kind == app::CatalogModel::Kind::Gguf
                                               ? QStringLiteral("GGUF")
                                               : QStringLiteral("Safetensors")},
                {QStringLiteral("native"), native},
                {QStringLiteral("category"),
                 native ? tr("Native 1.58-bit") : tr("Full precision · to convert")},
                {QStringLiteral("params"), m.parameters > 0 ? app::formatCount(m.parameters) : QString()},
                {QStringLiteral("size"),
                 m.approxDownloadBytes > 0 ? app::humanBytes(m.approxDownloadBytes) : QString()},
                {QStringLiteral("license"), m.license},
                {QStringLiteral("gated"), m.gated},
                {QStringLiteral("goodFor"), m.goodFor},
                {QStringLiteral("note"), m.note}};
        }
    }
    // Downloads cut short by the last session: listed as paused, resumed on request.
    manager_->restore(settings_.modelsFolder(), false);
}

DownloadCenter::~DownloadCenter() {
    if (listReply_) listReply_->abort();
}

int DownloadCenter::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(ids_.size());
}

QString DownloadCenter::convertSource(const DownloadInfo& i) const {
    if (i.state != DownloadState::Completed) return {};
    if (isGguf(i.spec.localPath)) return i.spec.localPath;
    // A folder: the file's path inside the repository taken off its local path.
    QString root = i.spec.localPath;
    if (!root.endsWith(i.spec.path)) return {};
    root.chop(i.spec.path.size());
    root = QDir::cleanPath(root);
    if (!QFileInfo::exists(QDir(root).filePath(QStringLiteral("config.json")))) return {};
    for (int id : ids_) {
        const DownloadInfo other = manager_->info(id);
        if (other.state != DownloadState::Completed && !isGguf(other.spec.path) &&
            other.spec.localPath.startsWith(root + QLatin1Char('/')))
            return {};  // a sibling is still on its way
    }
    return root;
}

QVariant DownloadCenter::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= ids_.size()) return {};
    const DownloadInfo i = manager_->info(ids_[index.row()]);
    const app::DownloadProgress& p = i.progress;
    switch (role) {
        case DownloadIdRole:
            return i.id;
        case Qt::DisplayRole:
        case NameRole:
            return QFileInfo(i.spec.path).fileName();
        case RepoRole:
            return i.spec.repo;
        case FileRole:
            return i.spec.path;
        case LocalPathRole:
            return i.spec.localPath;
        case ReceivedRole:
            return p.received;
        case TotalRole:
            return p.total;
        case FractionRole:
            return i.state == DownloadState::Completed ? 1.0 : p.fraction();
        case ProgressTextRole:
            return p.total >= 0 ? tr("%1 of %2").arg(app::humanBytes(p.received), app::humanBytes(p.total))
                                : app::humanBytes(p.received);
        case SpeedTextRole:
            return i.state == DownloadState::Downloading && p.bytesPerSecond > 0
                       ? app::humanSpeed(p.bytesPerSecond)
                       : QString();
        case TimeLeftTextRole:
            return i.state == DownloadState::Downloading && p.secondsLeft >= 0
                       ? tr("%1 left").arg(app::humanDuration(p.secondsLeft))
                       : QString();
        case StateRole:
            return stateKey(i.state);
        case StateTextRole:
            return stateText(i);
        case ErrorTextRole:
            return i.error.isError() && i.state != DownloadState::Completed ? i.error.message : QString();
        case NoteRole:
            return i.note;
        case ActiveRole:
            return i.isActive();
        case CanPauseRole:
            return i.isActive() || i.state == DownloadState::Queued || i.state == DownloadState::Retrying;
        case CanResumeRole:
            return i.state == DownloadState::Paused || i.state == DownloadState::Cancelled;
        case CanCancelRole:
            return !i.isFinished();
        case CanRetryRole:
            return i.state == DownloadState::Failed;
        case IsGgufRole:
            return isGguf(i.spec.path);
        case ConvertSourceRole:
            return convertSource(i);
    }
    return {};
}

QHash<int, QByteArray> DownloadCenter::roleNames() const {
    return {{DownloadIdRole, "downloadId"},
            {NameRole, "name"},
            {RepoRole, "repo"},
            {FileRole, "file"},
            {LocalPathRole, "localPath"},
            {ReceivedRole, "received"},
            {TotalRole, "total"},
            {FractionRole, "fraction"},
            {ProgressTextRole, "progressText"},
            {SpeedTextRole, "speedText"},
            {TimeLeftTextRole, "timeLeftText"},
            {StateRole, "downloadState"},
            {StateTextRole, "stateText"},
            {ErrorTextRole, "errorText"},
            {NoteRole, "note"},
            {ActiveRole, "active"},
            {CanPauseRole, "canPause"},
            {CanResumeRole, "canResume"},
            {CanCancelRole, "canCancel"},
            {CanRetryRole, "canRetry"},
            {IsGgufRole, "isGguf"},
            {ConvertSourceRole, "convertSource"}};
}

QVariantMap DownloadCenter::get(int row) const {
    QVariantMap out;
    if (row < 0 || row >= ids_.size()) return out;
    const auto names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it)
        out.insert(QString::fromUtf8(it.value()), data(index(row), it.key()));
    return out;
}

void DownloadCenter::rebuildRows() {
    const QList<int> ids = manager_->ids();
    if (ids == ids_) return;
    const bool countChange = ids.size() != ids_.size();
    beginResetModel();
    ids_ = ids;
    endResetModel();
    if (countChange) emit countChanged();
}

void DownloadCenter::rowChanged(int downloadId) {
    const int row = int(ids_.indexOf(downloadId));
    if (row >= 0) emit dataChanged(index(row), index(row));
}

QString DownloadCenter::hubUrl() const {
    const QUrl u = manager_->settings().hub.baseUrl;
    return u == app::HubConfig::defaultBaseUrl() ? QString() : u.toString();
}

void DownloadCenter::setHubUrl(const QString& url) {
    app::DownloadSettings s = manager_->settings();
    if (url.trimmed().isEmpty()) {
        s.hub.baseUrl = app::HubConfig::defaultBaseUrl();
    } else {
        QString why;
        const QUrl u = app::HubConfig::normalizeBaseUrl(url, &why);
        if (u.isEmpty()) return setMessage(why);
        s.hub.baseUrl = u;
    }
    setDownloadSettings(s);
}

void DownloadCenter::setProxy(const QString& text) {
    app::DownloadSettings s = manager_->settings();
    const app::ProxyConfig proxy = app::ProxyConfig::fromString(text.trimmed());
    if (proxy.mode == app::ProxyConfig::Mode::Manual) {
        bool ok = false;
        QString why;
        app::ProxyConfig::parseProxyUrl(proxy.url, &ok, &why);
        if (!ok) return setMessage(tr("Proxy: %1").arg(why));
    }
    s.proxy = proxy;
    setDownloadSettings(s);
}

void DownloadCenter::setDownloadSettings(const app::DownloadSettings& settings) {
    app::DownloadSettings s = settings;
    s.hub.token = manager_->settings().hub.token;  // the token is not part of the settings
    manager_->setSettings(s);
    app::saveDownloadSettings(ctx_.storage->settings(), s);
    emit hubChanged();
}

void DownloadCenter::setAccessToken(const QString& token) {
    manager_->setAccessToken(token.trimmed());
    emit hubChanged();
}

void DownloadCenter::setMessage(const QString& m) {
    if (m == message_) return;
    message_ = m;
    emit messageChanged();
}

void DownloadCenter::clearMessage() {
    setMessage({});
}

bool DownloadCenter::isFolderFile(const QString& path) {
    if (path.contains(QLatin1Char('/'))) return false;  // the model's files sit at the top
    static const QStringList kNames = {
        QStringLiteral("config.json"),       QStringLiteral("generation_config.json"),
        QStringLiteral("tokenizer.json"),    QStringLiteral("tokenizer_config.json"),
        QStringLiteral("tokenizer.model"),   QStringLiteral("special_tokens_map.json"),
        QStringLiteral("vocab.json"),        QStringLiteral("merges.txt"),
        QStringLiteral("added_tokens.json"), QStringLiteral("model.safetensors.index.json"),
    };
    return kNames.contains(path) || path.endsWith(QLatin1String(".safetensors"));
}

QList<app::HubFile> DownloadCenter::folderFiles() const {
    QList<app::HubFile> out;
    bool weights = false, config = false;
    for (const app::HubFile& f : listedFiles_) {
        if (!isFolderFile(f.path)) continue;
        out << f;
        weights |= f.path.endsWith(QLatin1String(".safetensors"));
        config |= f.path == QLatin1String("config.json");
    }
    return weights && config ? out : QList<app::HubFile>();
}

QString DownloadCenter::repoFolderText() const {
    const QList<app::HubFile> files = folderFiles();
    qint64 bytes = 0;
    for (const app::HubFile& f : files) bytes += qMax<qint64>(0, f.size);
    return tr("%n file(s), %1", nullptr, int(files.size())).arg(app::humanBytes(bytes));
}

QString DownloadCenter::targetDir(const QString& repo) const {
    return QDir(settings_.modelsFolder()).filePath(repo);
}

void DownloadCenter::listRepo(const QString& input) {
    if (app::HubListReply* old = listReply_) {
        listReply_ = nullptr;  // its finished() (if abort() emits it) is then ignored
        old->abort();
        old->deleteLater();
    }
    const QString repo = repoFromInput(input);
    listedRepo_ = repo;
    listError_.clear();
    listedFiles_.clear();
    repoFiles_.clear();
    busyCatalogId_.clear();
    listReply_ = manager_->hub()->listFiles(repo);
    emit listingChanged();
    app::HubListReply* reply = listReply_;
    connect(reply, &app::HubListReply::finished, this, [this, reply] {
        reply->deleteLater();
        if (listReply_ != reply) return;
        listReply_ = nullptr;
        if (reply->error().isError()) {
            listError_ = reply->error().message;
        } else {
            listedFiles_ = reply->files();
            for (const app::HubFile& f : listedFiles_) {
                const bool gguf = isGguf(f.path);
                repoFiles_ << QVariantMap{
                    {QStringLiteral("path"), f.path},
                    {QStringLiteral("size"), f.size},
                    {QStringLiteral("sizeText"), f.size >= 0 ? app::humanBytes(f.size) : QString()},
                    {QStringLiteral("isGguf"), gguf},
                    {QStringLiteral("inFolder"), isFolderFile(f.path)},
                    {QStringLiteral("verified"), f.isLfs() || !f.gitOid.isEmpty()}};
            }
            if (listedFiles_.isEmpty()) listError_ = tr("%1 has no files.").arg(listedRepo_);
        }
        emit listingChanged();
    });
}

int DownloadCenter::enqueue(const QString& repo, const QList<app::HubFile>& files) {
    if (files.isEmpty()) return 0;
    const QList<int> ids = manager_->enqueueFiles(repo, QStringLiteral("main"), files, targetDir(repo));
    setMessage({});
    return int(ids.size());
}

int DownloadCenter::downloadFiles(const QStringList& paths) {
    QList<app::HubFile> chosen;
    for (const app::HubFile& f : listedFiles_) {
        if (paths.contains(f.path)) chosen << f;
    }
    return enqueue(listedRepo_, chosen);
}

int DownloadCenter::downloadFolder() {
    return enqueue(listedRepo_, folderFiles());
}

void DownloadCenter::downloadCatalogModel(const QString& id) {
    const app::CatalogModel* m = catalogData_ ? catalogData_->find(id) : nullptr;
    if (!m) return;
    if (app::HubListReply* old = listReply_) {
        listReply_ = nullptr;  // its finished() (if abort() emits it) is then ignored
        old->abort();
        old->deleteLater();
    }
    busyCatalogId_ = id;
    listReply_ = manager_->hub()->listFiles(m->repo, m->revision);
    emit listingChanged();
    app::HubListReply* reply = listReply_;
    const app::CatalogModel model = *m;
    connect(reply, &app::HubListReply::finished, this, [this, reply, model] {
        reply->deleteLater();
        if (listReply_ != reply) return;
        listReply_ = nullptr;
        busyCatalogId_.clear();
        emit listingChanged();
        if (reply->error().isError()) return setMessage(reply->error().message);
        QStringList missing;
        const QList<app::HubFile> files = model.select(reply->files(), &missing);
        if (files.isEmpty()) {
            return setMessage(tr("%1: the repository no longer has the expected files (%2).")
                                  .arg(model.name, missing.join(QStringLiteral(", "))));
        }
        manager_->enqueueFiles(model.repo, model.revision, files, targetDir(model.repo));
        setMessage(missing.isEmpty() ? QString()
                                     : tr("%1: some files are missing from the repository: %2")
                                           .arg(model.name, missing.join(QStringLiteral(", "))));
    });
}

void DownloadCenter::onCompleted(int downloadId, const QString& localPath) {
    rowChanged(downloadId);
    if (!isGguf(localPath)) return;
    const DownloadInfo i = manager_->info(downloadId);
    const QJsonObject lineage{{QStringLiteral("kind"), QStringLiteral("download")},
                              {QStringLiteral("repo"), i.spec.repo},
                              {QStringLiteral("revision"), i.spec.revision},
                              {QStringLiteral("file"), i.spec.path},
                              {QStringLiteral("sha256"), i.spec.sha256},
                              {QStringLiteral("hub"), manager_->settings().hub.baseUrl.toString()}};
    registerInLibrary(this, ctx_, library_, localPath,
                      QString::fromUtf8(QJsonDocument(lineage).toJson(QJsonDocument::Compact)),
                      [this, localPath](qint64 id, const QString& error) {
                          if (id > 0)
                              emit modelAdded(id, localPath);
                          else
                              setMessage(tr("Downloaded %1, but it could not be added to the library: %2")
                                             .arg(QFileInfo(localPath).fileName(), error));
                      });
}

}  // namespace lowbit::ui
