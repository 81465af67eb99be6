#include "tokenizer/vocab.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "lowbit/error.h"
#include "lowbit/gguf.h"
#include "tokenizer/unicode.h"

namespace lowbit::tok {

namespace {

using namespace token_flag;

[[noreturn]] void fail(const std::string& what) {
    throw FormatError("tokenizer metadata: " + what);
}

uint32_t flags_of_type(int64_t type) {
    switch (type) {
        case 1:
            return kNormal;
        case 2:
            return kUnknown;
        case 3:
            return kControl;
        case 4:
            return kUserDefined;
        case 5:
            return kUnused;
        case 6:
            return kByte;
        default:
            return kUndefined;
    }
}

TokenAttr attr_of_type(int64_t type) {
    return type >= 0 && type <= 6 ? static_cast<TokenAttr>(type) : TokenAttr::Undefined;
}

// An array value of the given kind, or nullptr when the key is absent.
const GgufValue* find_array(const GgufFile& f, const char* key) {
    const GgufValue* v = f.find(key);
    if (v && !v->is_array()) fail(std::string(key) + " is not an array");
    return v;
}

bool is_int_elem(GgufType t) {
    return t != GgufType::FLOAT32 && t != GgufType::FLOAT64 && t != GgufType::STRING && t != GgufType::ARRAY;
}

// Texts that mark the end of a turn in common chat formats; llama.cpp's lists (facts about the
// vocabularies of those model families).
const char* const kEotTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",         "<|endoftext|>",     "<|end_of_text|>",
    "<EOT>",      "_<EOT>",     "[EOT]",   "<｜end▁of▁sentence｜>", "<end_of_utterance>"};
const char* const kEogTexts[] = {"<|eot_id|>",
                                 "<|im_end|>",
                                 "<|end|>",
                                 "<|return|>",
                                 "<|call|>",
                                 "<|flush|>",
                                 "<|calls|>",
                                 "<end_of_turn>",
                                 "<|endoftext|>",
                                 "</s>",
                                 "<|eom_id|>",
                                 "<EOT>",
                                 "_<EOT>",
                                 "[EOT]",
                                 "[EOS]",
                                 "<|end_of_text|>",
                                 "<end_of_utterance>",
                                 "<eos>",
                                 "<turn|>",
                                 "<|tool_response>",
                                 "<｜end▁of▁sentence｜>",
                                 "[e~["};
const char* const kFimPreTexts[] = {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",    "<｜fim▁begin｜>",
                                    "<PRE>",          "▁<PRE>",       "<|code_prefix|>", "<|prefix|>"};
const char* const kFimSufTexts[] = {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",    "<｜fim▁hole｜>",
                                    "<SUF>",          "▁<SUF>",       "<|code_suffix|>", "<|suffix|>"};
const char* const kFimMidTexts[] = {"<|fim_middle|>", "<fim-middle>", "<fim_middle>",    "<｜fim▁end｜>",
                                    "<MID>",          "▁<MID>",       "<|code_middle|>", "<|middle|>"};
const char* const kFimPadTexts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
const char* const kFimRepTexts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"};
const char* const kFimSepTexts[] = {"<|file_sep|>"};

template <size_t N>
bool one_of(const std::string& s, const char* const (&list)[N]) {
    return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

// Flags that depend on tokenizer.ggml.pre (llama.cpp's table for the names we support).
void apply_pre_defaults(Vocab& v) {
    const std::string& p = v.pre;
    auto is = [&](std::initializer_list<const char*> names) {
        return std::find(names.begin(), names.end(), p) != names.end();
    };
    v.clean_spaces = true;
    if (is({"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
            "jina-v5-nano"})) {
        v.ignore_merges = true;
        v.add_bos = true;
    } else if (is({"glm4", "chatglm-bpe"})) {
        v.bos = -1;
    } else if (is({"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open", "grok-2",
                   "smollm", "command-r", "trillion", "granite-docling"})) {
        v.clean_spaces = false;
    }
}

// Reads an id key; absent keeps the default. llama.cpp ignores an out-of-range id with a warning;
// ids the engine relies on (BOS, EOS, EOT, EOM, UNK) are an error here, the rest are ignored.
void read_id(const GgufFile& f, const char* key, int32_t& id, int32_t n_vocab, bool required_valid) {
    if (id >= n_vocab) id = -1;  // a default that does not fit this vocabulary
    const GgufValue* v = f.find(key);
    if (!v) return;
    if (!v->is_integer() || v->type() == GgufType::BOOL) fail(std::string(key) + " is not an integer");
    const int64_t value = v->as_int();
    if (value < 0 || value >= n_vocab) {
        if (required_valid) {
            fail(std::string(key) + " = " + std::to_string(value) + " is outside the vocabulary (" +
                 std::to_string(n_vocab) + " tokens)");
        }
        return;
    }
    id = static_cast<int32_t>(value);
}

void read_bool(const GgufFile& f, const char* key, bool& value) {
    const GgufValue* v = f.find(key);
    if (!v) return;
    if (!v->is_integer()) fail(std::string(key) + " is not a boolean");
    value = v->as_int() != 0;
}

std::string lowercase_ascii(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// llama.cpp's token_to_piece for the cache (special = true, no lstrip).
std::string piece_of(const Vocab& v, int32_t id) {
    const TokenData& t = v.tokens[id];
    if (t.flags & (kUnknown | kControl | kUserDefined)) return t.text;
    if (t.flags & kNormal) {
        if (v.kind == TokenizerKind::Llama) {
            std::string out;
            out.reserve(t.text.size());
            for (size_t i = 0; i < t.text.size(); ++i) {
                if (t.text.compare(i, 3, "\xE2\x96\x81") == 0) {
                    out.push_back(' ');
                    i += 2;
                } else {
                    out.push_back(t.text[i]);
                }
            }
            return out;
        }
        // Byte-level: each code point stands for one byte. A code point outside the table is
        // written as llama.cpp writes it, so decoded text stays identical.
        std::string out;
        for (char32_t cp : decode_utf8_lenient(t.text)) {
            const int b = unicode_to_byte(cp);
            if (b >= 0) {
                out.push_back(static_cast<char>(b));
                continue;
            }
            std::string utf8;
            append_utf8(utf8, cp);
            out += "[UNK_BYTE_0x";
            static const char* hex = "0123456789abcdef";
            for (unsigned char c : utf8) {
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 15]);
            }
            out += t.text + "]";
        }
        return out;
    }
    if (t.flags & kByte) {
        // "<0xXX>": the two hex digits after "<0x", read like strtol (stops at a non-digit).
        const std::string digits = t.text.size() > 3 ? t.text.substr(3, 2) : std::string();
        return std::string(1, static_cast<char>(std::strtol(digits.c_str(), nullptr, 16)));
    }
    return {};
}

}  // namespace

Vocab load_vocab(const GgufFile& f) {
    Vocab v;
    const auto model = f.get_string("tokenizer.ggml.model");
    if (!model) fail("tokenizer.ggml.model is missing (the file has no tokenizer)");
    v.model = *model;
    if (v.model == "llama") {
        v.kind = TokenizerKind::Llama;
        v.bos = 1;
        v.eos = 2;
        v.unk = 0;
        v.add_space_prefix = true;
        v.add_bos = true;
        v.add_eos = false;
        v.clean_spaces = false;
    } else if (v.model == "gpt2") {
        v.kind = TokenizerKind::Gpt2;
        v.bos = 11;
        v.eos = 11;
    } else {
        throw UnsupportedError("tokenizer model '" + v.model + "' is not supported (supported: llama, gpt2)");
    }
    if (auto pre = f.get_string("tokenizer.ggml.pre"); pre && !pre->empty()) v.pre = *pre;
    if (v.kind == TokenizerKind::Gpt2) apply_pre_defaults(v);
    read_bool(f, "tokenizer.ggml.add_space_prefix", v.add_space_prefix);

    // Tokens, scores, types.
    const GgufValue* toks = find_array(f, "tokenizer.ggml.tokens");
    if (!toks) fail("tokenizer.ggml.tokens is missing");
    if (toks->elem_type() != GgufType::STRING) fail("tokenizer.ggml.tokens is not an array of strings");
    const auto& texts = toks->strings();
    if (texts.empty()) fail("tokenizer.ggml.tokens is empty");
    if (texts.size() > static_cast<size_t>(INT32_MAX / 2)) fail("tokenizer.ggml.tokens is absurdly long");
    const size_t n = texts.size();

    const GgufValue* scores = find_array(f, "tokenizer.ggml.scores");
    if (scores) {
        if (scores->elem_type() != GgufType::FLOAT32 && scores->elem_type() != GgufType::FLOAT64 &&
            !is_int_elem(scores->elem_type())) {
            fail("tokenizer.ggml.scores is not an array of numbers");
        }
        if (scores->size() != n) {
            fail("tokenizer.ggml.scores has " + std::to_string(scores->size()) + " entries for " +
                 std::to_string(n) + " tokens");
        }
    }
    const GgufValue* types = find_array(f, "tokenizer.ggml.token_type");
    if (types) {
        if (!is_int_elem(types->elem_type())) fail("tokenizer.ggml.token_type is not an array of integers");
        if (types->size() != n) {
            fail("tokenizer.ggml.token_type has " + std::to_string(types->size()) + " entries for " +
                 std::to_string(n) + " tokens");
        }
    }

    v.tokens.resize(n);
    // No reserve(): the bucket growth must be llama.cpp's for the iteration order to be too.
    for (size_t i = 0; i < n; ++i) {
        TokenData& t = v.tokens[i];
        t.text = texts[i].empty() ? "[EMPTY_" + std::to_string(i) + "]" : texts[i];
        if (!v.ids.emplace(t.text, static_cast<int32_t>(i)).second) {
            fail("token " + std::to_string(i) + " repeats the text of token " +
                 std::to_string(v.ids[t.text]));
        }
        if (scores) {
            t.score = scores->elem_type() == GgufType::FLOAT32 || scores->elem_type() == GgufType::FLOAT64
                          ? static_cast<float>(scores->floats()[i])
                          : static_cast<float>(scores->ints()[i]);
        }
        if (types) {
            const int64_t type = types->ints()[i];
            t.flags = flags_of_type(type);
            t.type = attr_of_type(type);
        }
    }
    const int32_t nv = v.n();

    // Special ids.
    read_id(f, "tokenizer.ggml.bos_token_id", v.bos, nv, true);
    read_id(f, "tokenizer.ggml.eos_token_id", v.eos, nv, true);
    read_id(f, "tokenizer.ggml.eot_token_id", v.eot, nv, true);
    read_id(f, "tokenizer.ggml.eom_token_id", v.eom, nv, true);
    read_id(f, "tokenizer.ggml.unknown_token_id", v.unk, nv, true);
    read_id(f, "tokenizer.ggml.seperator_token_id", v.sep, nv, false);
    read_id(f, "tokenizer.ggml.padding_token_id", v.pad, nv, false);
    read_id(f, "tokenizer.ggml.fim_pre_token_id", v.fim_pre, nv, false);
    read_id(f, "tokenizer.ggml.fim_suf_token_id", v.fim_suf, nv, false);
    read_id(f, "tokenizer.ggml.fim_mid_token_id", v.fim_mid, nv, false);
    read_id(f, "tokenizer.ggml.fim_pad_token_id", v.fim_pad, nv, false);
    read_id(f, "tokenizer.ggml.fim_rep_token_id", v.fim_rep, nv, false);
    read_id(f, "tokenizer.ggml.fim_sep_token_id", v.fim_sep, nv, false);
    read_id(f, "tokenizer.ggml.prefix_token_id", v.fim_pre, nv, false);
    read_id(f, "tokenizer.ggml.suffix_token_id", v.fim_suf, nv, false);
    read_id(f, "tokenizer.ggml.middle_token_id", v.fim_mid, nv, false);

    read_bool(f, "tokenizer.ggml.add_bos_token", v.add_bos);
    read_bool(f, "tokenizer.ggml.add_eos_token", v.add_eos);
    if (v.add_bos && v.bos < 0)
        fail("tokenizer.ggml.add_bos_token is set but the vocabulary has no BOS token");
    if (v.add_eos && v.eos < 0)
        fail("tokenizer.ggml.add_eos_token is set but the vocabulary has no EOS token");

    // Find end-of-turn and fill-in-the-middle tokens by their text, as llama.cpp does, marking
    // them control tokens. The map is walked in llama.cpp's order, so where several texts could
    // serve (e.g. "<|end|>" and "<|endoftext|>"), the same one is chosen.
    auto mark_control = [&](int32_t id) { v.tokens[id].flags |= kControl; };
    for (const auto& [text, id] : v.ids) {
        if (v.eot < 0 && one_of(text, kEotTexts)) {
            v.eot = id;
            mark_control(id);
        }
        if (v.eom < 0 && text == "<|eom_id|>") {
            v.eom = id;
            mark_control(id);
        }
        const std::pair<int32_t*, bool> fims[] = {
            {&v.fim_pre, one_of(text, kFimPreTexts)}, {&v.fim_suf, one_of(text, kFimSufTexts)},
            {&v.fim_mid, one_of(text, kFimMidTexts)}, {&v.fim_pad, one_of(text, kFimPadTexts)},
            {&v.fim_rep, one_of(text, kFimRepTexts)}, {&v.fim_sep, one_of(text, kFimSepTexts)},
        };
        for (const auto& [slot, match] : fims) {
            if (*slot < 0 && match) {
                *slot = id;
                mark_control(id);
            }
        }
    }
    // Control tokens named "unused" are unused.
    for (auto& t : v.tokens) {
        if ((t.flags & kControl) && t.text.find("unused") != std::string::npos) t.flags |= kUnused;
    }

    // End-of-generation set.
    std::set<int32_t> eog;
    for (int32_t id : {v.fim_pad, v.fim_rep, v.fim_sep}) {
        if (id >= 0) eog.insert(id);
    }
    for (const auto& [text, id] : v.ids) {
        if (one_of(text, kEogTexts)) {
            eog.insert(id);
            mark_control(id);
        }
    }
    // gpt-oss's channel markers are always rendered.
    for (const char* text : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
        if (int32_t id = v.find(text); id >= 0) v.tokens[id].flags = kUserDefined;
    }
    for (int32_t id : {v.eos, v.eot, v.eom}) {
        if (id >= 0) eog.insert(id);
    }
    // Harmony-style vocabularies (<|return|> and <|call|>, or <|calls|> and <|flush|>) use "<|end|>"
    // between messages, not at the end of generation; with <|tool_response>, "</s>" is no EOG.
    {
        auto has = [&](const char* text) {
            const int32_t id = v.find(text);
            return id >= 0 && eog.count(id) ? id : -1;
        };
        const int32_t end = has("<|end|>");
        if (end >= 0 && ((has("<|return|>") >= 0 && (has("<|call|>") >= 0 || has("<|calls|>") >= 0)) ||
                         ((has("<|call|>") >= 0 || has("<|calls|>") >= 0) && has("<|flush|>") >= 0))) {
            eog.erase(end);
            v.tokens[end].flags = kUserDefined;
        }
        const int32_t s = has("</s>");
        if (s >= 0 && has("<|tool_response>") >= 0) {
            eog.erase(s);
            v.tokens[s].flags = kNormal;
        }
    }
    v.eog.assign(eog.begin(), eog.end());

    // Texts cut out of the input before tokenizing, longest first. std::sort with llama.cpp's
    // comparator on the same input, so equal lengths keep llama.cpp's (unspecified) order.
    for (int32_t id = 0; id < nv; ++id) {
        if (v.tokens[id].flags & (kControl | kUserDefined | kUnknown)) v.special_by_length.push_back(id);
    }
    std::sort(v.special_by_length.begin(), v.special_by_length.end(),
              [&](int32_t a, int32_t b) { return v.tokens[a].text.size() > v.tokens[b].text.size(); });

    v.pieces.resize(n);
    for (int32_t id = 0; id < nv; ++id) v.pieces[id] = piece_of(v, id);

    // Per-model attributes llama.cpp sets from general.name: Phi-3 drops whitespace after its
    // special tokens (except <unk>, <s> and <|endoftext|>); ModernBERT strips before [MASK].
    const std::string name = lowercase_ascii(f.get_string("general.name").value_or(""));
    auto set_flag = [&](const char* text, uint32_t flag, bool on) {
        if (int32_t id = v.find(text); id >= 0) {
            v.tokens[id].flags = on ? (v.tokens[id].flags | flag) : (v.tokens[id].flags & ~flag);
        }
    };
    if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
        for (int32_t id : v.special_by_length) v.tokens[id].flags |= kRstrip;
        set_flag("</s>", kRstrip, true);
        for (const char* text : {"<unk>", "<s>", "<|endoftext|>"}) set_flag(text, kRstrip, false);
    } else if (name.find("modern-bert") != std::string::npos) {
        set_flag("[MASK]", kLstrip, true);
    }
    return v;
}

}  // namespace lowbit::tok
