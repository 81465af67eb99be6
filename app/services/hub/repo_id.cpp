#include "hub/repo_id.h"

#include <QRegularExpression>
#include <QStringList>

namespace lowbit::app {

namespace {

bool setWhy(QString* why, const QString& text) {
    if (why) *why = text;
    return false;
}

bool validRepoPart(const QString& part, const char* what, QString* why) {
    static const QRegularExpression kAllowed(QStringLiteral("^[A-Za-z0-9._-]{1,96}$"));
    if (part.isEmpty()) return setWhy(why, QStringLiteral("the %1 is empty").arg(QLatin1String(what)));
    if (!kAllowed.match(part).hasMatch())
        return setWhy(why, QStringLiteral("the %1 '%2' may only contain letters, digits, '-', '_' and '.' "
                                          "(at most 96 characters)")
                               .arg(QLatin1String(what), part));
    if (part.contains(QLatin1String("..")) || part.contains(QLatin1String("--")))
        return setWhy(why,
                      QStringLiteral("the %1 '%2' contains '..' or '--'").arg(QLatin1String(what), part));
    const QChar first = part.front(), last = part.back();
    if (first == QLatin1Char('-') || first == QLatin1Char('.') || last == QLatin1Char('-') ||
        last == QLatin1Char('.'))
        return setWhy(
            why, QStringLiteral("the %1 '%2' starts or ends with '-' or '.'").arg(QLatin1String(what), part));
    return true;
}

}  // namespace

std::optional<RepoId> RepoId::parse(const QString& text, QString* why) {
    const QString trimmed = text.trimmed();
    const QStringList parts = trimmed.split(QLatin1Char('/'));
    if (parts.size() != 2) {
        setWhy(why, QStringLiteral("'%1' is not a repository id: expected OWNER/REPO, "
                                   "for example microsoft/bitnet-b1.58-2B-4T-gguf")
                        .arg(trimmed));
        return std::nullopt;
    }
    if (!validRepoPart(parts[0], "owner", why) || !validRepoPart(parts[1], "repository name", why))
        return std::nullopt;
    return RepoId{parts[0], parts[1]};
}

bool isValidRevision(const QString& revision, QString* why) {
    if (revision.isEmpty()) return setWhy(why, QStringLiteral("the revision is empty"));
    if (revision.size() > 256)
        return setWhy(why, QStringLiteral("the revision is longer than 256 characters"));
    for (const QChar c : revision) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || c.isSpace() || c == QLatin1Char('\\') ||
            c == QLatin1Char('?') || c == QLatin1Char('#'))
            return setWhy(why, QStringLiteral("the revision '%1' contains a character that is not allowed "
                                              "(space, control character, '\\', '?' or '#')")
                                   .arg(revision));
    }
    if (revision.contains(QLatin1String("..")))
        return setWhy(why, QStringLiteral("the revision '%1' contains '..'").arg(revision));
    return true;
}

bool isSafeRepoPath(const QString& path, QString* why) {
    if (path.isEmpty()) return setWhy(why, QStringLiteral("the file path is empty"));
    if (path.size() > 1024)
        return setWhy(why, QStringLiteral("the file path is longer than 1024 characters"));
    if (path.startsWith(QLatin1Char('/')))
        return setWhy(why, QStringLiteral("the file path '%1' is absolute").arg(path));
    for (const QChar c : path) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || c == QLatin1Char('\\') || c == QLatin1Char(':'))
            return setWhy(
                why,
                QStringLiteral("the file path '%1' contains a control character, '\\' or ':'").arg(path));
    }
    for (const QString& part : path.split(QLatin1Char('/'))) {
        if (part.isEmpty() || part == QLatin1String(".") || part == QLatin1String(".."))
            return setWhy(why, QStringLiteral("the file path '%1' has an empty, '.' or '..' part").arg(path));
    }
    return true;
}

}  // namespace lowbit::app
