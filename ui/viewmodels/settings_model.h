#pragma once
// Application settings (threads, device, context, models folder, theme), stored in the
// database's settings table and applied to the next model load.
#include <QtQml/qqmlregistration.h>
#include <QObject>
#include <QVariantList>

namespace lowbit::ui {

struct StudioContext;

class SettingsModel : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by StudioController")
    Q_PROPERTY(int threads READ threads WRITE setThreads NOTIFY changed)
    Q_PROPERTY(int maxThreads READ maxThreads CONSTANT)
    Q_PROPERTY(QString device READ device WRITE setDevice NOTIFY changed)
    Q_PROPERTY(QVariantList devices READ devices NOTIFY devicesChanged)
    Q_PROPERTY(bool devicesReady READ devicesReady NOTIFY devicesChanged)
    Q_PROPERTY(int contextLength READ contextLength WRITE setContextLength NOTIFY changed)
    Q_PROPERTY(QString modelsFolder READ modelsFolder WRITE setModelsFolder NOTIFY changed)
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY changed)
    Q_PROPERTY(bool loadLastModel READ loadLastModel WRITE setLoadLastModel NOTIFY changed)
    Q_PROPERTY(bool onebitInt8 READ onebitInt8 WRITE setOnebitInt8 NOTIFY changed)
    Q_PROPERTY(QString dataFolder READ dataFolder CONSTANT)
    Q_PROPERTY(QString databasePath READ databasePath NOTIFY changed)

  public:
    explicit SettingsModel(StudioContext& ctx, QObject* parent = nullptr);

    int threads() const;
    void setThreads(int n);
    int maxThreads() const;
    QString device() const;
    void setDevice(const QString& id);
    const QVariantList& devices() const { return devices_; }
    bool devicesReady() const { return devicesReady_; }
    int contextLength() const;
    void setContextLength(int n);
    QString modelsFolder() const;
    void setModelsFolder(const QString& path);
    QString theme() const;
    void setTheme(const QString& theme);
    bool loadLastModel() const;
    void setLoadLastModel(bool on);
    // 1-bit layers with int8 activations (RunnerOptions::onebit_int8); off: W1A16 as in OneBit.
    bool onebitInt8() const;
    void setOnebitInt8(bool on);
    QString dataFolder() const;
    QString databasePath() const;

    // Window geometry: "x,y,width,height,maximized".
    Q_INVOKABLE QVariantMap windowGeometry() const;
    Q_INVOKABLE void saveWindowGeometry(int x, int y, int width, int height, bool maximized);
    // Accepts a folder path or a file:// URL from a folder dialog.
    Q_INVOKABLE void setModelsFolderUrl(const QUrl& url);

    // Queries the device providers off the UI thread (Vulkan instance creation is slow).
    void refreshDevices();
    void reload();  // after the database changed

  signals:
    void changed();
    void modelsFolderChanged();
    void devicesChanged();

  private:
    QString value(const QString& key, const QString& fallback = {}) const;
    void store(const QString& key, const QString& value);

    StudioContext& ctx_;
    QVariantList devices_;
    bool devicesReady_ = false;
};

}  // namespace lowbit::ui
