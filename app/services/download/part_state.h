#pragma once
// The sidecar that lets a download resume after the app restarts.
//
// While "<file>" downloads, its bytes go to "<file>.part" and what is needed to continue sits
// in "<file>.part.json": repository, revision, path, expected size and checksum, and the ETag
// seen when the transfer began (a changed ETag means the file changed upstream, so the part
// is discarded). Neither name ends in a model extension, so a scan for *.gguf or
// *.safetensors never mistakes an unfinished download for a model. The access token is never
// written here.
#include <QString>
#include <optional>

namespace lowbit::app {

struct PartState {
    static constexpr int kVersion = 1;

    QString hub;   // base URL the download started from (informational)
    QString repo;  // "owner/name"
    QString revision;
    QString path;      // file inside the repository
    qint64 size = -1;  // expected final size, -1 unknown
    QString sha256;    // expected SHA-256 (lower-case hex) or empty
    QString gitOid;    // expected git blob id or empty
    QString etag;      // ETag / X-Linked-Etag of the first answer, may be empty
    QString commit;    // X-Repo-Commit when the Hub sent one

    static QString partPath(const QString& finalPath) { return finalPath + QStringLiteral(".part"); }
    static QString sidecarPath(const QString& finalPath) { return finalPath + QStringLiteral(".part.json"); }
    // The final file a sidecar belongs to, or empty if `sidecar` does not end in ".part.json".
    static QString finalPathOf(const QString& sidecar);

    // Reads a sidecar; nullopt (and a reason) if missing, unreadable, malformed or from a newer
    // version of the format.
    static std::optional<PartState> load(const QString& sidecar, QString* why = nullptr);
    // Writes atomically (temporary file + rename). Returns false with a reason on failure.
    bool save(const QString& sidecar, QString* why = nullptr) const;
};

}  // namespace lowbit::app
