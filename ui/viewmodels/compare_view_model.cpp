#include "compare_view_model.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <cmath>

#include "compare_report.h"
#include "file_output.h"
#include "lowbit/error.h"
#include "model_library.h"
#include "settings_model.h"
#include "storage/compare_run_store.h"
#include "storage/storage_error.h"
#include "studio_context.h"

namespace lowbit::ui {
namespace {

constexpr int kMinModels = 2;
constexpr int kMaxModels = 4;

QString pplText(double ppl) {
    return ppl > 0 ? QString::number(ppl, 'f', ppl >= 1000 ? 1 : 3) : QStringLiteral("—");
}

// Signed, with the precision the magnitude needs (random test models reach millions).
QString deltaText(double d) {
    const double a = std::fabs(d);
    return QString::asprintf(a >= 1000 ? "%+.0f" : a >= 10 ? "%+.2f" : "%+.3f", d);
}

QString whenText(qint64 msSinceEpoch) {
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QJsonObject machineJson() {
    const MachineInfo mi = machine_info();
    return {{QStringLiteral("cpu"), QString::fromStdString(mi.cpu)},
            {QStringLiteral("logical_cpus"), mi.logical_cpus},
            {QStringLiteral("memory_bytes"), double(mi.memory_bytes)},
            {QStringLiteral("simd"), QString::fromStdString(mi.simd)}};
}

QString compactJson(const QJsonObject& o) {
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}
QString compactJson(const QJsonArray& a) {
    return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact));
}

}  // namespace

CompareViewModel::CompareViewModel(StudioContext& ctx, SettingsModel& settings, ModelLibrary& library,
                                   QObject* parent)
    : QObject(parent), ctx_(ctx), settings_(settings), library_(library) {
    connect(&prompt_, &PromptRace::stateChanged, this, &CompareViewModel::stateChanged);
    connect(&prompt_, &PromptRace::finished, this, &CompareViewModel::savePromptRun);
    connect(&library_, &QAbstractItemModel::modelReset, this, &CompareViewModel::choicesChanged);
    connect(&library_, &QAbstractItemModel::rowsInserted, this, &CompareViewModel::choicesChanged);
    connect(&library_, &QAbstractItemModel::rowsRemoved, this, &CompareViewModel::choicesChanged);
    connect(&library_, &QAbstractItemModel::dataChanged, this, &CompareViewModel::choicesChanged);
    refreshRuns();
}

QVariantList CompareViewModel::choices() const {
    QVariantList out;
    for (int row = 0; row < library_.count(); ++row) {
        const QVariantMap m = library_.get(row);
        const double bpw = m.value(QStringLiteral("bitsPerWeight")).toDouble();
        out << QVariantMap{{QStringLiteral("modelId"), m.value(QStringLiteral("modelId"))},
                           {QStringLiteral("name"),
                            m.value(QStringLiteral("name")).toString() +
                                (bpw > 0 ? QStringLiteral("  ·  %1 bpw").arg(bpw, 0, 'f', 2) : QString())},
                           {QStringLiteral("bitsPerWeight"), bpw},
                           {QStringLiteral("missing"), m.value(QStringLiteral("missing"))}};
    }
    return out;
}

CompareViewModel::~CompareViewModel() {
    cancel_ = true;
    joinWorker();
}

void CompareViewModel::joinWorker() {
    if (thread_.joinable()) thread_.join();
}

QString CompareViewModel::sampleText() {
    QFile f(QStringLiteral(":/compare/sample.txt"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll());
}

// ---- picks and settings ----

bool CompareViewModel::sharedDevice() const {
    QStringList seen;
    for (const QVariant& p : picks_) {
        const QString d = p.toMap().value(QStringLiteral("device")).toString();
        if (seen.contains(d)) return true;
        seen << d;
    }
    return false;
}

bool CompareViewModel::startPrompt() {
    if (running_) return false;  // one measurement at a time
    std::vector<PromptRaceModel> models;
    for (const QVariant& v : picks_) {
        const QVariantMap p = v.toMap();
        models.push_back({p.value(QStringLiteral("name")).toString(),
                          p.value(QStringLiteral("path")).toString(),
                          p.value(QStringLiteral("device")).toString()});
    }
    return prompt_.start(models, settings_.threads());
}

bool CompareViewModel::canStart() const {
    return !running_ && !prompt_.running() && picks_.size() >= kMinModels && picks_.size() <= kMaxModels;
}

bool CompareViewModel::addPick(qint64 modelId, const QString& device) {
    if (running_ || picks_.size() >= kMaxModels) return false;
    const int row = library_.indexOf(modelId);
    if (row < 0) return false;
    const QVariantMap m = library_.get(row);
    picks_ << QVariantMap{{QStringLiteral("modelId"), modelId},
                          {QStringLiteral("name"), m.value(QStringLiteral("name"))},
                          {QStringLiteral("path"), m.value(QStringLiteral("path"))},
                          {QStringLiteral("bitsPerWeight"), m.value(QStringLiteral("bitsPerWeight"))},
                          {QStringLiteral("device"), device.isEmpty() ? QStringLiteral("cpu") : device}};
    emit picksChanged();
    emit stateChanged();
    return true;
}

void CompareViewModel::removePick(int index) {
    if (running_ || index < 0 || index >= picks_.size()) return;
    picks_.removeAt(index);
    emit picksChanged();
    emit stateChanged();
}

void CompareViewModel::setPickModel(int index, qint64 modelId) {
    if (running_ || index < 0 || index >= picks_.size()) return;
    const int row = library_.indexOf(modelId);
    if (row < 0) return;
    const QVariantMap m = library_.get(row);
    QVariantMap p = picks_[index].toMap();
    p[QStringLiteral("modelId")] = modelId;
    p[QStringLiteral("name")] = m.value(QStringLiteral("name"));
    p[QStringLiteral("path")] = m.value(QStringLiteral("path"));
    p[QStringLiteral("bitsPerWeight")] = m.value(QStringLiteral("bitsPerWeight"));
    picks_[index] = p;
    emit picksChanged();
}

void CompareViewModel::setPickDevice(int index, const QString& device) {
    if (running_ || index < 0 || index >= picks_.size()) return;
    QVariantMap p = picks_[index].toMap();
    p[QStringLiteral("device")] = device;
    picks_[index] = p;
    emit picksChanged();
}

void CompareViewModel::clearPicks() {
    if (running_ || picks_.isEmpty()) return;
    picks_.clear();
    emit picksChanged();
    emit stateChanged();
}

void CompareViewModel::setTextSource(const QString& s) {
    if (s == textSource_ || running_) return;
    textSource_ = s;
    emit settingsChanged();
}
void CompareViewModel::setPastedText(const QString& t) {
    if (t == pastedText_) return;
    pastedText_ = t;
    emit settingsChanged();
}
void CompareViewModel::setTextFile(const QString& path) {
    if (path == textFile_) return;
    textFile_ = path;
    emit settingsChanged();
}
void CompareViewModel::setTextFileUrl(const QUrl& url) {
    setTextFile(url.isLocalFile() ? url.toLocalFile() : url.toString());
    setTextSource(QStringLiteral("file"));
}
void CompareViewModel::setWindowSize(int n) {
    n = std::clamp(n, 16, 8192);
    if (n == windowSize_) return;
    windowSize_ = n;
    emit settingsChanged();
}
void CompareViewModel::setMaxWindows(int n) {
    n = std::clamp(n, 1, 10000);
    if (n == maxWindows_) return;
    maxWindows_ = n;
    emit settingsChanged();
}
void CompareViewModel::setMeasureSpeed(bool on) {
    if (on == measureSpeed_) return;
    measureSpeed_ = on;
    emit settingsChanged();
}
void CompareViewModel::setBenchPrompt(int n) {
    n = std::clamp(n, 1, 4096);
    if (n == benchPrompt_) return;
    benchPrompt_ = n;
    emit settingsChanged();
}
void CompareViewModel::setBenchGen(int n) {
    n = std::clamp(n, 1, 1024);
    if (n == benchGen_) return;
    benchGen_ = n;
    emit settingsChanged();
}

// ---- the run ----

QString CompareViewModel::measuredText(QString* label) const {
    if (textSource_ == QLatin1String("pasted")) {
        *label = tr("pasted text");
        return pastedText_;
    }
    if (textSource_ == QLatin1String("file")) {
        *label = QFileInfo(textFile_).fileName();
        QFile f(textFile_);
        if (!f.open(QIODevice::ReadOnly)) return {};
        return QString::fromUtf8(f.readAll());
    }
    *label = tr("bundled sample");
    return sampleText();
}

QJsonObject CompareViewModel::settingsJson(const QString& textLabel) const {
    QJsonArray models;
    for (const QVariant& v : picks_) {
        const QVariantMap p = v.toMap();
        models.append(QJsonObject{{QStringLiteral("path"), p.value(QStringLiteral("path")).toString()},
                                  {QStringLiteral("name"), p.value(QStringLiteral("name")).toString()},
                                  {QStringLiteral("device"), p.value(QStringLiteral("device")).toString()}});
    }
    return {{QStringLiteral("text_source"), textSource_},
            {QStringLiteral("text"), textLabel},
            {QStringLiteral("text_file"), textSource_ == QLatin1String("file") ? textFile_ : QString()},
            {QStringLiteral("n_ctx"), windowSize_},
            {QStringLiteral("max_windows"), maxWindows_},
            {QStringLiteral("threads"), settings_.threads()},
            {QStringLiteral("measure_speed"), measureSpeed_},
            {QStringLiteral("bench_prompt"), benchPrompt_},
            {QStringLiteral("bench_gen"), benchGen_},
            {QStringLiteral("models"), models}};
}

void CompareViewModel::setState(bool running, const QString& status) {
    running_ = running;
    status_ = status;
    emit stateChanged();
}

bool CompareViewModel::start() {
    error_.clear();
    if (running_ || prompt_.running()) return false;
    if (picks_.size() < kMinModels || picks_.size() > kMaxModels) {
        error_ = tr("Pick 2 to 4 models to compare.");
        emit stateChanged();
        return false;
    }
    QString label;
    const QString text = measuredText(&label);
    if (text.trimmed().isEmpty()) {
        error_ = textSource_ == QLatin1String("file") ? tr("The text file cannot be read or is empty.")
                                                      : tr("There is no text to measure.");
        emit stateChanged();
        return false;
    }

    std::vector<CompareModel> models;
    results_.clear();
    for (const QVariant& v : picks_) {
        const QVariantMap p = v.toMap();
        models.push_back({p.value(QStringLiteral("path")).toString().toStdString(),
                          p.value(QStringLiteral("device")).toString().toStdString()});
        ModelMeasurement placeholder;
        placeholder.path = models.back().path;
        placeholder.name = p.value(QStringLiteral("name")).toString().toStdString();
        placeholder.device = models.back().device;
        placeholder.bits_per_weight = p.value(QStringLiteral("bitsPerWeight")).toDouble();
        results_.push_back(placeholder);
    }
    CompareOptions o;
    o.n_ctx = windowSize_;
    o.max_chunks = maxWindows_;
    o.n_threads = settings_.threads();
    o.measure_speed = measureSpeed_;
    o.bench.n_prompt = benchPrompt_;
    o.bench.n_gen = benchGen_;
    o.bench.repetitions = 1;

    runMachine_ = machineJson();
    runSettings_ = settingsJson(label);
    runCreatedAt_ = QDateTime::currentMSecsSinceEpoch();
    runTitle_ = tr("%1 models · %2").arg(picks_.size()).arg(label);
    runId_ = 0;
    progress_ = 0;
    activeModel_ = 0;
    clearComparison();
    emit resultsChanged();

    joinWorker();
    cancel_ = false;
    const int generation = ++generation_;
    setState(true, tr("Starting…"));
    thread_ = std::thread([this, models = std::move(models), t = text.toStdString(), o,
                           generation]() mutable { worker(std::move(models), std::move(t), o, generation); });
    return true;
}

void CompareViewModel::worker(std::vector<CompareModel> models, std::string text, CompareOptions options,
                              int generation) {
    auto post = [this](auto fn) { QMetaObject::invokeMethod(this, std::move(fn), Qt::QueuedConnection); };
    try {
        auto results = run_compare(
            models, text, options,
            [&](const CompareEvent& e) {
                ModelMeasurement r = e.result ? *e.result : ModelMeasurement{};
                post([this, generation, kind = e.kind, i = e.model_index, p = e.progress, r = std::move(r)] {
                    onEvent(generation, kind, i, p.ppl, p.chunk, p.n_chunks, r);
                });
            },
            &cancel_);
        post(
            [this, generation, results = std::move(results)] { onFinished(generation, results, {}, false); });
    } catch (const CancelledError&) {
        post([this, generation] { onFinished(generation, {}, {}, true); });
    } catch (const std::exception& e) {
        post([this, generation, msg = QString::fromUtf8(e.what())] {
            onFinished(generation, {}, msg, false);
        });
    }
}

void CompareViewModel::onEvent(int generation, CompareEvent::Kind kind, int model, double ppl, int chunk,
                               int nChunks, ModelMeasurement result) {
    if (generation != generation_ || model < 0 || model >= int(results_.size())) return;
    auto& slot = results_[size_t(model)];
    const int n = int(results_.size());
    switch (kind) {
        case CompareEvent::ModelStarted:
            activeModel_ = model;
            progress_ = double(model) / n;
            status_ =
                tr("Measuring %1 (%2 of %3)…").arg(QString::fromStdString(slot.name)).arg(model + 1).arg(n);
            break;
        case CompareEvent::PerplexityWindow:
            slot.running_ppl.push_back(ppl);
            slot.ppl = ppl;
            // Perplexity is most of a model's time; speed runs after the last window.
            progress_ = (model + 0.9 * chunk / std::max(1, nChunks)) / n;
            status_ = tr("%1: window %2 of %3, running perplexity %4")
                          .arg(QString::fromStdString(slot.name))
                          .arg(chunk)
                          .arg(nChunks)
                          .arg(pplText(ppl));
            break;
        case CompareEvent::ModelFinished: {
            const std::string name = slot.name;
            slot = std::move(result);
            slot.name = name;  // the library's name tells same-named variants apart
            progress_ = double(model + 1) / n;
            break;
        }
    }
    emit stateChanged();
    emit resultsChanged();
}

void CompareViewModel::onFinished(int generation, std::vector<ModelMeasurement> results, QString error,
                                  bool cancelled) {
    if (generation != generation_) return;
    joinWorker();
    activeModel_ = -1;
    if (cancelled || !error.isEmpty()) {
        results_.clear();
        runTitle_.clear();
        progress_ = 0;
        error_ = error;
        setState(false, cancelled ? tr("Cancelled — nothing was saved.") : tr("The comparison failed."));
        emit resultsChanged();
        if (cancelled) emit runCancelled();
        return;
    }
    for (size_t i = 0; i < results.size() && i < results_.size(); ++i) results[i].name = results_[i].name;
    results_ = std::move(results);
    progress_ = 1;
    try {
        app::CompareRunStore store(ctx_.storage->database());
        runId_ =
            store.insert({0, runTitle_, compactJson(runSettings_), compactJson(compare::toJson(results_)),
                          compactJson(runMachine_), runCreatedAt_});
        setState(false, tr("Done — saved as run #%1.").arg(runId_));
    } catch (const app::StorageError& e) {
        error_ = e.message();
        setState(false, tr("Done, but the run could not be saved."));
    }
    emit resultsChanged();
    refreshRuns();
    if (runId_) emit runSaved(runId_);
}

void CompareViewModel::cancel() {
    if (!running_) return;
    cancel_ = true;
    status_ = tr("Cancelling…");
    emit stateChanged();
}

// ---- figures for the view ----

int CompareViewModel::baseline() const {
    return compare::baselineIndex(results_);
}

int CompareViewModel::maxRunningWindows() const {
    size_t n = 0;
    for (const auto& m : results_) n = std::max(n, m.running_ppl.size());
    return int(n);
}

QVariantList CompareViewModel::results() const {
    const int base = baseline();
    const double basePpl = base >= 0 ? results_[size_t(base)].ppl : 0;
    const bool finished = !running_;
    QVariantList out;
    for (int i = 0; i < int(results_.size()); ++i) {
        const auto& m = results_[size_t(i)];
        QVariantList running;
        for (double p : m.running_ppl) running << p;
        const bool done = finished || i < activeModel_;
        // Ratios to the baseline only once every model is in (the baseline may still be running).
        const double q = finished ? compare::qualityRatio(basePpl, m.ppl) : 0;
        QString state = done                ? QStringLiteral("done")
                        : i == activeModel_ ? QStringLiteral("running")
                                            : QStringLiteral("waiting");
        if (!m.error.empty()) state = QStringLiteral("failed");
        out << QVariantMap{
            {QStringLiteral("name"), QString::fromStdString(m.name)},
            {QStringLiteral("path"), QString::fromStdString(m.path)},
            {QStringLiteral("device"), QString::fromStdString(m.device)},
            {QStringLiteral("state"), state},
            {QStringLiteral("baseline"), i == base && finished},
            {QStringLiteral("bitsPerWeight"), m.bits_per_weight},
            {QStringLiteral("ppl"), m.ppl},
            {QStringLiteral("pplText"), pplText(m.ppl)},
            {QStringLiteral("pplErrorText"),
             m.ppl_error > 0 ? QStringLiteral("± %1").arg(m.ppl_error, 0, 'f', 3) : QString()},
            {QStringLiteral("deltaText"), finished && i != base && basePpl > 0 && m.ppl > 0
                                              ? deltaText(m.ppl - basePpl)
                                              : QStringLiteral("—")},
            {QStringLiteral("quality"), q},
            {QStringLiteral("qualityText"),
             i == base && finished ? tr("baseline")
             : q > 0               ? tr("%1% of baseline").arg(q * 100, 0, 'f', q >= 0.995 ? 1 : 0)
                                   : QStringLiteral("—")},
            {QStringLiteral("running"), running},
            {QStringLiteral("windows"), int(m.running_ppl.size())},
            {QStringLiteral("prefillTps"), m.prefill_tps},
            {QStringLiteral("decodeTps"), m.decode_tps},
            {QStringLiteral("weightBytesText"), compare::humanBytes(double(m.weight_bytes))},
            {QStringLiteral("weightBytes"), double(m.weight_bytes)},
            {QStringLiteral("peakRssText"), compare::humanBytes(double(m.peak_rss_bytes))},
            {QStringLiteral("deviceBytes"), double(m.device_bytes)},
            {QStringLiteral("fallback"), QString::fromStdString(m.fallback_reason)},
            {QStringLiteral("error"), QString::fromStdString(m.error)},
        };
    }
    return out;
}

QVariantList CompareViewModel::metrics() const {
    if (running_) return {};  // the bars compare finished figures only
    return compare::resourceMetrics(results_);
}

QString CompareViewModel::machineText() const {
    return compare::machineDescription(runMachine_);
}

QString CompareViewModel::otherMachineText() const {
    return compare::machineDescription(otherMachine_);
}

QVariantList CompareViewModel::comparison() const {
    if (otherRunId_ == 0 || running_) return {};
    return compare::runComparison(results_, otherResults_);
}

bool CompareViewModel::compareWith(qint64 id) {
    if (running_ || results_.empty() || id == runId_) return false;
    const auto r = readRun(id, app::run_kind::perplexity);
    if (!r) return false;
    otherResults_ = compare::fromJson(QJsonDocument::fromJson(r->results.toUtf8()).array());
    otherMachine_ = QJsonDocument::fromJson(r->machine.toUtf8()).object();
    otherRunId_ = r->id;
    otherRunTitle_ = r->title;
    otherCreatedAt_ = r->createdAt;
    emit comparisonChanged();
    return true;
}

void CompareViewModel::clearComparison() {
    if (otherRunId_ == 0) return;
    otherResults_.clear();
    otherMachine_ = {};
    otherRunId_ = 0;
    otherRunTitle_.clear();
    otherCreatedAt_ = 0;
    emit comparisonChanged();
}

// ---- saved runs ----

std::optional<app::CompareRunRecord> CompareViewModel::readRun(qint64 id, const QString& kind) {
    std::optional<app::CompareRunRecord> r;
    try {
        r = app::CompareRunStore(ctx_.storage->database()).run(id);
    } catch (const app::StorageError& e) {
        error_ = e.message();
        emit stateChanged();
        return std::nullopt;
    }
    if (!r || r->kind != kind) return std::nullopt;
    return r;
}

void CompareViewModel::refreshRuns() {
    runs_.clear();
    promptRuns_.clear();
    try {
        const app::CompareRunStore store(ctx_.storage->database());
        for (const auto& r : store.listRuns(app::run_kind::perplexity)) {
            const auto models = compare::fromJson(QJsonDocument::fromJson(r.results.toUtf8()).array());
            QStringList names;
            for (const auto& m : models) names << QString::fromStdString(m.name);
            runs_ << QVariantMap{{QStringLiteral("id"), r.id},
                                 {QStringLiteral("title"), r.title},
                                 {QStringLiteral("models"), names.join(QStringLiteral(" · "))},
                                 {QStringLiteral("when"), whenText(r.createdAt)}};
        }
        for (const auto& r : store.listRuns(app::run_kind::prompt)) {
            QStringList names;
            for (const QJsonValue& c : QJsonDocument::fromJson(r.results.toUtf8()).array())
                names << c.toObject().value(QStringLiteral("name")).toString();
            promptRuns_ << QVariantMap{{QStringLiteral("id"), r.id},
                                       {QStringLiteral("title"), r.title},
                                       {QStringLiteral("models"), names.join(QStringLiteral(" · "))},
                                       {QStringLiteral("when"), whenText(r.createdAt)}};
        }
    } catch (const app::StorageError& e) {
        qWarning("compare runs: %s", qPrintable(e.message()));
    }
    emit runsChanged();
}

void CompareViewModel::restorePicks(const QJsonArray& models) {
    QVariantList picks;
    for (const QJsonValue& v : models) {
        const QJsonObject m = v.toObject();
        const auto rec = ctx_.storage->models().modelByPath(m.value(QStringLiteral("path")).toString());
        const int row = rec ? library_.indexOf(rec->id) : -1;
        if (row < 0) continue;
        const QVariantMap lm = library_.get(row);
        picks << QVariantMap{{QStringLiteral("modelId"), rec->id},
                             {QStringLiteral("name"), lm.value(QStringLiteral("name"))},
                             {QStringLiteral("path"), lm.value(QStringLiteral("path"))},
                             {QStringLiteral("bitsPerWeight"), lm.value(QStringLiteral("bitsPerWeight"))},
                             {QStringLiteral("device"), m.value(QStringLiteral("device")).toString()}};
    }
    if (picks.size() >= kMinModels) {
        picks_ = picks;
        emit picksChanged();
    }
}

bool CompareViewModel::openRun(qint64 id) {
    if (running_) return false;
    const auto r = readRun(id, app::run_kind::perplexity);
    if (!r) return false;
    clearComparison();
    results_ = compare::fromJson(QJsonDocument::fromJson(r->results.toUtf8()).array());
    runSettings_ = QJsonDocument::fromJson(r->settings.toUtf8()).object();
    runMachine_ = QJsonDocument::fromJson(r->machine.toUtf8()).object();
    runId_ = r->id;
    runTitle_ = r->title;
    runCreatedAt_ = r->createdAt;
    progress_ = 1;
    activeModel_ = -1;
    error_.clear();
    restorePicks(runSettings_.value(QStringLiteral("models")).toArray());
    setState(false, tr("Run #%1 from %2.").arg(runId_).arg(whenText(runCreatedAt_)));
    emit resultsChanged();
    return true;
}

bool CompareViewModel::openPromptRun(qint64 id) {
    if (prompt_.running()) return false;
    const auto r = readRun(id, app::run_kind::prompt);
    if (!r) return false;
    const QJsonArray columns = QJsonDocument::fromJson(r->results.toUtf8()).array();
    prompt_.showSaved(r->id, QJsonDocument::fromJson(r->settings.toUtf8()).object(), columns);
    if (!running_) restorePicks(columns);
    return true;
}

// A race that ran to its end is saved with its settings, every column and the machine; a
// stopped one is not (its columns are incomplete).
void CompareViewModel::savePromptRun() {
    if (prompt_.wasCancelled() || prompt_.columns().isEmpty()) return;
    QJsonObject settings = prompt_.settingsJson();
    settings.insert(QStringLiteral("threads"), settings_.threads());
    QString title = prompt_.prompt().simplified();
    if (title.size() > 60) title = title.left(59) + QChar(0x2026);
    try {
        const qint64 id = app::CompareRunStore(ctx_.storage->database())
                              .insert({0, title, compactJson(settings), compactJson(prompt_.columnsJson()),
                                       compactJson(machineJson()), 0, app::run_kind::prompt});
        prompt_.setSavedRunId(id);
    } catch (const app::StorageError& e) {
        qWarning("prompt run not saved: %s", qPrintable(e.message()));
    }
    refreshRuns();
}

void CompareViewModel::deleteRun(qint64 id) {
    try {
        app::CompareRunStore(ctx_.storage->database()).remove(id);
    } catch (const app::StorageError& e) {
        qWarning("compare runs: %s", qPrintable(e.message()));
    }
    if (id == prompt_.savedRunId()) prompt_.setSavedRunId(0);
    if (id == otherRunId_ || (id == runId_ && !running_)) clearComparison();
    if (id == runId_ && !running_) {
        results_.clear();
        runId_ = 0;
        runTitle_.clear();
        runMachine_ = {};
        emit resultsChanged();
    }
    refreshRuns();
}

// ---- export ----

QString CompareViewModel::csvText() const {
    return compare::toCsv(results_);
}

QString CompareViewModel::jsonText() const {
    return QString::fromUtf8(
        QJsonDocument(compare::toExportJson(runTitle_, runCreatedAt_, runSettings_, runMachine_, results_))
            .toJson(QJsonDocument::Indented));
}

bool CompareViewModel::writeFile(const QString& pathOrUrl, const QByteArray& bytes) {
    const QString path = toLocalPath(pathOrUrl);
    if (results_.empty() || running_ || !writeFileAtomically(path, bytes)) {
        error_ = results_.empty() ? tr("There is no finished run to export.")
                                  : tr("Cannot write %1.").arg(QDir::toNativeSeparators(path));
        emit stateChanged();
        return false;
    }
    emit exported(path);
    return true;
}

bool CompareViewModel::exportCsv(const QString& pathOrUrl) {
    return writeFile(pathOrUrl, csvText().toUtf8());
}

bool CompareViewModel::exportJson(const QString& pathOrUrl) {
    return writeFile(pathOrUrl, jsonText().toUtf8());
}

QString CompareViewModel::localPath(const QString& pathOrUrl) const {
    return toLocalPath(pathOrUrl);
}

QString CompareViewModel::defaultExportPath(const QString& suffix) const {
    return documentsPath(QStringLiteral("lowbit-compare-%1.%2").arg(runId_).arg(suffix));
}

}  // namespace lowbit::ui
