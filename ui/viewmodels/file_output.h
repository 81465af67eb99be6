#pragma once
// Where the views' exports go: a file dialog's URL as a local path, a default path in the
// user's Documents folder (the home folder when there is none), and writes that never leave half a file
// (QSaveFile: on a full disk or any other failure, an earlier file of that name is left as it was).
#include <QByteArray>
#include <QString>

namespace lowbit::ui {

QString toLocalPath(const QString& pathOrUrl);
QString documentsPath(const QString& fileName);
bool writeFileAtomically(const QString& path, const QByteArray& bytes);

}  // namespace lowbit::ui
