#include "chat/chat_export.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStringList>

namespace lowbit::app {
namespace {

QString localTime(qint64 ms) {
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString isoTime(qint64 ms) {
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms).toOffsetFromUtc(0).toString(Qt::ISODateWithMs)
                  : QString();
}

// "temperature 0.8 · top_k 40 · ..." from the chat's sampling JSON, in the stored order.
QString samplingLine(const QString& json) {
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    QStringList parts;
    for (auto it = o.begin(); it != o.end(); ++it)
        parts << it.key() + QLatin1Char(' ') + it.value().toVariant().toString();
    return parts.join(QStringLiteral(" · "));
}

// What ended a reply, when it was not simply complete.
QString endNote(const MessageRecord& m) {
    switch (m.state) {
        case MessageState::Stopped:
            return QStringLiteral("stopped");
        case MessageState::Interrupted:
            return QStringLiteral("interrupted (the app closed while it was written)");
        case MessageState::Error:
            return QStringLiteral("failed");
        case MessageState::Streaming:
            return QStringLiteral("still being written");
        case MessageState::Complete:
            break;
    }
    return m.stopReason;
}

QString figures(const MessageRecord& m) {
    QStringList parts;
    if (m.completionTokens > 0) parts << QStringLiteral("%1 tokens").arg(m.completionTokens);
    if (m.tokensPerSecond > 0) parts << QStringLiteral("%1 tok/s decode").arg(m.tokensPerSecond, 0, 'f', 1);
    if (m.prefillTokensPerSecond > 0)
        parts << QStringLiteral("%1 tok/s prefill").arg(m.prefillTokensPerSecond, 0, 'f', 0);
    const QString end = endNote(m);
    if (!end.isEmpty()) parts << end;
    return parts.join(QStringLiteral(" · "));
}

}  // namespace

QString chatToMarkdown(const ChatExport& e) {
    QString out = QStringLiteral("# %1\n\n").arg(e.chat.title);
    if (!e.modelName.isEmpty()) out += QStringLiteral("- Model: %1\n").arg(e.modelName);
    out += QStringLiteral("- Started: %1 · last message: %2\n")
               .arg(localTime(e.chat.createdAt), localTime(e.chat.updatedAt));
    const QString sampling = samplingLine(e.chat.sampling);
    if (!sampling.isEmpty()) out += QStringLiteral("- Sampling: %1\n").arg(sampling);
    out += QStringLiteral("- Prompt format: %1\n").arg(e.chat.promptFormat);
    if (!e.chat.systemPrompt.trimmed().isEmpty()) {
        out += QStringLiteral("\n## System prompt\n\n");
        for (const QString& line : e.chat.systemPrompt.split(QLatin1Char('\n')))
            out += (line.isEmpty() ? QStringLiteral(">") : QStringLiteral("> ") + line) + QLatin1Char('\n');
    }
    out += QStringLiteral("\n---\n");
    for (const MessageRecord& m : e.messages) {
        const bool user = m.role == QLatin1String("user");
        const QString who = user ? QStringLiteral("You")
                                 : (m.modelName.isEmpty() ? QStringLiteral("Assistant") : m.modelName);
        out += QStringLiteral("\n### %1 · %2\n\n").arg(who, localTime(m.createdAt));
        // Message text is Markdown already (replies render as such in the app): kept as written.
        out += m.text.trimmed() + QLatin1Char('\n');
        if (!user) {
            const QString f = figures(m);
            if (!f.isEmpty()) out += QStringLiteral("\n*%1*\n").arg(f);
        }
    }
    return out;
}

QByteArray chatToJson(const ChatExport& e) {
    QJsonArray messages;
    for (const MessageRecord& m : e.messages) {
        QJsonObject o{{QStringLiteral("role"), m.role},
                      {QStringLiteral("text"), m.text},
                      {QStringLiteral("state"), messageStateName(m.state)},
                      {QStringLiteral("created_at"), isoTime(m.createdAt)}};
        if (m.role != QLatin1String("user")) {
            o.insert(QStringLiteral("model"), m.modelName);
            o.insert(QStringLiteral("prompt_tokens"), m.promptTokens);
            o.insert(QStringLiteral("completion_tokens"), m.completionTokens);
            o.insert(QStringLiteral("tokens_per_second"), m.tokensPerSecond);
            o.insert(QStringLiteral("prefill_tokens_per_second"), m.prefillTokensPerSecond);
            o.insert(QStringLiteral("stop_reason"), m.stopReason);
        }
        messages << o;
    }
    const QJsonObject root{
        {QStringLiteral("format"), QStringLiteral("lowbit-studio-chat")},
        {QStringLiteral("version"), 1},
        {QStringLiteral("title"), e.chat.title},
        {QStringLiteral("model"), e.modelName},
        {QStringLiteral("created_at"), isoTime(e.chat.createdAt)},
        {QStringLiteral("updated_at"), isoTime(e.chat.updatedAt)},
        {QStringLiteral("system_prompt"), e.chat.systemPrompt},
        {QStringLiteral("sampling"), QJsonDocument::fromJson(e.chat.sampling.toUtf8()).object()},
        {QStringLiteral("prompt_format"), e.chat.promptFormat},
        {QStringLiteral("messages"), messages}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::optional<ChatExport> chatFromJson(const QByteArray& json, QString* error) {
    auto fail = [&](const QString& why) {
        if (error) *error = why;
        return std::nullopt;
    };
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parse);
    if (parse.error != QJsonParseError::NoError)
        return fail(QStringLiteral("This is not a JSON file (%1 at byte %2).")
                        .arg(parse.errorString())
                        .arg(parse.offset));
    const QJsonObject o = doc.object();
    if (o.value(QStringLiteral("format")).toString() != QLatin1String("lowbit-studio-chat"))
        return fail(QStringLiteral("This JSON file is not a chat exported by Lowbit Studio."));
    if (o.value(QStringLiteral("version")).toInt() != 1)
        return fail(QStringLiteral("This chat file is version %1; this Lowbit Studio reads version 1.")
                        .arg(o.value(QStringLiteral("version")).toInt()));
    auto time = [](const QJsonValue& v) {
        const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODate);
        return t.isValid() ? t.toMSecsSinceEpoch() : qint64(0);
    };
    ChatExport e;
    e.chat.title = o.value(QStringLiteral("title")).toString().trimmed();
    if (e.chat.title.isEmpty()) e.chat.title = QStringLiteral("Imported chat");
    e.modelName = o.value(QStringLiteral("model")).toString();
    e.chat.createdAt = time(o.value(QStringLiteral("created_at")));
    e.chat.updatedAt = time(o.value(QStringLiteral("updated_at")));
    e.chat.systemPrompt = o.value(QStringLiteral("system_prompt")).toString();
    e.chat.sampling = QString::fromUtf8(
        QJsonDocument(o.value(QStringLiteral("sampling")).toObject()).toJson(QJsonDocument::Compact));
    e.chat.promptFormat = o.value(QStringLiteral("prompt_format")).toString(QStringLiteral("auto"));
    const QJsonValue list = o.value(QStringLiteral("messages"));
    if (!list.isArray()) return fail(QStringLiteral("The chat file has no list of messages."));
    int n = 0;
    for (const QJsonValue& v : list.toArray()) {
        ++n;
        const QJsonObject j = v.toObject();
        MessageRecord m;
        m.role = j.value(QStringLiteral("role")).toString();
        if (m.role != QLatin1String("user") && m.role != QLatin1String("assistant"))
            return fail(
                QStringLiteral("Message %1 of the chat file is from neither the user nor the assistant.")
                    .arg(n));
        if (!j.value(QStringLiteral("text")).isString())
            return fail(QStringLiteral("Message %1 of the chat file has no text.").arg(n));
        m.text = j.value(QStringLiteral("text")).toString();
        m.state = messageStateFromName(j.value(QStringLiteral("state")).toString(QStringLiteral("complete")));
        if (m.state == MessageState::Streaming) m.state = MessageState::Interrupted;  // it will never finish
        m.createdAt = time(j.value(QStringLiteral("created_at")));
        m.modelName = j.value(QStringLiteral("model")).toString();
        m.promptTokens = j.value(QStringLiteral("prompt_tokens")).toInt();
        m.completionTokens = j.value(QStringLiteral("completion_tokens")).toInt();
        m.tokensPerSecond = j.value(QStringLiteral("tokens_per_second")).toDouble();
        m.prefillTokensPerSecond = j.value(QStringLiteral("prefill_tokens_per_second")).toDouble();
        m.stopReason = j.value(QStringLiteral("stop_reason")).toString();
        e.messages << m;
    }
    return e;
}

QString chatFileName(const QString& title, const QString& suffix) {
    static const QRegularExpression unsafe(QStringLiteral(R"([\\/:*?"<>|\x00-\x1f]+)"));
    QString base = title.simplified().replace(unsafe, QStringLiteral("-")).left(80).trimmed();
    while (base.startsWith(QLatin1Char('.'))) base.remove(0, 1);
    if (base.isEmpty()) base = QStringLiteral("chat");
    return base + QLatin1Char('.') + suffix;
}

}  // namespace lowbit::app
