#pragma once
// Plain rows of the database, as the stores read and write them. Times are milliseconds since
// the Unix epoch (UTC).
#include <QString>
#include <QtGlobal>

namespace lowbit::app {

struct ModelRecord {
    qint64 id = 0;
    QString path{};
    QString name{};
    QString architecture{};
    qint64 nParams = 0;
    qint64 fileSize = 0;
    qint64 fileMtime = 0;
    double bitsPerWeight = 0;
    qint64 weightBytes = 0;
    QString weightTypes{};  // e.g. "tq2_0 ×14 (63.1%), f16 ×2 (36.9%)"
    qint64 contextLength = 0;
    QString templateFamily{};  // ChatTemplate family key detected at import
    QString details{};         // JSON: anything else worth showing (layers, vocab, heads, ...)
    QString lineage{};         // JSON: where the file came from (download, conversion), '{}' if unknown
    qint64 addedAt = 0;
    qint64 lastUsedAt = 0;
};

struct ChatRecord {
    qint64 id = 0;
    QString title{};
    qint64 modelId = 0;  // 0: none
    QString systemPrompt{};
    QString sampling = QStringLiteral("{}");  // JSON of SamplingSettings
    QString promptFormat = QStringLiteral("auto");
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
};

// What became of a message. A reply is written while it streams ("streaming"); the final
// state says how it ended. A "streaming" row found at startup was cut off by a crash or kill
// and becomes "interrupted".
enum class MessageState { Complete, Streaming, Stopped, Interrupted, Error };
QString messageStateName(MessageState s);
MessageState messageStateFromName(const QString& name);

struct MessageRecord {
    qint64 id = 0;
    qint64 chatId = 0;
    QString role{};  // "user" or "assistant"
    QString text{};
    MessageState state = MessageState::Complete;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    QString modelName{};
    qint64 modelId = 0;
    int promptTokens = 0;
    int completionTokens = 0;
    double tokensPerSecond = 0;  // decode speed
    double prefillTokensPerSecond = 0;
    QString stopReason{};  // e.g. "end of generation", "max tokens", "stopped"
};

// The figures a finished reply is stored with.
struct ReplyStats {
    int promptTokens = 0;
    int completionTokens = 0;
    double tokensPerSecond = 0;
    double prefillTokensPerSecond = 0;
    QString stopReason{};
};

}  // namespace lowbit::app
