#include "model_library.h"

#include <QDesktopServices>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtConcurrent/QtConcurrentRun>

#include "chat/chat_template.h"
#include "settings_model.h"
#include "storage/storage_error.h"
#include "studio_context.h"

namespace lowbit::ui {
namespace {

struct InspectResult {
    QList<app::ModelFacts> facts;
    QStringList errors;
};

QString localPath(const QVariant& v) {
    const QUrl url = v.toUrl();
    if (url.isLocalFile()) return url.toLocalFile();
    const QString s = v.toString();
    if (s.startsWith(QLatin1String("file:"))) return QUrl(s).toLocalFile();
    return s;
}

}  // namespace

ModelLibrary::ModelLibrary(StudioContext& ctx, SettingsModel& settings, QObject* parent)
    : QAbstractListModel(parent), ctx_(ctx), settings_(settings) {
    refresh();
    // The fit column depends on the device list, which arrives asynchronously.
    connect(&settings_, &SettingsModel::devicesChanged, this, [this] {
        if (!rows_.isEmpty())
            emit dataChanged(index(0), index(int(rows_.size()) - 1), {FitsTextRole, FitsLevelRole});
    });
}

int ModelLibrary::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

QPair<QString, int> ModelLibrary::fits(const Row& row) const {
    if (row.estimatedBytes <= 0) return {tr("Unknown memory need"), 1};
    const QString need = app::formatBytes(row.estimatedBytes);
    // A GPU that holds it is the better place; otherwise system memory.
    for (const QVariant& v : settings_.devices()) {
        const QVariantMap d = v.toMap();
        if (d.value(QStringLiteral("kind")) != QLatin1String("gpu") ||
            !d.value(QStringLiteral("usable")).toBool())
            continue;
        const qint64 room = d.value(QStringLiteral("available")).toLongLong() > 0
                                ? d.value(QStringLiteral("available")).toLongLong()
                                : d.value(QStringLiteral("memory")).toLongLong();
        if (room >= row.estimatedBytes) {
            return {tr("Fits on %1 · needs ≈ %2").arg(d.value(QStringLiteral("name")).toString(), need), 0};
        }
    }
    const app::SystemMemory mem = app::systemMemory();
    if (mem.totalBytes == 0) return {tr("Needs ≈ %1").arg(need), 1};
    if (row.estimatedBytes <= mem.availableBytes) {
        return {tr("Fits in RAM · needs ≈ %1 of %2 free").arg(need, app::formatBytes(mem.availableBytes)), 0};
    }
    if (row.estimatedBytes <= mem.totalBytes) {
        return {tr("Tight: needs ≈ %1, %2 free of %3 RAM")
                    .arg(need, app::formatBytes(mem.availableBytes), app::formatBytes(mem.totalBytes)),
                1};
    }
    return {tr("Too large: needs ≈ %1, this machine has %2 RAM").arg(need, app::formatBytes(mem.totalBytes)),
            2};
}

QVariant ModelLibrary::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size()) return {};
    const Row& row = rows_[index.row()];
    const app::ModelRecord& m = row.record;
    switch (role) {
        case ModelIdRole:
            return m.id;
        case Qt::DisplayRole:
        case NameRole:
            return row.displayName;
        case PathRole:
            return m.path;
        case FileNameRole:
            return QFileInfo(m.path).fileName();
        case FolderRole:
            return QDir::toNativeSeparators(QFileInfo(m.path).absolutePath());
        case ArchitectureRole:
            return m.architecture.isEmpty() ? tr("unknown") : m.architecture;
        case ParamsRole:
            return m.nParams ? app::formatCount(m.nParams) : tr("?");
        case WeightTypesRole:
            return m.weightTypes;
        case BitsPerWeightRole:
            return m.bitsPerWeight > 0 ? QString::number(m.bitsPerWeight, 'f', 2) : QString();
        case LinearBitsRole:
            return row.linearBits > 0 ? QString::number(row.linearBits, 'f', 2) : QString();
        case FileSizeRole:
            return app::formatBytes(m.fileSize);
        case ContextRole:
            return m.contextLength;
        case FormatRole: {
            app::chat::Family f;
            return app::chat::familyFromKey(m.templateFamily.toStdString(), &f)
                       ? QString::fromUtf8(app::chat::familyName(f))
                       : QString();
        }
        case FitsTextRole:
            return row.missing ? tr("File missing") : fits(row).first;
        case FitsLevelRole:
            return row.missing ? 2 : fits(row).second;
        case MissingRole:
            return row.missing;
        case LayersRole:
            return row.layers;
    }
    return {};
}

QHash<int, QByteArray> ModelLibrary::roleNames() const {
    return {{ModelIdRole, "modelId"},
            {NameRole, "name"},
            {PathRole, "path"},
            {FileNameRole, "fileName"},
            {FolderRole, "folder"},
            {ArchitectureRole, "architecture"},
            {ParamsRole, "params"},
            {WeightTypesRole, "weightTypes"},
            {BitsPerWeightRole, "bitsPerWeight"},
            {LinearBitsRole, "linearBits"},
            {FileSizeRole, "fileSize"},
            {ContextRole, "contextLength"},
            {FormatRole, "format"},
            {FitsTextRole, "fitsText"},
            {FitsLevelRole, "fitsLevel"},
            {MissingRole, "missing"},
            {LayersRole, "layers"}};
}

QString ModelLibrary::totalSizeText() const {
    qint64 total = 0;
    for (const Row& r : rows_) total += r.record.fileSize;
    return app::formatBytes(total);
}

QString ModelLibrary::displayName(const app::ModelRecord& model, const QList<app::ModelRecord>& all) {
    int uses = 0;
    for (const app::ModelRecord& m : all) uses += m.name == model.name ? 1 : 0;
    return uses > 1 ? QFileInfo(model.path).completeBaseName() : model.name;
}

void ModelLibrary::refresh() {
    QList<app::ModelRecord> records;
    try {
        records = ctx_.storage->models().listModels();
    } catch (const app::StorageError& e) {
        emit importFailed(e.message());
        return;
    }
    QList<Row> rows;
    for (const app::ModelRecord& r : records) {
        Row row;
        row.record = r;
        const QJsonObject d = QJsonDocument::fromJson(r.details.toUtf8()).object();
        row.linearBits = d.value(QStringLiteral("linear_bits_per_weight")).toDouble();
        row.estimatedBytes = qint64(d.value(QStringLiteral("estimated_bytes")).toDouble());
        row.layers = d.value(QStringLiteral("layers")).toInt();
        row.missing = !QFileInfo::exists(r.path);
        row.displayName = displayName(r, records);
        rows << row;
    }
    const bool countChange = rows.size() != rows_.size();
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
    if (countChange) emit countChanged();
}

void ModelLibrary::setBusy(int delta) {
    busy_ += delta;
    emit busyChanged();
}

void ModelLibrary::inspectAsync(const QStringList& paths, bool quiet) {
    if (paths.isEmpty()) return;
    setBusy(1);
    auto* watcher = new QFutureWatcher<InspectResult>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, quiet] {
        const InspectResult result = watcher->result();
        watcher->deleteLater();
        for (const app::ModelFacts& f : result.facts) {
            try {
                const qint64 id = ctx_.storage->models().upsert(f.record);
                if (!quiet) emit imported(id, f.record.name);
            } catch (const app::StorageError& e) {
                emit importFailed(e.message());
            }
        }
        if (!quiet) {
            for (const QString& e : result.errors) emit importFailed(e);
        }
        refresh();
        setBusy(-1);
    });
    watcher->setFuture(QtConcurrent::run([paths] {
        InspectResult r;
        for (const QString& p : paths) {
            try {
                r.facts << app::inspectModel(p);
            } catch (const app::EngineError& e) {
                r.errors << e.message();
            } catch (const std::exception& e) {
                r.errors << QString::fromStdString(e.what());
            }
        }
        return r;
    }));
}

void ModelLibrary::importUrls(const QVariantList& urls) {
    QStringList paths;
    // A Hugging Face model folder: config.json beside .safetensors weights.
    auto isHfFolder = [](const QDir& dir) {
        return dir.exists(QStringLiteral("config.json")) &&
               !dir.entryList({QStringLiteral("*.safetensors")}, QDir::Files).isEmpty();
    };
    for (const QVariant& v : urls) {
        const QString p = localPath(v);
        if (p.isEmpty()) continue;
        const QFileInfo fi(p);
        const bool safetensors = fi.suffix().compare(QLatin1String("safetensors"), Qt::CaseInsensitive) == 0;
        if (fi.isDir() && isHfFolder(QDir(fi.absoluteFilePath()))) {
            emit conversionSuggested(fi.absoluteFilePath());
        } else if (safetensors && isHfFolder(fi.absoluteDir())) {
            emit conversionSuggested(fi.absolutePath());
        } else if (safetensors) {
            emit importFailed(
                tr("%1 has no config.json beside it. A Hugging Face model folder (config.json, "
                   "tokenizer, .safetensors weights) can be converted to GGUF on the Convert page.")
                    .arg(fi.fileName()));
        } else if (fi.isDir()) {
            emit importFailed(tr("%1 is a folder; import the .gguf file inside it.").arg(fi.fileName()));
        } else if (fi.suffix().compare(QLatin1String("gguf"), Qt::CaseInsensitive) != 0) {
            emit importFailed(tr("%1 is not a GGUF model (.gguf).").arg(fi.fileName()));
        } else {
            paths << fi.absoluteFilePath();
        }
    }
    inspectAsync(paths, false);
}

bool ModelLibrary::remove(qint64 modelId, bool deleteFile) {
    const int row = indexOf(modelId);
    if (row < 0) return false;
    const QString path = rows_[row].record.path;
    if (deleteFile && QFileInfo::exists(path)) {
        QFile file(path);
        if (!file.moveToTrash()) {
            emit importFailed(
                tr("Could not move %1 to the trash: %2").arg(QFileInfo(path).fileName(), file.errorString()));
            return false;
        }
    }
    try {
        ctx_.storage->models().remove(modelId);
    } catch (const app::StorageError& e) {
        emit importFailed(e.message());
        return false;
    }
    beginRemoveRows({}, row, row);
    rows_.removeAt(row);
    endRemoveRows();
    emit countChanged();
    emit removed(modelId);
    return true;
}

bool ModelLibrary::openContainingFolder(qint64 modelId) {
    const int row = indexOf(modelId);
    if (row < 0) return false;
    return QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(rows_[row].record.path).absolutePath()));
}

void ModelLibrary::scanModelsFolder() {
    const QString folder = settings_.modelsFolder();
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) {
        refresh();
        return;
    }
    QHash<QString, const Row*> known;
    for (const Row& r : rows_) known.insert(r.record.path, &r);
    QStringList todo;
    QDirIterator it(folder, {QStringLiteral("*.gguf")}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QFileInfo fi(it.next());
        const Row* k = known.value(fi.absoluteFilePath());
        if (!k || k->record.fileSize != fi.size() ||
            k->record.fileMtime != fi.lastModified().toMSecsSinceEpoch()) {
            todo << fi.absoluteFilePath();
        }
    }
    refresh();
    inspectAsync(todo, true);
}

int ModelLibrary::indexOf(qint64 modelId) const {
    for (int i = 0; i < rows_.size(); ++i) {
        if (rows_[i].record.id == modelId) return i;
    }
    return -1;
}

QVariantMap ModelLibrary::get(int row) const {
    QVariantMap out;
    if (row < 0 || row >= rows_.size()) return out;
    const auto names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it)
        out.insert(QString::fromUtf8(it.value()), data(index(row), it.key()));
    return out;
}

}  // namespace lowbit::ui
