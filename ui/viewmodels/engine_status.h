#pragma once
// The loaded model and the engine's state for the window: the model picker, the loading
// overlay (progress, cancel) and the status line read from here.
#include <QtQml/qqmlregistration.h>
#include <QObject>
#include <QTimer>

#include "engine/engine_host.h"

namespace lowbit::ui {

struct StudioContext;
class SettingsModel;

class EngineStatus : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by StudioController")
    Q_PROPERTY(QString state READ state NOTIFY stateChanged)
    Q_PROPERTY(bool loading READ loading NOTIFY stateChanged)
    Q_PROPERTY(bool ready READ ready NOTIFY stateChanged)
    Q_PROPERTY(bool generating READ generating NOTIFY stateChanged)
    Q_PROPERTY(double progress READ progress NOTIFY progressChanged)
    Q_PROPERTY(QString phase READ phase NOTIFY progressChanged)
    Q_PROPERTY(qint64 modelId READ modelId NOTIFY modelChanged)
    Q_PROPERTY(qint64 loadingModelId READ loadingModelId NOTIFY stateChanged)
    Q_PROPERTY(QString modelName READ modelName NOTIFY modelChanged)
    Q_PROPERTY(QString loadingName READ loadingName NOTIFY stateChanged)
    Q_PROPERTY(QString deviceName READ deviceName NOTIFY modelChanged)
    Q_PROPERTY(QString formatKey READ formatKey NOTIFY modelChanged)
    Q_PROPERTY(QString formatName READ formatName NOTIFY modelChanged)
    Q_PROPERTY(QString formatSource READ formatSource NOTIFY modelChanged)
    Q_PROPERTY(int contextSize READ contextSize NOTIFY modelChanged)
    Q_PROPERTY(QString notice READ notice NOTIFY noticeChanged)
    Q_PROPERTY(QString memoryText READ memoryText NOTIFY memoryChanged)

  public:
    EngineStatus(StudioContext& ctx, SettingsModel& settings, QObject* parent = nullptr);

    QString state() const;
    bool loading() const { return host().state() == app::EngineHost::State::Loading; }
    bool ready() const { return host().state() == app::EngineHost::State::Ready; }
    bool generating() const { return host().state() == app::EngineHost::State::Generating; }
    double progress() const { return host().loadProgress(); }
    QString phase() const { return host().loadPhase(); }
    qint64 modelId() const { return host().hasModel() ? modelId_ : 0; }
    qint64 loadingModelId() const { return loading() ? loadingModelId_ : 0; }
    QString modelName() const { return host().hasModel() ? modelName_ : QString(); }
    QString loadingName() const { return loadingName_; }
    QString deviceName() const { return host().modelInfo().deviceName; }
    QString formatKey() const { return host().promptFormat().key; }
    QString formatName() const { return host().promptFormat().name; }
    QString formatSource() const { return host().promptFormat().source; }
    int contextSize() const { return host().modelInfo().contextLength; }
    const QString& notice() const { return notice_; }
    QString memoryText() const;

    // Loads a model of the library with the device, threads and context from the settings.
    Q_INVOKABLE bool load(qint64 modelId);
    Q_INVOKABLE void cancelLoad();
    Q_INVOKABLE void unload();
    Q_INVOKABLE void clearNotice();
    // The loaded model's row id in a newly opened database (after starting a new history).
    void rebindModel(qint64 modelId);

  signals:
    void stateChanged();
    void progressChanged();
    void modelChanged();
    void noticeChanged();
    void memoryChanged();
    void modelLoaded(qint64 modelId);

  private:
    app::EngineHost& host() const { return *host_; }
    void setNotice(const QString& n);

    StudioContext& ctx_;
    SettingsModel& settings_;
    app::EngineHost* host_;
    qint64 modelId_ = 0;
    qint64 loadingModelId_ = 0;
    QString modelName_;
    QString loadingName_;
    QString notice_;
    QTimer memoryTimer_;
};

}  // namespace lowbit::ui
