#pragma once
// The curated model catalog (resources/catalog/models.json, built into the app as
// ":/catalog/models.json"): real Hugging Face repositories with exact file names for GGUF
// models, and file patterns for safetensors model folders.
//
// The file is versioned ({"version": 1, "models": [...]}); a newer version is refused with a
// message rather than half-read. Every entry is validated: repository id, kind, category,
// files or patterns, sizes, licence.
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

#include "hub/hub_client.h"

namespace lowbit::app {

struct CatalogModel {
    enum class Kind { Gguf, SafetensorsFolder };
    enum class Category { NativeTernary, FullPrecision };

    QString id;        // stable key, e.g. "bitnet-b1.58-2b-4t-gguf"
    QString name;      // shown to people
    QString repo;      // "owner/name"
    QString revision;  // usually "main"
    Kind kind = Kind::Gguf;
    Category category = Category::FullPrecision;
    QStringList files;    // exact paths (GGUF entries)
    QStringList include;  // glob patterns over repository paths (folder entries); '*' stops at '/'
    qint64 parameters = 0;
    qint64 approxDownloadBytes = 0;
    QString license;
    bool gated = false;  // needs an accepted licence and an access token
    QString goodFor;
    QString note;  // what could not be verified, caveats

    // Whether a repository path belongs to this entry (exact file or include pattern).
    bool matches(const QString& path) const;
    // The files of a Hub listing that make up this entry; exact files missing from the listing
    // are reported in `missing`.
    QList<HubFile> select(const QList<HubFile>& listing, QStringList* missing = nullptr) const;
};

class Catalog {
  public:
    static constexpr int kSupportedVersion = 1;
    static constexpr const char* kResourcePath = ":/catalog/models.json";

    // Parses and validates; on failure returns nullopt and a reason naming the entry/field.
    static std::optional<Catalog> parse(const QByteArray& json, QString* why);
    static std::optional<Catalog> loadFile(const QString& path, QString* why);
    // The catalog compiled into the application.
    static std::optional<Catalog> loadBuiltin(QString* why);

    int version() const { return version_; }
    const QList<CatalogModel>& models() const { return models_; }
    const CatalogModel* find(const QString& id) const;

  private:
    int version_ = 0;
    QList<CatalogModel> models_;
};

}  // namespace lowbit::app
