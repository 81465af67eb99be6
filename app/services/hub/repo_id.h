#pragma once
// Names that come from the user or from a Hub listing and end up in URLs and local paths:
// repository ids ("owner/name"), revisions and file paths inside a repository.
//
// A file path from a Hub listing becomes a path under the download folder, so it is checked
// like untrusted input: no "..", no absolute path, no backslash or drive letter, no empty part.
#include <QString>
#include <optional>

namespace lowbit::app {

struct RepoId {
    QString owner;
    QString name;

    QString full() const { return owner + QLatin1Char('/') + name; }
    bool operator==(const RepoId&) const = default;

    // Parses "owner/name" (letters, digits, '-', '_', '.'; each part 1..96 characters, no
    // "..", not starting or ending with '-' or '.'). On failure returns nullopt and, when
    // `why` is given, a sentence saying what is wrong.
    static std::optional<RepoId> parse(const QString& text, QString* why = nullptr);
};

// A revision is a branch, tag or commit ("main", "v1.0", "refs/pr/3", a 40-hex sha).
bool isValidRevision(const QString& revision, QString* why = nullptr);

// A file path inside a repository that is safe to use under a local folder.
bool isSafeRepoPath(const QString& path, QString* why = nullptr);

}  // namespace lowbit::app
