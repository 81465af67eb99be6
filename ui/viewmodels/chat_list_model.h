#pragma once
// The sidebar's chats, newest first, filtered by the search field, grouped by age.
#include <QtQml/qqmlregistration.h>
#include <QAbstractListModel>

#include "storage/records.h"

namespace lowbit::ui {

struct StudioContext;

class ChatListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by StudioController")
    Q_PROPERTY(QString searchText READ searchText WRITE setSearchText NOTIFY searchTextChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)

  public:
    enum Role { ChatIdRole = Qt::UserRole + 1, TitleRole, UpdatedRole, SectionRole, UpdatedTextRole };

    explicit ChatListModel(StudioContext& ctx, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    int count() const { return int(rows_.size()); }
    const QString& searchText() const { return search_; }
    void setSearchText(const QString& text);
    const QString& error() const { return error_; }

    Q_INVOKABLE void refresh();
    Q_INVOKABLE bool rename(qint64 chatId, const QString& title);
    Q_INVOKABLE bool remove(qint64 chatId);
    Q_INVOKABLE int indexOf(qint64 chatId) const;
    Q_INVOKABLE qint64 chatIdAt(int row) const;

    // "Today", "Yesterday", "Previous 7 days", "Previous 30 days", or "Month Year".
    static QString sectionFor(qint64 msSinceEpoch, qint64 nowMs);

  signals:
    void searchTextChanged();
    void countChanged();
    void errorChanged();
    void chatRemoved(qint64 chatId);
    void chatRenamed(qint64 chatId, const QString& title);

  private:
    void setError(const QString& e);
    StudioContext& ctx_;
    QString search_;
    QString error_;
    QList<app::ChatRecord> rows_;
};

}  // namespace lowbit::ui
