#include "message_list_model.h"

#include <QDateTime>
#include <QLocale>

#include "chat/markdown_blocks.h"

namespace lowbit::ui {

MessageListModel::MessageListModel(QObject* parent) : QAbstractListModel(parent) {}

int MessageListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

QVariantList MessageListModel::blocksFor(int row) const {
    if (!blocksValid_[row]) {
        QVariantList list;
        const auto& m = rows_[row];
        if (m.role == QLatin1String("assistant")) {
            for (const auto& b : app::chat::splitBlocks(m.text)) {
                const char* kind = b.kind == app::chat::TextBlock::Kind::Code    ? "code"
                                   : b.kind == app::chat::TextBlock::Kind::Think ? "think"
                                                                                 : "markdown";
                list << QVariantMap{{QStringLiteral("kind"), QString::fromLatin1(kind)},
                                    {QStringLiteral("text"), b.text},
                                    {QStringLiteral("language"), b.language},
                                    {QStringLiteral("complete"), b.complete}};
            }
        } else if (!m.text.isEmpty()) {
            // What the person typed is shown as typed, not interpreted as Markdown.
            list << QVariantMap{{QStringLiteral("kind"), QStringLiteral("plain")},
                                {QStringLiteral("text"), m.text},
                                {QStringLiteral("language"), QString()},
                                {QStringLiteral("complete"), true}};
        }
        blocks_[row] = list;
        blocksValid_[row] = true;
    }
    return blocks_[row];
}

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size()) return {};
    const app::MessageRecord& m = rows_[index.row()];
    switch (role) {
        case MessageIdRole:
            return m.id;
        case RoleRole:
            return m.role;
        case Qt::DisplayRole:
        case TextRole:
            return m.text;
        case BlocksRole:
            return blocksFor(index.row());
        case StateRole:
            return app::messageStateName(m.state);
        case ModelNameRole:
            return m.modelName;
        case CompletionTokensRole:
            return m.completionTokens;
        case PromptTokensRole:
            return m.promptTokens;
        case TokensPerSecondRole:
            return m.tokensPerSecond;
        case StopReasonRole:
            return m.stopReason;
        case TimeRole:
            return QLocale::c().toString(QDateTime::fromMSecsSinceEpoch(m.createdAt),
                                         QStringLiteral("HH:mm"));
        case IsLastRole:
            return index.row() == rows_.size() - 1;
    }
    return {};
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
    return {{MessageIdRole, "messageId"},
            {RoleRole, "role"},
            {TextRole, "text"},
            {BlocksRole, "blocks"},
            {StateRole, "state"},
            {ModelNameRole, "modelName"},
            {CompletionTokensRole, "completionTokens"},
            {PromptTokensRole, "promptTokens"},
            {TokensPerSecondRole, "tokensPerSecond"},
            {StopReasonRole, "stopReason"},
            {TimeRole, "time"},
            {IsLastRole, "isLast"}};
}

void MessageListModel::reset(const QList<app::MessageRecord>& messages) {
    const int before = int(rows_.size());
    beginResetModel();
    rows_ = messages;
    blocks_ = QList<QVariantList>(rows_.size());
    blocksValid_ = QList<bool>(rows_.size(), false);
    endResetModel();
    if (before != rows_.size()) emit countChanged();
}

void MessageListModel::append(const app::MessageRecord& message) {
    const int row = int(rows_.size());
    beginInsertRows({}, row, row);
    rows_ << message;
    blocks_ << QVariantList();
    blocksValid_ << false;
    endInsertRows();
    if (row > 0) emit dataChanged(index(row - 1), index(row - 1), {IsLastRole});
    emit countChanged();
}

void MessageListModel::appendText(qint64 messageId, const QString& text) {
    const int row = rowOf(messageId);
    if (row < 0) return;
    rows_[row].text += text;
    blocksValid_[row] = false;
    emit dataChanged(index(row), index(row), {TextRole, BlocksRole, Qt::DisplayRole});
}

void MessageListModel::update(const app::MessageRecord& message) {
    const int row = rowOf(message.id);
    if (row < 0) return;
    rows_[row] = message;
    blocksValid_[row] = false;
    emit dataChanged(index(row), index(row));
}

void MessageListModel::removeFrom(int row) {
    if (row < 0 || row >= rows_.size()) return;
    beginRemoveRows({}, row, int(rows_.size()) - 1);
    rows_.resize(row);
    blocks_.resize(row);
    blocksValid_.resize(row);
    endRemoveRows();
    if (row > 0) emit dataChanged(index(row - 1), index(row - 1), {IsLastRole});
    emit countChanged();
}

int MessageListModel::rowOf(qint64 messageId) const {
    for (int i = int(rows_.size()) - 1; i >= 0; --i) {
        if (rows_[i].id == messageId) return i;
    }
    return -1;
}

QString MessageListModel::textOf(int row) const {
    return row >= 0 && row < rows_.size() ? rows_[row].text : QString();
}
QString MessageListModel::roleOf(int row) const {
    return row >= 0 && row < rows_.size() ? rows_[row].role : QString();
}

}  // namespace lowbit::ui
