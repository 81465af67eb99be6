#include "chat_list_model.h"

#include <QDateTime>
#include <QLocale>

#include "storage/storage_error.h"
#include "studio_context.h"

namespace lowbit::ui {

ChatListModel::ChatListModel(StudioContext& ctx, QObject* parent) : QAbstractListModel(parent), ctx_(ctx) {
    refresh();
}

int ChatListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(rows_.size());
}

QString ChatListModel::sectionFor(qint64 ms, qint64 nowMs) {
    const QDate day = QDateTime::fromMSecsSinceEpoch(ms).date();
    const QDate today = QDateTime::fromMSecsSinceEpoch(nowMs).date();
    const qint64 days = day.daysTo(today);
    if (days <= 0) return tr("Today");
    if (days == 1) return tr("Yesterday");
    if (days < 7) return tr("Previous 7 days");
    if (days < 30) return tr("Previous 30 days");
    return QLocale::c().toString(day, QStringLiteral("MMMM yyyy"));
}

QVariant ChatListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size()) return {};
    const app::ChatRecord& c = rows_[index.row()];
    switch (role) {
        case ChatIdRole:
            return c.id;
        case Qt::DisplayRole:
        case TitleRole:
            return c.title;
        case UpdatedRole:
            return c.updatedAt;
        case SectionRole:
            return sectionFor(c.updatedAt, QDateTime::currentMSecsSinceEpoch());
        case UpdatedTextRole: {
            const QDateTime t = QDateTime::fromMSecsSinceEpoch(c.updatedAt);
            return t.date() == QDate::currentDate()
                       ? QLocale::c().toString(t.time(), QStringLiteral("HH:mm"))
                       : QLocale::c().toString(t.date(), QStringLiteral("d MMM"));
        }
    }
    return {};
}

QHash<int, QByteArray> ChatListModel::roleNames() const {
    return {{ChatIdRole, "chatId"},
            {TitleRole, "title"},
            {UpdatedRole, "updated"},
            {SectionRole, "section"},
            {UpdatedTextRole, "updatedText"}};
}

void ChatListModel::setSearchText(const QString& text) {
    if (text == search_) return;
    search_ = text;
    emit searchTextChanged();
    refresh();
}

void ChatListModel::setError(const QString& e) {
    if (e == error_) return;
    error_ = e;
    emit errorChanged();
}

void ChatListModel::refresh() {
    QList<app::ChatRecord> rows;
    try {
        rows = ctx_.storage->chats().listChats(search_);
        setError({});
    } catch (const app::StorageError& e) {
        setError(e.message());
        return;
    }
    const int before = int(rows_.size());
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
    if (before != rows_.size()) emit countChanged();
}

bool ChatListModel::rename(qint64 chatId, const QString& title) {
    const QString t = title.simplified();
    if (t.isEmpty()) return false;
    try {
        ctx_.storage->chats().renameChat(chatId, t);
    } catch (const app::StorageError& e) {
        setError(e.message());
        return false;
    }
    const int row = indexOf(chatId);
    if (row >= 0) {
        rows_[row].title = t;
        emit dataChanged(index(row), index(row), {TitleRole, Qt::DisplayRole});
    }
    emit chatRenamed(chatId, t);
    return true;
}

bool ChatListModel::remove(qint64 chatId) {
    try {
        ctx_.storage->chats().deleteChat(chatId);
    } catch (const app::StorageError& e) {
        setError(e.message());
        return false;
    }
    const int row = indexOf(chatId);
    if (row >= 0) {
        beginRemoveRows({}, row, row);
        rows_.removeAt(row);
        endRemoveRows();
        emit countChanged();
    }
    emit chatRemoved(chatId);
    return true;
}

int ChatListModel::indexOf(qint64 chatId) const {
    for (int i = 0; i < rows_.size(); ++i) {
        if (rows_[i].id == chatId) return i;
    }
    return -1;
}

qint64 ChatListModel::chatIdAt(int row) const {
    return row >= 0 && row < rows_.size() ? rows_[row].id : 0;
}

}  // namespace lowbit::ui
