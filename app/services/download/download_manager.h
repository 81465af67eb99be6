#pragma once
// The download service: a queue of Hub file downloads run a few at a time, with progress,
// pause/resume (HTTP Range), resume after a restart, SHA-256 verification, free-space checks
// and automatic retries. The GUI and `lowbit pull` use it the same way:
//
//   DownloadManager downloads(settings);            // settings: Hub URL, proxy, parallel, ...
//   downloads.setAccessToken(token);                // memory only, never stored
//   auto* list = downloads.hub()->listFiles("microsoft/bitnet-b1.58-2B-4T-gguf");
//   ... on list->finished: for a chosen HubFile f:
//   int id = downloads.enqueue(DownloadSpec::fromHubFile(repo, "main", f, modelsDir));
//   connect(&downloads, &DownloadManager::progressChanged, ...);  // bytes, speed, time left
//   connect(&downloads, &DownloadManager::completed, ...);        // final path
//   connect(&downloads, &DownloadManager::failed, ...);           // DownloadError message
//   downloads.pause(id); downloads.resume(id); downloads.retry(id); downloads.cancel(id);
//
// At start-up, restore(modelsDir) finds unfinished downloads (their .part.json sidecars) and
// lists them as Paused (or queues them) so they continue where they stopped.
//
// Everything runs on the thread that owns the manager (the GUI thread); only re-hashing of
// bytes already on disk runs in a worker thread. The test seams setFileWriterFactory() and
// setFreeSpaceProbe() let tests simulate a full disk.
#include <QList>
#include <QNetworkAccessManager>
#include <QObject>
#include <memory>
#include <vector>

#include "download/download_types.h"
#include "download/file_writer.h"
#include "hub/hub_client.h"

namespace lowbit::app {

class DownloadTask;

class DownloadManager : public QObject {
    Q_OBJECT
    Q_PROPERTY(int maxParallel READ maxParallel WRITE setMaxParallel NOTIFY settingsChanged)
    Q_PROPERTY(int activeCount READ activeCount NOTIFY activeCountChanged)

  public:
    explicit DownloadManager(DownloadSettings settings = {}, QObject* parent = nullptr);
    // Stops the transfers but keeps every .part and sidecar, so the next run can resume.
    ~DownloadManager() override;

    const DownloadSettings& settings() const { return settings_; }
    // New settings apply to requests made from now on (running transfers keep their connection).
    void setSettings(const DownloadSettings& settings);
    // The Hub access token (memory only). Empty clears it.
    void setAccessToken(const QString& token);
    int maxParallel() const { return settings_.maxParallel; }
    void setMaxParallel(int n);

    HubClient* hub() { return &hub_; }
    QNetworkAccessManager* network() { return &nam_; }

    void setFileWriterFactory(FileWriterFactory factory);
    void setFreeSpaceProbe(FreeSpaceProbe probe);

    // Adds a download to the queue and returns its id. A spec whose destination is already in
    // the list (not finished) returns that entry's id instead of a second transfer. An
    // existing .part with a matching sidecar is resumed.
    int enqueue(const DownloadSpec& spec);
    // Every file of a listing (or of CatalogModel::select()) saved under `dir` with its path
    // inside the repository. Returns the ids in the same order.
    QList<int> enqueueFiles(const QString& repo, const QString& revision, const QList<HubFile>& files,
                            const QString& dir);
    // Unfinished downloads found under `dir` (recursively): added Paused, or Queued when
    // `start` is true. Returns their ids; unreadable sidecars are skipped.
    QList<int> restore(const QString& dir, bool start = false);

    Q_INVOKABLE void pause(int id);
    Q_INVOKABLE void resume(int id);  // Paused/Failed/Cancelled -> Queued
    Q_INVOKABLE void retry(int id) { resume(id); }
    Q_INVOKABLE void cancel(int id);  // deletes the partial file
    Q_INVOKABLE void remove(int id);  // cancels unless completed (partial deleted), then forgets it
    Q_INVOKABLE void pauseAll();
    Q_INVOKABLE void resumeAll();
    Q_INVOKABLE void clearFinished();  // forgets Completed and Cancelled entries

    Q_INVOKABLE lowbit::app::DownloadInfo info(int id) const;  // id 0 if unknown
    QList<int> ids() const;                                    // queue order
    int activeCount() const;
    // Nothing is running, queued or waiting to retry (paused/failed/finished entries may remain).
    bool isIdle() const;

  signals:
    void added(int id);
    void stateChanged(int id, lowbit::app::DownloadInfo::State state);
    void progressChanged(int id, const lowbit::app::DownloadProgress& progress);
    void retryScheduled(int id, int attempt, int delayMs, const QString& reason);
    void completed(int id, const QString& localPath);
    void failed(int id, const lowbit::app::DownloadError& error);
    void removed(int id);
    void activeCountChanged();
    void settingsChanged();
    void idle();

  private:
    DownloadTask* task(int id) const;
    void onTaskStateChanged(DownloadTask* task);
    void scheduleSoon();
    void schedule();

    DownloadSettings settings_;
    QNetworkAccessManager nam_;
    HubClient hub_;
    FileWriterFactory writerFactory_;
    FreeSpaceProbe freeSpace_;
    std::vector<DownloadTask*> tasks_;  // children of this object, in queue order
    int nextId_ = 1;
    int lastActive_ = 0;
    bool scheduled_ = false;
    bool wasIdle_ = true;
};

}  // namespace lowbit::app
