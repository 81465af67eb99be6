#include "chat_session.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include "chat/chat_export.h"
#include "chat/chat_template.h"
#include "engine_status.h"
#include "file_output.h"
#include "sampling_json.h"
#include "storage/storage_error.h"
#include "studio_context.h"

namespace lowbit::ui {
namespace {

// A chat is named after its first message until the person renames it.
QString titleFrom(const QString& text) {
    QString t = text.simplified();
    if (t.size() > 60) t = t.left(57).trimmed() + QStringLiteral("…");
    return t.isEmpty() ? QObject::tr("New chat") : t;
}

QString replySummary(const app::ReplyStats& s) {
    QStringList parts;
    parts << (s.completionTokens == 1 ? QObject::tr("1 token")
                                      : QObject::tr("%1 tokens").arg(s.completionTokens));
    if (s.tokensPerSecond > 0) parts << QObject::tr("%1 tok/s").arg(s.tokensPerSecond, 0, 'f', 1);
    if (s.prefillTokensPerSecond > 0)
        parts << QObject::tr("prompt %1 tok/s").arg(s.prefillTokensPerSecond, 0, 'f', 0);
    if (!s.stopReason.isEmpty()) parts << s.stopReason;
    return parts.join(QStringLiteral(" · "));
}

}  // namespace

ChatSession::ChatSession(StudioContext& ctx, EngineStatus& status, QObject* parent)
    : QObject(parent), ctx_(ctx), status_(status), messages_(this) {
    title_ = tr("New chat");
    app::EngineHost* host = ctx_.engine;
    connect(host, &app::EngineHost::generationStarted, this, &ChatSession::onStarted);
    connect(host, &app::EngineHost::textReady, this, &ChatSession::onText);
    connect(host, &app::EngineHost::generationFinished, this, &ChatSession::onFinished);
    connect(host, &app::EngineHost::generationFailed, this, &ChatSession::onFailed);
    connect(&status_, &EngineStatus::stateChanged, this, &ChatSession::canSendChanged);
    connect(&status_, &EngineStatus::modelChanged, this, &ChatSession::statsChanged);
}

ChatSession::~ChatSession() {
    // Closing the window mid-reply: keep what was generated, marked as stopped.
    if (reply_) {
        ctx_.engine->stop();
        reply_->writer->finish(app::MessageState::Stopped, {.completionTokens = reply_->pieces,
                                                            .stopReason = app::stop_reason::kStopped});
    }
}

bool ChatSession::replyVisible() const {
    return reply_ && reply_->chatId == chatId_ && chatId_ != 0;
}
bool ChatSession::canSend() const {
    return status_.ready() && !reply_;
}
bool ChatSession::canRegenerate() const {
    return canSend() && messages_.count() > 0 &&
           messages_.roleOf(messages_.count() - 1) == QLatin1String("assistant");
}
int ChatSession::contextSize() const {
    return status_.contextSize();
}

void ChatSession::setError(const QString& e) {
    if (e == error_) return;
    error_ = e;
    emit errorChanged();
}
void ChatSession::clearError() {
    setError({});
}

QVariantList ChatSession::promptFormats() const {
    QVariantList out;
    out << QVariantMap{{QStringLiteral("key"), QStringLiteral("auto")},
                       {QStringLiteral("name"), tr("Automatic")}};
    for (app::chat::Family f : app::chat::allFamilies()) {
        out << QVariantMap{{QStringLiteral("key"), QString::fromUtf8(app::chat::familyKey(f))},
                           {QStringLiteral("name"), QString::fromUtf8(app::chat::familyName(f))}};
    }
    return out;
}

void ChatSession::persistSettings() {
    emit settingsChanged();
    if (!chatId_) return;
    try {
        ctx_.storage->chats().updateChatSettings(chatId_, systemPrompt_, samplingToJson(sampling_),
                                                 promptFormat_);
    } catch (const app::StorageError& e) {
        setError(e.message());
    }
}

void ChatSession::setSystemPrompt(const QString& s) {
    updateSetting(systemPrompt_, s);
}
void ChatSession::setTemperature(double v) {
    updateSetting(sampling_.temperature, float(std::clamp(v, 0.0, 2.0)));
}
void ChatSession::setTopK(int v) {
    updateSetting(sampling_.topK, std::clamp(v, 0, 1000));
}
void ChatSession::setTopP(double v) {
    updateSetting(sampling_.topP, float(std::clamp(v, 0.0, 1.0)));
}
void ChatSession::setMinP(double v) {
    updateSetting(sampling_.minP, float(std::clamp(v, 0.0, 1.0)));
}
void ChatSession::setRepeatPenalty(double v) {
    updateSetting(sampling_.repeatPenalty, float(std::clamp(v, 1.0, 2.0)));
}
void ChatSession::setMaxTokens(int v) {
    updateSetting(sampling_.maxTokens, std::clamp(v, 1, 65536));
}
void ChatSession::setSeed(qint64 v) {
    updateSetting(sampling_.seed, std::max<qint64>(-1, v));
}
void ChatSession::setPromptFormat(const QString& key) {
    if (key == promptFormat_) return;
    promptFormat_ = key.isEmpty() ? QStringLiteral("auto") : key;
    persistSettings();
}

void ChatSession::resetSettings() {
    sampling_ = app::EngineSampling{};
    systemPrompt_.clear();
    promptFormat_ = QStringLiteral("auto");
    persistSettings();
}

void ChatSession::newChat() {
    chatId_ = 0;
    title_ = tr("New chat");
    chatModelId_ = 0;
    messages_.reset({});
    sampling_ = app::EngineSampling{};
    systemPrompt_.clear();
    promptFormat_ = QStringLiteral("auto");
    lastReplyText_.clear();
    clearError();
    emit chatChanged();
    emit titleChanged();
    emit settingsChanged();
    emit generatingChanged();
    emit canSendChanged();
    emit statsChanged();
}

void ChatSession::withLiveReply(qint64 chatId, QList<app::MessageRecord>& stored) const {
    // The reply being written has more text in memory than the last write to disk.
    if (!reply_ || reply_->chatId != chatId) return;
    for (auto& m : stored)
        if (m.id == reply_->record.id) m = reply_->record;
}

bool ChatSession::exportChat(const QString& pathOrUrl) {
    const QString path = toLocalPath(pathOrUrl);
    app::ChatExport e;
    try {
        const auto chat = chatId_ ? ctx_.storage->chats().chat(chatId_) : std::nullopt;
        if (!chat) {
            setError(tr("There is no chat to export yet."));
            return false;
        }
        e.chat = *chat;
        if (const auto model = chat->modelId ? ctx_.storage->models().model(chat->modelId) : std::nullopt)
            e.modelName = model->name;
        e.messages = ctx_.storage->chats().messages(chatId_);
    } catch (const app::StorageError& err) {
        setError(err.message());
        return false;
    }
    withLiveReply(chatId_, e.messages);
    const bool json = path.endsWith(QStringLiteral(".json"), Qt::CaseInsensitive);
    if (!writeFileAtomically(path, json ? app::chatToJson(e) : app::chatToMarkdown(e).toUtf8())) {
        setError(tr("Cannot write %1.").arg(QDir::toNativeSeparators(path)));
        return false;
    }
    emit exported(path);
    return true;
}

bool ChatSession::importChat(const QString& pathOrUrl) {
    const QString path = toLocalPath(pathOrUrl);
    constexpr qint64 kMaxBytes = qint64(256) << 20;  // far beyond any chat; refuses a wrong pick fast
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        setError(tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(path), f.errorString()));
        return false;
    }
    if (f.size() > kMaxBytes) {
        setError(tr("%1 is too large to be a chat file.").arg(QDir::toNativeSeparators(path)));
        return false;
    }
    QString why;
    const auto e = app::chatFromJson(f.readAll(), &why);
    if (!e) {
        setError(tr("%1: %2").arg(QFileInfo(path).fileName(), why));
        return false;
    }
    qint64 id = 0;
    try {
        id = ctx_.storage->chats().importChat(e->chat, e->messages);
    } catch (const app::StorageError& err) {
        setError(err.message());
        return false;
    }
    emit chatListChanged();
    return open(id);
}

QUrl ChatSession::defaultExportUrl(const QString& suffix) const {
    return QUrl::fromLocalFile(documentsPath(app::chatFileName(title_, suffix)));
}

bool ChatSession::open(qint64 chatId) {
    std::optional<app::ChatRecord> chat;
    QList<app::MessageRecord> list;
    try {
        chat = ctx_.storage->chats().chat(chatId);
        if (chat) list = ctx_.storage->chats().messages(chatId);
    } catch (const app::StorageError& e) {
        setError(e.message());
        return false;
    }
    if (!chat) return false;
    withLiveReply(chatId, list);
    chatId_ = chat->id;
    title_ = chat->title;
    chatModelId_ = chat->modelId;
    systemPrompt_ = chat->systemPrompt;
    sampling_ = samplingFromJson(chat->sampling);
    promptFormat_ = chat->promptFormat;
    messages_.reset(list);
    lastReplyText_.clear();
    clearError();
    emit chatChanged();
    emit titleChanged();
    emit settingsChanged();
    emit generatingChanged();
    emit canSendChanged();
    emit statsChanged();
    return true;
}

bool ChatSession::send(const QString& rawText) {
    const QString text = rawText.trimmed();
    if (text.isEmpty()) return false;
    if (reply_) {
        setError(tr("Wait for the current reply to finish, or stop it."));
        return false;
    }
    if (!status_.ready()) {
        setError(status_.loading() ? tr("The model is still loading.")
                                   : tr("Choose a model to chat with first."));
        return false;
    }
    clearError();
    try {
        app::ChatStore& chats = ctx_.storage->chats();
        if (!chatId_) {
            app::ChatRecord c;
            c.title = titleFrom(text);
            c.modelId = status_.modelId();
            c.systemPrompt = systemPrompt_;
            c.sampling = samplingToJson(sampling_);
            c.promptFormat = promptFormat_;
            chatId_ = chats.createChat(c);
            title_ = c.title;
            emit chatChanged();
            emit titleChanged();
        } else if (messages_.count() == 0 && title_ == tr("New chat")) {
            title_ = titleFrom(text);
            chats.renameChat(chatId_, title_);
            emit titleChanged();
        }
        app::MessageRecord m;
        m.chatId = chatId_;
        m.role = QStringLiteral("user");
        m.text = text;
        m.id = chats.appendMessage(m);
        m.createdAt = m.updatedAt = QDateTime::currentMSecsSinceEpoch();
        messages_.append(m);
    } catch (const app::StorageError& e) {
        setError(e.message());
        return false;
    }
    return startReply();
}

bool ChatSession::startReply() {
    app::MessageRecord r;
    r.chatId = chatId_;
    r.role = QStringLiteral("assistant");
    r.state = app::MessageState::Streaming;
    r.modelName = status_.modelName();
    r.modelId = status_.modelId();
    try {
        r.id = ctx_.storage->chats().appendMessage(r);
        if (r.modelId && r.modelId != chatModelId_) {
            ctx_.storage->chats().setChatModel(chatId_, r.modelId);
            chatModelId_ = r.modelId;
            emit chatChanged();
        }
    } catch (const app::StorageError& e) {
        setError(e.message());
        return false;
    }
    r.createdAt = r.updatedAt = QDateTime::currentMSecsSinceEpoch();

    app::GenerationJob job;
    if (!systemPrompt_.trimmed().isEmpty()) job.turns.push_back({"system", systemPrompt_.toStdString()});
    for (const app::MessageRecord& m : messages_.messages()) {
        if (m.text.isEmpty()) continue;  // e.g. a reply that failed before its first token
        job.turns.push_back({m.role.toStdString(), m.text.toStdString()});
    }
    job.promptFormat = promptFormat_;
    job.sampling = sampling_;

    messages_.append(r);
    auto reply = std::make_unique<Reply>();
    reply->chatId = chatId_;
    reply->record = r;
    reply->writer = std::make_unique<app::ReplyWriter>(ctx_.storage->chats(), r.id);
    connect(reply->writer.get(), &app::ReplyWriter::failed, this, &ChatSession::setError);
    reply->genId = ctx_.engine->generate(job);
    reply_ = std::move(reply);
    tokensPerSecond_ = 0;
    lastReplyText_.clear();
    emit generatingChanged();
    emit canSendChanged();
    emit chatListChanged();
    emit statsChanged();
    if (reply_->genId == 0) {
        finishReply(app::MessageState::Error, {.stopReason = tr("The model is not ready.")});
        return false;
    }
    return true;
}

void ChatSession::onStarted(quint64 id, int promptTokens, int dropped) {
    if (!reply_ || id != reply_->genId) return;
    reply_->promptTokens = promptTokens;
    contextUsed_ = promptTokens;
    if (dropped > 0) {
        setError(tr("The conversation is longer than the context: the oldest %1 were left out of this reply.")
                     .arg(dropped == 1 ? tr("message") : tr("%1 messages").arg(dropped)));
    }
    emit statsChanged();
}

void ChatSession::onText(quint64 id, const QString& text, int pieces) {
    if (!reply_ || id != reply_->genId) return;
    Reply& r = *reply_;
    r.writer->append(text, pieces);
    r.record.text += text;
    r.pieces += pieces;
    r.record.completionTokens = r.pieces;
    if (r.chatId == chatId_) messages_.appendText(r.record.id, text);
    if (!r.sawText) {
        // Speed counts from the first text on, so the prompt's evaluation is not in it.
        r.sawText = true;
        r.sinceFirstText.start();
        r.firstPieces = r.pieces;
    } else {
        const double s = double(r.sinceFirstText.elapsed()) / 1000.0;
        if (s > 0.1) tokensPerSecond_ = double(r.pieces - r.firstPieces) / s;
    }
    contextUsed_ = r.promptTokens + r.pieces;
    emit statsChanged();
}

void ChatSession::onFinished(quint64 id, const app::EngineRunStats& stats, const app::EngineMemory& memory) {
    if (!reply_ || id != reply_->genId) return;
    app::ReplyStats s;
    s.promptTokens = stats.promptTokens;
    s.completionTokens = stats.generatedTokens;
    s.tokensPerSecond = stats.decodeTokensPerSecond();
    s.prefillTokensPerSecond = stats.prefillTokensPerSecond();
    s.stopReason = stats.stopReason;
    if (s.tokensPerSecond > 0) tokensPerSecond_ = s.tokensPerSecond;
    setStatsFromMemory(memory);
    finishReply(stats.cancelled ? app::MessageState::Stopped : app::MessageState::Complete, s);
}

void ChatSession::onFailed(quint64 id, const QString& message) {
    if (!reply_ || id != reply_->genId) return;
    setError(message);
    finishReply(app::MessageState::Error, {.completionTokens = reply_->pieces, .stopReason = message});
}

void ChatSession::setStatsFromMemory(const app::EngineMemory& m) {
    if (m.contextSize > 0) contextUsed_ = m.contextUsed;
}

void ChatSession::finishReply(app::MessageState state, const app::ReplyStats& stats) {
    std::unique_ptr<Reply> r = std::move(reply_);
    r->writer->finish(state, stats);
    r->record.state = state;
    r->record.promptTokens = stats.promptTokens;
    r->record.completionTokens = stats.completionTokens;
    r->record.tokensPerSecond = stats.tokensPerSecond;
    r->record.prefillTokensPerSecond = stats.prefillTokensPerSecond;
    r->record.stopReason = stats.stopReason;
    if (r->chatId == chatId_) messages_.update(r->record);
    lastReplyText_ = state == app::MessageState::Error ? QString() : replySummary(stats);
    emit generatingChanged();
    emit canSendChanged();
    emit statsChanged();
    emit chatListChanged();
    emit replyFinished(r->record.id, app::messageStateName(state));
}

void ChatSession::stop() {
    if (reply_) ctx_.engine->stop();
}

bool ChatSession::regenerate() {
    if (!canRegenerate()) return false;
    const int row = messages_.count() - 1;
    const qint64 id = messages_.messages()[row].id;
    try {
        ctx_.storage->chats().truncateFrom(id);
    } catch (const app::StorageError& e) {
        setError(e.message());
        return false;
    }
    messages_.removeFrom(row);
    clearError();
    return startReply();
}

bool ChatSession::editAndResend(qint64 messageId, const QString& rawText) {
    const QString text = rawText.trimmed();
    const int row = messages_.rowOf(messageId);
    if (text.isEmpty() || row < 0 || messages_.roleOf(row) != QLatin1String("user")) return false;
    if (!canSend()) {
        setError(reply_ ? tr("Wait for the current reply to finish, or stop it.")
                        : tr("Choose a model to chat with first."));
        return false;
    }
    try {
        ctx_.storage->chats().rewriteFrom(messageId, text);
        messages_.reset(ctx_.storage->chats().messages(chatId_));
    } catch (const app::StorageError& e) {
        setError(e.message());
        return false;
    }
    clearError();
    return startReply();
}

void ChatSession::chatRemoved(qint64 chatId) {
    if (reply_ && reply_->chatId == chatId) ctx_.engine->stop();  // its rows are gone; writes touch nothing
    if (chatId == chatId_) newChat();
}

void ChatSession::chatRenamed(qint64 chatId, const QString& title) {
    if (chatId != chatId_ || title == title_) return;
    title_ = title;
    emit titleChanged();
}

}  // namespace lowbit::ui
