#pragma once
// Errors of the chat-history database, each with a message meant for the person using the app.
#include <QString>
#include <stdexcept>

namespace lowbit::app {

class StorageError : public std::runtime_error {
  public:
    enum class Kind {
        Io,       // the folder or file cannot be created, read or written
        Damaged,  // not an SQLite file, or the integrity check failed
        Foreign,  // a valid SQLite file that belongs to another program
        TooNew,   // written by a newer Lowbit Studio (schema version above ours)
        Query,    // a statement failed on an otherwise healthy database
    };

    StorageError(Kind kind, const QString& message, const QString& path = {})
        : std::runtime_error(message.toStdString()), kind_(kind), message_(message), path_(path) {}

    Kind kind() const { return kind_; }
    const QString& message() const { return message_; }
    const QString& path() const { return path_; }

  private:
    Kind kind_;
    QString message_;
    QString path_;
};

}  // namespace lowbit::app
