#include "prompt_race.h"

#include <algorithm>

#include "lowbit/error.h"
#include "lowbit/model.h"
#include "lowbit/runner.h"
#include "lowbit/session.h"

namespace lowbit::ui {

PromptRace::PromptRace(QObject* parent) : QObject(parent) {}

PromptRace::~PromptRace() {
    cancel_ = true;
    joinWorker();
}

void PromptRace::joinWorker() {
    if (thread_.joinable()) thread_.join();
}

void PromptRace::setPrompt(const QString& p) {
    if (p == prompt_) return;
    prompt_ = p;
    emit settingsChanged();
}
void PromptRace::setMaxTokens(int n) {
    n = std::clamp(n, 1, 2048);
    if (n == maxTokens_) return;
    maxTokens_ = n;
    emit settingsChanged();
}
void PromptRace::setSeed(int s) {
    if (s == seed_) return;
    seed_ = s;
    emit settingsChanged();
}
void PromptRace::setTemperature(double t) {
    t = std::clamp(t, 0.0, 2.0);
    if (t == temperature_) return;
    temperature_ = t;
    emit settingsChanged();
}

QVariantList PromptRace::columns() const {
    return columnsJson().toVariantList();
}

void PromptRace::setSavedRunId(qint64 id) {
    if (id == savedRunId_) return;
    savedRunId_ = id;
    emit columnsChanged();
}

QJsonObject PromptRace::settingsJson() const {
    return {{QStringLiteral("prompt"), prompt_},
            {QStringLiteral("seed"), seed_},
            {QStringLiteral("temperature"), temperature_},
            {QStringLiteral("max_tokens"), maxTokens_}};
}

QJsonArray PromptRace::columnsJson() const {
    QJsonArray out;
    for (const Column& c : columns_)
        out << QJsonObject{
            {QStringLiteral("name"), c.model.name},     {QStringLiteral("path"), c.model.path},
            {QStringLiteral("device"), c.model.device}, {QStringLiteral("state"), c.state},
            {QStringLiteral("text"), c.text},           {QStringLiteral("promptTokens"), c.promptTokens},
            {QStringLiteral("tokens"), c.tokens},       {QStringLiteral("prefillTps"), c.prefillTps},
            {QStringLiteral("decodeTps"), c.decodeTps}, {QStringLiteral("error"), c.error}};
    return out;
}

void PromptRace::showSaved(qint64 id, const QJsonObject& settings, const QJsonArray& columns) {
    if (running_) return;
    setPrompt(settings.value(QStringLiteral("prompt")).toString(prompt_));
    setSeed(settings.value(QStringLiteral("seed")).toInt(seed_));
    setTemperature(settings.value(QStringLiteral("temperature")).toDouble(temperature_));
    setMaxTokens(settings.value(QStringLiteral("max_tokens")).toInt(maxTokens_));
    columns_.clear();
    for (const QJsonValue& v : columns) {
        const QJsonObject o = v.toObject();
        Column c;
        c.model = {o.value(QStringLiteral("name")).toString(), o.value(QStringLiteral("path")).toString(),
                   o.value(QStringLiteral("device")).toString()};
        c.state = o.value(QStringLiteral("state")).toString(QStringLiteral("done"));
        c.text = o.value(QStringLiteral("text")).toString();
        c.promptTokens = o.value(QStringLiteral("promptTokens")).toInt();
        c.tokens = o.value(QStringLiteral("tokens")).toInt();
        c.prefillTps = o.value(QStringLiteral("prefillTps")).toDouble();
        c.decodeTps = o.value(QStringLiteral("decodeTps")).toDouble();
        c.error = o.value(QStringLiteral("error")).toString();
        columns_.push_back(c);
    }
    savedRunId_ = id;
    error_.clear();
    emit stateChanged();
    emit columnsChanged();
}

bool PromptRace::start(const std::vector<PromptRaceModel>& models, int threads) {
    error_.clear();
    if (running_) return false;
    if (models.empty() || prompt_.trimmed().isEmpty()) {
        error_ = models.empty() ? tr("Pick the models to run first.") : tr("Write a prompt first.");
        emit stateChanged();
        return false;
    }
    columns_.clear();
    savedRunId_ = 0;
    wasCancelled_ = false;
    for (const auto& m : models) {
        Column c;
        c.model = m;
        columns_.push_back(c);
    }
    joinWorker();
    cancel_ = false;
    const int generation = ++generation_;
    running_ = true;
    emit stateChanged();
    emit columnsChanged();
    thread_ = std::thread([this, models, p = prompt_.toStdString(), threads, n = maxTokens_,
                           s = uint64_t(uint32_t(seed_)), t = float(temperature_),
                           generation] { worker(models, p, threads, n, s, t, generation); });
    return true;
}

void PromptRace::worker(std::vector<PromptRaceModel> models, std::string prompt, int threads, int maxTokens,
                        uint64_t seed, float temperature, int generation) {
    auto post = [this](auto fn) { QMetaObject::invokeMethod(this, std::move(fn), Qt::QueuedConnection); };
    for (int i = 0; i < int(models.size()) && !cancel_; ++i) {
        post([this, generation, i] {
            if (generation == generation_ && i < int(columns_.size()))
                columns_[size_t(i)].state = QStringLiteral("running");
            emit columnsChanged();
        });
        try {
            auto model = Model::load(models[size_t(i)].path.toStdString());
            RunnerOptions ro;
            ro.device = models[size_t(i)].device.toStdString();
            ro.n_threads = threads;
            ro.n_ctx = 512;
            auto runner = create_runner(*model, ro);
            Session session(*runner);
            GenerateParams gp;
            gp.max_tokens = maxTokens;
            gp.sampling.seed = seed;
            gp.sampling.temperature = temperature;
            const GenerateStats st = session.generate(
                prompt, gp,
                [&](const std::string& piece, int32_t) {
                    post([this, generation, i, text = QString::fromStdString(piece)] {
                        if (generation != generation_ || i >= int(columns_.size())) return;
                        columns_[size_t(i)].text += text;
                        ++columns_[size_t(i)].tokens;
                        emit columnsChanged();
                    });
                    return true;
                },
                &cancel_);
            post([this, generation, i, st] {
                if (generation != generation_ || i >= int(columns_.size())) return;
                Column& c = columns_[size_t(i)];
                c.state = QStringLiteral("done");
                c.promptTokens = st.prompt_tokens;
                c.tokens = st.generated_tokens;
                c.prefillTps = st.prefill_tps();
                c.decodeTps = st.decode_tps();
                emit columnsChanged();
            });
        } catch (const CancelledError&) {
            break;  // the column is marked cancelled below
        } catch (const std::exception& e) {
            post([this, generation, i, msg = QString::fromUtf8(e.what())] {
                if (generation != generation_ || i >= int(columns_.size())) return;
                columns_[size_t(i)].state = QStringLiteral("failed");
                columns_[size_t(i)].error = msg;
                emit columnsChanged();
            });
        }
    }
    post([this, generation] {
        if (generation != generation_) return;
        joinWorker();
        running_ = false;
        wasCancelled_ = cancel_;  // also when the last model was stopped mid-reply
        for (Column& c : columns_)
            if (c.state == QLatin1String("waiting") || c.state == QLatin1String("running")) {
                c.state = QStringLiteral("cancelled");
                wasCancelled_ = true;
            }
        emit columnsChanged();
        emit stateChanged();
        emit finished();
    });
}

void PromptRace::cancel() {
    if (running_) cancel_ = true;
}

}  // namespace lowbit::ui
