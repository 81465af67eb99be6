#include "studio_controller.h"

#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QGuiApplication>
#include <QUrl>

#include "engine/model_inspector.h"
#include "storage/storage_error.h"

namespace lowbit::app {
QString version_string();
}

namespace lowbit::ui {
namespace {

QString kindName(app::StorageError::Kind k) {
    switch (k) {
        case app::StorageError::Kind::Damaged:
            return QStringLiteral("damaged");
        case app::StorageError::Kind::Foreign:
            return QStringLiteral("foreign");
        case app::StorageError::Kind::TooNew:
            return QStringLiteral("newer");
        case app::StorageError::Kind::Io:
            return QStringLiteral("io");
        case app::StorageError::Kind::Query:
            return QStringLiteral("query");
    }
    return QStringLiteral("io");
}

}  // namespace

StudioController::StudioController(StudioOptions options, QObject* parent)
    : QObject(parent), options_(std::move(options)) {
    ctx_.dataDir = options_.dataDir;
    ctx_.defaultModelsDir = options_.modelsDir.isEmpty()
                                ? QDir(options_.dataDir).filePath(QStringLiteral("models"))
                                : options_.modelsDir;
    QDir().mkpath(ctx_.defaultModelsDir);
    openStorage();

    host_ = std::make_unique<app::EngineHost>(options_.engineFactory ? options_.engineFactory()
                                                                     : app::createLowbitEngine());
    ctx_.engine = host_.get();
    ctx_.devices = std::make_shared<app::DeviceRegistry>();

    settings_ = std::make_unique<SettingsModel>(ctx_);
    status_ = std::make_unique<EngineStatus>(ctx_, *settings_);
    chats_ = std::make_unique<ChatListModel>(ctx_);
    chat_ = std::make_unique<ChatSession>(ctx_, *status_);
    library_ = std::make_unique<ModelLibrary>(ctx_, *settings_);
    downloads_ = std::make_unique<DownloadCenter>(ctx_, *settings_, *library_);
    converter_ = std::make_unique<ConvertWizard>(ctx_, *settings_, *library_);
    compare_ = std::make_unique<CompareViewModel>(ctx_, *settings_, *library_);
    wireViewModels();

    settings_->refreshDevices();
    if (options_.scanModelsFolder) library_->scanModelsFolder();
    if (options_.autoLoadModel && settings_->loadLastModel()) {
        const qint64 last = ctx_.storage->settings().value(QStringLiteral("last_model_id")).toLongLong();
        if (last && library_->indexOf(last) >= 0) status_->load(last);
    }
}

StudioController::~StudioController() {
    // The chat session finishes a running reply (saved as stopped) before the engine goes.
    chat_.reset();
    compare_.reset();    // cancels and waits for a running comparison (nothing saved)
    converter_.reset();  // waits for a running conversion (cancelled)
    downloads_.reset();  // keeps partial downloads for the next run
    library_.reset();
    chats_.reset();
    status_.reset();
    settings_.reset();
    host_.reset();
}

void StudioController::openStorage() {
    const QString path = QDir(options_.dataDir).filePath(QStringLiteral("lowbit.db"));
    try {
        ctx_.storage = std::make_unique<Storage>(app::Database::open(path));
        const int interrupted = ctx_.storage->chats().recoverInterruptedReplies();
        if (interrupted > 0) {
            setNotice((interrupted == 1 ? tr("A reply was") : tr("%1 replies were").arg(interrupted)) +
                      tr(" cut off when Lowbit Studio last stopped; the text up to that point was kept."));
        }
        return;
    } catch (const app::StorageError& e) {
        storageProblem_ = e.message();
        storageProblemKind_ = kindName(e.kind());
    }
    // Keep the app usable on a history that lives only for this session; the refused file
    // stays untouched until the person decides.
    tempDir_ = std::make_unique<QTemporaryDir>();
    ctx_.storage =
        std::make_unique<Storage>(app::Database::open(tempDir_->filePath(QStringLiteral("session.db"))));
}

void StudioController::wireViewModels() {
    connect(chat_.get(), &ChatSession::chatListChanged, chats_.get(), &ChatListModel::refresh);
    connect(chats_.get(), &ChatListModel::chatRemoved, chat_.get(), &ChatSession::chatRemoved);
    connect(chats_.get(), &ChatListModel::chatRenamed, chat_.get(), &ChatSession::chatRenamed);
    connect(library_.get(), &ModelLibrary::removed, this, [this](qint64 id) {
        if (status_->modelId() == id || status_->loadingModelId() == id) status_->unload();
    });
    connect(settings_.get(), &SettingsModel::modelsFolderChanged, library_.get(),
            &ModelLibrary::scanModelsFolder);
    connect(library_.get(), &ModelLibrary::imported, this, [this](qint64 id, const QString&) {
        if (pendingLoadPath_.isEmpty()) return;
        const auto m = ctx_.storage->models().model(id);
        if (m && m->path == pendingLoadPath_) {
            pendingLoadPath_.clear();
            status_->load(id);
        }
    });
}

void StudioController::reloadAll() {
    chats_->refresh();
    chat_->newChat();
    library_->refresh();
    settings_->reload();
}

QString StudioController::version() const {
    return app::version_string();
}

QString StudioController::databasePath() const {
    return ctx_.storage->database().path();
}

void StudioController::setNotice(const QString& n) {
    if (n == notice_) return;
    notice_ = n;
    emit noticeChanged();
}

void StudioController::clearNotice() {
    setNotice({});
}

void StudioController::copyToClipboard(const QString& text) {
    if (QClipboard* c = QGuiApplication::clipboard()) c->setText(text);
}

bool StudioController::openDataFolder() {
    return QDesktopServices::openUrl(QUrl::fromLocalFile(options_.dataDir));
}

bool StudioController::startNewHistory() {
    if (!tempDir_ || chat_->generating()) return false;
    const QString path = QDir(options_.dataDir).filePath(QStringLiteral("lowbit.db"));
    QString aside;
    try {
        aside = app::Database::moveAside(path, storageProblemKind_);
        ctx_.storage = std::make_unique<Storage>(app::Database::open(path));
    } catch (const app::StorageError& e) {
        storageProblem_ = e.message();
        emit storageChanged();
        return false;
    }
    tempDir_.reset();
    storageProblem_.clear();
    storageProblemKind_.clear();
    // The loaded model belongs to the library of the old database: enter it in the new one.
    if (host_->hasModel()) {
        try {
            status_->rebindModel(
                ctx_.storage->models().upsert(app::inspectModel(host_->modelInfo().path).record));
        } catch (const std::exception&) {
            status_->unload();
        }
    }
    reloadAll();
    setNotice(tr("A new chat history was started. The old file was kept as %1.")
                  .arg(QDir::toNativeSeparators(aside)));
    emit storageChanged();
    return true;
}

void StudioController::dismissStorageProblem() {
    storageProblem_.clear();
    emit storageChanged();  // temporaryStorage stays true: the window keeps saying so
}

void StudioController::importAndLoad(const QString& path) {
    const QString abs = QFileInfo(path).absoluteFilePath();
    if (const auto existing = ctx_.storage->models().modelByPath(abs)) {
        library_->refresh();
        status_->load(existing->id);
        return;
    }
    pendingLoadPath_ = abs;
    library_->importPath(abs);
}

}  // namespace lowbit::ui
