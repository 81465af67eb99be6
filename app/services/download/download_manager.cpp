#include "download/download_manager.h"

#include <QDirIterator>
#include <QFileInfo>
#include <QTimer>
#include <algorithm>

#include "download/download_task.h"
#include "download/part_state.h"

namespace lowbit::app {

DownloadManager::DownloadManager(DownloadSettings settings, QObject* parent)
    : QObject(parent),
      settings_(std::move(settings)),
      nam_(this),
      hub_(&nam_, settings_.hub, this),
      writerFactory_(makeLocalFileWriter),
      freeSpace_(systemFreeSpace) {
    qRegisterMetaType<DownloadInfo>();
    qRegisterMetaType<DownloadProgress>();
    qRegisterMetaType<DownloadError>();
    applyProxy(nam_, settings_.proxy);
    hub_.setRetryPolicy(settings_.retry);
    // Replies are deleted by their owners (tasks, list replies), never behind their back.
    nam_.setAutoDeleteReplies(false);
}

DownloadManager::~DownloadManager() {
    // Delete the tasks first (they stop their transfers and keep the partial files) while the
    // network access manager they use still exists.
    for (DownloadTask* t : tasks_) {
        t->disconnect(this);
        delete t;
    }
    tasks_.clear();
}

void DownloadManager::setSettings(const DownloadSettings& settings) {
    settings_ = settings;
    settings_.maxParallel = qMax(1, settings_.maxParallel);
    applyProxy(nam_, settings_.proxy);
    hub_.setConfig(settings_.hub);
    hub_.setRetryPolicy(settings_.retry);
    emit settingsChanged();
    scheduleSoon();
}

void DownloadManager::setAccessToken(const QString& token) {
    settings_.hub.token = token.trimmed();
    hub_.setConfig(settings_.hub);
}

void DownloadManager::setMaxParallel(int n) {
    n = qMax(1, n);
    if (n == settings_.maxParallel) return;
    settings_.maxParallel = n;
    emit settingsChanged();
    scheduleSoon();
}

void DownloadManager::setFileWriterFactory(FileWriterFactory factory) {
    writerFactory_ = factory ? std::move(factory) : FileWriterFactory(makeLocalFileWriter);
}

void DownloadManager::setFreeSpaceProbe(FreeSpaceProbe probe) {
    freeSpace_ = probe ? std::move(probe) : FreeSpaceProbe(systemFreeSpace);
}

DownloadTask* DownloadManager::task(int id) const {
    for (DownloadTask* t : tasks_)
        if (t->info().id == id) return t;
    return nullptr;
}

int DownloadManager::enqueue(const DownloadSpec& spec) {
    const QString target =
        spec.localPath.isEmpty() ? QString() : QFileInfo(spec.localPath).absoluteFilePath();
    for (DownloadTask* t : tasks_) {
        if (!target.isEmpty() && t->info().spec.localPath == target &&
            t->state() != DownloadState::Completed && t->state() != DownloadState::Cancelled) {
            if (t->state() == DownloadState::Paused || t->state() == DownloadState::Failed) t->requeue();
            return t->info().id;
        }
    }
    const int id = nextId_++;
    DownloadTask::Environment env{&nam_, &settings_, &writerFactory_, &freeSpace_};
    auto* t = new DownloadTask(id, spec, env, this);
    tasks_.push_back(t);
    connect(t, &DownloadTask::stateChanged, this, [this, t] { onTaskStateChanged(t); });
    connect(t, &DownloadTask::progressChanged, this,
            [this, t] { emit progressChanged(t->info().id, t->info().progress); });
    connect(t, &DownloadTask::retryScheduled, this,
            [this, t](int attempt, int delayMs, const QString& reason) {
                emit retryScheduled(t->info().id, attempt, delayMs, reason);
            });
    t->persist();
    emit added(id);
    scheduleSoon();
    return id;
}

QList<int> DownloadManager::enqueueFiles(const QString& repo, const QString& revision,
                                         const QList<HubFile>& files, const QString& dir) {
    QList<int> ids;
    for (const HubFile& f : files) ids.append(enqueue(DownloadSpec::fromHubFile(repo, revision, f, dir)));
    return ids;
}

QList<int> DownloadManager::restore(const QString& dir, bool start) {
    QList<int> ids;
    QDirIterator it(dir, {QStringLiteral("*.part.json")}, QDir::Files | QDir::Hidden,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString sidecar = it.next();
        const auto state = PartState::load(sidecar);
        const QString finalPath = PartState::finalPathOf(sidecar);
        if (!state || finalPath.isEmpty()) continue;
        DownloadSpec spec;
        spec.repo = state->repo;
        spec.revision = state->revision;
        spec.path = state->path;
        spec.localPath = finalPath;
        spec.expectedSize = state->size;
        spec.sha256 = state->sha256;
        spec.gitOid = state->gitOid;
        const int before = nextId_;
        const int id = enqueue(spec);
        if (id >= before && !start) {
            // New entry: show it as paused until the user (or `start`) resumes it.
            DownloadTask* t = task(id);
            t->pause();
        }
        ids.append(id);
    }
    return ids;
}

void DownloadManager::pause(int id) {
    if (DownloadTask* t = task(id)) t->pause();
}

void DownloadManager::resume(int id) {
    if (DownloadTask* t = task(id)) t->requeue();
}

void DownloadManager::cancel(int id) {
    if (DownloadTask* t = task(id)) t->cancel();
}

void DownloadManager::remove(int id) {
    DownloadTask* t = task(id);
    if (!t) return;
    if (t->state() != DownloadState::Completed && t->state() != DownloadState::Cancelled) t->cancel();
    tasks_.erase(std::find(tasks_.begin(), tasks_.end(), t));
    t->disconnect(this);
    t->deleteLater();
    emit removed(id);
    scheduleSoon();
}

void DownloadManager::pauseAll() {
    for (DownloadTask* t : tasks_) t->pause();
}

void DownloadManager::resumeAll() {
    for (DownloadTask* t : tasks_)
        if (t->state() == DownloadState::Paused) t->requeue();
}

void DownloadManager::clearFinished() {
    const std::vector<DownloadTask*> copy = tasks_;
    for (DownloadTask* t : copy)
        if (t->state() == DownloadState::Completed || t->state() == DownloadState::Cancelled)
            remove(t->info().id);
}

DownloadInfo DownloadManager::info(int id) const {
    const DownloadTask* t = task(id);
    return t ? t->info() : DownloadInfo{};
}

QList<int> DownloadManager::ids() const {
    QList<int> out;
    for (const DownloadTask* t : tasks_) out.append(t->info().id);
    return out;
}

int DownloadManager::activeCount() const {
    return int(std::count_if(tasks_.begin(), tasks_.end(),
                             [](const DownloadTask* t) { return t->info().isActive(); }));
}

bool DownloadManager::isIdle() const {
    return std::none_of(tasks_.begin(), tasks_.end(), [](const DownloadTask* t) {
        return t->info().isActive() || t->state() == DownloadState::Queued ||
               t->state() == DownloadState::Retrying;
    });
}

void DownloadManager::onTaskStateChanged(DownloadTask* t) {
    const DownloadInfo& info = t->info();
    emit stateChanged(info.id, info.state);
    if (info.state == DownloadState::Completed) emit completed(info.id, info.spec.localPath);
    if (info.state == DownloadState::Failed) emit failed(info.id, info.error);
    const int active = activeCount();
    if (active != lastActive_) {
        lastActive_ = active;
        emit activeCountChanged();
    }
    scheduleSoon();
}

void DownloadManager::scheduleSoon() {
    // Deferred so that a task changing state inside start() never re-enters the scheduler.
    if (scheduled_) return;
    scheduled_ = true;
    QTimer::singleShot(0, this, [this] {
        scheduled_ = false;
        schedule();
    });
}

void DownloadManager::schedule() {
    int active = activeCount();
    const std::vector<DownloadTask*> queue = tasks_;
    for (DownloadTask* t : queue) {
        if (active >= settings_.maxParallel) break;
        if (t->state() != DownloadState::Queued) continue;
        ++active;
        t->start();
    }
    const bool idleNow = isIdle();
    if (idleNow && !wasIdle_) emit idle();
    wasIdle_ = idleNow;
}

}  // namespace lowbit::app
