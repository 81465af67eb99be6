#pragma once
// What the view models share: the open database with its stores (replaceable, when the person
// chooses to start a new history after a damaged one), the engine and the device list.
#include <memory>

#include "engine/devices.h"
#include "engine/engine_host.h"
#include "storage/chat_store.h"
#include "storage/database.h"
#include "storage/model_store.h"

namespace lowbit::ui {

class Storage {
  public:
    explicit Storage(std::unique_ptr<app::Database> db)
        : db_(std::move(db)), chats_(*db_), models_(*db_), settings_(*db_) {}
    app::Database& database() { return *db_; }
    app::ChatStore& chats() { return chats_; }
    app::ModelStore& models() { return models_; }
    app::SettingsStore& settings() { return settings_; }

  private:
    std::unique_ptr<app::Database> db_;
    app::ChatStore chats_;
    app::ModelStore models_;
    app::SettingsStore settings_;
};

struct StudioContext {
    std::unique_ptr<Storage> storage;
    app::EngineHost* engine = nullptr;
    // Shared: the device query runs on a pool thread and may outlive the window (the Vulkan
    // instance takes a while to create), so the registry lives until the query is done.
    std::shared_ptr<app::DeviceRegistry> devices;
    QString dataDir;
    QString defaultModelsDir;
};

}  // namespace lowbit::ui
