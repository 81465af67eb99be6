#pragma once
// The root of the window's view models for one data folder: opens the database (or explains
// why it cannot), starts the engine thread, and owns the chat list, the open chat, the model
// library, the settings and the engine status. Tests create several in turn on the same folder
// to check that everything survives a restart.
#include <QtQml/qqmlregistration.h>
#include <QObject>
#include <QTemporaryDir>
#include <functional>
#include <memory>

#include "chat_list_model.h"
#include "chat_session.h"
#include "compare_view_model.h"
#include "convert_wizard.h"
#include "download_center.h"
#include "engine_status.h"
#include "model_library.h"
#include "settings_model.h"
#include "studio_context.h"

namespace lowbit::ui {

struct StudioOptions {
    QString dataDir;    // holds lowbit.db
    QString modelsDir;  // default models folder; empty: <dataDir>/models
    // Makes the engine; empty: the lowbit engine. Tests put a scripted one here.
    std::function<std::unique_ptr<app::InferenceEngine>()> engineFactory;
    bool autoLoadModel = true;     // load the last used model when the setting says so
    bool scanModelsFolder = true;  // add GGUF files found in the models folder
};

class StudioController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("created by main()")
    Q_PROPERTY(ChatListModel* chats READ chats CONSTANT)
    Q_PROPERTY(ChatSession* chat READ chat CONSTANT)
    Q_PROPERTY(ModelLibrary* library READ library CONSTANT)
    Q_PROPERTY(SettingsModel* settings READ settings CONSTANT)
    Q_PROPERTY(EngineStatus* engine READ engine CONSTANT)
    Q_PROPERTY(DownloadCenter* downloads READ downloads CONSTANT)
    Q_PROPERTY(ConvertWizard* converter READ converter CONSTANT)
    Q_PROPERTY(CompareViewModel* compare READ compare CONSTANT)
    Q_PROPERTY(QString storageProblem READ storageProblem NOTIFY storageChanged)
    Q_PROPERTY(QString storageProblemKind READ storageProblemKind NOTIFY storageChanged)
    Q_PROPERTY(bool temporaryStorage READ temporaryStorage NOTIFY storageChanged)
    Q_PROPERTY(QString notice READ notice NOTIFY noticeChanged)
    Q_PROPERTY(QString version READ version CONSTANT)

  public:
    explicit StudioController(StudioOptions options, QObject* parent = nullptr);
    ~StudioController() override;

    ChatListModel* chats() { return chats_.get(); }
    ChatSession* chat() { return chat_.get(); }
    ModelLibrary* library() { return library_.get(); }
    SettingsModel* settings() { return settings_.get(); }
    EngineStatus* engine() { return status_.get(); }
    DownloadCenter* downloads() { return downloads_.get(); }
    ConvertWizard* converter() { return converter_.get(); }
    CompareViewModel* compare() { return compare_.get(); }
    app::EngineHost& engineHost() { return *host_; }
    Storage& storage() { return *ctx_.storage; }

    const QString& storageProblem() const { return storageProblem_; }
    const QString& storageProblemKind() const { return storageProblemKind_; }
    bool temporaryStorage() const { return tempDir_ != nullptr; }
    const QString& notice() const { return notice_; }
    QString version() const;
    QString databasePath() const;

    Q_INVOKABLE void copyToClipboard(const QString& text);
    Q_INVOKABLE bool openDataFolder();
    // After a refused database: move it aside (kept on disk) and start a new, saved history.
    Q_INVOKABLE bool startNewHistory();
    // After a refused database: keep working in a history that is discarded on exit.
    Q_INVOKABLE void dismissStorageProblem();
    Q_INVOKABLE void clearNotice();
    // Creates and loads a model from a path (imported first); used by --model and the demo.
    Q_INVOKABLE void importAndLoad(const QString& path);

  signals:
    void storageChanged();
    void noticeChanged();

  private:
    void openStorage();
    void wireViewModels();
    void reloadAll();
    void setNotice(const QString& n);

    StudioOptions options_;
    StudioContext ctx_;
    std::unique_ptr<QTemporaryDir> tempDir_;
    std::unique_ptr<app::EngineHost> host_;
    std::unique_ptr<SettingsModel> settings_;
    std::unique_ptr<EngineStatus> status_;
    std::unique_ptr<ChatListModel> chats_;
    std::unique_ptr<ChatSession> chat_;
    std::unique_ptr<ModelLibrary> library_;
    std::unique_ptr<DownloadCenter> downloads_;
    std::unique_ptr<ConvertWizard> converter_;
    std::unique_ptr<CompareViewModel> compare_;
    QString storageProblem_;
    QString storageProblemKind_;
    QString notice_;
    QString pendingLoadPath_;  // importAndLoad: load this file once its import finishes
};

}  // namespace lowbit::ui
