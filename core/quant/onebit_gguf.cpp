// GGUF layout of OneBit / binary weights (docs/FORMATS.md): standard tensor types plus
// companion tensors and metadata keys, so any GGUF reader can open the file.
#include <string>

#include "lowbit/error.h"
#include "lowbit/gguf.h"
#include "lowbit/onebit.h"

namespace lowbit::onebit {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

[[noreturn]] void bad(std::string_view weight, const std::string& why) {
    throw FormatError("packed 1-bit weight '" + std::string(weight) + "': " + why);
}

void check_version(const GgufFile& file, std::string_view weight) {
    const auto v = file.get_int(kVersionKey);
    if (!v)
        bad(weight, "companion tensors present but metadata key " + std::string(kVersionKey) + " is missing");
    if (*v < 1)
        bad(weight, std::string(kVersionKey) + " = " + std::to_string(*v) + " is not a valid version");
    if (*v > static_cast<int64_t>(kFormatVersion)) {
        throw UnsupportedError("packed 1-bit weights of format version " + std::to_string(*v) +
                               " (this build reads version " + std::to_string(kFormatVersion) + ")");
    }
}

void check_vector(std::string_view weight, const GgufTensorInfo* t, TensorType type, int64_t len,
                  const char* what) {
    if (t->type != type || t->ne.size() != 1 || t->ne[0] != len) {
        bad(weight, std::string(what) + " must be " + std::string(type_name(type)) + " [" +
                        std::to_string(len) + "], is " + std::string(type_name(t->type)) + " " +
                        t->shape_string());
    }
}

void check_cols(const std::string& weight_name, int64_t rows, int64_t cols) {
    if (rows <= 0 || cols <= 0 || cols % 8 != 0) {
        throw Error("cannot store '" + weight_name + "' as packed 1-bit weights: shape [" +
                    std::to_string(cols) + ", " + std::to_string(rows) +
                    "] needs a row length that is a positive multiple of 8");
    }
}

}  // namespace

std::string g_tensor_name(std::string_view weight_name) {
    return std::string(weight_name) + std::string(kGSuffix);
}
std::string h_tensor_name(std::string_view weight_name) {
    return std::string(weight_name) + std::string(kHSuffix);
}
std::string beta_tensor_name(std::string_view weight_name) {
    return std::string(weight_name) + std::string(kBetaSuffix);
}

bool is_companion_name(std::string_view name) {
    return ends_with(name, kGSuffix) || ends_with(name, kHSuffix) || ends_with(name, kBetaSuffix);
}

double PackedWeight::bits_per_weight() const {
    const double n = static_cast<double>(rows) * static_cast<double>(cols);
    return n > 0 ? 8.0 * static_cast<double>(total_bytes) / n : 0.0;
}

std::optional<PackedWeight> find_packed_weight(const GgufFile& file, std::string_view weight_name) {
    if (is_companion_name(weight_name)) return std::nullopt;
    const GgufTensorInfo* g = file.find_tensor(g_tensor_name(weight_name));
    const GgufTensorInfo* h = file.find_tensor(h_tensor_name(weight_name));
    const GgufTensorInfo* beta = file.find_tensor(beta_tensor_name(weight_name));
    if (!g && !h && !beta) return std::nullopt;
    check_version(file, weight_name);
    const GgufTensorInfo* s = file.find_tensor(weight_name);
    if (!s) bad(weight_name, "companion tensors exist but the sign tensor itself is missing");
    if (s->type != TensorType::I8 || s->ne.size() != 2) {
        bad(weight_name, "sign tensor must be I8 [cols/8, rows], is " + std::string(type_name(s->type)) +
                             " " + s->shape_string());
    }
    PackedWeight p;
    p.signs = s;
    p.cols = s->ne[0] * 8;
    p.rows = s->ne[1];
    if (beta) {
        if (g || h) bad(weight_name, "has both OneBit value vectors and a binary scale");
        check_vector(weight_name, beta, TensorType::F32, 1, "binary_beta");
        p.kind = PackedKind::Binary;
        p.beta = beta;
        p.total_bytes = s->nbytes + beta->nbytes;
        return p;
    }
    if (!g || !h) bad(weight_name, "OneBit needs both value vectors (onebit_g and onebit_h)");
    check_vector(weight_name, g, TensorType::F16, p.cols, "onebit_g");
    check_vector(weight_name, h, TensorType::F16, p.rows, "onebit_h");
    p.kind = PackedKind::OneBit;
    p.g = g;
    p.h = h;
    p.total_bytes = s->nbytes + g->nbytes + h->nbytes;
    return p;
}

std::vector<std::pair<std::string, PackedWeight>> packed_weights(const GgufFile& file) {
    std::vector<std::pair<std::string, PackedWeight>> out;
    for (const auto& t : file.tensors()) {
        if (auto p = find_packed_weight(file, t.name)) out.emplace_back(t.name, *p);
    }
    return out;
}

void declare_onebit_weight(GgufWriter& w, const std::string& name, int64_t rows, int64_t cols) {
    check_cols(name, rows, cols);
    w.add_tensor(name, TensorType::I8, {cols / 8, rows});
    w.add_tensor(g_tensor_name(name), TensorType::F16, {cols});
    w.add_tensor(h_tensor_name(name), TensorType::F16, {rows});
}

void declare_binary_weight(GgufWriter& w, const std::string& name, int64_t rows, int64_t cols) {
    check_cols(name, rows, cols);
    w.add_tensor(name, TensorType::I8, {cols / 8, rows});
    w.add_tensor(beta_tensor_name(name), TensorType::F32, {1});
}

void set_metadata(GgufWriter& w, PackedKind kind) {
    w.set(std::string(kVersionKey), GgufValue::u32(kFormatVersion));
    w.set(std::string(kQuantizationKey),
          GgufValue::make_string(kind == PackedKind::OneBit ? "onebit" : "binary"));
}

}  // namespace lowbit::onebit
