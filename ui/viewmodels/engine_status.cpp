#include "engine_status.h"

#include <QFileInfo>

#include "engine/model_inspector.h"
#include "model_library.h"
#include "settings_model.h"
#include "storage/storage_error.h"
#include "studio_context.h"

namespace lowbit::ui {

EngineStatus::EngineStatus(StudioContext& ctx, SettingsModel& settings, QObject* parent)
    : QObject(parent), ctx_(ctx), settings_(settings), host_(ctx.engine) {
    connect(host_, &app::EngineHost::stateChanged, this, &EngineStatus::stateChanged);
    connect(host_, &app::EngineHost::loadProgressChanged, this, &EngineStatus::progressChanged);
    connect(host_, &app::EngineHost::modelLoaded, this, [this] {
        modelId_ = loadingModelId_;
        modelName_ = loadingName_;
        if (!host().modelInfo().fallbackReason.isEmpty()) {
            setNotice(tr("Running on the CPU: %1").arg(host().modelInfo().fallbackReason));
        }
        try {
            if (modelId_) ctx_.storage->models().markUsed(modelId_);
            ctx_.storage->settings().setValue(QStringLiteral("last_model_id"), QString::number(modelId_));
        } catch (const app::StorageError&) {
            // Remembering the last model is a convenience; the model is loaded either way.
        }
        emit modelChanged();
        emit memoryChanged();
        emit modelLoaded(modelId_);
    });
    connect(host_, &app::EngineHost::modelLoadFailed, this, [this](const QString& message, bool cancelled) {
        modelId_ = 0;
        modelName_.clear();
        if (!cancelled) setNotice(tr("Could not load %1: %2").arg(loadingName_, message));
        emit modelChanged();
        emit stateChanged();
    });
    connect(host_, &app::EngineHost::modelUnloaded, this, [this] {
        modelId_ = 0;
        modelName_.clear();
        emit modelChanged();
    });
    connect(host_, &app::EngineHost::generationFinished, this, &EngineStatus::memoryChanged);
    memoryTimer_.setInterval(2000);
    connect(&memoryTimer_, &QTimer::timeout, this, &EngineStatus::memoryChanged);
    memoryTimer_.start();
}

QString EngineStatus::state() const {
    switch (host().state()) {
        case app::EngineHost::State::NoModel:
            return QStringLiteral("none");
        case app::EngineHost::State::Loading:
            return QStringLiteral("loading");
        case app::EngineHost::State::Ready:
            return QStringLiteral("ready");
        case app::EngineHost::State::Generating:
            return QStringLiteral("generating");
    }
    return QStringLiteral("none");
}

QString EngineStatus::memoryText() const {
    const qint64 rss = app::processResidentBytes();
    if (!host().hasModel()) return tr("Memory %1").arg(app::formatBytes(rss));
    const app::EngineMemory& m = host().lastMemory();
    const qint64 weights = m.weightBytes ? m.weightBytes : host().modelInfo().weightBytes;
    QString text = tr("Weights %1").arg(app::formatBytes(weights));
    if (m.kvBytes) text += tr(" · KV %1").arg(app::formatBytes(m.kvBytes));
    if (m.deviceBytes) text += tr(" · GPU %1").arg(app::formatBytes(m.deviceBytes));
    text += tr(" · process %1").arg(app::formatBytes(rss));
    return text;
}

bool EngineStatus::load(qint64 modelId) {
    std::optional<app::ModelRecord> m;
    try {
        m = ctx_.storage->models().model(modelId);
    } catch (const app::StorageError& e) {
        setNotice(e.message());
        return false;
    }
    if (!m) return false;
    if (!QFileInfo::exists(m->path)) {
        setNotice(tr("The file of %1 is gone: %2").arg(m->name, m->path));
        return false;
    }
    loadingModelId_ = modelId;
    try {
        loadingName_ = ModelLibrary::displayName(*m, ctx_.storage->models().listModels());
    } catch (const app::StorageError&) {
        loadingName_ = m->name;
    }
    clearNotice();
    app::EngineLoadRequest request;
    request.path = m->path;
    request.device = settings_.device();
    request.threads = settings_.threads();
    request.contextLength = settings_.contextLength();
    request.onebitInt8 = settings_.onebitInt8();
    host().loadModel(request);
    emit stateChanged();
    return true;
}

void EngineStatus::cancelLoad() {
    host().cancelLoad();
}

void EngineStatus::unload() {
    host().unloadModel();
}

void EngineStatus::setNotice(const QString& n) {
    if (n == notice_) return;
    notice_ = n;
    emit noticeChanged();
}

void EngineStatus::clearNotice() {
    setNotice({});
}

void EngineStatus::rebindModel(qint64 modelId) {
    modelId_ = modelId;
    loadingModelId_ = modelId;
    emit modelChanged();
}

}  // namespace lowbit::ui
