#include "storage/reply_writer.h"

#include "storage/chat_store.h"
#include "storage/storage_error.h"

namespace lowbit::app {

ReplyWriter::ReplyWriter(ChatStore& store, qint64 messageId, int intervalMs, int tokenBatch, QObject* parent)
    : QObject(parent),
      store_(store),
      messageId_(messageId),
      intervalMs_(intervalMs),
      tokenBatch_(tokenBatch) {
    sinceFlush_.start();
    tail_.setSingleShot(true);
    connect(&tail_, &QTimer::timeout, this, &ReplyWriter::flush);
}

void ReplyWriter::append(const QString& piece, int tokens) {
    if (finished_) return;
    text_ += piece;
    tokens_ += tokens;
    if (sinceFlush_.elapsed() >= intervalMs_ || tokens_ - tokensAtFlush_ >= tokenBatch_) {
        flush();
    } else if (!tail_.isActive()) {
        tail_.start(std::max<qint64>(1, intervalMs_ - sinceFlush_.elapsed()));
    }
}

void ReplyWriter::flush() {
    tail_.stop();
    if (finished_ || (text_.size() == charsAtFlush_ && tokens_ == tokensAtFlush_)) return;
    try {
        store_.updateStreamingReply(messageId_, text_, tokens_);
    } catch (const StorageError& e) {
        sinceFlush_.restart();
        emit failed(e.message());
        return;
    }
    charsAtFlush_ = int(text_.size());
    tokensAtFlush_ = tokens_;
    ++flushes_;
    sinceFlush_.restart();
    emit flushed(charsAtFlush_);
}

void ReplyWriter::finish(MessageState state, const ReplyStats& stats) {
    if (finished_) return;
    tail_.stop();
    finished_ = true;
    try {
        store_.finishReply(messageId_, text_, state, stats);
    } catch (const StorageError& e) {
        emit failed(e.message());
    }
}

}  // namespace lowbit::app
