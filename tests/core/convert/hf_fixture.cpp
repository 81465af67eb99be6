#include "hf_fixture.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_map>

#include "lowbit/fp16.h"
#include "lowbit/gguf.h"

namespace lowbit::test {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const char* const kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

std::string hf_name(const std::string& g, const HfOptions& o) {
    if (g == "token_embd.weight") return "model.embed_tokens.weight";
    if (g == "output_norm.weight") return "model.norm.weight";
    if (g == "output.weight") return "lm_head.weight";
    if (g.rfind("blk.", 0) != 0) throw std::runtime_error("no HF name for " + g);
    const size_t dot = g.find('.', 4);
    const std::string layer = g.substr(4, dot - 4), rest = g.substr(dot + 1);
    const bool ms = o.hf_arch == "BitNetForCausalLM";  // microsoft 2B4T names
    static const std::map<std::string, std::string> common = {
        {"attn_norm.weight", "input_layernorm.weight"},
        {"attn_q.weight", "self_attn.q_proj.weight"},
        {"attn_k.weight", "self_attn.k_proj.weight"},
        {"attn_v.weight", "self_attn.v_proj.weight"},
        {"attn_q.bias", "self_attn.q_proj.bias"},
        {"attn_k.bias", "self_attn.k_proj.bias"},
        {"attn_v.bias", "self_attn.v_proj.bias"},
        {"attn_output.weight", "self_attn.o_proj.weight"},
        {"ffn_norm.weight", "post_attention_layernorm.weight"},
        {"ffn_gate.weight", "mlp.gate_proj.weight"},
        {"ffn_up.weight", "mlp.up_proj.weight"},
        {"ffn_down.weight", "mlp.down_proj.weight"},
    };
    std::string r;
    if (auto it = common.find(rest); it != common.end())
        r = it->second;
    else if (rest == "attn_sub_norm.weight")
        r = ms ? "self_attn.attn_sub_norm.weight" : "self_attn.inner_attn_ln.weight";
    else if (rest == "ffn_sub_norm.weight")
        r = ms ? "mlp.ffn_sub_norm.weight" : "mlp.ffn_layernorm.weight";
    else
        throw std::runtime_error("no HF name for " + g);
    return "model.layers." + layer + "." + r;
}

bool is_linear(const std::string& g) {
    for (const char* k : {".attn_q.weight", ".attn_k.weight", ".attn_v.weight", ".attn_output.weight",
                          ".ffn_gate.weight", ".ffn_up.weight", ".ffn_down.weight"}) {
        const std::string s(k);
        if (g.size() > s.size() && g.compare(g.size() - s.size(), s.size(), s) == 0 &&
            g.rfind("blk.", 0) == 0)
            return true;
    }
    return false;
}

// UTF-8 character boundaries of s (positions 0 < p < size).
std::vector<size_t> char_boundaries(const std::string& s) {
    std::vector<size_t> b;
    for (size_t i = 1; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) b.push_back(i);
    return b;
}

void put_varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void put_bytes_field(std::string& out, uint32_t field, const std::string& bytes) {
    put_varint(out, (uint64_t(field) << 3) | 2);
    put_varint(out, bytes.size());
    out += bytes;
}

std::string write_json(const std::string& path, const json& j) {
    const std::string s = j.dump(1);
    write_file(path, s);
    return s;
}

const GgufValue& need(const GgufFile& f, const std::string& key) {
    const GgufValue* v = f.find(key);
    if (!v) throw std::runtime_error("missing " + key);
    return *v;
}

void add_tokenizer(const std::string& dir, const GgufFile& f, const HfOptions& o) {
    const auto& tokens = need(f, "tokenizer.ggml.tokens").strings();
    const auto& types = need(f, "tokenizer.ggml.token_type").ints();
    const std::string model = need(f, "tokenizer.ggml.model").as_string();
    auto id_text = [&](const char* key) -> json {
        auto v = f.get_int(key);
        return v ? json(tokens[static_cast<size_t>(*v)]) : json(nullptr);
    };
    json added = json::array();
    json decoder = json::object();
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (types[i] != 3 && types[i] != 4 && types[i] != 2) continue;
        const bool special = types[i] != 4;
        added.push_back({{"id", i},
                         {"content", tokens[i]},
                         {"single_word", false},
                         {"lstrip", false},
                         {"rstrip", false},
                         {"normalized", !special},
                         {"special", special}});
        decoder[std::to_string(i)] = {{"content", tokens[i]}, {"special", special}};
    }
    std::string tmpl = o.chat_template;
    if (tmpl.empty()) {
        tmpl = f.get_string("tokenizer.chat_template")
                   .value_or("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}");
    }
    json tc = {{"bos_token", id_text("tokenizer.ggml.bos_token_id")},
               {"eos_token", id_text("tokenizer.ggml.eos_token_id")},
               {"chat_template", tmpl},
               {"added_tokens_decoder", decoder}};
    json tj;
    tj["version"] = "1.0";
    tj["truncation"] = nullptr;
    tj["padding"] = nullptr;
    tj["added_tokens"] = added;
    json vocab = json::object();
    for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;

    if (model == "llama") {
        const auto& scores = need(f, "tokenizer.ggml.scores").floats();
        tc["unk_token"] = id_text("tokenizer.ggml.unknown_token_id");
        tc["add_bos_token"] = f.get_bool("tokenizer.ggml.add_bos_token").value_or(true);
        tc["add_eos_token"] = f.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
        tc["tokenizer_class"] = "LlamaTokenizer";
        if (o.tokenizer != TokenizerFiles::Model) {
            // Merges as transformers' SentencePieceExtractor makes them: every split of a piece into two
            // pieces, pieces by descending score (stable), splits by the ids of their parts.
            std::unordered_map<std::string, size_t> id;
            for (size_t i = 0; i < tokens.size(); ++i) id.emplace(tokens[i], i);
            struct M {
                size_t l, r;
                double score;
            };
            std::vector<M> merges;
            for (size_t i = 0; i < tokens.size(); ++i) {
                if (types[i] != 1) continue;
                std::vector<M> local;
                for (size_t b : char_boundaries(tokens[i])) {
                    auto l = id.find(tokens[i].substr(0, b));
                    auto r = id.find(tokens[i].substr(b));
                    if (l == id.end() || r == id.end()) continue;
                    if (types[l->second] != 1 || types[r->second] != 1) continue;
                    local.push_back({l->second, r->second, scores[i]});
                }
                std::sort(local.begin(), local.end(),
                          [](const M& a, const M& b) { return a.l != b.l ? a.l < b.l : a.r < b.r; });
                merges.insert(merges.end(), local.begin(), local.end());
            }
            std::stable_sort(merges.begin(), merges.end(),
                             [](const M& a, const M& b) { return a.score > b.score; });
            json jm = json::array();
            for (const auto& m : merges) jm.push_back(tokens[m.l] + " " + tokens[m.r]);
            tj["normalizer"] = {
                {"type", "Sequence"},
                {"normalizers",
                 {{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
                  {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}}}};
            tj["pre_tokenizer"] = nullptr;
            tj["post_processor"] = {{"type", "TemplateProcessing"},
                                    {"single",
                                     {{{"SpecialToken", {{"id", tokens[1]}, {"type_id", 0}}}},
                                      {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
                                    {"pair", json::array()},
                                    {"special_tokens", json::object()}};
            tj["decoder"] = {{"type", "Sequence"}, {"decoders", json::array()}};
            tj["model"] = {{"type", "BPE"},    {"dropout", nullptr},    {"unk_token", tokens[0]},
                           {"fuse_unk", true}, {"byte_fallback", true}, {"vocab", vocab},
                           {"merges", jm}};
            write_json(dir + "/tokenizer.json", tj);
        }
        if (o.tokenizer != TokenizerFiles::Json)
            write_file(dir + "/tokenizer.model", sentencepiece_model_bytes(f));
    } else {
        const std::string pre = need(f, "tokenizer.ggml.pre").as_string();
        const auto& merges = need(f, "tokenizer.ggml.merges").strings();
        json jm = json::array();
        for (const auto& m : merges) {
            const size_t sp = m.find(' ');
            jm.push_back(json::array({m.substr(0, sp), m.substr(sp + 1)}));  // transformers >= 4.45 pairs
        }
        json split = {{"type", "Split"},
                      {"pattern", {{"Regex", pre == "qwen2" ? kQwen2Regex : kLlama3Regex}}},
                      {"behavior", "Isolated"},
                      {"invert", false}};
        tj["normalizer"] = pre == "qwen2" ? json({{"type", "NFC"}}) : json(nullptr);
        tj["pre_tokenizer"] = {{"type", "Sequence"},
                               {"pretokenizers",
                                {split,
                                 {{"type", "ByteLevel"},
                                  {"add_prefix_space", false},
                                  {"trim_offsets", true},
                                  {"use_regex", false}}}}};
        if (pre == "qwen2") {
            tj["post_processor"] = {{"type", "ByteLevel"},
                                    {"add_prefix_space", false},
                                    {"trim_offsets", false},
                                    {"use_regex", false}};
            tc["pad_token"] = id_text("tokenizer.ggml.padding_token_id");
            tc["bos_token"] = nullptr;
            tc["add_prefix_space"] = false;
        } else {
            tj["post_processor"] = {
                {"type", "Sequence"},
                {"processors",
                 {{{"type", "ByteLevel"},
                   {"add_prefix_space", true},
                   {"trim_offsets", false},
                   {"use_regex", true}},
                  {{"type", "TemplateProcessing"},
                   {"single",
                    {{{"SpecialToken", {{"id", id_text("tokenizer.ggml.bos_token_id")}, {"type_id", 0}}}},
                     {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
                   {"pair", json::array()},
                   {"special_tokens", json::object()}}}}};
        }
        tj["decoder"] = {{"type", "ByteLevel"}};
        tj["model"] = {{"type", "BPE"},
                       {"dropout", nullptr},
                       {"unk_token", nullptr},
                       {"byte_fallback", false},
                       {"ignore_merges", pre != "qwen2"},
                       {"vocab", vocab},
                       {"merges", jm}};
        write_json(dir + "/tokenizer.json", tj);
    }
    write_json(dir + "/tokenizer_config.json", tc);
}

}  // namespace

std::string safetensors_bytes(const std::vector<StTensor>& tensors,
                              const std::map<std::string, std::string>& meta) {
    json h = json::object();
    if (!meta.empty()) h["__metadata__"] = meta;
    uint64_t off = 0;
    std::string data;
    for (const auto& t : tensors) {
        h[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {off, off + t.bytes.size()}}};
        off += t.bytes.size();
        data += t.bytes;
    }
    std::string hs = h.dump();
    while (hs.size() % 8 != 0) hs.push_back(' ');
    std::string out(8, '\0');
    uint64_t n = hs.size();
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + hs + data;
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

void write_safetensors(const std::string& path, const std::vector<StTensor>& tensors,
                       const std::map<std::string, std::string>& meta) {
    write_file(path, safetensors_bytes(tensors, meta));
}

int64_t hf_row_of(int64_t r, int64_t rows, int64_t heads) {
    const int64_t hd = rows / heads;
    const int64_t h = r / hd, w = r % hd;
    return h * hd + (w % 2) * (hd / 2) + w / 2;
}

std::string sentencepiece_model_bytes(const GgufFile& f) {
    const auto& tokens = need(f, "tokenizer.ggml.tokens").strings();
    const auto& scores = need(f, "tokenizer.ggml.scores").floats();
    const auto& types = need(f, "tokenizer.ggml.token_type").ints();
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) {
        std::string piece;
        put_bytes_field(piece, 1, tokens[i]);
        put_varint(piece, (2u << 3) | 5);
        const float s = static_cast<float>(scores[i]);
        char b[4];
        std::memcpy(b, &s, 4);
        piece.append(b, 4);
        if (types[i] != 1) {
            put_varint(piece, (3u << 3) | 0);
            put_varint(piece, static_cast<uint64_t>(types[i]));
        }
        put_bytes_field(out, 1, piece);
    }
    std::string trainer;
    put_varint(trainer, (3u << 3) | 0);
    put_varint(trainer, 2);  // BPE
    put_bytes_field(out, 2, trainer);
    return out;
}

void make_hf_folder(const std::string& dir, const std::string& gguf_path, const HfOptions& o) {
    auto f = GgufFile::open(gguf_path);
    const std::string arch = need(*f, "general.architecture").as_string();
    auto hp = [&](const char* k) { return need(*f, arch + "." + k).as_int(); };
    const int64_t n_head = hp("attention.head_count");
    const int64_t n_head_kv = f->get_int(arch + ".attention.head_count_kv").value_or(n_head);
    const bool llama = o.hf_arch == "LlamaForCausalLM";

    std::vector<StTensor> all;
    int64_t linear_index = 0;
    for (const auto& t : f->tensors()) {
        if (o.tied && t.name == "output.weight") continue;
        StTensor s;
        s.name = hf_name(t.name, o);
        s.shape.assign(t.ne.rbegin(), t.ne.rend());
        const int64_t n = t.n_elements();
        const int64_t ne0 = t.ne[0], rows = n / ne0;
        std::vector<float> v(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
            if (t.type == TensorType::F16) {
                uint16_t h;
                std::memcpy(&h, t.data + 2 * i, 2);
                v[i] = fp16_to_fp32(h);
            } else if (t.type == TensorType::F32) {
                std::memcpy(&v[i], t.data + 4 * i, 4);
            } else {
                throw std::runtime_error("fixture needs F16/F32 tensors");
            }
        }
        bool force_f32 = false;
        if (o.linear_override && is_linear(t.name)) {
            for (int64_t i = 0; i < n; ++i) v[i] = o.linear_override(linear_index, i);
            ++linear_index;
            force_f32 = true;
        }
        if (llama && o.permute_qk &&
            (t.name.find(".attn_q.") != std::string::npos || t.name.find(".attn_k.") != std::string::npos)) {
            const int64_t heads = t.name.find(".attn_q.") != std::string::npos ? n_head : n_head_kv;
            std::vector<float> p(v.size());
            for (int64_t r = 0; r < rows; ++r)
                std::memcpy(&p[hf_row_of(r, rows, heads) * ne0], &v[r * ne0], ne0 * sizeof(float));
            v.swap(p);
        }
        const bool later_shard = o.shards > 1 && all.size() >= f->tensors().size() / 2;
        if (t.type == TensorType::F16 && !force_f32 && !(later_shard && o.second_shard_f32)) {
            s.dtype = "F16";
            s.bytes.resize(2 * n);
            for (int64_t i = 0; i < n; ++i) {
                const uint16_t h = fp32_to_fp16(v[i]);
                std::memcpy(&s.bytes[2 * i], &h, 2);
            }
        } else {
            s.dtype = "F32";
            s.bytes.resize(4 * n);
            std::memcpy(s.bytes.data(), v.data(), 4 * n);
        }
        all.push_back(std::move(s));
    }

    if (o.shards <= 1) {
        write_safetensors(dir + "/model.safetensors", all, {{"format", "pt"}});
    } else {
        json wm = json::object();
        uint64_t total = 0;
        for (int s = 0; s < o.shards; ++s) {
            char name[64];
            std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, o.shards);
            std::vector<StTensor> part;
            for (size_t i = all.size() * s / o.shards; i < all.size() * (s + 1) / o.shards; ++i) {
                wm[all[i].name] = name;
                total += all[i].bytes.size();
                part.push_back(all[i]);
            }
            write_safetensors(dir + "/" + name, part, {{"format", "pt"}});
        }
        write_json(dir + "/model.safetensors.index.json",
                   {{"metadata", {{"total_size", total}}}, {"weight_map", wm}});
    }

    json cfg = {{"architectures", {o.hf_arch}},
                {"model_type", o.hf_arch == "Qwen2ForCausalLM" ? "qwen2" : (llama ? "llama" : "bitnet")},
                {"hidden_size", hp("embedding_length")},
                {"intermediate_size", hp("feed_forward_length")},
                {"num_hidden_layers", hp("block_count")},
                {"num_attention_heads", n_head},
                {"num_key_value_heads", n_head_kv},
                {"max_position_embeddings", f->get_int(arch + ".context_length").value_or(2048)},
                {"rms_norm_eps", f->get_number(arch + ".attention.layer_norm_rms_epsilon").value_or(1e-5)},
                {"rope_theta", f->get_number(arch + ".rope.freq_base").value_or(10000.0)},
                {"hidden_act", o.hidden_act},
                {"vocab_size", f->find_tensor("token_embd.weight")->ne[1]},
                {"tie_word_embeddings", o.tied || !f->find_tensor("output.weight")},
                {"torch_dtype", "float16"}};
    if (auto b = f->get_int("tokenizer.ggml.bos_token_id")) cfg["bos_token_id"] = *b;
    if (auto e = f->get_int("tokenizer.ggml.eos_token_id")) cfg["eos_token_id"] = *e;
    write_json(dir + "/config.json", cfg);
    add_tokenizer(dir, *f, o);
}

}  // namespace lowbit::test
