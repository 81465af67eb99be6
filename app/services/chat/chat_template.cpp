#include "chat/chat_template.h"

#include <array>
#include <cctype>
#include <ctime>
#include <optional>
#include <regex>

namespace lowbit::app::chat {
namespace {

struct FamilyInfo {
    Family family;
    const char* key;
    const char* name;
};

constexpr std::array<FamilyInfo, 11> kFamilies{{
    {Family::Llama2, "llama2", "Llama 2"},
    {Family::Llama3, "llama3", "Llama 3"},
    {Family::ChatML, "chatml", "ChatML (Qwen)"},
    {Family::Zephyr, "zephyr", "Zephyr"},
    {Family::Gemma, "gemma", "Gemma"},
    {Family::Phi3, "phi3", "Phi-3"},
    {Family::Mistral, "mistral", "Mistral"},
    {Family::MistralV7, "mistral-v7", "Mistral v7"},
    {Family::BitNet, "bitnet", "BitNet b1.58"},
    {Family::Transcript, "transcript", "Plain transcript"},
    {Family::Completion, "completion", "Plain completion"},
}};

bool contains(const std::string& s, const char* what) {
    return s.find(what) != std::string::npos;
}

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

// Undoes the escapes of a Jinja/Python string literal.
std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            const char c = s[++i];
            out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Qwen-style templates write a default system turn when the conversation has none:
//   '<|im_start|>system\nYou are Qwen, ...<|im_end|>\n'
std::string chatmlDefaultSystem(const std::string& t) {
    static const std::regex re(R"re(['"]<\|im_start\|>system\\n([^'"{}<]+)<\|im_end\|>)re");
    std::smatch m;
    if (std::regex_search(t, m, re)) return unescape(m[1].str());
    return {};
}

std::string firstCapture(const std::string& t, const std::regex& re) {
    std::smatch m;
    return std::regex_search(t, m, re) ? m[1].str() : std::string();
}

std::string capitalize(const std::string& role) {
    std::string out = role;
    for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (!out.empty()) out[0] = char(std::toupper(static_cast<unsigned char>(out[0])));
    return out;
}

std::string todayString() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%d %b %Y", &tm);  // C locale month names, as Python's strftime
    return buf;
}

std::optional<Family> familyFromTemplate(const std::string& t, TemplateSpec* spec) {
    if (contains(t, "<|im_start|>")) {
        spec->defaultSystem = chatmlDefaultSystem(t);
        static const std::regex gen(R"re(['"]<\|im_start\|>assistant\\n([^'"{}]*)['"])re");
        spec->generationPrefix = unescape(firstCapture(t, gen));
        return Family::ChatML;
    }
    // BitNet b1.58 2B4T: "Role: content<|eot_id|>" with the role capitalised, generation "Assistant: ".
    if (contains(t, "<|eot_id|>") && !contains(t, "<|start_header_id|>") && contains(t, "capitalize") &&
        contains(t, "Assistant: ")) {
        return Family::BitNet;
    }
    if (contains(t, "<|start_header_id|>") && contains(t, "<|eot_id|>")) {
        static const std::regex cutoff(R"re(Cutting Knowledge Date: ([^"'\\]+))re");
        static const std::regex date(R"re(date_string\s*=\s*["']([^"']+)["'])re");
        spec->knowledgeCutoff = firstCapture(t, cutoff);
        spec->llama3DateHeader = !spec->knowledgeCutoff.empty();
        if (spec->llama3DateHeader && !contains(t, "strftime_now")) spec->fixedDate = firstCapture(t, date);
        return Family::Llama3;
    }
    if (contains(t, "<start_of_turn>") && contains(t, "<end_of_turn>")) return Family::Gemma;
    if (contains(t, "<|assistant|>") && contains(t, "<|end|>") && !contains(t, "<|content|>"))
        return Family::Phi3;
    if (contains(t, "<|user|>") && contains(t, "<|assistant|>") && contains(t, "eos_token") &&
        !contains(t, "<|end|>") && !contains(t, "[gMASK]")) {
        return Family::Zephyr;
    }
    if (contains(t, "[SYSTEM_PROMPT]") && contains(t, "[INST]")) return Family::MistralV7;
    if (contains(t, "[INST]")) {
        if (contains(t, "<<SYS>>")) return Family::Llama2;
        spec->mistralSpaced = contains(t, "'[INST] '") || contains(t, "\"[INST] \"");
        return Family::Mistral;
    }
    return std::nullopt;
}

std::optional<Family> familyFromVocabulary(const ModelHints& hints) {
    if (!hints.hasToken) return std::nullopt;
    if (hints.hasToken("<|im_start|>") && hints.hasToken("<|im_end|>")) return Family::ChatML;
    if (hints.hasToken("<|start_header_id|>") && hints.hasToken("<|eot_id|>")) return Family::Llama3;
    if (hints.hasToken("<start_of_turn>") && hints.hasToken("<end_of_turn>")) return Family::Gemma;
    if (hints.hasToken("<|assistant|>") && hints.hasToken("<|end|>")) return Family::Phi3;
    return std::nullopt;
}

// The conversation split into an optional system text and the rest.
struct Split {
    std::string system;
    bool hasSystem = false;
    std::vector<const Turn*> rest;
};

Split splitSystem(const std::vector<Turn>& turns) {
    Split s;
    for (const Turn& t : turns) {
        if (t.role == "system") {
            // Formats without a place for several system turns get them joined.
            if (s.hasSystem) s.system += "\n\n";
            s.system += t.content;
            s.hasSystem = true;
        } else {
            s.rest.push_back(&t);
        }
    }
    return s;
}

std::string renderChatML(const TemplateSpec& spec, const std::vector<Turn>& turns, const RenderOptions& o) {
    std::string out;
    const bool leadingSystem = !turns.empty() && turns.front().role == "system";
    if (!leadingSystem && !spec.defaultSystem.empty()) {
        out += "<|im_start|>system\n" + spec.defaultSystem + "<|im_end|>\n";
    }
    for (const Turn& t : turns) out += "<|im_start|>" + t.role + "\n" + t.content + "<|im_end|>\n";
    if (o.addGenerationPrompt) out += "<|im_start|>assistant\n" + spec.generationPrefix;
    return out;
}

std::string renderLlama3(const TemplateSpec& spec, const std::vector<Turn>& turns, const RenderOptions& o) {
    std::string out = o.leadingBos ? o.bos : std::string();
    if (spec.llama3DateHeader) {
        // Llama 3.1+: a system turn always comes first, with the date lines before the system text.
        const Split s = splitSystem(turns);
        const std::string date = !spec.fixedDate.empty() ? spec.fixedDate
                                 : !o.today.empty()      ? o.today
                                                         : todayString();
        out += "<|start_header_id|>system<|end_header_id|>\n\n";
        out += "Cutting Knowledge Date: " + spec.knowledgeCutoff + "\n";
        out += "Today Date: " + date + "\n\n";
        out += trim(s.system) + "<|eot_id|>";
        for (const Turn* t : s.rest) {
            out +=
                "<|start_header_id|>" + t->role + "<|end_header_id|>\n\n" + trim(t->content) + "<|eot_id|>";
        }
    } else {
        for (const Turn& t : turns) {
            out += "<|start_header_id|>" + t.role + "<|end_header_id|>\n\n" + trim(t.content) + "<|eot_id|>";
        }
    }
    if (o.addGenerationPrompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
}

std::string renderLlama2(const std::vector<Turn>& turns, const RenderOptions& o) {
    const Split s = splitSystem(turns);
    std::string out;
    bool first = true;
    for (const Turn* t : s.rest) {
        std::string content = t->content;
        if (first && s.hasSystem) content = "<<SYS>>\n" + s.system + "\n<</SYS>>\n\n" + content;
        if (t->role == "user") {
            if (!first || o.leadingBos) out += o.bos;
            out += "[INST] " + trim(content) + " [/INST]";
        } else {
            out += " " + trim(content) + " " + o.eos;
        }
        first = false;
    }
    return out;
}

std::string renderMistral(const TemplateSpec& spec, const std::vector<Turn>& turns, const RenderOptions& o) {
    const Split s = splitSystem(turns);
    std::string out = o.leadingBos ? o.bos : std::string();
    // The system text goes in front of the last user turn (Mistral's own templates).
    size_t lastUser = s.rest.size();
    for (size_t i = 0; i < s.rest.size(); ++i) {
        if (s.rest[i]->role == "user") lastUser = i;
    }
    for (size_t i = 0; i < s.rest.size(); ++i) {
        const Turn* t = s.rest[i];
        if (t->role == "user") {
            std::string content = t->content;
            if (i == lastUser && s.hasSystem) content = s.system + "\n\n" + content;
            out += spec.mistralSpaced ? "[INST] " + content + " [/INST]" : "[INST]" + content + "[/INST]";
        } else {
            out += (spec.mistralSpaced ? " " : "") + t->content + o.eos;
        }
    }
    return out;
}

std::string renderMistralV7(const std::vector<Turn>& turns, const RenderOptions& o) {
    std::string out = o.leadingBos ? o.bos : std::string();
    for (const Turn& t : turns) {
        if (t.role == "system") {
            out += "[SYSTEM_PROMPT]" + t.content + "[/SYSTEM_PROMPT]";
        } else if (t.role == "user") {
            out += "[INST]" + t.content + "[/INST]";
        } else {
            out += t.content + o.eos;
        }
    }
    return out;
}

std::string renderGemma(const std::vector<Turn>& turns, const RenderOptions& o) {
    // Gemma has no system role: its text is put in front of the first user turn.
    const Split s = splitSystem(turns);
    std::string out = o.leadingBos ? o.bos : std::string();
    bool first = true;
    for (const Turn* t : s.rest) {
        std::string content = t->content;
        if (first && s.hasSystem && t->role == "user") content = s.system + "\n\n" + content;
        first = false;
        const std::string role = t->role == "assistant" ? "model" : t->role;
        out += "<start_of_turn>" + role + "\n" + trim(content) + "<end_of_turn>\n";
    }
    if (o.addGenerationPrompt) out += "<start_of_turn>model\n";
    return out;
}

std::string renderPhi3(const std::vector<Turn>& turns, const RenderOptions& o) {
    std::string out = o.leadingBos ? o.bos : std::string();
    for (const Turn& t : turns) {
        if (t.role == "system" && t.content.empty()) continue;
        out += "<|" + t.role + "|>\n" + t.content + "<|end|>\n";
    }
    out += o.addGenerationPrompt ? std::string("<|assistant|>\n") : o.eos;
    return out;
}

std::string renderZephyr(const std::vector<Turn>& turns, const RenderOptions& o) {
    std::string out = o.leadingBos ? o.bos : std::string();
    for (const Turn& t : turns) out += "<|" + t.role + "|>\n" + t.content + o.eos + "\n";
    if (o.addGenerationPrompt) out += "<|assistant|>\n";
    return out;
}

std::string renderBitNet(const std::vector<Turn>& turns, const RenderOptions& o) {
    std::string out = o.leadingBos ? o.bos : std::string();
    for (const Turn& t : turns) out += capitalize(t.role) + ": " + trim(t.content) + "<|eot_id|>";
    if (o.addGenerationPrompt) out += "Assistant: ";
    return out;
}

std::string renderTranscript(const std::vector<Turn>& turns, const RenderOptions& o) {
    const Split s = splitSystem(turns);
    std::string out = o.leadingBos ? o.bos : std::string();
    if (s.hasSystem && !s.system.empty()) out += s.system + "\n\n";
    for (const Turn* t : s.rest)
        out += (t->role == "user" ? "User: " : "Assistant: ") + trim(t->content) + "\n";
    if (o.addGenerationPrompt) out += "Assistant:";
    return out;
}

std::string renderCompletion(const std::vector<Turn>& turns, const RenderOptions& o) {
    // One running text: the system text as a preamble, then every turn as written. A reply
    // continues the text exactly where the previous turn ended.
    const Split s = splitSystem(turns);
    std::string out = o.leadingBos ? o.bos : std::string();
    if (s.hasSystem && !s.system.empty()) out += s.system + "\n\n";
    for (const Turn* t : s.rest) out += t->content;
    return out;
}

}  // namespace

const char* familyKey(Family f) {
    for (const auto& i : kFamilies) {
        if (i.family == f) return i.key;
    }
    return "transcript";
}

const char* familyName(Family f) {
    for (const auto& i : kFamilies) {
        if (i.family == f) return i.name;
    }
    return "Plain transcript";
}

bool familyFromKey(const std::string& key, Family* out) {
    for (const auto& i : kFamilies) {
        if (key == i.key) {
            *out = i.family;
            return true;
        }
    }
    return false;
}

std::vector<Family> allFamilies() {
    std::vector<Family> out;
    for (const auto& i : kFamilies) out.push_back(i.family);
    return out;
}

const char* detectionSourceText(DetectionSource s) {
    switch (s) {
        case DetectionSource::Template:
            return "from the model's chat template";
        case DetectionSource::Vocabulary:
            return "from the model's special tokens (no usable template)";
        case DetectionSource::Architecture:
            return "from the model's architecture (no usable template)";
        case DetectionSource::Fallback:
            return "fallback: the model has no recognised chat format";
    }
    return "";
}

Detection detectTemplate(const std::string& jinja, const ModelHints& hints) {
    Detection d;
    d.templatePresent = !trim(jinja).empty();
    if (d.templatePresent) {
        if (auto f = familyFromTemplate(jinja, &d.spec)) {
            d.spec.family = *f;
            d.source = DetectionSource::Template;
            return d;
        }
        d.spec = TemplateSpec{};
    }
    if (auto f = familyFromVocabulary(hints)) {
        d.spec.family = *f;
        d.source = DetectionSource::Vocabulary;
        return d;
    }
    if (hints.architecture == "bitnet-b1.58" || hints.architecture == "bitnet-25") {
        d.spec.family = Family::BitNet;
        d.source = DetectionSource::Architecture;
        return d;
    }
    d.spec.family = Family::Transcript;
    d.source = DetectionSource::Fallback;
    return d;
}

std::string render(const TemplateSpec& spec, const std::vector<Turn>& turns, const RenderOptions& o) {
    switch (spec.family) {
        case Family::ChatML:
            return renderChatML(spec, turns, o);
        case Family::Llama3:
            return renderLlama3(spec, turns, o);
        case Family::Llama2:
            return renderLlama2(turns, o);
        case Family::Mistral:
            return renderMistral(spec, turns, o);
        case Family::MistralV7:
            return renderMistralV7(turns, o);
        case Family::Gemma:
            return renderGemma(turns, o);
        case Family::Phi3:
            return renderPhi3(turns, o);
        case Family::Zephyr:
            return renderZephyr(turns, o);
        case Family::BitNet:
            return renderBitNet(turns, o);
        case Family::Transcript:
            return renderTranscript(turns, o);
        case Family::Completion:
            return renderCompletion(turns, o);
    }
    return renderTranscript(turns, o);
}

std::vector<std::string> stopStrings(const TemplateSpec& spec, const std::string& eos) {
    std::vector<std::string> out;
    auto add = [&](const std::string& s) {
        if (!s.empty()) out.push_back(s);
    };
    switch (spec.family) {
        case Family::ChatML:
            add("<|im_end|>");
            add("<|im_start|>");
            break;
        case Family::Llama3:
            add("<|eot_id|>");
            add("<|start_header_id|>");
            break;
        case Family::Gemma:
            add("<end_of_turn>");
            add("<start_of_turn>");
            break;
        case Family::Phi3:
            add("<|end|>");
            add("<|user|>");
            break;
        case Family::Zephyr:
            add(eos);
            add("<|user|>");
            break;
        case Family::Llama2:
        case Family::Mistral:
        case Family::MistralV7:
            add(eos);
            add("[INST]");
            break;
        case Family::BitNet:
            add("<|eot_id|>");
            add("\nUser:");
            break;
        case Family::Transcript:
            add("\nUser:");
            add("\nAssistant:");
            break;
        case Family::Completion:
            break;
    }
    return out;
}

}  // namespace lowbit::app::chat
