// Opening conversion sources (GGUF or Hugging Face folder) and reading their rows as floats.
#include "convert/source_model.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "convert/hf_tokenizer.h"
#include "lowbit/error.h"
#include "lowbit/onebit.h"
#include "lowbit/quant.h"

namespace lowbit::conv {

namespace {

namespace fs = std::filesystem;

bool supported_gguf_arch(const std::string& a) {
    return a == "llama" || a == "qwen2" || a == "bitnet" || a == "bitnet-b1.58" || a == "bitnet-25";
}

// Keys that describe the stored types or layout of the source file, not the model.
bool drop_key(const std::string& k) {
    return k == "general.alignment" || k == "general.file_type" || k == "general.quantization_version" ||
           k.rfind("lowbit.onebit.", 0) == 0 || k == std::string(onebit::kQuantizationKey) ||
           k.rfind("lowbit.convert.", 0) == 0 || k.rfind("quantize.imatrix.", 0) == 0;
}

TensorType safetensors_type(SafetensorsDtype d) {
    switch (d) {
        case SafetensorsDtype::F16:
            return TensorType::F16;
        case SafetensorsDtype::BF16:
            return TensorType::BF16;
        default:
            return TensorType::F32;
    }
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::unique_ptr<SourceModel> open_gguf(const std::string& path) {
    auto m = std::make_unique<SourceModel>();
    m->path = path;
    m->format = "gguf";
    m->gguf = GgufFile::open(path);
    const GgufFile& f = *m->gguf;
    m->file_bytes = f.file_size();
    auto arch = f.get_string("general.architecture");
    if (!arch) throw FormatError("'" + path + "': metadata 'general.architecture' is missing");
    if (!supported_gguf_arch(*arch))
        throw UnsupportedError("'" + path + "': architecture '" + *arch +
                               "' is not supported (supported: llama, qwen2, bitnet, bitnet-b1.58)");
    m->arch = *arch;
    m->native_ternary = arch->rfind("bitnet", 0) == 0;
    m->name = f.get_string("general.name").value_or(fs::path(path).stem().string());
    if (!onebit::packed_weights(f).empty())
        throw UnsupportedError("'" + path +
                               "' already holds OneBit/binary weights; convert from the original model");
    for (const auto& [k, v] : f.metadata())
        if (!drop_key(k)) m->metadata.emplace_back(k, v);
    for (const auto& ti : f.tensors()) {
        SourceTensor t;
        t.name = ti.name;
        t.source_name = ti.name;
        t.ne = ti.ne;
        t.type = ti.type;
        t.type_label = std::string(type_name(ti.type));
        t.data = ti.data;
        t.nbytes = ti.nbytes;
        t.gguf = &ti;
        if (type_traits(ti.type).quantized && ti.ne.size() >= 2) m->has_quantized = true;
        m->tensors.push_back(std::move(t));
    }
    if (m->has_quantized)
        m->warnings.push_back(
            "the source is already quantized: converting it again compounds the quantization "
            "error (convert from the F16/BF16 original when you can)");
    return m;
}

std::unique_ptr<SourceModel> open_folder(const std::string& dir) {
    auto m = std::make_unique<SourceModel>();
    m->path = dir;
    m->format = "safetensors";
    HfConfig cfg = read_hf_config(dir);
    m->warnings = cfg.warnings;
    m->st = SafetensorsModel::open_folder(dir);
    m->file_bytes = m->st->total_bytes();

    // Map every checkpoint tensor to its GGUF name.
    std::map<std::string, const SafetensorsTensor*> by_gguf;
    for (const SafetensorsTensor* t : m->st->tensors()) {
        auto name = gguf_tensor_name(t->name, cfg);
        if (!name) continue;
        if (!t->is_float())
            throw UnsupportedError("tensor '" + t->name + "' in '" + m->st->file_of(*t).path() +
                                   "' has dtype " + std::string(safetensors_dtype_name(t->dtype)) +
                                   "; only F32, F16 and BF16 weights can be converted" +
                                   (cfg.bitnet
                                        ? " (for BitNet b1.58 2B4T use the '-bf16' repository, which holds "
                                          "the master weights)"
                                        : ""));
        auto [it, fresh] = by_gguf.emplace(*name, t);
        if (!fresh)
            throw FormatError("tensors '" + it->second->name + "' and '" + t->name + "' both map to '" +
                              *name + "'");
    }
    auto embd = by_gguf.find("token_embd.weight");
    if (embd == by_gguf.end()) throw FormatError("'" + dir + "' has no model.embed_tokens.weight");
    if (embd->second->shape.size() != 2 || embd->second->shape[1] != cfg.n_embd)
        throw FormatError("model.embed_tokens.weight has shape " + embd->second->shape_string() +
                          ", expected [vocab, " + std::to_string(cfg.n_embd) + "]");
    const int64_t n_vocab = embd->second->shape[0];
    if (cfg.vocab_size > 0 && cfg.vocab_size != n_vocab)
        m->warnings.push_back("config.json says vocab_size " + std::to_string(cfg.vocab_size) +
                              " but the embedding has " + std::to_string(n_vocab) +
                              " rows; using the embedding");
    cfg.vocab_size = n_vocab;

    bool with_output = by_gguf.count("output.weight") > 0;
    if (with_output && cfg.tie_word_embeddings.value_or(false)) {
        m->warnings.push_back("lm_head.weight is ignored: config.json ties it to the embeddings");
        by_gguf.erase("output.weight");
        with_output = false;
    }

    if (cfg.rope.type == "llama3") {
        SourceTensor t;
        t.name = "rope_freqs.weight";
        t.source_name = "(computed from config.json rope_scaling)";
        t.owned = llama3_rope_factors(cfg);
        t.ne = {static_cast<int64_t>(t.owned.size())};
        t.type = TensorType::F32;
        t.type_label = "f32";
        t.nbytes = t.owned.size() * sizeof(float);
        m->tensors.push_back(std::move(t));
    }
    for (const auto& [name, ne] : expected_tensors(cfg, n_vocab, with_output)) {
        auto it = by_gguf.find(name);
        if (it == by_gguf.end())
            throw FormatError("'" + dir + "' lacks tensor '" + hf_tensor_name_hint(name, cfg) + "' (GGUF '" +
                              name + "') that a " + cfg.hf_arch + " model needs");
        const SafetensorsTensor& st = *it->second;
        // HF stores [out, in] (outermost first); GGUF's ne is innermost first.
        std::vector<int64_t> got(st.shape.rbegin(), st.shape.rend());
        if (got != ne) {
            std::string want = "[";
            for (size_t i = ne.size(); i-- > 0;) want += std::to_string(ne[i]) + (i ? ", " : "]");
            throw FormatError("tensor '" + st.name + "' has shape " + st.shape_string() + ", expected " +
                              want + " from config.json");
        }
        SourceTensor t;
        t.name = name;
        t.source_name = st.name;
        t.ne = ne;
        t.type = safetensors_type(st.dtype);
        t.type_label = lower(std::string(safetensors_dtype_name(st.dtype)));
        t.data = st.data;
        t.nbytes = st.nbytes;
        t.st = &st;
        if (cfg.permute_qk) {
            if (name.find(".attn_q.") != std::string::npos) t.permute_heads = cfg.n_head;
            if (name.find(".attn_k.") != std::string::npos) t.permute_heads = cfg.n_head_kv;
        }
        t.ternarize = cfg.bitnet && is_bitnet_linear(name);
        m->tensors.push_back(std::move(t));
    }

    Metadata kv;
    add_hparams(kv, cfg);
    TokenizerMetadata tok = read_hf_tokenizer(dir, cfg, n_vocab);
    for (auto& w : tok.warnings) m->warnings.push_back(std::move(w));
    for (auto& e : tok.kv) kv.push_back(std::move(e));
    m->metadata = std::move(kv);
    m->tokenizer_summary = tok.summary;
    m->arch = cfg.gguf_arch;
    m->name = cfg.name;
    m->native_ternary = cfg.bitnet;
    return m;
}

int64_t permuted_index(int64_t r, int64_t total, int64_t heads) {
    // llama.cpp's LlamaModel.permute: reshape(heads, 2, hd/2, ...).swapaxes(1, 2): GGUF row
    // h*hd + 2i + j holds HF row h*hd + j*hd/2 + i.
    const int64_t hd = total / heads;
    const int64_t h = r / hd, w = r % hd;
    return h * hd + (w % 2) * (hd / 2) + w / 2;
}

}  // namespace

int64_t SourceTensor::n_elements() const {
    int64_t n = 1;
    for (int64_t d : ne) n *= d;
    return n;
}

std::unique_ptr<SourceModel> open_source(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return open_folder(path);
    if (!fs::exists(path, ec)) throw Error("'" + path + "' does not exist");
    return open_gguf(path);
}

void release_mapped_pages(const void* p, size_t n) {
    if (!p || n == 0) return;
    static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t begin = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n + page - 1) & ~(page - 1);
    // Private read-only file mapping: the pages are clean, dropping them only costs a re-read.
    ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

RowReader::RowReader(const SourceTensor& t) : t_(t) {
    if (t.is_vector()) {
        ne0_ = t.n_elements();
        rows_ = 1;
    } else {
        ne0_ = t.ne0();
        rows_ = t.rows();
    }
    if (t.gguf) {
        if (!quant::can_dequantize(t.type))
            throw UnsupportedError("tensor '" + t.name + "' has type " + t.type_label +
                                   ", which cannot be decoded");
        if (t.type == TensorType::I2_S) {
            if (ne0_ % 128 != 0)
                throw UnsupportedError("I2_S tensor '" + t.name +
                                       "' has rows that do not start on 128-element blocks");
            i2s_scale_ = quant::i2s_tensor_scale(t.data, t.nbytes, t.n_elements());
            row_stride_ = static_cast<size_t>(ne0_ / 4);
        } else {
            const int64_t bs = type_traits(t.type).block_size;
            if (ne0_ % bs != 0) throw FormatError("tensor '" + t.name + "' rows are not whole blocks");
            row_stride_ = row_bytes(t.type, ne0_);
        }
    }
    if (t.permute_heads > 0) {
        const int64_t total = t.is_vector() ? ne0_ : rows_;
        if (total % t.permute_heads != 0 || (total / t.permute_heads) % 2 != 0)
            throw FormatError("tensor '" + t.source_name + "' cannot be split into " +
                              std::to_string(t.permute_heads) + " heads of even size");
    }
    if (t.ternarize) {
        // BitNet b1.58's weight_quant: scale = max(mean|W|, 1e-5) over the whole tensor.
        std::vector<float> row(static_cast<size_t>(ne0_));
        double sum = 0.0;
        for (int64_t r = 0; r < rows_; ++r) {
            read_raw_row(r, row.data());
            for (float v : row) sum += std::fabs(static_cast<double>(v));
            if ((r + 1) % 256 == 0) release_rows(r - 255, 256);
        }
        const double n = static_cast<double>(ne0_) * static_cast<double>(rows_);
        scale_ = std::max(static_cast<float>(sum / n), 1e-5f);
    }
}

void RowReader::read_raw_row(int64_t r, float* dst) const {
    const SourceTensor& t = t_;
    if (!t.owned.empty()) {
        std::memcpy(dst, t.owned.data() + r * ne0_, static_cast<size_t>(ne0_) * sizeof(float));
    } else if (t.st) {
        safetensors_to_float(*t.st, r * ne0_, ne0_, dst);
    } else if (t.type == TensorType::F32) {
        std::memcpy(dst, t.data + static_cast<size_t>(r) * row_stride_,
                    static_cast<size_t>(ne0_) * sizeof(float));
    } else if (t.type == TensorType::I2_S) {
        quant::dequantize_i2s_row(t.data + static_cast<size_t>(r) * row_stride_, i2s_scale_, dst, ne0_);
    } else {
        quant::dequantize_row(t.type, t.data + static_cast<size_t>(r) * row_stride_, dst, ne0_);
    }
}

void RowReader::read(int64_t r0, int64_t n, float* dst) const {
    if (r0 < 0 || n < 0 || r0 + n > rows_) throw Error("RowReader: rows out of range for '" + t_.name + "'");
    const int64_t heads = t_.permute_heads;
    if (heads > 0 && rows_ == 1) {
        // A permuted vector (a Q/K bias): gather elements.
        std::vector<float> raw(static_cast<size_t>(ne0_));
        read_raw_row(0, raw.data());
        for (int64_t i = 0; i < ne0_; ++i) dst[i] = raw[static_cast<size_t>(permuted_index(i, ne0_, heads))];
    } else {
        for (int64_t k = 0; k < n; ++k) {
            const int64_t r = r0 + k;
            read_raw_row(heads > 0 ? permuted_index(r, rows_, heads) : r, dst + k * ne0_);
        }
    }
    if (t_.ternarize) {
        // result = clamp(round(w / scale), -1, 1) * scale, computed as llama.cpp's converter does
        // (w * iscale, torch.round = half to even, then / iscale) in float.
        const float iscale = 1.0f / scale_;
        for (int64_t i = 0; i < n * ne0_; ++i) {
            const float q = std::clamp(std::nearbyint(dst[i] * iscale), -1.0f, 1.0f);
            dst[i] = q / iscale;
        }
    }
}

void RowReader::release() const {
    if (t_.owned.empty()) release_mapped_pages(t_.data, t_.nbytes);
}

void RowReader::release_rows(int64_t r0, int64_t n) const {
    if (!t_.owned.empty() || t_.permute_heads > 0 || rows_ == 1) return;
    const size_t stride =
        t_.st ? static_cast<size_t>(ne0_) * safetensors_dtype_size(t_.st->dtype) : row_stride_;
    release_mapped_pages(t_.data + static_cast<size_t>(r0) * stride, static_cast<size_t>(n) * stride);
}

}  // namespace lowbit::conv
