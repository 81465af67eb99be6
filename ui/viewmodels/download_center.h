#pragma once
// The Downloads page: the curated catalog, a free field for any `owner/repo` whose files are
// listed through the Hub API, and the download queue (a list model over DownloadManager) with
// progress, speed, time left, pause/resume/cancel/retry and errors in plain words.
//
// Files go to <models folder>/<owner>/<repo>/<path in the repository>. A finished GGUF file
// enters the model library with its lineage ({kind: "download", repo, revision, file,
// sha256}); a finished safetensors folder can be handed to the conversion wizard. Unfinished
// downloads of an earlier session are listed as paused at start-up.
#include <QtQml/qqmlregistration.h>
#include <QAbstractListModel>
#include <QHash>
#include <QPointer>
#include <QVariantList>
#include <memory>
#include <optional>

#include "download/catalog.h"
#include "download/download_manager.h"

namespace lowbit::ui {

struct StudioContext;
class SettingsModel;
class ModelLibrary;

class DownloadCenter : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by StudioController")
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(int activeCount READ activeCount NOTIFY activeCountChanged)
    Q_PROPERTY(QVariantList catalog READ catalog CONSTANT)
    Q_PROPERTY(QString catalogError READ catalogError CONSTANT)
    Q_PROPERTY(QString busyCatalogId READ busyCatalogId NOTIFY listingChanged)
    Q_PROPERTY(bool listing READ listing NOTIFY listingChanged)
    Q_PROPERTY(QString listedRepo READ listedRepo NOTIFY listingChanged)
    Q_PROPERTY(QString listError READ listError NOTIFY listingChanged)
    Q_PROPERTY(QVariantList repoFiles READ repoFiles NOTIFY listingChanged)
    Q_PROPERTY(bool repoHasFolder READ repoHasFolder NOTIFY listingChanged)
    Q_PROPERTY(QString repoFolderText READ repoFolderText NOTIFY listingChanged)
    Q_PROPERTY(QString hubUrl READ hubUrl WRITE setHubUrl NOTIFY hubChanged)
    Q_PROPERTY(QString proxy READ proxy WRITE setProxy NOTIFY hubChanged)
    Q_PROPERTY(bool hasToken READ hasToken NOTIFY hubChanged)
    Q_PROPERTY(QString message READ message NOTIFY messageChanged)

  public:
    enum Role {
        DownloadIdRole = Qt::UserRole + 1,
        NameRole,  // file name
        RepoRole,
        FileRole,  // path inside the repository
        LocalPathRole,
        ReceivedRole,
        TotalRole,
        FractionRole,
        ProgressTextRole,  // "12.3 MiB of 35.0 MiB"
        SpeedTextRole,
        TimeLeftTextRole,
        StateRole,      // "queued", "downloading", "paused", "completed", "failed", ...
        StateTextRole,  // for people
        ErrorTextRole,
        NoteRole,
        ActiveRole,
        CanPauseRole,
        CanResumeRole,
        CanCancelRole,
        CanRetryRole,
        IsGgufRole,
        ConvertSourceRole,  // what the wizard converts once finished (GGUF file or folder); "" otherwise
    };

    DownloadCenter(StudioContext& ctx, SettingsModel& settings, ModelLibrary& library,
                   QObject* parent = nullptr);
    ~DownloadCenter() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    Q_INVOKABLE QVariantMap get(int row) const;
    Q_INVOKABLE int rowOf(int downloadId) const { return int(ids_.indexOf(downloadId)); }

    int count() const { return int(ids_.size()); }
    int activeCount() const { return manager_->activeCount(); }
    const QVariantList& catalog() const { return catalog_; }
    const QString& catalogError() const { return catalogError_; }
    const QString& busyCatalogId() const { return busyCatalogId_; }
    bool listing() const { return listReply_ != nullptr; }
    const QString& listedRepo() const { return listedRepo_; }
    const QString& listError() const { return listError_; }
    const QVariantList& repoFiles() const { return repoFiles_; }
    bool repoHasFolder() const { return !folderFiles().isEmpty(); }
    QString repoFolderText() const;
    QString hubUrl() const;
    void setHubUrl(const QString& url);  // empty: huggingface.co; saved in the settings
    // "env" (the environment's proxy variables), "none", or a proxy URL; saved in the settings.
    QString proxy() const { return manager_->settings().proxy.toString(); }
    void setProxy(const QString& text);
    bool hasToken() const { return !manager_->settings().hub.token.isEmpty(); }
    const QString& message() const { return message_; }

    app::DownloadManager& manager() { return *manager_; }
    // Hub address, proxy, retries... (tests point it at a local server). Saved like the page does.
    void setDownloadSettings(const app::DownloadSettings& settings);

    // The access token, kept in memory only (never stored, never logged).
    Q_INVOKABLE void setAccessToken(const QString& token);
    // Lists the files of any repository ("owner/repo" or a Hub URL of it).
    Q_INVOKABLE void listRepo(const QString& repo);
    // Downloads files of the last listing by their paths.
    Q_INVOKABLE int downloadFiles(const QStringList& paths);
    // Downloads the last listing's safetensors model folder (config, tokenizer, weights).
    Q_INVOKABLE int downloadFolder();
    // Downloads a catalog entry's files (lists its repository first).
    Q_INVOKABLE void downloadCatalogModel(const QString& id);
    Q_INVOKABLE void pause(int downloadId) { manager_->pause(downloadId); }
    Q_INVOKABLE void resume(int downloadId) { manager_->resume(downloadId); }
    Q_INVOKABLE void retry(int downloadId) { manager_->retry(downloadId); }
    Q_INVOKABLE void cancel(int downloadId) { manager_->cancel(downloadId); }
    Q_INVOKABLE void remove(int downloadId) { manager_->remove(downloadId); }
    Q_INVOKABLE void clearFinished() { manager_->clearFinished(); }
    Q_INVOKABLE void clearMessage();

    // Which files of a listing make up a safetensors model folder.
    static bool isFolderFile(const QString& path);

  signals:
    void countChanged();
    void activeCountChanged();
    void listingChanged();
    void hubChanged();
    void messageChanged();
    // A finished GGUF download is in the library.
    void modelAdded(qint64 modelId, const QString& path);

  private:
    void rebuildRows();
    void rowChanged(int downloadId);
    void onCompleted(int downloadId, const QString& localPath);
    void setMessage(const QString& m);
    QList<app::HubFile> folderFiles() const;
    QString targetDir(const QString& repo) const;
    QString convertSource(const app::DownloadInfo& info) const;
    int enqueue(const QString& repo, const QList<app::HubFile>& files);

    StudioContext& ctx_;
    SettingsModel& settings_;
    ModelLibrary& library_;
    std::unique_ptr<app::DownloadManager> manager_;
    std::optional<app::Catalog> catalogData_;
    QVariantList catalog_;
    QString catalogError_;
    QList<int> ids_;
    // The listing on show (free field), or the one a catalog download waits for.
    QPointer<app::HubListReply> listReply_;
    QString listedRepo_, listError_, busyCatalogId_;
    QList<app::HubFile> listedFiles_;
    QVariantList repoFiles_;
    QString message_;
};

}  // namespace lowbit::ui
