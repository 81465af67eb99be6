#pragma once
// Writes a reply to the database while it streams, so that a crash or kill keeps what was on
// screen. Writing on every token would cost a transaction per token; instead the text is
// flushed when `interval` has passed since the last write or `tokenBatch` tokens arrived,
// whichever comes first, and a timer writes the tail if tokens stop coming.
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include "storage/records.h"

namespace lowbit::app {

class ChatStore;

class ReplyWriter : public QObject {
    Q_OBJECT
  public:
    ReplyWriter(ChatStore& store, qint64 messageId, int intervalMs = 250, int tokenBatch = 32,
                QObject* parent = nullptr);

    qint64 messageId() const { return messageId_; }
    const QString& text() const { return text_; }
    int tokens() const { return tokens_; }
    int flushCount() const { return flushes_; }

    // Adds streamed text; `tokens` is how many tokens it came from.
    void append(const QString& piece, int tokens);
    // Writes whatever is pending now.
    void flush();
    // The final write (state, figures); the writer does nothing after it.
    void finish(MessageState state, const ReplyStats& stats);

  signals:
    // After each streaming write: how many characters of the reply are now on disk.
    void flushed(int characters);
    // A write failed (disk full, ...): the text stays in memory and the next flush retries.
    void failed(const QString& message);

  private:
    ChatStore& store_;
    qint64 messageId_;
    int intervalMs_;
    int tokenBatch_;
    QString text_;
    int tokens_ = 0;
    int tokensAtFlush_ = 0;
    int charsAtFlush_ = 0;
    int flushes_ = 0;
    bool finished_ = false;
    QElapsedTimer sinceFlush_;
    QTimer tail_;
};

}  // namespace lowbit::app
