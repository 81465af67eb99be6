#include "settings_model.h"

#include <QDir>
#include <QFutureWatcher>
#include <QPointer>
#include <QUrl>
#include <QtConcurrent/QtConcurrentRun>

#include "engine/model_inspector.h"
#include "storage/storage_error.h"
#include "studio_context.h"

namespace lowbit::ui {

SettingsModel::SettingsModel(StudioContext& ctx, QObject* parent) : QObject(parent), ctx_(ctx) {
    // Until the query returns, the CPU is known without asking anything slow.
    devices_ << QVariantMap{{QStringLiteral("id"), QStringLiteral("cpu")},
                            {QStringLiteral("name"), tr("CPU")},
                            {QStringLiteral("detail"), QString()},
                            {QStringLiteral("kind"), QStringLiteral("cpu")},
                            {QStringLiteral("usable"), true}};
}

QString SettingsModel::value(const QString& key, const QString& fallback) const {
    try {
        return ctx_.storage->settings().value(key, fallback);
    } catch (const app::StorageError&) {
        return fallback;
    }
}

void SettingsModel::store(const QString& key, const QString& v) {
    try {
        ctx_.storage->settings().setValue(key, v);
    } catch (const app::StorageError& e) {
        qWarning("settings: %s", qPrintable(e.message()));
    }
    emit changed();
}

int SettingsModel::threads() const {
    return value(QStringLiteral("threads"), QStringLiteral("0")).toInt();
}
void SettingsModel::setThreads(int n) {
    if (n != threads()) store(QStringLiteral("threads"), QString::number(std::clamp(n, 0, maxThreads())));
}
int SettingsModel::maxThreads() const {
    return app::logicalCpuCount();
}

QString SettingsModel::device() const {
    return value(QStringLiteral("device"), QStringLiteral("cpu"));
}
void SettingsModel::setDevice(const QString& id) {
    if (id != device()) store(QStringLiteral("device"), id);
}

int SettingsModel::contextLength() const {
    return value(QStringLiteral("context_length"), QStringLiteral("0")).toInt();
}
void SettingsModel::setContextLength(int n) {
    if (n != contextLength()) store(QStringLiteral("context_length"), QString::number(std::max(0, n)));
}

QString SettingsModel::modelsFolder() const {
    return value(QStringLiteral("models_folder"), ctx_.defaultModelsDir);
}
void SettingsModel::setModelsFolder(const QString& path) {
    const QString clean = QDir::cleanPath(path);
    if (clean.isEmpty() || clean == modelsFolder()) return;
    store(QStringLiteral("models_folder"), clean);
    emit modelsFolderChanged();
}
void SettingsModel::setModelsFolderUrl(const QUrl& url) {
    setModelsFolder(url.isLocalFile() ? url.toLocalFile() : url.toString());
}

QString SettingsModel::theme() const {
    return value(QStringLiteral("theme"), QStringLiteral("system"));
}
void SettingsModel::setTheme(const QString& theme) {
    if (theme != this->theme()) store(QStringLiteral("theme"), theme);
}

bool SettingsModel::loadLastModel() const {
    return value(QStringLiteral("load_last_model"), QStringLiteral("1")) == QLatin1String("1");
}
void SettingsModel::setLoadLastModel(bool on) {
    if (on != loadLastModel())
        store(QStringLiteral("load_last_model"), on ? QStringLiteral("1") : QStringLiteral("0"));
}

bool SettingsModel::onebitInt8() const {
    return value(QStringLiteral("onebit_int8"), QStringLiteral("0")) == QLatin1String("1");
}
void SettingsModel::setOnebitInt8(bool on) {
    if (on != onebitInt8())
        store(QStringLiteral("onebit_int8"), on ? QStringLiteral("1") : QStringLiteral("0"));
}

QString SettingsModel::dataFolder() const {
    return ctx_.dataDir;
}
QString SettingsModel::databasePath() const {
    return ctx_.storage->database().path();
}

QVariantMap SettingsModel::windowGeometry() const {
    const QStringList parts = value(QStringLiteral("window_geometry")).split(u',');
    if (parts.size() != 5) return {};
    return {{QStringLiteral("x"), parts[0].toInt()},
            {QStringLiteral("y"), parts[1].toInt()},
            {QStringLiteral("width"), parts[2].toInt()},
            {QStringLiteral("height"), parts[3].toInt()},
            {QStringLiteral("maximized"), parts[4] == QLatin1String("1")}};
}

void SettingsModel::saveWindowGeometry(int x, int y, int width, int height, bool maximized) {
    if (width <= 0 || height <= 0) return;
    try {
        ctx_.storage->settings().setValue(
            QStringLiteral("window_geometry"),
            QStringLiteral("%1,%2,%3,%4,%5").arg(x).arg(y).arg(width).arg(height).arg(maximized ? 1 : 0));
    } catch (const app::StorageError&) {
    }
}

void SettingsModel::refreshDevices() {
    auto* watcher = new QFutureWatcher<QList<app::ComputeDevice>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        QVariantList list;
        for (const app::ComputeDevice& d : watcher->result()) {
            QString detail = d.detail;
            if (d.memoryBytes) {
                detail += (detail.isEmpty() ? QString() : QStringLiteral(" · ")) +
                          (d.kind == QLatin1String("cpu") ? tr("%1 RAM") : tr("%1 memory"))
                              .arg(app::formatBytes(d.memoryBytes));
            }
            if (!d.usable) detail += QStringLiteral(" · ") + tr("not usable: %1").arg(d.problem);
            list << QVariantMap{{QStringLiteral("id"), d.id},
                                {QStringLiteral("name"),
                                 d.kind == QLatin1String("cpu") ? tr("CPU — %1").arg(d.name) : d.name},
                                {QStringLiteral("detail"), detail},
                                {QStringLiteral("kind"), d.kind},
                                {QStringLiteral("usable"), d.usable},
                                {QStringLiteral("memory"), d.memoryBytes},
                                {QStringLiteral("available"), d.availableBytes}};
        }
        devices_ = list;
        devicesReady_ = true;
        watcher->deleteLater();
        emit devicesChanged();
    });
    std::shared_ptr<app::DeviceRegistry> registry = ctx_.devices;
    watcher->setFuture(QtConcurrent::run([registry] { return registry->devices(); }));
}

void SettingsModel::reload() {
    emit changed();
}

}  // namespace lowbit::ui
