#pragma once
// A chat as a file a person can keep or share: Markdown (a readable transcript: title, model,
// dates, settings, the system prompt, each message under its speaker, replies with their
// figures) or JSON (every stored field, for scripts). Pure functions of the stored records.
#include <QByteArray>
#include <QList>
#include <QString>

#include "storage/records.h"

namespace lowbit::app {

struct ChatExport {
    ChatRecord chat;
    QString modelName;  // the chat's model, "" when none
    QList<MessageRecord> messages;
};

QString chatToMarkdown(const ChatExport& e);
QByteArray chatToJson(const ChatExport& e);

// A file name for the chat: its title without characters file systems reject, plus `suffix`.
QString chatFileName(const QString& title, const QString& suffix);

}  // namespace lowbit::app
