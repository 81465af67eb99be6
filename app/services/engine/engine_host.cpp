#include "engine/engine_host.h"

namespace lowbit::app {
namespace {

// Stands in when the build has no engine: loading says so instead of crashing.
class NoEngine final : public InferenceEngine {
  public:
    EngineModelInfo load(const EngineLoadRequest&, const Progress&, const std::atomic<bool>&) override {
        throw EngineError(QStringLiteral("This build of Lowbit Studio has no inference engine."));
    }
    void unload() override {}
    bool isLoaded() const override { return false; }
    bool hasSpecialToken(const std::string&) const override { return false; }
    int countTokens(const std::string&) const override { return 0; }
    EngineRunStats generate(const std::string&, const std::vector<std::string>&, const EngineSampling&,
                            const OnText&, const std::atomic<bool>&) override {
        throw EngineError(QStringLiteral("No model is loaded."));
    }
    void resetContext() override {}
    EngineMemory memory() const override { return {}; }
};

}  // namespace

EngineHost::EngineHost(std::unique_ptr<InferenceEngine> engine, QObject* parent) : QObject(parent) {
    qRegisterMetaType<EngineModelInfo>();
    qRegisterMetaType<EngineRunStats>();
    qRegisterMetaType<EngineMemory>();
    qRegisterMetaType<PromptFormatInfo>();
    if (!engine) engine = std::make_unique<NoEngine>();
    worker_ = new EngineWorker(std::move(engine));
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.setObjectName(QStringLiteral("lowbit-engine"));

    connect(worker_, &EngineWorker::loadProgress, this, [this](quint64 id, double f, const QString& phase) {
        if (id != loadId_) return;
        loadProgress_ = f;
        loadPhase_ = phase;
        emit loadProgressChanged(f, phase);
    });
    connect(worker_, &EngineWorker::loadFinished, this,
            [this](quint64 id, const EngineModelInfo& info, const PromptFormatInfo& format) {
                if (id != loadId_) return;  // superseded by a later load, which will follow
                loadId_ = 0;
                info_ = info;
                format_ = format;
                hasModel_ = true;
                loadingPath_.clear();
                memory_ = {};
                memory_.contextSize = info.contextLength;
                setState(State::Ready);
                emit modelLoaded(info, format);
            });
    connect(worker_, &EngineWorker::loadFailed, this,
            [this](quint64 id, const QString& message, bool cancelled) {
                if (id != loadId_) return;
                loadId_ = 0;
                hasModel_ = false;  // the engine unloads before loading
                info_ = {};
                loadingPath_.clear();
                setState(State::NoModel);
                emit modelLoadFailed(message, cancelled);
            });
    connect(worker_, &EngineWorker::unloaded, this, [this] {
        if (loadId_) return;
        hasModel_ = false;
        info_ = {};
        setState(State::NoModel);
        emit modelUnloaded();
    });
    connect(worker_, &EngineWorker::generationStarted, this, &EngineHost::generationStarted);
    connect(worker_, &EngineWorker::textReady, this, &EngineHost::textReady);
    connect(worker_, &EngineWorker::generationFinished, this,
            [this](quint64 id, const EngineRunStats& stats, const EngineMemory& memory) {
                memory_ = memory;
                if (id == genId_) {
                    genId_ = 0;
                    genCancel_.reset();
                    if (state_ == State::Generating) setState(State::Ready);
                }
                emit generationFinished(id, stats, memory);
            });
    connect(worker_, &EngineWorker::generationFailed, this,
            [this](quint64 id, const QString& message, const EngineMemory& memory) {
                memory_ = memory;
                if (id == genId_) {
                    genId_ = 0;
                    genCancel_.reset();
                    if (state_ == State::Generating) setState(State::Ready);
                }
                emit generationFailed(id, message);
            });
    thread_.start();
}

EngineHost::~EngineHost() {
    if (genCancel_) genCancel_->store(true);
    if (loadCancel_) loadCancel_->store(true);
    thread_.quit();
    thread_.wait();
}

void EngineHost::setState(State s) {
    if (s == state_) return;
    state_ = s;
    emit stateChanged();
}

quint64 EngineHost::loadModel(const EngineLoadRequest& request) {
    if (loadCancel_) loadCancel_->store(true);
    if (genCancel_) genCancel_->store(true);
    genId_ = 0;
    genCancel_.reset();
    loadCancel_ = std::make_shared<std::atomic<bool>>(false);
    const quint64 id = nextId_++;
    loadId_ = id;
    loadProgress_ = 0;
    loadPhase_ = QStringLiteral("Waiting");
    loadingPath_ = request.path;
    hasModel_ = false;
    setState(State::Loading);
    emit loadProgressChanged(0, loadPhase_);
    EngineWorker* w = worker_;
    const CancelFlag cancel = loadCancel_;
    QMetaObject::invokeMethod(
        worker_, [w, id, request, cancel] { w->load(id, request, cancel); }, Qt::QueuedConnection);
    return id;
}

void EngineHost::cancelLoad() {
    if (loadCancel_) loadCancel_->store(true);
}

void EngineHost::unloadModel() {
    if (loadCancel_) loadCancel_->store(true);
    if (genCancel_) genCancel_->store(true);
    loadId_ = 0;
    genId_ = 0;
    EngineWorker* w = worker_;
    QMetaObject::invokeMethod(
        worker_, [w] { w->unload(); }, Qt::QueuedConnection);
}

quint64 EngineHost::generate(const GenerationJob& job) {
    if (state_ != State::Ready) return 0;
    genCancel_ = std::make_shared<std::atomic<bool>>(false);
    const quint64 id = nextId_++;
    genId_ = id;
    setState(State::Generating);
    EngineWorker* w = worker_;
    const CancelFlag cancel = genCancel_;
    QMetaObject::invokeMethod(
        worker_, [w, id, job, cancel] { w->generate(id, job, cancel); }, Qt::QueuedConnection);
    return id;
}

void EngineHost::stop() {
    if (genCancel_) genCancel_->store(true);
}

}  // namespace lowbit::app
