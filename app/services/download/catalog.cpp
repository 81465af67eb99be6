#include "download/catalog.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <algorithm>

namespace lowbit::app {

namespace {

bool matchesPattern(const QString& pattern, const QString& path) {
    // Qt 6 wildcards are path-aware: '*' and '?' never match '/'.
    const QRegularExpression re(QRegularExpression::wildcardToRegularExpression(pattern));
    return re.match(path).hasMatch();
}

bool fail(QString* why, const QString& text) {
    if (why) *why = text;
    return false;
}

QStringList stringList(const QJsonValue& v, bool* ok) {
    QStringList out;
    *ok = v.isUndefined() || v.isArray();
    for (const QJsonValue& item : v.toArray()) {
        if (!item.isString() || item.toString().isEmpty()) *ok = false;
        out.append(item.toString());
    }
    return out;
}

bool parseModel(const QJsonObject& o, CatalogModel* m, QString* why) {
    auto str = [&](const char* key) { return o.value(QLatin1String(key)).toString().trimmed(); };
    m->id = str("id");
    const QString where = QStringLiteral("model '%1'").arg(m->id);
    static const QRegularExpression kId(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,63}$"));
    if (!kId.match(m->id).hasMatch())
        return fail(
            why,
            QStringLiteral("%1: 'id' must be 1-64 lower-case letters, digits, '.', '_' or '-'").arg(where));
    m->name = str("name");
    m->repo = str("repo");
    m->revision = o.contains(QLatin1String("revision")) ? str("revision") : QStringLiteral("main");
    m->license = str("license");
    m->goodFor = str("good_for");
    m->note = str("note");
    m->gated = o.value(QLatin1String("gated")).toBool(false);
    if (m->name.isEmpty()) return fail(why, where + QStringLiteral(": 'name' is missing"));
    QString reason;
    if (!RepoId::parse(m->repo, &reason)) return fail(why, QStringLiteral("%1: %2").arg(where, reason));
    if (!isValidRevision(m->revision, &reason)) return fail(why, QStringLiteral("%1: %2").arg(where, reason));
    if (m->license.isEmpty()) return fail(why, where + QStringLiteral(": 'license' is missing"));
    if (m->goodFor.isEmpty()) return fail(why, where + QStringLiteral(": 'good_for' is missing"));

    const QString kind = str("kind");
    if (kind == QLatin1String("gguf"))
        m->kind = CatalogModel::Kind::Gguf;
    else if (kind == QLatin1String("safetensors"))
        m->kind = CatalogModel::Kind::SafetensorsFolder;
    else
        return fail(
            why,
            QStringLiteral("%1: 'kind' must be \"gguf\" or \"safetensors\", not \"%2\"").arg(where, kind));

    const QString category = str("category");
    if (category == QLatin1String("native-ternary"))
        m->category = CatalogModel::Category::NativeTernary;
    else if (category == QLatin1String("full-precision"))
        m->category = CatalogModel::Category::FullPrecision;
    else
        return fail(
            why,
            QStringLiteral("%1: 'category' must be \"native-ternary\" or \"full-precision\"").arg(where));

    bool ok = true;
    m->files = stringList(o.value(QLatin1String("files")), &ok);
    if (!ok) return fail(why, where + QStringLiteral(": 'files' must be a list of file paths"));
    m->include = stringList(o.value(QLatin1String("include")), &ok);
    if (!ok) return fail(why, where + QStringLiteral(": 'include' must be a list of patterns"));
    for (const QString& f : m->files) {
        if (!isSafeRepoPath(f, &reason)) return fail(why, QStringLiteral("%1: %2").arg(where, reason));
        if (m->kind == CatalogModel::Kind::Gguf && !f.endsWith(QLatin1String(".gguf")))
            return fail(why,
                        QStringLiteral("%1: GGUF entry lists '%2', which is not a .gguf file").arg(where, f));
    }
    if (m->kind == CatalogModel::Kind::Gguf && m->files.isEmpty())
        return fail(why, where + QStringLiteral(": a GGUF entry needs its exact 'files'"));
    if (m->kind == CatalogModel::Kind::SafetensorsFolder) {
        if (m->files.isEmpty() && m->include.isEmpty())
            return fail(why,
                        where + QStringLiteral(": a safetensors entry needs 'files' or 'include' patterns"));
        const bool weights =
            std::any_of(m->files.begin(), m->files.end(),
                        [](const QString& f) { return f.endsWith(QLatin1String(".safetensors")); }) ||
            std::any_of(m->include.begin(), m->include.end(),
                        [](const QString& p) { return p.endsWith(QLatin1String(".safetensors")); });
        if (!weights)
            return fail(why,
                        where + QStringLiteral(": a safetensors entry must select .safetensors weights"));
    }
    const double params = o.value(QLatin1String("parameters")).toDouble(0);
    const double bytes = o.value(QLatin1String("approx_download_bytes")).toDouble(0);
    if (params < 1e6 || params > 1e13)
        return fail(why, where + QStringLiteral(": 'parameters' is missing or implausible"));
    if (bytes < 1e6 || bytes > 1e13)
        return fail(why, where + QStringLiteral(": 'approx_download_bytes' is missing or implausible"));
    m->parameters = qint64(params);
    m->approxDownloadBytes = qint64(bytes);
    return true;
}

}  // namespace

bool CatalogModel::matches(const QString& path) const {
    if (files.contains(path)) return true;
    return std::any_of(include.begin(), include.end(),
                       [&](const QString& p) { return matchesPattern(p, path); });
}

QList<HubFile> CatalogModel::select(const QList<HubFile>& listing, QStringList* missing) const {
    QList<HubFile> out;
    for (const HubFile& f : listing)
        if (matches(f.path)) out.append(f);
    if (missing) {
        missing->clear();
        for (const QString& f : files)
            if (std::none_of(listing.begin(), listing.end(), [&](const HubFile& h) { return h.path == f; }))
                missing->append(f);
    }
    return out;
}

std::optional<Catalog> Catalog::parse(const QByteArray& json, QString* why) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError) {
        fail(why, QStringLiteral("the catalog is not valid JSON: %1 at offset %2")
                      .arg(error.errorString())
                      .arg(error.offset));
        return std::nullopt;
    }
    const QJsonObject root = doc.object();
    if (!doc.isObject() || !root.value(QLatin1String("version")).isDouble()) {
        fail(why, QStringLiteral("the catalog has no numeric 'version'"));
        return std::nullopt;
    }
    Catalog catalog;
    catalog.version_ = root.value(QLatin1String("version")).toInt();
    if (catalog.version_ < 1 || catalog.version_ > kSupportedVersion) {
        fail(why,
             QStringLiteral(
                 "catalog version %1 is not supported (this build reads version %2); update Lowbit Studio")
                 .arg(catalog.version_)
                 .arg(kSupportedVersion));
        return std::nullopt;
    }
    const QJsonValue models = root.value(QLatin1String("models"));
    if (!models.isArray() || models.toArray().isEmpty()) {
        fail(why, QStringLiteral("the catalog has no 'models' list"));
        return std::nullopt;
    }
    QSet<QString> ids;
    int index = 0;
    for (const QJsonValue& v : models.toArray()) {
        ++index;
        if (!v.isObject()) {
            fail(why, QStringLiteral("entry %1 of 'models' is not an object").arg(index));
            return std::nullopt;
        }
        CatalogModel m;
        if (!parseModel(v.toObject(), &m, why)) return std::nullopt;
        if (ids.contains(m.id)) {
            fail(why, QStringLiteral("model id '%1' appears twice").arg(m.id));
            return std::nullopt;
        }
        ids.insert(m.id);
        catalog.models_.append(m);
    }
    return catalog;
}

std::optional<Catalog> Catalog::loadFile(const QString& path, QString* why) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        fail(why, QStringLiteral("cannot read the catalog %1: %2").arg(path, file.errorString()));
        return std::nullopt;
    }
    QString reason;
    auto catalog = parse(file.readAll(), &reason);
    if (!catalog) fail(why, QStringLiteral("%1: %2").arg(path, reason));
    return catalog;
}

std::optional<Catalog> Catalog::loadBuiltin(QString* why) {
    return loadFile(QString::fromLatin1(kResourcePath), why);
}

const CatalogModel* Catalog::find(const QString& id) const {
    for (const CatalogModel& m : models_)
        if (m.id == id) return &m;
    return nullptr;
}

}  // namespace lowbit::app
