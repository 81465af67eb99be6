#include "storage/chat_store.h"

#include <QDateTime>
#include <QSqlQuery>

#include "storage/database.h"
#include "storage/sql.h"

namespace lowbit::app {
namespace {

qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

QVariant nullIfZero(qint64 v) {
    return v ? QVariant(v) : QVariant(QMetaType(QMetaType::LongLong));
}

const QString kChatColumns = QStringLiteral(
    "id, title, COALESCE(model_id, 0), system_prompt, sampling, prompt_format, created_at, updated_at");

ChatRecord readChat(const QSqlQuery& q) {
    ChatRecord c;
    c.id = q.value(0).toLongLong();
    c.title = q.value(1).toString();
    c.modelId = q.value(2).toLongLong();
    c.systemPrompt = q.value(3).toString();
    c.sampling = q.value(4).toString();
    c.promptFormat = q.value(5).toString();
    c.createdAt = q.value(6).toLongLong();
    c.updatedAt = q.value(7).toLongLong();
    return c;
}

const QString kMessageColumns = QStringLiteral(
    "id, chat_id, role, text, state, created_at, COALESCE(updated_at, created_at), COALESCE(model_name, ''), "
    "COALESCE(model_id, 0), COALESCE(prompt_tokens, 0), COALESCE(completion_tokens, 0), "
    "COALESCE(tokens_per_second, 0), COALESCE(prefill_tokens_per_second, 0), COALESCE(stop_reason, '')");

MessageRecord readMessage(const QSqlQuery& q) {
    MessageRecord m;
    m.id = q.value(0).toLongLong();
    m.chatId = q.value(1).toLongLong();
    m.role = q.value(2).toString();
    m.text = q.value(3).toString();
    m.state = messageStateFromName(q.value(4).toString());
    m.createdAt = q.value(5).toLongLong();
    m.updatedAt = q.value(6).toLongLong();
    m.modelName = q.value(7).toString();
    m.modelId = q.value(8).toLongLong();
    m.promptTokens = q.value(9).toInt();
    m.completionTokens = q.value(10).toInt();
    m.tokensPerSecond = q.value(11).toDouble();
    m.prefillTokensPerSecond = q.value(12).toDouble();
    m.stopReason = q.value(13).toString();
    return m;
}

}  // namespace

QString messageStateName(MessageState s) {
    switch (s) {
        case MessageState::Complete:
            return QStringLiteral("complete");
        case MessageState::Streaming:
            return QStringLiteral("streaming");
        case MessageState::Stopped:
            return QStringLiteral("stopped");
        case MessageState::Interrupted:
            return QStringLiteral("interrupted");
        case MessageState::Error:
            return QStringLiteral("error");
    }
    return QStringLiteral("complete");
}

MessageState messageStateFromName(const QString& name) {
    if (name == QLatin1String("streaming")) return MessageState::Streaming;
    if (name == QLatin1String("stopped")) return MessageState::Stopped;
    if (name == QLatin1String("interrupted")) return MessageState::Interrupted;
    if (name == QLatin1String("error")) return MessageState::Error;
    return MessageState::Complete;
}

qint64 ChatStore::insertChat(const ChatRecord& chat, qint64 createdAt, qint64 updatedAt) {
    QSqlQuery q = sql::run(
        db_.connection(),
        QStringLiteral("INSERT INTO chats(title, model_id, system_prompt, sampling, prompt_format, "
                       "created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?)"),
        {sql::text(chat.title), nullIfZero(chat.modelId), sql::text(chat.systemPrompt),
         sql::text(chat.sampling), chat.promptFormat.isEmpty() ? QStringLiteral("auto") : chat.promptFormat,
         createdAt, updatedAt});
    return q.lastInsertId().toLongLong();
}

qint64 ChatStore::createChat(const ChatRecord& chat) {
    const qint64 now = nowMs();
    return insertChat(chat, now, now);
}

std::optional<ChatRecord> ChatStore::chat(qint64 id) const {
    QSqlQuery q = sql::run(db_.connection(),
                           QStringLiteral("SELECT %1 FROM chats WHERE id = ?").arg(kChatColumns), {id});
    if (!q.next()) return std::nullopt;
    return readChat(q);
}

QList<ChatRecord> ChatStore::listChats(const QString& search) const {
    const QString pattern = QStringLiteral("%") + sql::escapeLike(search.trimmed()) + QStringLiteral("%");
    QSqlQuery q =
        search.trimmed().isEmpty()
            ? sql::run(
                  db_.connection(),
                  QStringLiteral("SELECT %1 FROM chats ORDER BY updated_at DESC, id DESC").arg(kChatColumns))
            : sql::run(db_.connection(),
                       QStringLiteral("SELECT %1 FROM chats WHERE title LIKE ? ESCAPE '\\' OR EXISTS("
                                      "SELECT 1 FROM messages WHERE messages.chat_id = chats.id AND "
                                      "messages.text LIKE ? ESCAPE '\\') ORDER BY updated_at DESC, id DESC")
                           .arg(kChatColumns),
                       {pattern, pattern});
    QList<ChatRecord> out;
    while (q.next()) out << readChat(q);
    return out;
}

void ChatStore::renameChat(qint64 id, const QString& title) {
    sql::run(db_.connection(), QStringLiteral("UPDATE chats SET title = ? WHERE id = ?"),
             {sql::text(title), id});
}

void ChatStore::updateChatSettings(qint64 id, const QString& systemPrompt, const QString& samplingJson,
                                   const QString& promptFormat) {
    sql::run(
        db_.connection(),
        QStringLiteral("UPDATE chats SET system_prompt = ?, sampling = ?, prompt_format = ? WHERE id = ?"),
        {sql::text(systemPrompt), sql::text(samplingJson), sql::text(promptFormat), id});
}

void ChatStore::setChatModel(qint64 id, qint64 modelId) {
    sql::run(db_.connection(), QStringLiteral("UPDATE chats SET model_id = ? WHERE id = ?"),
             {nullIfZero(modelId), id});
}

void ChatStore::deleteChat(qint64 id) {
    sql::run(db_.connection(), QStringLiteral("DELETE FROM chats WHERE id = ?"), {id});
}

QList<MessageRecord> ChatStore::messages(qint64 chatId) const {
    QSqlQuery q =
        sql::run(db_.connection(),
                 QStringLiteral("SELECT %1 FROM messages WHERE chat_id = ? ORDER BY id").arg(kMessageColumns),
                 {chatId});
    QList<MessageRecord> out;
    while (q.next()) out << readMessage(q);
    return out;
}

std::optional<MessageRecord> ChatStore::message(qint64 id) const {
    QSqlQuery q = sql::run(db_.connection(),
                           QStringLiteral("SELECT %1 FROM messages WHERE id = ?").arg(kMessageColumns), {id});
    if (!q.next()) return std::nullopt;
    return readMessage(q);
}

qint64 ChatStore::messageCount(qint64 chatId) const {
    return sql::scalar(db_.connection(), QStringLiteral("SELECT COUNT(*) FROM messages WHERE chat_id = ?"),
                       {chatId}, 0)
        .toLongLong();
}

void ChatStore::touchChat(qint64 chatId, qint64 now) {
    sql::run(db_.connection(), QStringLiteral("UPDATE chats SET updated_at = ? WHERE id = ?"), {now, chatId});
}

qint64 ChatStore::insertMessage(const MessageRecord& m, qint64 createdAt, qint64 updatedAt) {
    QSqlQuery q = sql::run(
        db_.connection(),
        QStringLiteral("INSERT INTO messages(chat_id, role, text, state, created_at, updated_at, "
                       "model_name, model_id, prompt_tokens, completion_tokens, tokens_per_second, "
                       "prefill_tokens_per_second, stop_reason) "
                       "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        {m.chatId, sql::text(m.role), sql::text(m.text), messageStateName(m.state), createdAt, updatedAt,
         m.modelName.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(m.modelName),
         nullIfZero(m.modelId), m.promptTokens, m.completionTokens, m.tokensPerSecond,
         m.prefillTokensPerSecond,
         m.stopReason.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(m.stopReason)});
    return q.lastInsertId().toLongLong();
}

qint64 ChatStore::appendMessage(const MessageRecord& m) {
    const qint64 now = nowMs();
    sql::Transaction tx(db_.connection());
    const qint64 id = insertMessage(m, now, now);
    touchChat(m.chatId, now);
    tx.commit();
    return id;
}

qint64 ChatStore::importChat(const ChatRecord& chat, const QList<MessageRecord>& messages) {
    const qint64 now = nowMs();
    sql::Transaction tx(db_.connection());
    const qint64 created = chat.createdAt > 0 ? chat.createdAt : now;
    const qint64 chatId = insertChat(chat, created, chat.updatedAt > 0 ? chat.updatedAt : created);
    for (MessageRecord m : messages) {
        m.chatId = chatId;
        const qint64 at = m.createdAt > 0 ? m.createdAt : created;
        insertMessage(m, at, m.updatedAt > 0 ? m.updatedAt : at);
    }
    tx.commit();
    return chatId;
}

void ChatStore::updateStreamingReply(qint64 messageId, const QString& text, int completionTokens) {
    sql::run(
        db_.connection(),
        QStringLiteral("UPDATE messages SET text = ?, completion_tokens = ?, updated_at = ? WHERE id = ?"),
        {sql::text(text), completionTokens, nowMs(), messageId});
}

void ChatStore::finishReply(qint64 messageId, const QString& text, MessageState state, const ReplyStats& s) {
    QSqlDatabase db = db_.connection();
    const qint64 now = nowMs();
    sql::Transaction tx(db);
    sql::run(db,
             QStringLiteral("UPDATE messages SET text = ?, state = ?, updated_at = ?, prompt_tokens = ?, "
                            "completion_tokens = ?, tokens_per_second = ?, prefill_tokens_per_second = ?, "
                            "stop_reason = ? WHERE id = ?"),
             {sql::text(text), messageStateName(state), now, s.promptTokens, s.completionTokens,
              s.tokensPerSecond, s.prefillTokensPerSecond, s.stopReason, messageId});
    sql::run(db,
             QStringLiteral(
                 "UPDATE chats SET updated_at = ? WHERE id = (SELECT chat_id FROM messages WHERE id = ?)"),
             {now, messageId});
    tx.commit();
}

void ChatStore::rewriteFrom(qint64 messageId, const QString& newText) {
    QSqlDatabase db = db_.connection();
    const qint64 now = nowMs();
    sql::Transaction tx(db);
    const qint64 chatId =
        sql::scalar(db, QStringLiteral("SELECT chat_id FROM messages WHERE id = ?"), {messageId}, 0)
            .toLongLong();
    sql::run(db, QStringLiteral("DELETE FROM messages WHERE chat_id = ? AND id > ?"), {chatId, messageId});
    sql::run(db, QStringLiteral("UPDATE messages SET text = ?, updated_at = ? WHERE id = ?"),
             {sql::text(newText), now, messageId});
    touchChat(chatId, now);
    tx.commit();
}

void ChatStore::truncateFrom(qint64 messageId) {
    QSqlDatabase db = db_.connection();
    sql::Transaction tx(db);
    const qint64 chatId =
        sql::scalar(db, QStringLiteral("SELECT chat_id FROM messages WHERE id = ?"), {messageId}, 0)
            .toLongLong();
    sql::run(db, QStringLiteral("DELETE FROM messages WHERE chat_id = ? AND id >= ?"), {chatId, messageId});
    tx.commit();
}

int ChatStore::recoverInterruptedReplies() {
    QSqlQuery q =
        sql::run(db_.connection(),
                 QStringLiteral("UPDATE messages SET state = 'interrupted', stop_reason = 'interrupted' "
                                "WHERE state = 'streaming'"));
    return q.numRowsAffected();
}

}  // namespace lowbit::app
