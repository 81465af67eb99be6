#pragma once
// Chat prompt formats. A GGUF file carries its chat template as Jinja text
// (tokenizer.chat_template); instead of interpreting Jinja, the template is recognised as one of
// the known families and rendered by C++ code written for that family. Details a family leaves
// to the template (Qwen's default system prompt, the Llama 3.1 date header) are read out of the
// template text, so the rendering matches what the template would produce.
//
// When the template is missing or unknown, the vocabulary is consulted (a model whose
// vocabulary has <|im_start|> as a special token speaks ChatML, ...), then the architecture
// (BitNet b1.58), and otherwise the plain "User:/Assistant:" transcript is used. Base models are
// better served by Completion, which continues the text without any roles.
#include <functional>
#include <string>
#include <vector>

namespace lowbit::app::chat {

enum class Family {
    Llama2,      // <s>[INST] <<SYS>>\n...\n<</SYS>>\n\n... [/INST] ... </s>
    Llama3,      // <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
    ChatML,      // <|im_start|>role\n...<|im_end|>\n   (Qwen, SmolLM, Hermes, ...)
    Zephyr,      // <|user|>\n...</s>\n
    Gemma,       // <start_of_turn>user\n...<end_of_turn>\n  (no system role)
    Phi3,        // <|user|>\n...<|end|>\n
    Mistral,     // [INST]...[/INST]...</s>   (system message joined to the last user turn)
    MistralV7,   // [SYSTEM_PROMPT]...[/SYSTEM_PROMPT][INST]...[/INST]...</s>
    BitNet,      // BitNet b1.58 2B4T: "User: ...<|eot_id|>Assistant: "
    Transcript,  // fallback: "User: ...\nAssistant: ...\n"
    Completion,  // no roles: the conversation is one text to continue (base models)
};

// Stable key for storage and settings ("llama3", "chatml", ...), display name, and the reverse.
const char* familyKey(Family f);
const char* familyName(Family f);
bool familyFromKey(const std::string& key, Family* out);
std::vector<Family> allFamilies();

// A family plus the details read from the template text.
struct TemplateSpec {
    Family family = Family::Transcript;
    std::string defaultSystem;      // used when the chat has no system prompt (ChatML: Qwen's)
    std::string generationPrefix;   // text the template puts after the assistant header (QwQ: "<think>\n")
    bool llama3DateHeader = false;  // Llama 3.1+: "Cutting Knowledge Date: ...\nToday Date: ...\n\n"
    std::string knowledgeCutoff;    //   its "Cutting Knowledge Date" value
    std::string fixedDate;          //   a date the template hard-codes (empty: today's date)
    bool mistralSpaced = false;     // "[INST] x [/INST]" (v1) rather than "[INST]x[/INST]" (tekken)
};

// Where the choice came from, for the UI ("Prompt format: ChatML (from the model's template)").
enum class DetectionSource { Template, Vocabulary, Architecture, Fallback };
const char* detectionSourceText(DetectionSource s);

struct Detection {
    TemplateSpec spec;
    DetectionSource source = DetectionSource::Fallback;
    bool templatePresent = false;  // the file had a tokenizer.chat_template
};

// What the model offers besides the template: its architecture (general.architecture) and a
// test for special tokens in its vocabulary.
struct ModelHints {
    std::string architecture;
    std::function<bool(const std::string&)> hasToken;  // may be empty
};

// Recognises a Jinja chat template (possibly empty).
Detection detectTemplate(const std::string& jinja, const ModelHints& hints = {});

struct Turn {
    std::string role;  // "system", "user" or "assistant"
    std::string content;
};

struct RenderOptions {
    std::string bos;          // the model's BOS token text, e.g. "<s>", "<|begin_of_text|>"
    std::string eos;          // the model's EOS token text, e.g. "</s>", "<|im_end|>"
    bool leadingBos = false;  // write the first BOS as text (false when the tokenizer adds it)
    bool addGenerationPrompt = true;
    std::string today;  // "26 Jul 2024" style; empty: the current date
};

// Renders a conversation (an optional leading system turn, then user/assistant turns) as the
// prompt text. Special tokens appear as text and are parsed by the tokenizer.
std::string render(const TemplateSpec& spec, const std::vector<Turn>& turns, const RenderOptions& options);

// Texts that end a reply in this format, beside the model's end-of-generation tokens.
std::vector<std::string> stopStrings(const TemplateSpec& spec, const std::string& eos);

}  // namespace lowbit::app::chat
