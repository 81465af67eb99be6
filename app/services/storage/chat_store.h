#pragma once
// Chats and their messages. Every call that changes more than one row runs in one transaction.
// Methods throw StorageError on failure. Use from any thread: each goes through the calling
// thread's connection.
#include <QList>
#include <optional>

#include "storage/records.h"

namespace lowbit::app {

class Database;

class ChatStore {
  public:
    explicit ChatStore(Database& db) : db_(db) {}

    qint64 createChat(const ChatRecord& chat);  // ids and times in `chat` are ignored
    // A chat from elsewhere (an exported file) with its messages, their times and figures, in
    // one transaction: all of it or nothing. Ids are ignored; returns the new chat's id.
    qint64 importChat(const ChatRecord& chat, const QList<MessageRecord>& messages);
    std::optional<ChatRecord> chat(qint64 id) const;
    // Most recently updated first. A non-empty `search` matches titles and message texts
    // (case-insensitive for ASCII, as SQLite's LIKE).
    QList<ChatRecord> listChats(const QString& search = {}) const;
    void renameChat(qint64 id, const QString& title);
    void updateChatSettings(qint64 id, const QString& systemPrompt, const QString& samplingJson,
                            const QString& promptFormat);
    void setChatModel(qint64 id, qint64 modelId);
    void deleteChat(qint64 id);  // messages go with it (ON DELETE CASCADE)

    QList<MessageRecord> messages(qint64 chatId) const;
    std::optional<MessageRecord> message(qint64 id) const;
    qint64 messageCount(qint64 chatId) const;
    // Adds a message and moves the chat to the top, atomically.
    qint64 appendMessage(const MessageRecord& message);
    // The streaming write: text so far and tokens so far, state stays "streaming".
    void updateStreamingReply(qint64 messageId, const QString& text, int completionTokens);
    // The final write of a reply.
    void finishReply(qint64 messageId, const QString& text, MessageState state, const ReplyStats& stats);
    // Edit-and-resend: replaces a message's text and deletes every later message of its chat.
    void rewriteFrom(qint64 messageId, const QString& newText);
    // Deletes a message and every later one of its chat (used by regenerate).
    void truncateFrom(qint64 messageId);

    // Replies left "streaming" by a crash become "interrupted" (their text is kept). Returns how many.
    int recoverInterruptedReplies();

  private:
    void touchChat(qint64 chatId, qint64 now);
    qint64 insertChat(const ChatRecord& chat, qint64 createdAt, qint64 updatedAt);
    qint64 insertMessage(const MessageRecord& m, qint64 createdAt, qint64 updatedAt);
    Database& db_;
};

}  // namespace lowbit::app
