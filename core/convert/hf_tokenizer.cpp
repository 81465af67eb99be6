// tokenizer.json / tokenizer.model / tokenizer_config.json -> tokenizer.ggml.* (see hf_tokenizer.h).
// The rules follow llama.cpp's converter (gguf-py SpecialVocab, _create_vocab_sentencepiece,
// get_vocab_base), read as facts.
#include "convert/hf_tokenizer.h"

#include <filesystem>
#include <unordered_map>

#include "convert/json_file.h"
#include "convert/sentencepiece_model.h"
#include "lowbit/error.h"

namespace lowbit::conv {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// GGUF token types.
constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6;

// The pre-tokenizer regexes as tokenizer.json spells them (after JSON unescaping).
constexpr const char* kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::string type_of(const json& j) {
    return j.is_object() ? json_string(j, "type").value_or("") : "";
}

bool byte_level_with_regex(const json& p) {
    return type_of(p) == "ByteLevel" && json_bool(p, "use_regex").value_or(true);
}

std::string classify(const json& pre) {
    if (byte_level_with_regex(pre)) return "gpt-2";
    if (type_of(pre) != "Sequence") return "";
    auto it = pre.find("pretokenizers");
    if (it == pre.end() || !it->is_array() || it->size() != 2) return "";
    const json& a = (*it)[0];
    const json& b = (*it)[1];
    if (type_of(a) == "Digits" && json_bool(a, "individual_digits").value_or(false) &&
        byte_level_with_regex(b))
        return "smollm";
    if (type_of(a) == "Split" && type_of(b) == "ByteLevel" && !json_bool(b, "use_regex").value_or(true)) {
        auto pat = a.find("pattern");
        if (pat == a.end() || !pat->is_object()) return "";
        const std::string re = json_string(*pat, "Regex").value_or("");
        if (json_string(a, "behavior").value_or("Isolated") != "Isolated") return "";
        if (re == kLlama3Regex) return "llama-bpe";
        if (re == kQwen2Regex) return "qwen2";
        if (re == kGpt2Regex) return "gpt-2";
    }
    return "";
}

// llama.cpp's does_token_look_special.
bool looks_special(const std::string& t) {
    auto starts = [&](const char* s) { return t.rfind(s, 0) == 0; };
    auto ends = [&](const char* s) {
        const size_t n = std::char_traits<char>::length(s);
        return t.size() >= n && t.compare(t.size() - n, n, s) == 0;
    };
    if (t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]") return true;
    if (starts("<|") && ends("|>")) return true;
    if (starts("<\xEF\xBD\x9C") && ends("\xEF\xBD\x9C>")) return true;  // deepseek's fullwidth bars
    return starts("<unused") && ends(">");
}

bool is_byte_token(const std::string& t) {
    auto hex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && hex(t[3]) && hex(t[4]) && t[5] == '>';
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
    return s;
}

struct AddedToken {
    int64_t id;
    std::string content;
    bool special;
};

struct Vocab {
    std::vector<std::string> text;
    std::vector<int32_t> type;
    std::vector<float> score;
    std::vector<bool> filled;

    explicit Vocab(int64_t n) : text(n), type(n, kUnused), score(n, -10000.0f), filled(n, false) {}
    int64_t size() const { return static_cast<int64_t>(text.size()); }
};

class Builder {
  public:
    Builder(const std::string& dir, const HfConfig& cfg, int64_t n_vocab)
        : dir_(dir), cfg_(cfg), n_vocab_(n_vocab) {}

    TokenizerMetadata build() {
        const fs::path root(dir_);
        tj_path_ = (root / "tokenizer.json").string();
        tc_path_ = (root / "tokenizer_config.json").string();
        tj_ = read_json_file(tj_path_, size_t(512) << 20);
        tc_ = read_json_file(tc_path_, size_t(64) << 20);
        if (tc_ && !tc_->is_object()) throw FormatError("'" + tc_path_ + "' is not a JSON object");
        if (tj_ && !tj_->is_object()) throw FormatError("'" + tj_path_ + "' is not a JSON object");
        const std::string spm_path = (root / "tokenizer.model").string();
        std::error_code ec;
        const bool have_spm = fs::exists(spm_path, ec);

        if (tj_) read_added_tokens();
        std::string model_type;
        bool byte_fallback = false;
        if (tj_) {
            auto m = tj_->find("model");
            if (m == tj_->end() || !m->is_object())
                throw FormatError("'" + tj_path_ + "' has no model object");
            model_type = json_string(*m, "type").value_or("");
            byte_fallback = json_bool(*m, "byte_fallback").value_or(false);
            if (model_type.empty() && m->contains("merges")) model_type = "BPE";  // old files omit the type
        }
        if (tj_ && model_type != "BPE")
            throw UnsupportedError(
                "'" + tj_path_ + "': tokenizer model '" + model_type +
                "' is not supported (supported: BPE with byte fallback = SentencePiece style, "
                "byte-level BPE)");
        if (tj_ && !byte_fallback) {
            build_gpt2();
        } else if (have_spm) {
            build_spm_from_model(spm_path);
        } else if (tj_) {
            build_spm_from_json();
        } else {
            throw Error("'" + dir_ + "' has no tokenizer.json or tokenizer.model");
        }
        add_special_tokens();
        add_chat_template();
        out_.n_tokens = n_vocab_;
        return std::move(out_);
    }

  private:
    void set(const std::string& k, GgufValue v) { out_.kv.emplace_back(k, std::move(v)); }

    void read_added_tokens() {
        auto at = tj_->find("added_tokens");
        if (at == tj_->end() || at->is_null()) return;
        if (!at->is_array()) throw FormatError("'" + tj_path_ + "': added_tokens is not an array");
        for (const auto& a : *at) {
            if (!a.is_object()) throw FormatError("'" + tj_path_ + "': an added token is not an object");
            auto id = json_int(a, "id", tj_path_);
            auto content = json_string(a, "content");
            if (!id || !content) throw FormatError("'" + tj_path_ + "': an added token lacks id or content");
            added_.push_back({*id, *content, json_bool(a, "special").value_or(false)});
        }
    }

    void check_id(int64_t id, const std::string& what, const std::string& file) const {
        if (id < 0 || id >= n_vocab_)
            throw FormatError("'" + file + "': " + what + " has id " + std::to_string(id) +
                              ", outside the model's vocabulary of " + std::to_string(n_vocab_) +
                              " tokens (token_embd rows)");
    }

    // Base vocabulary of tokenizer.json (model.vocab: text -> id).
    void fill_base_vocab(Vocab& v) {
        const json& m = (*tj_)["model"];
        auto vocab = m.find("vocab");
        if (vocab == m.end() || !vocab->is_object())
            throw FormatError("'" + tj_path_ + "': model.vocab is not an object");
        for (auto it = vocab->begin(); it != vocab->end(); ++it) {
            if (!it.value().is_number_integer())
                throw FormatError("'" + tj_path_ + "': the id of '" + it.key() + "' is not an integer");
            const int64_t id = it.value().get<int64_t>();
            check_id(id, "token '" + it.key() + "'", tj_path_);
            if (v.filled[id])
                throw FormatError("'" + tj_path_ + "': two tokens have id " + std::to_string(id));
            v.text[id] = it.key();
            v.type[id] = kNormal;
            v.filled[id] = true;
        }
    }

    std::vector<std::string> read_merges() {
        std::vector<std::string> out;
        const json& m = (*tj_)["model"];
        auto merges = m.find("merges");
        if (merges != m.end() && merges->is_array()) {
            out.reserve(merges->size());
            for (const auto& e : *merges) {
                if (e.is_string()) {
                    out.push_back(e.get<std::string>());
                } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
                    // transformers >= 4.45 writes pairs so that parts may contain spaces; GGUF
                    // merges are "a b" strings, so a space inside a part becomes U+0120 (gguf-py).
                    const std::string g = "\xC4\xA0";
                    out.push_back(replace_all(e[0].get<std::string>(), " ", g) + " " +
                                  replace_all(e[1].get<std::string>(), " ", g));
                } else {
                    throw FormatError("'" + tj_path_ + "': a merge is neither \"a b\" nor [\"a\", \"b\"]");
                }
            }
        }
        return out;
    }

    void pad(Vocab& v) {
        int64_t n_pad = 0;
        for (int64_t i = 0; i < v.size(); ++i) {
            if (v.filled[i]) continue;
            v.text[i] = "[PAD" + std::to_string(i) + "]";
            v.type[i] = kUnused;
            ++n_pad;
        }
        if (n_pad > 0)
            out_.warnings.push_back("the vocabulary was padded with " + std::to_string(n_pad) +
                                    " unused [PADi] tokens to the " + std::to_string(v.size()) +
                                    " rows of token_embd");
    }

    void emit_vocab(const Vocab& v, bool scores) {
        set("tokenizer.ggml.tokens", GgufValue::make_string_array(v.text));
        if (scores) {
            std::vector<double> s(v.score.begin(), v.score.end());
            set("tokenizer.ggml.scores", GgufValue::make_float_array(GgufType::FLOAT32, std::move(s)));
        }
        std::vector<int64_t> t(v.type.begin(), v.type.end());
        set("tokenizer.ggml.token_type", GgufValue::make_int_array(GgufType::INT32, std::move(t)));
    }

    void build_gpt2() {
        Vocab v(n_vocab_);
        fill_base_vocab(v);
        for (const auto& a : added_) {
            check_id(a.id, "added token '" + a.content + "'", tj_path_);
            v.text[a.id] = a.content;
            v.type[a.id] = (a.special || looks_special(a.content)) ? kControl : kUserDefined;
            v.filled[a.id] = true;
        }
        pad(v);
        std::vector<std::string> merges = read_merges();
        if (merges.empty()) merges = read_merges_txt();
        if (merges.empty())
            throw FormatError("'" + tj_path_ + "' has no merges (a byte-level BPE tokenizer needs them)");

        auto pre = tj_->find("pre_tokenizer");
        std::string pre_name = (pre == tj_->end()) ? "" : classify(*pre);
        if (pre_name.empty())
            throw UnsupportedError("'" + tj_path_ + "': the pre-tokenizer " +
                                   (pre == tj_->end() ? std::string("(none)") : pre->dump().substr(0, 300)) +
                                   " is not one we recognise (LLaMA 3, Qwen2, SmolLM or GPT-2 style)");
        set("tokenizer.ggml.model", GgufValue::make_string("gpt2"));
        set("tokenizer.ggml.pre", GgufValue::make_string(pre_name));
        emit_vocab(v, /*scores=*/false);
        set("tokenizer.ggml.merges", GgufValue::make_string_array(std::move(merges)));
        out_.summary =
            "byte-level BPE (pre-tokenizer " + pre_name + "), " + std::to_string(n_vocab_) + " tokens";
        text_to_id_ = index_of(v);
        spm_ = false;
    }

    std::vector<std::string> read_merges_txt() {
        const std::string path = (fs::path(dir_) / "merges.txt").string();
        std::error_code ec;
        if (!fs::exists(path, ec)) return {};
        const std::string text = read_text_file(path, size_t(256) << 20);
        std::vector<std::string> out;
        size_t pos = 0;
        bool first = true;
        while (pos < text.size()) {
            size_t nl = text.find('\n', pos);
            if (nl == std::string::npos) nl = text.size();
            std::string line = text.substr(pos, nl - pos);
            pos = nl + 1;
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
            if (first && line.rfind("#", 0) == 0) {
                first = false;
                continue;
            }
            first = false;
            if (line.empty()) continue;
            const size_t sp = line.find(' ');
            if (sp == std::string::npos || sp == 0 || line.find(' ', sp + 1) != std::string::npos)
                throw FormatError("'" + path + "': malformed merge line '" + line + "'");
            out.push_back(line);
        }
        return out;
    }

    void build_spm_from_json() {
        Vocab v(n_vocab_);
        fill_base_vocab(v);
        const json& m = (*tj_)["model"];
        const std::vector<std::string> merges = read_merges();
        // Merge rank of each merged text: SentencePiece's priority order (see the header).
        std::unordered_map<std::string, int64_t> rank;
        rank.reserve(merges.size());
        for (size_t r = 0; r < merges.size(); ++r) {
            const std::string& s = merges[r];
            const size_t sp = s.find(' ');
            if (sp == std::string::npos) throw FormatError("'" + tj_path_ + "': malformed merge '" + s + "'");
            rank.emplace(s.substr(0, sp) + s.substr(sp + 1), static_cast<int64_t>(r));
        }
        const int64_t n_merges = static_cast<int64_t>(merges.size());
        for (int64_t id = 0; id < v.size(); ++id) {
            if (!v.filled[id]) continue;
            if (is_byte_token(v.text[id])) {
                v.type[id] = kByte;
                v.score[id] = 0.0f;
                continue;
            }
            auto it = rank.find(v.text[id]);
            // Tokens no merge makes (single characters) are never merge candidates: their score
            // does not matter to the tokenizer; they rank after every merged token.
            v.score[id] = -static_cast<float>(it != rank.end() ? it->second : n_merges + id);
        }
        for (const auto& a : added_) {
            check_id(a.id, "added token '" + a.content + "'", tj_path_);
            v.text[a.id] = a.special ? a.content : replace_all(a.content, "\xE2\x96\x81", " ");
            v.type[a.id] = (a.special || looks_special(a.content)) ? kControl : kUserDefined;
            v.score[a.id] = a.special ? 0.0f : -1000.0f;
            v.filled[a.id] = true;
        }
        if (auto unk = json_string(m, "unk_token")) {
            for (int64_t id = 0; id < v.size(); ++id) {
                if (v.filled[id] && v.text[id] == *unk) {
                    v.type[id] = kUnknown;
                    v.score[id] = 0.0f;
                    break;
                }
            }
        }
        pad(v);
        finish_spm(v, "SentencePiece-style BPE from tokenizer.json (scores from merge ranks)");
    }

    void build_spm_from_model(const std::string& path) {
        const SentencePieceModel sp = read_sentencepiece_model(path);
        if (sp.model_type == 1)
            throw UnsupportedError("'" + path +
                                   "' is a SentencePiece unigram model; only BPE models are supported");
        if (static_cast<int64_t>(sp.pieces.size()) > n_vocab_)
            throw FormatError("'" + path + "' has " + std::to_string(sp.pieces.size()) +
                              " pieces but the model's token_embd only " + std::to_string(n_vocab_) +
                              " rows");
        Vocab v(n_vocab_);
        for (size_t i = 0; i < sp.pieces.size(); ++i) {
            v.text[i] = sp.pieces[i].piece;
            v.score[i] = sp.pieces[i].score;
            v.type[i] = sp.pieces[i].type;
            v.filled[i] = true;
        }
        // added_tokens.json, then tokenizer_config.json's added_tokens_decoder, as llama.cpp reads them.
        const std::string added_path = (fs::path(dir_) / "added_tokens.json").string();
        if (auto added = read_json_file(added_path)) {
            if (!added->is_object()) throw FormatError("'" + added_path + "' is not an object");
            for (auto it = added->begin(); it != added->end(); ++it) {
                if (!it.value().is_number_integer())
                    throw FormatError("'" + added_path + "': id of '" + it.key() + "' is not an integer");
                const int64_t id = it.value().get<int64_t>();
                if (id < 0 || id >= n_vocab_) {
                    out_.warnings.push_back("added token '" + it.key() + "' (id " + std::to_string(id) +
                                            ") is outside the vocabulary: ignored");
                    continue;
                }
                v.text[id] = it.key();
                v.score[id] = -1000.0f;
                v.type[id] = kUserDefined;
                v.filled[id] = true;
            }
        }
        std::vector<AddedToken> decoder;
        if (tc_) {
            if (auto d = tc_->find("added_tokens_decoder"); d != tc_->end() && d->is_object()) {
                for (auto it = d->begin(); it != d->end(); ++it) {
                    int64_t id = -1;
                    try {
                        size_t used = 0;
                        id = std::stoll(it.key(), &used);
                        if (used != it.key().size()) id = -1;
                    } catch (const std::exception&) {
                        id = -1;
                    }
                    auto content = it.value().is_object() ? json_string(it.value(), "content") : std::nullopt;
                    if (id < 0 || !content)
                        throw FormatError("'" + tc_path_ + "': malformed added_tokens_decoder entry '" +
                                          it.key() + "'");
                    decoder.push_back({id, *content, json_bool(it.value(), "special").value_or(false)});
                }
            }
        }
        if (decoder.empty()) decoder = added_;  // the same information, from tokenizer.json
        for (const auto& a : decoder) {
            if (a.id >= n_vocab_) {
                out_.warnings.push_back("added token '" + a.content + "' (id " + std::to_string(a.id) +
                                        ") is outside the vocabulary: ignored");
                continue;
            }
            // The unknown token keeps its SentencePiece type (llama.cpp would make it CONTROL), and
            // a piece that already is this control token keeps its score.
            if (v.filled[a.id] && v.type[a.id] == kUnknown) continue;
            if (v.filled[a.id] && v.type[a.id] == kControl && v.text[a.id] == a.content) continue;
            if (a.special || looks_special(a.content)) {
                v.type[a.id] = kControl;
                v.text[a.id] = a.content;
            } else {
                v.type[a.id] = kUserDefined;
                v.text[a.id] = replace_all(a.content, "\xE2\x96\x81", " ");
            }
            v.score[a.id] = -1000.0f;
            v.filled[a.id] = true;
        }
        pad(v);
        finish_spm(v, "SentencePiece (tokenizer.model)");
    }

    void finish_spm(const Vocab& v, const std::string& source) {
        set("tokenizer.ggml.model", GgufValue::make_string("llama"));
        set("tokenizer.ggml.pre", GgufValue::make_string("default"));
        emit_vocab(v, /*scores=*/true);
        out_.summary = source + ", " + std::to_string(n_vocab_) + " tokens";
        text_to_id_ = index_of(v);
        spm_ = true;
        if (tc_) {
            if (auto asp = json_bool(*tc_, "add_prefix_space"))
                set("tokenizer.ggml.add_space_prefix", GgufValue::boolean(*asp));
        }
    }

    static std::unordered_map<std::string, int64_t> index_of(const Vocab& v) {
        std::unordered_map<std::string, int64_t> m;
        m.reserve(static_cast<size_t>(v.size()));
        for (int64_t i = 0; i < v.size(); ++i) m.emplace(v.text[i], i);
        return m;
    }

    // The text of a tokenizer_config.json special token entry: a string or {"content": ...}.
    std::optional<std::string> config_token(const char* key) const {
        if (!tc_) return std::nullopt;
        auto it = tc_->find(key);
        if (it == tc_->end()) return std::nullopt;
        if (it->is_string()) return it->get<std::string>();
        if (it->is_object()) return json_string(*it, "content");
        return std::nullopt;
    }

    std::optional<int64_t> id_of(const std::string& text) const {
        for (const auto& a : added_)
            if (a.content == text) return a.id;
        auto it = text_to_id_.find(text);
        if (it != text_to_id_.end()) return it->second;
        return std::nullopt;
    }

    void add_special_tokens() {
        std::optional<bool> add_bos, add_eos;
        std::optional<std::string> bos_text = config_token("bos_token"), eos_text = config_token("eos_token");
        if (!bos_text) bos_text = config_token("cls_token");
        if (!eos_text) eos_text = config_token("sep_token");

        // The post-processor's template says whether BOS/EOS are added (gguf-py's crude parse).
        if (tj_) {
            auto pp = tj_->find("post_processor");
            if (pp != tj_->end() && pp->is_object()) {
                std::vector<const json*> procs;
                if (auto list = pp->find("processors"); list != pp->end() && list->is_array())
                    for (const auto& p : *list) procs.push_back(&p);
                else
                    procs.push_back(&*pp);
                for (const json* p : procs) {
                    if (type_of(*p) != "TemplateProcessing") continue;
                    auto single = p->find("single");
                    if (single == p->end() || !single->is_array() || single->size() < 2) continue;
                    auto special_id = [](const json& e) -> std::optional<std::string> {
                        if (!e.is_object()) return std::nullopt;
                        auto st = e.find("SpecialToken");
                        if (st == e.end() || !st->is_object()) return std::nullopt;
                        return json_string(*st, "id");
                    };
                    if (auto first = special_id(single->front())) {
                        if (!bos_text) bos_text = first;
                        add_bos = (*first == *bos_text);
                    }
                    if (auto last = special_id(single->back())) {
                        if (!eos_text) eos_text = last;
                        add_eos = (*last == *eos_text);
                    }
                }
            }
        }
        if (tc_) {
            if (auto b = json_bool(*tc_, "add_bos_token")) add_bos = b;
            if (auto e = json_bool(*tc_, "add_eos_token")) add_eos = e;
        }

        struct Slot {
            const char* key;
            std::optional<std::string> text;
            std::optional<int64_t> fallback;
        };
        const Slot slots[] = {
            {"tokenizer.ggml.bos_token_id", bos_text, cfg_.bos_id},
            {"tokenizer.ggml.eos_token_id", eos_text, cfg_.eos_id},
            {"tokenizer.ggml.unknown_token_id", config_token("unk_token"), cfg_.unk_id},
            {"tokenizer.ggml.seperator_token_id", config_token("sep_token"), std::nullopt},
            {"tokenizer.ggml.padding_token_id", config_token("pad_token"), cfg_.pad_id},
        };
        std::optional<int64_t> bos_id;
        for (const auto& s : slots) {
            std::optional<int64_t> id;
            if (s.text) id = id_of(*s.text);
            if (!id) id = s.fallback;
            if (!id) continue;
            if (*id < 0 || *id >= n_vocab_) {
                out_.warnings.push_back(std::string(s.key) + " " + std::to_string(*id) +
                                        " is outside the vocabulary: not written");
                continue;
            }
            set(s.key, GgufValue::u32(static_cast<uint32_t>(*id)));
            if (std::string(s.key) == "tokenizer.ggml.bos_token_id") bos_id = id;
        }
        if (add_bos) {
            if (*add_bos && !bos_id && !spm_) {
                out_.warnings.push_back(
                    "the tokenizer asks for BOS but names no BOS token: add_bos_token not written");
            } else {
                set("tokenizer.ggml.add_bos_token", GgufValue::boolean(*add_bos));
            }
        }
        if (add_eos) set("tokenizer.ggml.add_eos_token", GgufValue::boolean(*add_eos));
    }

    void add_chat_template() {
        const fs::path root(dir_);
        std::optional<json> tmpl;
        if (tc_) {
            if (auto it = tc_->find("chat_template"); it != tc_->end() && !it->is_null()) tmpl = *it;
        }
        if (!tmpl) {
            const std::string jinja = (root / "chat_template.jinja").string();
            std::error_code ec;
            if (fs::exists(jinja, ec)) {
                tmpl = json(read_text_file(jinja, size_t(16) << 20));
            } else if (auto cj = read_json_file((root / "chat_template.json").string())) {
                if (cj->is_object() && cj->contains("chat_template")) tmpl = (*cj)["chat_template"];
            }
        }
        if (!tmpl) return;
        if (tmpl->is_string()) {
            set("tokenizer.chat_template", GgufValue::make_string(tmpl->get<std::string>()));
            return;
        }
        if (tmpl->is_array()) {
            // [{"name": "default", "template": ...}, {"name": "tool_use", ...}]
            std::vector<std::string> names;
            for (const auto& e : *tmpl) {
                auto name = e.is_object() ? json_string(e, "name") : std::nullopt;
                auto text = e.is_object() ? json_string(e, "template") : std::nullopt;
                if (!name || !text) continue;
                if (*name == "default") {
                    set("tokenizer.chat_template", GgufValue::make_string(*text));
                } else {
                    set("tokenizer.chat_template." + *name, GgufValue::make_string(*text));
                    names.push_back(*name);
                }
            }
            if (!names.empty())
                set("tokenizer.chat_templates", GgufValue::make_string_array(std::move(names)));
            return;
        }
        out_.warnings.push_back("chat_template has an unexpected JSON type: not written");
    }

    std::string dir_;
    const HfConfig& cfg_;
    int64_t n_vocab_;
    std::string tj_path_, tc_path_;
    std::optional<json> tj_, tc_;
    std::vector<AddedToken> added_;
    std::unordered_map<std::string, int64_t> text_to_id_;
    bool spm_ = false;
    TokenizerMetadata out_;
};

}  // namespace

std::string classify_pre_tokenizer(const std::string& pre_tokenizer_json) {
    try {
        return classify(json::parse(pre_tokenizer_json));
    } catch (const json::exception&) {
        return "";
    }
}

TokenizerMetadata read_hf_tokenizer(const std::string& dir, const HfConfig& cfg, int64_t n_vocab) {
    if (n_vocab <= 0) throw FormatError("the model has no token embedding rows");
    return Builder(dir, cfg, n_vocab).build();
}

}  // namespace lowbit::conv
