#pragma once
// A chat as a file a person can keep or share: Markdown (a readable transcript: title, model,
// dates, settings, the system prompt, each message under its speaker, replies with their
// figures) or JSON (every stored field, for scripts, and what chatFromJson reads back on
// another machine). Pure functions of the stored records.
#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>

#include "storage/records.h"

namespace lowbit::app {

struct ChatExport {
    ChatRecord chat;
    QString modelName;  // the chat's model, "" when none
    QList<MessageRecord> messages;
};

QString chatToMarkdown(const ChatExport& e);
QByteArray chatToJson(const ChatExport& e);
// A chatToJson file read back (ids 0, the chat linked to no model; a reply that was still being
// written becomes "interrupted"). nullopt with `error` in words for anything else.
std::optional<ChatExport> chatFromJson(const QByteArray& json, QString* error);

// A file name for the chat: its title without characters file systems reject, plus `suffix`.
QString chatFileName(const QString& title, const QString& suffix);

}  // namespace lowbit::app
