#include "engine/model_inspector.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <map>
#include <optional>

#include "chat/chat_template.h"
#include "engine/inference_engine.h"
#include "lowbit/gguf.h"
#include "lowbit/onebit.h"

namespace lowbit::app {
namespace {

int64_t getInt(const GgufFile& f, const std::string& key, int64_t fallback = 0) {
    try {
        return f.get_int(key).value_or(fallback);
    } catch (const std::exception&) {
        return fallback;
    }
}

std::string getString(const GgufFile& f, const std::string& key) {
    try {
        return f.get_string(key).value_or(std::string());
    } catch (const std::exception&) {
        return {};
    }
}

// Whether the vocabulary holds `text` as a special token (control or user-defined when the
// file records token types, any token otherwise).
class VocabularyProbe {
  public:
    explicit VocabularyProbe(const GgufFile& f) {
        const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
        const GgufValue* types = f.find("tokenizer.ggml.token_type");
        if (!tokens || !tokens->is_array() || tokens->elem_type() != GgufType::STRING) return;
        const auto& texts = tokens->strings();
        const bool typed = types && types->is_array() && types->size() == texts.size() &&
                           types->elem_type() != GgufType::STRING && types->elem_type() != GgufType::ARRAY &&
                           types->elem_type() != GgufType::FLOAT32 && types->elem_type() != GgufType::FLOAT64;
        for (size_t i = 0; i < texts.size(); ++i) {
            const std::string& t = texts[i];
            if (t.size() < 3 || (t.front() != '<' && t.front() != '['))
                continue;  // special tokens look like <...>
            if (typed) {
                const int64_t type = types->ints()[i];
                if (type != 3 && type != 4) continue;  // control, user-defined
            }
            specials_.push_back(t);
        }
        std::sort(specials_.begin(), specials_.end());
    }
    bool has(const std::string& t) const { return std::binary_search(specials_.begin(), specials_.end(), t); }

  private:
    std::vector<std::string> specials_;
};

}  // namespace

QString formatCount(qint64 n) {
    if (n >= 1'000'000'000) return QString::number(double(n) / 1e9, 'f', 2) + QStringLiteral(" B");
    if (n >= 1'000'000)
        return QString::number(double(n) / 1e6, 'f', n >= 100'000'000 ? 0 : 1) + QStringLiteral(" M");
    if (n >= 1'000) return QString::number(double(n) / 1e3, 'f', 1) + QStringLiteral(" K");
    return QString::number(n);
}

QString formatBytes(qint64 bytes) {
    const double b = double(bytes);
    if (b >= 1e9) return QString::number(b / 1e9, 'f', 2) + QStringLiteral(" GB");
    if (b >= 1e6) return QString::number(b / 1e6, 'f', 1) + QStringLiteral(" MB");
    if (b >= 1e3) return QString::number(b / 1e3, 'f', 0) + QStringLiteral(" KB");
    return QString::number(bytes) + QStringLiteral(" B");
}

ModelFacts inspectModel(const QString& path) {
    const QFileInfo fi(path);
    if (!fi.exists()) throw EngineError(QStringLiteral("The file \"%1\" does not exist.").arg(path));
    std::unique_ptr<GgufFile> f;
    try {
        f = GgufFile::open(fi.absoluteFilePath().toStdString());
    } catch (const std::exception& e) {
        throw EngineError(QStringLiteral("\"%1\" is not a usable GGUF model: %2")
                              .arg(fi.fileName(), QString::fromStdString(e.what())));
    }

    ModelFacts facts;
    ModelRecord& r = facts.record;
    r.path = fi.absoluteFilePath();
    const std::string arch = getString(*f, "general.architecture");
    r.architecture = QString::fromStdString(arch);
    const std::string name = getString(*f, "general.name");
    r.name = name.empty() ? fi.completeBaseName() : QString::fromStdString(name);
    r.fileSize = fi.size();
    r.fileMtime = fi.lastModified().toMSecsSinceEpoch();

    // Parameters, bytes and types over all tensors; the blocks' matrices separately, because
    // they are what a 1-bit format compresses (embeddings and norms often stay high-precision).
    struct TypeShare {
        int tensors = 0;
        qint64 bytes = 0;
        qint64 elements = 0;
    };
    std::map<std::string, TypeShare> byType;
    qint64 elements = 0, bytes = 0, linElements = 0, linBytes = 0;
    for (const GgufTensorInfo& t : f->tensors()) {
        // A OneBit / binary weight is an I8 tensor of packed signs (8 weights a byte) plus
        // companion tensors (value vectors g and h, or β): count it as rows x cols weights of
        // its kind, taking the companions' bytes, and skip the companions themselves.
        if (onebit::is_companion_name(t.name)) continue;
        qint64 n = t.n_elements();
        qint64 nbytes = qint64(t.nbytes);
        std::string type(type_name(t.type));
        std::optional<onebit::PackedWeight> packed;
        try {
            packed = onebit::find_packed_weight(*f, t.name);
        } catch (const std::exception& e) {
            throw EngineError(QStringLiteral("\"%1\" is not a usable GGUF model: %2")
                                  .arg(fi.fileName(), QString::fromStdString(e.what())));
        }
        if (packed) {
            n = packed->rows * packed->cols;
            nbytes = qint64(packed->total_bytes);
            type = packed->kind == onebit::PackedKind::OneBit ? "onebit" : "binary";
        }
        elements += n;
        bytes += nbytes;
        auto& share = byType[type];
        ++share.tensors;
        share.bytes += nbytes;
        share.elements += n;
        if (t.name.rfind("blk.", 0) == 0 && t.ne.size() >= 2 && t.ne[1] > 1) {
            linElements += n;
            linBytes += nbytes;
        }
    }
    if (elements == 0) throw EngineError(QStringLiteral("\"%1\" holds no tensors.").arg(fi.fileName()));
    r.nParams = elements;
    r.weightBytes = bytes;
    r.bitsPerWeight = 8.0 * double(bytes) / double(elements);
    facts.linearBitsPerWeight = linElements ? 8.0 * double(linBytes) / double(linElements) : 0;

    // By share of the parameters: what the weights are stored as. (For a small ternary model the
    // high-precision embeddings may hold most of the bytes but few of the matrices.)
    std::vector<std::pair<std::string, TypeShare>> types(byType.begin(), byType.end());
    std::sort(types.begin(), types.end(),
              [](const auto& a, const auto& b) { return a.second.elements > b.second.elements; });
    QStringList typeText;
    for (const auto& [t, share] : types) {
        const double pct = 100.0 * double(share.elements) / double(elements);
        typeText << QStringLiteral("%1 ×%2 (%3%)")
                        .arg(QString::fromStdString(t).toUpper())
                        .arg(share.tensors)
                        .arg(pct < 1 ? QStringLiteral("<1") : QString::number(pct, 'f', 0));
    }
    r.weightTypes = typeText.join(QStringLiteral(", "));

    const std::string p = arch + ".";
    r.contextLength = getInt(*f, p + "context_length");
    const int64_t layers = getInt(*f, p + "block_count");
    const int64_t embd = getInt(*f, p + "embedding_length");
    const int64_t heads = getInt(*f, p + "attention.head_count");
    const int64_t kvHeads = getInt(*f, p + "attention.head_count_kv", heads);
    const int64_t headDim = heads > 0 ? getInt(*f, p + "attention.key_length", embd / heads) : 0;
    const GgufValue* tokens = f->find("tokenizer.ggml.tokens");
    const int64_t vocab = tokens && tokens->is_array() ? int64_t(tokens->size()) : 0;

    facts.kvBytesPerToken = 2 /*K,V*/ * 2 /*F16*/ * layers * kvHeads * headDim;
    facts.defaultContext = r.contextLength > 0 ? std::min<qint64>(r.contextLength, 4096) : 4096;
    const qint64 work = vocab * 4 * 2 + embd * 4 * 64 + (16 << 20);
    facts.estimatedBytes = bytes + facts.kvBytesPerToken * facts.defaultContext + work;

    const VocabularyProbe probe(*f);
    chat::ModelHints hints;
    hints.architecture = arch;
    hints.hasToken = [&probe](const std::string& t) { return probe.has(t); };
    const chat::Detection d = chat::detectTemplate(getString(*f, "tokenizer.chat_template"), hints);
    r.templateFamily = QString::fromUtf8(chat::familyKey(d.spec.family));

    QJsonObject details{
        {QStringLiteral("layers"), qint64(layers)},
        {QStringLiteral("embedding"), qint64(embd)},
        {QStringLiteral("heads"), qint64(heads)},
        {QStringLiteral("kv_heads"), qint64(kvHeads)},
        {QStringLiteral("vocab"), qint64(vocab)},
        {QStringLiteral("tokenizer"), QString::fromStdString(getString(*f, "tokenizer.ggml.model"))},
        {QStringLiteral("linear_bits_per_weight"), facts.linearBitsPerWeight},
        {QStringLiteral("kv_bytes_per_token"), facts.kvBytesPerToken},
        {QStringLiteral("default_context"), facts.defaultContext},
        {QStringLiteral("estimated_bytes"), facts.estimatedBytes},
        {QStringLiteral("template_source"), QString::fromUtf8(chat::detectionSourceText(d.source))},
        {QStringLiteral("gguf_version"), qint64(f->version())},
    };
    r.details = QString::fromUtf8(QJsonDocument(details).toJson(QJsonDocument::Compact));
    return facts;
}

}  // namespace lowbit::app
