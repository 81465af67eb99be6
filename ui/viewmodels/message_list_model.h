#pragma once
// The messages of the open chat. Rows carry the text both raw (for copy and edit) and split
// into blocks (prose / code / reasoning) for drawing.
#include <QtQml/qqmlregistration.h>
#include <QAbstractListModel>

#include "storage/records.h"

namespace lowbit::ui {

class MessageListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ChatSession")
    Q_PROPERTY(int count READ count NOTIFY countChanged)

  public:
    enum Role {
        MessageIdRole = Qt::UserRole + 1,
        RoleRole,
        TextRole,
        BlocksRole,
        StateRole,
        ModelNameRole,
        CompletionTokensRole,
        PromptTokensRole,
        TokensPerSecondRole,
        StopReasonRole,
        TimeRole,
        IsLastRole,
    };

    explicit MessageListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void reset(const QList<app::MessageRecord>& messages);
    void append(const app::MessageRecord& message);
    void appendText(qint64 messageId, const QString& text);
    void update(const app::MessageRecord& message);
    void removeFrom(int row);  // this row and all after it
    int rowOf(qint64 messageId) const;
    const QList<app::MessageRecord>& messages() const { return rows_; }

    int count() const { return int(rows_.size()); }
    Q_INVOKABLE QString textOf(int row) const;
    Q_INVOKABLE QString roleOf(int row) const;

  signals:
    void countChanged();

  private:
    QVariantList blocksFor(int row) const;
    QList<app::MessageRecord> rows_;
    mutable QList<QVariantList> blocks_;  // cache, cleared per row on change
    mutable QList<bool> blocksValid_;
};

}  // namespace lowbit::ui
