#pragma once
// The model library page: every known GGUF file with the figures that matter for 1-bit and
// ternary models (real bits per weight, weight types), where it fits, import (file dialog or
// drag-and-drop), removal and the models folder scan. Reading a file's header runs off the UI
// thread.
#include <QtQml/qqmlregistration.h>
#include <QAbstractListModel>
#include <QUrl>

#include "engine/model_inspector.h"

namespace lowbit::ui {

struct StudioContext;
class SettingsModel;

class ModelLibrary : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by StudioController")
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(int busy READ busy NOTIFY busyChanged)
    Q_PROPERTY(QString totalSizeText READ totalSizeText NOTIFY countChanged)

  public:
    enum Role {
        ModelIdRole = Qt::UserRole + 1,
        NameRole,
        PathRole,
        FileNameRole,
        FolderRole,
        ArchitectureRole,
        ParamsRole,
        WeightTypesRole,
        BitsPerWeightRole,
        LinearBitsRole,
        FileSizeRole,
        ContextRole,
        FormatRole,
        FitsTextRole,
        FitsLevelRole,  // 0 fits, 1 tight, 2 too large
        MissingRole,
        LayersRole,
    };

    ModelLibrary(StudioContext& ctx, SettingsModel& settings, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // general.name, or the file's base name when several models of the library share that name
    // (variants of one model usually do).
    static QString displayName(const app::ModelRecord& model, const QList<app::ModelRecord>& all);

    int count() const { return int(rows_.size()); }
    int busy() const { return busy_; }
    QString totalSizeText() const;

    Q_INVOKABLE void refresh();
    // Imports files (paths or file:// URLs); non-GGUF entries are reported, not imported.
    Q_INVOKABLE void importUrls(const QVariantList& urls);
    Q_INVOKABLE void importPath(const QString& path) { importUrls({path}); }
    // Removes a model from the library; with deleteFile the file goes to the trash too.
    Q_INVOKABLE bool remove(qint64 modelId, bool deleteFile);
    Q_INVOKABLE bool openContainingFolder(qint64 modelId);
    // Adds GGUF files found in the models folder (and refreshes changed ones).
    Q_INVOKABLE void scanModelsFolder();
    Q_INVOKABLE int indexOf(qint64 modelId) const;
    Q_INVOKABLE QVariantMap get(int row) const;

  signals:
    void countChanged();
    void busyChanged();
    void imported(qint64 modelId, const QString& name);
    void importFailed(const QString& message);
    // A Hugging Face model (safetensors) was imported: it runs after conversion to GGUF, so
    // the window opens the conversion wizard on `folder` (its config.json's folder).
    void conversionSuggested(const QString& folder);
    void removed(qint64 modelId);

  private:
    struct Row {
        app::ModelRecord record;
        QString displayName;  // general.name, or the file name when several share that name
        double linearBits = 0;
        qint64 estimatedBytes = 0;
        int layers = 0;
        bool missing = false;
    };
    void inspectAsync(const QStringList& paths, bool quiet);
    QPair<QString, int> fits(const Row& row) const;
    void setBusy(int delta);

    StudioContext& ctx_;
    SettingsModel& settings_;
    QList<Row> rows_;
    int busy_ = 0;
};

}  // namespace lowbit::ui
