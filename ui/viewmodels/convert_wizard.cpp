#include "convert_wizard.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>

#include "download/units.h"
#include "library_registration.h"
#include "lowbit/convert.h"
#include "lowbit/error.h"
#include "model_library.h"
#include "settings_model.h"
#include "studio_context.h"

namespace lowbit::ui {
namespace {

// The targets the wizard offers, in the order shown, with a label for people.
struct TargetChoice {
    const char* name;
    const char* label;
    const char* family;  // "ternary", "1-bit", "reference"
    double bits;         // nominal bits per weight of the converted matrices
};
constexpr TargetChoice kChoices[] = {
    {"tq2_0", "TQ2_0", "ternary", 2.0625}, {"tq1_0", "TQ1_0", "ternary", 1.6875},
    {"i2_s", "I2_S", "ternary", 2.0},      {"onebit", "OneBit", "1-bit", 1.0},
    {"binary", "Binary", "1-bit", 1.0},    {"q4_0", "Q4_0", "reference", 4.5},
    {"q8_0", "Q8_0", "reference", 8.5},
};

const TargetChoice* findChoice(const QString& name) {
    for (const TargetChoice& c : kChoices) {
        if (name == QLatin1String(c.name)) return &c;
    }
    return nullptr;
}

QString localPath(const QUrl& url) {
    return url.isLocalFile() ? url.toLocalFile() : url.toString();
}

QString stateKey(ConvertJob::State s) {
    switch (s) {
        case ConvertJob::State::Waiting:
            return QStringLiteral("waiting");
        case ConvertJob::State::Running:
            return QStringLiteral("running");
        case ConvertJob::State::Done:
            return QStringLiteral("done");
        case ConvertJob::State::Failed:
            return QStringLiteral("failed");
        case ConvertJob::State::Cancelled:
            return QStringLiteral("cancelled");
    }
    return {};
}

QString stageText(const ConvertProgress& p) {
    switch (p.stage) {
        case ConvertStage::Preparing:
            return QObject::tr("Reading the source…");
        case ConvertStage::Converting:
            return QObject::tr("Converting tensor %1 of %2 · %3")
                .arg(std::min(p.tensor_index + 1, p.n_tensors))
                .arg(p.n_tensors)
                .arg(QString::fromStdString(p.tensor_name));
        case ConvertStage::MeasuringSource:
            return QObject::tr("Measuring the source's perplexity · window %1 of %2")
                .arg(p.ppl_chunk)
                .arg(p.ppl_chunks);
        case ConvertStage::MeasuringResult:
            return QObject::tr("Measuring the result's perplexity · window %1 of %2")
                .arg(p.ppl_chunk)
                .arg(p.ppl_chunks);
        case ConvertStage::Done:
            return QObject::tr("Finishing…");
    }
    return {};
}

}  // namespace

// ---- ConvertJobList ----------------------------------------------------------------------

int ConvertJobList::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(jobs_.size());
}

QVariant ConvertJobList::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= jobs_.size()) return {};
    const ConvertJob& j = jobs_[index.row()];
    const bool hasPpl = j.pplSource > 0 && j.pplResult > 0;
    switch (role) {
        case TargetRole:
            return j.target;
        case Qt::DisplayRole:
        case LabelRole:
            return j.label;
        case StateRole:
            return stateKey(j.state);
        case FractionRole:
            return j.fraction;
        case StageRole:
            return j.stage;
        case OutputPathRole:
            return j.outputPath;
        case FileNameRole:
            return QFileInfo(j.outputPath).fileName();
        case OutputBytesRole:
            return j.outputBytes;
        case OutputSizeRole:
            return j.outputBytes > 0 ? app::humanBytes(j.outputBytes) : QString();
        case BitsPerWeightRole:
            return j.bitsPerWeight;
        case TargetBitsPerWeightRole:
            return j.targetBitsPerWeight;
        case HasPplRole:
            return hasPpl;
        case PplSourceRole:
            return j.pplSource;
        case PplResultRole:
            return j.pplResult;
        case PplChangeRole:
            return hasPpl ? 100.0 * (j.pplResult / j.pplSource - 1.0) : 0.0;
        case WarningRole:
            return j.warning;
        case WarningLevelRole:
            return j.warningLevel;
        case ErrorRole:
            return j.error;
        case ModelIdRole:
            return j.modelId;
        case MethodRole:
            return j.method;
        case SecondsRole:
            return j.seconds;
    }
    return {};
}

QHash<int, QByteArray> ConvertJobList::roleNames() const {
    return {{TargetRole, "target"},
            {LabelRole, "label"},
            {StateRole, "jobState"},
            {FractionRole, "fraction"},
            {StageRole, "stage"},
            {OutputPathRole, "outputPath"},
            {FileNameRole, "fileName"},
            {OutputBytesRole, "outputBytes"},
            {OutputSizeRole, "outputSize"},
            {BitsPerWeightRole, "bitsPerWeight"},
            {TargetBitsPerWeightRole, "targetBitsPerWeight"},
            {HasPplRole, "hasPpl"},
            {PplSourceRole, "pplSource"},
            {PplResultRole, "pplResult"},
            {PplChangeRole, "pplChange"},
            {WarningRole, "warning"},
            {WarningLevelRole, "warningLevel"},
            {ErrorRole, "error"},
            {ModelIdRole, "modelId"},
            {MethodRole, "method"},
            {SecondsRole, "seconds"}};
}

QVariantMap ConvertJobList::get(int row) const {
    QVariantMap out;
    if (row < 0 || row >= jobs_.size()) return out;
    const auto names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it)
        out.insert(QString::fromUtf8(it.value()), data(index(row), it.key()));
    return out;
}

void ConvertJobList::reset(QList<ConvertJob> jobs) {
    const bool countChange = jobs.size() != jobs_.size();
    beginResetModel();
    jobs_ = std::move(jobs);
    endResetModel();
    if (countChange) emit countChanged();
}

void ConvertJobList::changed(int row) {
    emit dataChanged(index(row), index(row));
}

// ---- ConvertWizard -----------------------------------------------------------------------

// What the worker needs, copied once so it never reads the wizard's members.
struct ConvertWizard::RunSpec {
    std::string input;
    HighPrecisionPolicy keep;
    std::string keepText;
    std::string calibrationText;
    QString calibrationSource;  // "sample", a file path, or empty
    int ctx = 0;
    int chunks = -1;
    int threads = 0;
    QList<QPair<ConvertTarget, QString>> jobs;  // target, output path
};

ConvertWizard::ConvertWizard(StudioContext& ctx, SettingsModel& settings, ModelLibrary& library,
                             QObject* parent)
    : QObject(parent), ctx_(ctx), settings_(settings), library_(library), jobs_(this) {
    refreshLibraryChoices();
    connect(&library_, &QAbstractItemModel::modelReset, this, &ConvertWizard::refreshLibraryChoices);
    connect(&library_, &QAbstractItemModel::rowsRemoved, this, &ConvertWizard::refreshLibraryChoices);
    targets_ = {QStringLiteral("tq2_0")};
}

ConvertWizard::~ConvertWizard() {
    cancel_.store(true);
    if (thread_.joinable()) thread_.join();
}

void ConvertWizard::refreshLibraryChoices() {
    QVariantList out;
    for (int row = 0; row < library_.rowCount(); ++row) {
        const QVariantMap m = library_.get(row);
        if (m.value(QStringLiteral("missing")).toBool()) continue;
        out << QVariantMap{
            {QStringLiteral("name"), m.value(QStringLiteral("name"))},
            {QStringLiteral("path"), m.value(QStringLiteral("path"))},
            {QStringLiteral("detail"), QStringLiteral("%1 · %2 · %3 bits")
                                           .arg(m.value(QStringLiteral("params")).toString(),
                                                m.value(QStringLiteral("fileSize")).toString(),
                                                m.value(QStringLiteral("bitsPerWeight")).toString())}};
    }
    if (out == libraryChoices_) return;
    libraryChoices_ = out;
    emit libraryChoicesChanged();
}

void ConvertWizard::setSourcePath(const QString& path) {
    const QString abs = path.isEmpty() ? QString() : QFileInfo(path).absoluteFilePath();
    QString kind, description;
    const QFileInfo fi(abs);
    if (abs.isEmpty()) {
        description = tr("Pick a model from the library, a GGUF file or a Hugging Face model folder.");
    } else if (!fi.exists()) {
        description = tr("%1 does not exist.").arg(QDir::toNativeSeparators(abs));
    } else if (fi.isDir()) {
        const QDir dir(abs);
        const QStringList shards = dir.entryList({QStringLiteral("*.safetensors")}, QDir::Files);
        if (!dir.exists(QStringLiteral("config.json")))
            description = tr("This folder has no config.json: it is not a Hugging Face model folder.");
        else if (shards.isEmpty())
            description = tr("This folder has no .safetensors weights.");
        else if (!dir.exists(QStringLiteral("tokenizer.json")) &&
                 !dir.exists(QStringLiteral("tokenizer.model")))
            description = tr("This folder has no tokenizer (tokenizer.json or tokenizer.model).");
        else {
            qint64 bytes = 0;
            for (const QString& s : shards) bytes += QFileInfo(dir.filePath(s)).size();
            kind = QStringLiteral("folder");
            description =
                tr("Hugging Face model folder · %n safetensors file(s) · %1", nullptr, int(shards.size()))
                    .arg(app::humanBytes(bytes));
        }
    } else if (fi.suffix().compare(QLatin1String("gguf"), Qt::CaseInsensitive) != 0) {
        description = tr("%1 is neither a GGUF file nor a model folder.").arg(fi.fileName());
    } else {
        kind = QStringLiteral("gguf");
        description = tr("GGUF file · %1").arg(app::humanBytes(fi.size()));
    }
    if (abs == sourcePath_ && kind == sourceKind_ && description == sourceDescription_) return;
    sourcePath_ = abs;
    sourceKind_ = kind;
    sourceDescription_ = description;
    emit sourceChanged();
    updateEstimates();
}

QVariantMap ConvertWizard::planEstimates(const QString& source, const QString& keepPolicy) {
    QVariantMap estimates;
    ConvertOptions o;
    o.input = source.toStdString();
    o.output = QDir(QDir::tempPath())
                   .filePath(QStringLiteral("lowbit-estimate.gguf"))
                   .toStdString();  // never written
    try {
        o.keep = HighPrecisionPolicy::parse(keepPolicy.toStdString());
    } catch (const Error&) {
        return {};  // an unreadable policy is reported when the conversion starts
    }
    std::vector<ConvertTarget> targets;
    QStringList names;  // the cards' names, in the targets' order
    for (const TargetChoice& c : kChoices)
        if (const auto target = convert_target_from_name(c.name)) {
            targets.push_back(*target);
            names << QString::fromLatin1(c.name);
        }
    std::vector<TargetPlan> plans;
    try {
        // Opens the source once and plans every tensor's type and size per target; reads no weights.
        plans = plan_conversions(o, targets);
    } catch (const Error& err) {  // the source cannot be opened: every card says why
        for (const ConvertTarget t : targets) plans.push_back({t, std::nullopt, err.what()});
    }
    for (size_t i = 0; i < plans.size(); ++i) {
        const TargetPlan& tp = plans[i];
        const QString& name = names[qsizetype(i)];
        if (!tp.plan) {
            estimates.insert(name, QVariantMap{{QStringLiteral("error"), QString::fromStdString(tp.error)}});
            continue;
        }
        const ConvertPlan& plan = *tp.plan;
        const auto bytes = static_cast<qint64>(plan.expected_output_bytes);
        estimates.insert(
            name,
            QVariantMap{{QStringLiteral("bytes"), bytes},
                        {QStringLiteral("size"), app::humanBytes(bytes)},
                        {QStringLiteral("bitsPerWeight"), plan.output_bits_per_weight},
                        {QStringLiteral("targetBitsPerWeight"), plan.target_bits_per_weight},
                        // Same two figures as the summary after converting: the converted layers'
                        // bits/weight and the whole file's (kept tensors included).
                        {QStringLiteral("text"),
                         plan.target_params > 0
                             ? tr("≈ %1 · %2 bits/weight in converted layers, %3 overall")
                                   .arg(app::humanBytes(bytes))
                                   .arg(plan.target_bits_per_weight, 0, 'f', 2)
                                   .arg(plan.output_bits_per_weight, 0, 'f', 2)
                             : tr("≈ %1 · nothing converted with this policy").arg(app::humanBytes(bytes))}});
    }
    return estimates;
}

void ConvertWizard::updateEstimates() {
    // Planning opens the source once per target (a big Hugging Face folder's headers and
    // tokenizer.json take a while), so it runs on the thread pool; a newer request makes the
    // answer of an older one stale, and it is dropped.
    const quint64 request = ++estimateRequest_;
    targetEstimates_.clear();
    estimating_ = sourceValid();
    emit estimatesChanged();
    if (!estimating_) return;
    auto* watcher = new QFutureWatcher<QVariantMap>(this);
    connect(watcher, &QFutureWatcher<QVariantMap>::finished, this, [this, watcher, request] {
        watcher->deleteLater();
        if (request != estimateRequest_) return;
        targetEstimates_ = watcher->result();
        estimating_ = false;
        emit estimatesChanged();
    });
    // Only copies go to the worker: the wizard may be gone before it finishes.
    watcher->setFuture(QtConcurrent::run(&ConvertWizard::planEstimates, sourcePath_, keepPolicy_));
}

void ConvertWizard::setSourceUrl(const QUrl& url) {
    setSourcePath(localPath(url));
}

QVariantList ConvertWizard::targetChoices() const {
    QVariantList out;
    for (const TargetChoice& c : kChoices) {
        const auto t = convert_target_from_name(c.name);
        out << QVariantMap{
            {QStringLiteral("name"), QString::fromLatin1(c.name)},
            {QStringLiteral("label"), QString::fromLatin1(c.label)},
            {QStringLiteral("family"), QString::fromLatin1(c.family)},
            {QStringLiteral("bits"), c.bits},
            {QStringLiteral("description"),
             t ? QString::fromUtf8(convert_target_info(*t).description.data(),
                                   qsizetype(convert_target_info(*t).description.size()))
               : QString()},
            {QStringLiteral("llamaCppLoads"), t ? convert_target_info(*t).llama_cpp_loads : false}};
    }
    return out;
}

void ConvertWizard::setTargets(const QStringList& names) {
    QStringList clean;
    // Keep the wizard's order, whatever order they were picked in.
    for (const TargetChoice& c : kChoices) {
        if (names.contains(QLatin1String(c.name))) clean << QString::fromLatin1(c.name);
    }
    if (clean == targets_) return;
    targets_ = clean;
    emit targetsChanged();
}

void ConvertWizard::setTargetSelected(const QString& name, bool selected) {
    QStringList t = targets_;
    t.removeAll(name);
    if (selected) t << name;
    setTargets(t);
}

void ConvertWizard::setKeepPolicy(const QString& policy) {
    if (policy == keepPolicy_) return;
    keepPolicy_ = policy;
    emit settingsChanged();
    updateEstimates();
}

void ConvertWizard::setCalibrationMode(const QString& mode) {
    if (mode == calibrationMode_) return;
    calibrationMode_ = mode;
    emit settingsChanged();
}

void ConvertWizard::setCalibrationFile(const QString& path) {
    if (path == calibrationFile_) return;
    calibrationFile_ = path;
    if (!path.isEmpty()) calibrationMode_ = QStringLiteral("file");
    emit settingsChanged();
}

void ConvertWizard::setCalibrationFileUrl(const QUrl& url) {
    setCalibrationFile(localPath(url));
}

void ConvertWizard::setCalibrationCtx(int n) {
    n = std::clamp(n, 8, 8192);
    if (n == calibrationCtx_) return;
    calibrationCtx_ = n;
    emit settingsChanged();
}

void ConvertWizard::setCalibrationChunks(int n) {
    n = std::max(0, n);
    if (n == calibrationChunks_) return;
    calibrationChunks_ = n;
    emit settingsChanged();
}

QString ConvertWizard::outputFolder() const {
    return outputFolder_.isEmpty() ? QDir(settings_.modelsFolder()).filePath(QStringLiteral("converted"))
                                   : outputFolder_;
}

void ConvertWizard::setOutputFolder(const QString& path) {
    if (path == outputFolder_) return;
    outputFolder_ = path;
    emit settingsChanged();
}

void ConvertWizard::setOutputFolderUrl(const QUrl& url) {
    setOutputFolder(localPath(url));
}

void ConvertWizard::setError(const QString& e) {
    if (e == error_) return;
    error_ = e;
    emit errorChanged();
}

QString ConvertWizard::sampleText() {
    QFile f(QStringLiteral(":/calibration/sample.txt"));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

QString ConvertWizard::uniqueOutputPath(const QString& target, const QStringList& taken) const {
    QString base = QFileInfo(sourcePath_).fileName();
    if (base.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive)) base.chop(5);
    const QDir dir(outputFolder());
    for (int n = 1;; ++n) {
        const QString name = n == 1 ? QStringLiteral("%1-%2.gguf").arg(base, target)
                                    : QStringLiteral("%1-%2-%3.gguf").arg(base, target).arg(n);
        const QString path = dir.filePath(name);
        if (!QFileInfo::exists(path) && !taken.contains(path)) return path;
    }
}

bool ConvertWizard::start() {
    if (running_) return false;
    if (!sourceValid()) {
        setError(sourceDescription_.isEmpty() ? tr("Pick a source model first.") : sourceDescription_);
        return false;
    }
    if (targets_.isEmpty()) {
        setError(tr("Pick at least one target format."));
        return false;
    }
    auto spec = std::make_shared<RunSpec>();
    spec->input = sourcePath_.toStdString();
    try {
        spec->keep = HighPrecisionPolicy::parse(keepPolicy_.toStdString());
        spec->keepText = spec->keep.to_string();
    } catch (const Error& e) {
        setError(tr("What stays high-precision: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    if (calibrationMode_ == QLatin1String("sample")) {
        spec->calibrationText = sampleText().toStdString();
        spec->calibrationSource = QStringLiteral("sample");
    } else if (calibrationMode_ == QLatin1String("file")) {
        QFile f(calibrationFile_);
        if (calibrationFile_.isEmpty() || !f.open(QIODevice::ReadOnly)) {
            setError(
                calibrationFile_.isEmpty()
                    ? tr("Choose a calibration text file, or pick the bundled sample.")
                    : tr("Cannot read %1: %2").arg(QFileInfo(calibrationFile_).fileName(), f.errorString()));
            return false;
        }
        spec->calibrationText = f.readAll().toStdString();
        spec->calibrationSource = QFileInfo(calibrationFile_).absoluteFilePath();
        if (spec->calibrationText.empty()) {
            setError(tr("%1 is empty.").arg(QFileInfo(calibrationFile_).fileName()));
            return false;
        }
    }
    spec->ctx = calibrationCtx_;
    spec->chunks = calibrationChunks_ > 0 ? calibrationChunks_ : -1;
    spec->threads = settings_.threads();
    if (!QDir().mkpath(outputFolder())) {
        setError(tr("Cannot create the folder %1.").arg(QDir::toNativeSeparators(outputFolder())));
        return false;
    }
    QList<ConvertJob> jobs;
    QStringList taken;
    for (const QString& name : targets_) {
        const auto target = convert_target_from_name(name.toStdString());
        const TargetChoice* choice = findChoice(name);
        if (!target || !choice) continue;
        ConvertJob job;
        job.target = name;
        job.label = QString::fromLatin1(choice->label);
        job.stage = tr("Waiting");
        job.outputPath = uniqueOutputPath(name, taken);
        taken << job.outputPath;
        spec->jobs << qMakePair(*target, job.outputPath);
        jobs << job;
    }
    setError({});
    if (thread_.joinable()) thread_.join();  // the previous run's worker has already returned
    jobs_.reset(jobs);
    spec_ = spec;
    cancel_.store(false);
    running_ = true;
    finished_ = false;
    workerDone_ = false;
    pendingRegistrations_ = 0;
    emit runningChanged();
    thread_ = std::thread([this, spec] { worker(spec); });
    return true;
}

void ConvertWizard::cancel() {
    if (!running_ || cancel_.load()) return;
    cancel_.store(true);
    emit runningChanged();
}

void ConvertWizard::clearResults() {
    if (running_) return;
    jobs_.reset({});
    finished_ = false;
    setError({});
    emit runningChanged();
}

// Runs on the worker thread: touches only `spec`, the cancel flag, and posts to the GUI thread.
void ConvertWizard::worker(std::shared_ptr<const RunSpec> spec) {
    auto post = [this](auto fn) { QMetaObject::invokeMethod(this, std::move(fn), Qt::QueuedConnection); };
    // The source's figure is the same for every target: measure it once, with the first target.
    std::optional<PerplexityFigure> sourcePpl;
    for (int row = 0; row < spec->jobs.size(); ++row) {
        if (cancel_.load()) {
            post([this, row] { onJobFailed(row, {}, true); });
            continue;
        }
        post([this, row] { onJobStarted(row); });
        ConvertOptions o;
        o.input = spec->input;
        o.output = spec->jobs[row].second.toStdString();
        o.target = spec->jobs[row].first;
        o.keep = spec->keep;
        o.calibration_text = spec->calibrationText;
        o.calibration_ctx = spec->ctx;
        o.calibration_max_chunks = spec->chunks;
        o.threads = spec->threads;
        o.source_ppl = sourcePpl;
        o.cancel = &cancel_;
        // At most one update per percent, tensor or window: the GUI thread stays responsive.
        double lastFraction = -1;
        int lastTensor = -1, lastChunk = -1;
        ConvertStage lastStage = ConvertStage::Done;
        o.on_progress = [&](const ConvertProgress& p) {
            if (probe_ && probe_(row, p)) cancel_.store(true);
            if (p.stage == lastStage && p.tensor_index == lastTensor && p.ppl_chunk == lastChunk &&
                p.fraction - lastFraction < 0.01)
                return;
            lastStage = p.stage;
            lastTensor = p.tensor_index;
            lastChunk = p.ppl_chunk;
            lastFraction = p.fraction;
            post([this, row, f = p.fraction, s = stageText(p)] { onJobProgress(row, f, s); });
        };
        try {
            ConvertSummary summary = convert_model(o);
            if (!sourcePpl) sourcePpl = summary.ppl_source;
            post([this, row, summary = std::move(summary)] { onJobDone(row, summary); });
        } catch (const CancelledError&) {
            post([this, row] { onJobFailed(row, {}, true); });
        } catch (const std::exception& e) {
            post([this, row, msg = QString::fromUtf8(e.what())] { onJobFailed(row, msg, false); });
        }
    }
    post([this] { onWorkerFinished(); });
}

void ConvertWizard::onJobStarted(int row) {
    if (row >= jobs_.count()) return;
    ConvertJob& j = jobs_.at(row);
    j.state = ConvertJob::State::Running;
    j.stage = tr("Reading the source…");
    jobs_.changed(row);
}

void ConvertWizard::onJobProgress(int row, double fraction, const QString& stage) {
    if (row >= jobs_.count()) return;
    ConvertJob& j = jobs_.at(row);
    if (j.state != ConvertJob::State::Running) return;
    j.fraction = fraction;
    j.stage = stage;
    jobs_.changed(row);
}

QPair<QString, int> ConvertWizard::qualityWarning(bool nativeTernarySource, const QString& target,
                                                  bool lowBitTarget, double pplSource, double pplResult) {
    const QString name = target.toUpper();
    if (pplSource <= 0 || pplResult <= 0 || !std::isfinite(pplSource) || !std::isfinite(pplResult)) {
        if (lowBitTarget && !nativeTernarySource) {
            return {tr("Quality was not measured (no calibration text). Converting a model that was not "
                       "trained ternary to %1 after training usually loses much quality; add a calibration "
                       "text to see how much.")
                        .arg(name),
                    1};
        }
        return {tr("Quality was not measured (no calibration text)."), 0};
    }
    const double change = pplResult / pplSource - 1.0;
    // Untrained (random) models reach perplexities in the millions: keep those short.
    auto ppl = [](double v) { return v >= 1e4 ? QString::number(v, 'g', 4) : QString::number(v, 'f', 2); };
    const QString figures = tr("perplexity %1 → %2 (%3%4%)")
                                .arg(ppl(pplSource), ppl(pplResult))
                                .arg(change >= 0 ? QStringLiteral("+") : QString())
                                .arg(100.0 * change, 0, 'f', 1);
    if (nativeTernarySource && change <= 0.05) {
        return {tr("The source was trained ternary (BitNet b1.58), so %1 keeps its quality: %2.")
                    .arg(name, figures),
                0};
    }
    if (change > 1.0) {
        if (nativeTernarySource) {
            return {tr("Large quality loss: %1. The source is ternary; %2 stores fewer levels than it was "
                       "trained with.")
                        .arg(figures, name),
                    2};
        }
        return {tr("Large quality loss: %1. Post-training %2 of a model that was not trained for it loses "
                   "much quality, as the BitNet b1.58 and OneBit papers report; models trained ternary from "
                   "the start (such as BitNet b1.58 2B4T) do not.")
                    .arg(figures, lowBitTarget ? tr("ternarization or binarization") : tr("quantization")),
                2};
    }
    if (change > 0.10) return {tr("Noticeable quality loss: %1.").arg(figures), 1};
    return {tr("Quality close to the source: %1.").arg(figures), 0};
}

QString ConvertWizard::lineageJson(const ConvertJob& job, const ConvertSummary& s) const {
    const RunSpec& spec = *spec_;
    QJsonObject source{{QStringLiteral("path"), QString::fromStdString(s.input)},
                       {QStringLiteral("format"), QString::fromStdString(s.source_format)},
                       {QStringLiteral("model_name"), QString::fromStdString(s.model_name)},
                       {QStringLiteral("architecture"), QString::fromStdString(s.architecture)},
                       {QStringLiteral("native_ternary"), s.native_ternary_source},
                       {QStringLiteral("bytes"), double(s.source_bytes)}};
    if (const auto m = ctx_.storage->models().modelByPath(QString::fromStdString(s.input))) {
        source.insert(QStringLiteral("model_id"), m->id);
        const QJsonObject from = QJsonDocument::fromJson(m->lineage.toUtf8()).object();
        if (from.contains(QStringLiteral("repo"))) source.insert(QStringLiteral("repo"), from.value("repo"));
    }
    QJsonObject calibration;
    if (!spec.calibrationText.empty()) {
        calibration = {{QStringLiteral("text"), spec.calibrationSource},
                       {QStringLiteral("ctx"), spec.ctx},
                       {QStringLiteral("max_chunks"), spec.chunks}};
    }
    QJsonObject figures{{QStringLiteral("output_bytes"), double(s.output_bytes)},
                        {QStringLiteral("bits_per_weight"), s.output_bits_per_weight},
                        {QStringLiteral("target_bits_per_weight"), s.target_bits_per_weight}};
    if (s.ppl_source) figures.insert(QStringLiteral("ppl_source"), s.ppl_source->ppl);
    if (s.ppl_output) figures.insert(QStringLiteral("ppl_result"), s.ppl_output->ppl);
    QJsonObject settings{{QStringLiteral("keep_high_precision"), QString::fromStdString(spec.keepText)},
                         {QStringLiteral("calibration"), calibration}};
    const QJsonObject lineage{
        {QStringLiteral("kind"), QStringLiteral("conversion")},
        {QStringLiteral("source"), source},
        {QStringLiteral("method"), QString::fromStdString(s.method)},
        {QStringLiteral("target"), job.target},
        {QStringLiteral("settings"), settings},
        {QStringLiteral("figures"), figures},
        {QStringLiteral("created_at"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)}};
    return QString::fromUtf8(QJsonDocument(lineage).toJson(QJsonDocument::Compact));
}

void ConvertWizard::onJobDone(int row, const ConvertSummary& s) {
    if (row >= jobs_.count()) return;
    ConvertJob& j = jobs_.at(row);
    j.state = ConvertJob::State::Done;
    j.fraction = 1.0;
    j.stage = tr("Done");
    j.outputPath = QString::fromStdString(s.output);
    j.outputBytes = qint64(s.output_bytes);
    j.bitsPerWeight = s.output_bits_per_weight;
    j.targetBitsPerWeight = s.target_bits_per_weight;
    j.pplSource = s.ppl_source ? s.ppl_source->ppl : 0;
    j.pplResult = s.ppl_output ? s.ppl_output->ppl : 0;
    j.seconds = s.seconds_total;
    j.method = QString::fromStdString(s.method);
    j.nativeTernarySource = s.native_ternary_source;
    const ConvertTargetInfo& info = convert_target_info(s.target);
    const auto warning = qualityWarning(s.native_ternary_source, j.target, info.ternary || info.one_bit,
                                        j.pplSource, j.pplResult);
    j.warning = warning.first;
    j.warningLevel = warning.second;
    if (!s.ppl_note.empty() && (j.pplSource <= 0 || j.pplResult <= 0))
        j.warning += QLatin1Char(' ') + QString::fromStdString(s.ppl_note);
    jobs_.changed(row);

    ++pendingRegistrations_;
    const QString path = j.outputPath;
    // The header reader sees a packed 1-bit matrix as its I8 bytes (and its scale vectors as
    // weights); the converter knows the logical shapes, so its figures go to the library.
    std::function<void(app::ModelRecord&)> adjust;
    if (info.one_bit) {
        qint64 linBytes = 0, linElements = 0;
        for (const ConvertedTensor& t : s.tensors) {
            if (t.name.rfind("blk.", 0) != 0 || t.shape.size() < 2 || t.shape[1] <= 1) continue;
            qint64 n = 1;
            for (int64_t d : t.shape) n *= d;
            linElements += n;
            linBytes += qint64(t.bytes);
        }
        adjust = [s, linBytes, linElements](app::ModelRecord& r) {
            r.nParams = s.n_params;
            r.bitsPerWeight = s.output_bits_per_weight;
            QJsonObject details = QJsonDocument::fromJson(r.details.toUtf8()).object();
            if (linElements > 0)
                details.insert(QStringLiteral("linear_bits_per_weight"),
                               8.0 * double(linBytes) / double(linElements));
            r.details = QString::fromUtf8(QJsonDocument(details).toJson(QJsonDocument::Compact));
        };
    }
    registerInLibrary(
        this, ctx_, library_, path, lineageJson(j, s),
        [this, row, path](qint64 id, const QString& error) {
            --pendingRegistrations_;
            if (row < jobs_.count()) {
                ConvertJob& job = jobs_.at(row);
                job.modelId = id;
                if (!error.isEmpty())
                    job.error = tr("Converted, but not added to the library: %1").arg(error);
                jobs_.changed(row);
            }
            if (id > 0) emit resultRegistered(id, path);
            maybeFinish();
        },
        std::move(adjust));
}

void ConvertWizard::onJobFailed(int row, const QString& error, bool cancelled) {
    if (row >= jobs_.count()) return;
    ConvertJob& j = jobs_.at(row);
    j.state = cancelled ? ConvertJob::State::Cancelled : ConvertJob::State::Failed;
    j.stage = cancelled ? tr("Cancelled") : tr("Failed");
    j.error = error;
    j.fraction = 0;
    jobs_.changed(row);
}

void ConvertWizard::onWorkerFinished() {
    workerDone_ = true;
    // The worker posted this as its last act; joining waits at most for it to return.
    if (thread_.joinable()) thread_.join();
    maybeFinish();
}

void ConvertWizard::maybeFinish() {
    // The run is over when the worker returned and every result is in the library.
    if (!running_ || !workerDone_ || pendingRegistrations_ > 0) return;
    running_ = false;
    finished_ = true;
    cancel_.store(false);
    emit runningChanged();
    emit runFinished();
}

}  // namespace lowbit::ui
