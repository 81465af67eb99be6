// Chat templates: detection on the real templates in ../shared/reference/chat-templates/, and
// rendering compared with strings derived by hand from each template's text (what the Jinja
// template produces for the same conversation).
#include <QTest>

#include "chat/chat_template.h"
#include "test_data.h"

using namespace lowbit::app::chat;

namespace {

std::string templateText(const char* file) {
    return lowbit::test::read_file(
        lowbit::test::shared_path(QStringLiteral("reference/chat-templates/") + file));
}

std::vector<Turn> conversation(bool withSystem) {
    std::vector<Turn> turns;
    if (withSystem) turns.push_back({"system", "Be brief."});
    turns.push_back({"user", "Hi"});
    turns.push_back({"assistant", "Hello!"});
    turns.push_back({"user", "What is 1.58 bits?"});
    return turns;
}

// The template texts of families whose reference files are not in the shared folder, as their
// model repositories publish them (tokenizer_config.json "chat_template").
const char* kLlama2Template =
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = "
    "messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% "
    "endif "
    "%}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ "
    "raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% "
    "if "
    "loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + "
    "'\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif "
    "%}{% if "
    "message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif "
    "message['role'] "
    "== 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";
const char* kZephyrTemplate =
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] "
    "+ "
    "eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + "
    "eos_token "
    "}}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token "
    "}}\n{% "
    "endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor "
    "%}";
// microsoft/bitnet-b1.58-2B-4T
const char* kBitNetTemplate =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = message['role'] | "
    "capitalize + ': '+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = "
    "bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: "
    "' }}{% "
    "endif %}";

}  // namespace

class TestChatTemplate : public QObject {
    Q_OBJECT

  private slots:
    void detectsReferenceTemplates_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("family");
        QTest::newRow("qwen2.5") << "Qwen-Qwen2.5-7B-Instruct.jinja"
                                 << "chatml";
        QTest::newRow("qwen3") << "Qwen-Qwen3-0.6B.jinja"
                               << "chatml";
        QTest::newRow("qwq") << "Qwen-QwQ-32B.jinja"
                             << "chatml";
        QTest::newRow("hermes-2-pro") << "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja"
                                      << "chatml";
        QTest::newRow("smollm3") << "HuggingFaceTB-SmolLM3-3B.jinja"
                                 << "chatml";
        QTest::newRow("llama-3.1") << "meta-llama-Llama-3.1-8B-Instruct.jinja"
                                   << "llama3";
        QTest::newRow("llama-3.2") << "meta-llama-Llama-3.2-3B-Instruct.jinja"
                                   << "llama3";
        QTest::newRow("llama-3.3") << "meta-llama-Llama-3.3-70B-Instruct.jinja"
                                   << "llama3";
        QTest::newRow("firefunction") << "fireworks-ai-llama-3-firefunction-v2.jinja"
                                      << "llama3";
        QTest::newRow("gemma-2") << "google-gemma-2-2b-it.jinja"
                                 << "gemma";
        QTest::newRow("phi-3.5") << "microsoft-Phi-3.5-mini-instruct.jinja"
                                 << "phi3";
        QTest::newRow("mistral-nemo") << "mistralai-Mistral-Nemo-Instruct-2407.jinja"
                                      << "mistral";
        QTest::newRow("mistral-small-3.2") << "Mistral-Small-3.2-24B-Instruct-2506.jinja"
                                           << "mistral-v7";
        QTest::newRow("devstral") << "unsloth-mistral-Devstral-Small-2507.jinja"
                                  << "mistral-v7";
        // Formats outside the known families must not be mistaken for one of them.
        QTest::newRow("deepseek-r1") << "deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja"
                                     << "";
        QTest::newRow("glm-4.6") << "GLM-4.6.jinja"
                                 << "";
        QTest::newRow("apriel") << "unsloth-Apriel-1.5.jinja"
                                << "";
        QTest::newRow("command-r") << "CohereForAI-c4ai-command-r-plus-tool_use.jinja"
                                   << "";
        QTest::newRow("gpt-oss") << "openai-gpt-oss-120b.jinja"
                                 << "";
        QTest::newRow("rwkv") << "llama-cpp-rwkv-world.jinja"
                              << "";
    }

    void detectsReferenceTemplates() {
        QFETCH(QString, file);
        QFETCH(QString, family);
        const Detection d = detectTemplate(templateText(qPrintable(file)));
        QVERIFY(d.templatePresent);
        if (family.isEmpty()) {
            QCOMPARE(d.source, DetectionSource::Fallback);
            QCOMPARE(QString(familyKey(d.spec.family)), QStringLiteral("transcript"));
        } else {
            QCOMPARE(d.source, DetectionSource::Template);
            QCOMPARE(QString(familyKey(d.spec.family)), family);
        }
    }

    void detectsFamiliesWithoutReferenceFiles() {
        QCOMPARE(detectTemplate(kLlama2Template).spec.family, Family::Llama2);
        QCOMPARE(detectTemplate(kZephyrTemplate).spec.family, Family::Zephyr);
        QCOMPARE(detectTemplate(kBitNetTemplate).spec.family, Family::BitNet);
    }

    void readsDetailsFromTemplateText() {
        const Detection qwen = detectTemplate(templateText("Qwen-Qwen2.5-7B-Instruct.jinja"));
        QCOMPARE(qwen.spec.defaultSystem,
                 std::string("You are Qwen, created by Alibaba Cloud. You are a helpful assistant."));
        QCOMPARE(qwen.spec.generationPrefix, std::string());
        QCOMPARE(detectTemplate(templateText("Qwen-Qwen3-0.6B.jinja")).spec.defaultSystem, std::string());
        QCOMPARE(detectTemplate(templateText("Qwen-QwQ-32B.jinja")).spec.generationPrefix,
                 std::string("<think>\n"));

        const Detection l31 = detectTemplate(templateText("meta-llama-Llama-3.1-8B-Instruct.jinja"));
        QVERIFY(l31.spec.llama3DateHeader);
        QCOMPARE(l31.spec.knowledgeCutoff, std::string("December 2023"));
        QCOMPARE(l31.spec.fixedDate, std::string("26 Jul 2024"));
        const Detection l32 = detectTemplate(templateText("meta-llama-Llama-3.2-3B-Instruct.jinja"));
        QVERIFY(l32.spec.llama3DateHeader);
        QCOMPARE(l32.spec.fixedDate, std::string());  // strftime_now: today's date

        QVERIFY(
            !detectTemplate(templateText("mistralai-Mistral-Nemo-Instruct-2407.jinja")).spec.mistralSpaced);
    }

    void fallsBackThroughVocabularyAndArchitecture() {
        const auto vocab = [](std::initializer_list<const char*> tokens) {
            std::vector<std::string> v(tokens.begin(), tokens.end());
            return [v](const std::string& t) { return std::find(v.begin(), v.end(), t) != v.end(); };
        };
        Detection d = detectTemplate("", {"qwen2", vocab({"<|im_start|>", "<|im_end|>", "<|endoftext|>"})});
        QCOMPARE(d.spec.family, Family::ChatML);
        QCOMPARE(d.source, DetectionSource::Vocabulary);
        QVERIFY(!d.templatePresent);
        d = detectTemplate("", {"llama", vocab({"<|begin_of_text|>", "<|start_header_id|>", "<|eot_id|>"})});
        QCOMPARE(d.spec.family, Family::Llama3);
        d = detectTemplate("{{ something unknown }}", {"gemma", vocab({"<start_of_turn>", "<end_of_turn>"})});
        QCOMPARE(d.spec.family, Family::Gemma);
        QVERIFY(d.templatePresent);
        d = detectTemplate("", {"bitnet-b1.58", vocab({"<|begin_of_text|>"})});
        QCOMPARE(d.spec.family, Family::BitNet);
        QCOMPARE(d.source, DetectionSource::Architecture);
        d = detectTemplate("", {"llama", vocab({"<s>", "</s>"})});
        QCOMPARE(d.spec.family, Family::Transcript);
        QCOMPARE(d.source, DetectionSource::Fallback);
    }

    void rendersQwen25() {
        const TemplateSpec spec = detectTemplate(templateText("Qwen-Qwen2.5-7B-Instruct.jinja")).spec;
        // No system turn: the template inserts Qwen's own.
        QCOMPARE(
            render(spec, {{"user", "Hi"}}, {}),
            std::string("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
                        "assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"));
        QCOMPARE(render(spec, conversation(true), {}),
                 std::string("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                             "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nWhat is 1.58 "
                             "bits?<|im_end|>\n<|im_start|>assistant\n"));
        RenderOptions noGen;
        noGen.addGenerationPrompt = false;
        QCOMPARE(render(spec, {{"system", "S"}, {"user", "U"}}, noGen),
                 std::string("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"));
    }

    void rendersQwq() {
        const TemplateSpec spec = detectTemplate(templateText("Qwen-QwQ-32B.jinja")).spec;
        QCOMPARE(render(spec, {{"user", "Hi"}}, {}),
                 std::string("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n"));
    }

    void rendersLlama31() {
        const TemplateSpec spec = detectTemplate(templateText("meta-llama-Llama-3.1-8B-Instruct.jinja")).spec;
        RenderOptions o;
        o.bos = "<|begin_of_text|>";
        o.leadingBos = true;
        o.today = "01 Jan 2030";  // ignored: this template hard-codes its date
        std::vector<Turn> turns = conversation(true);
        turns[1].content = "  Hi \n";  // the template trims message content
        QCOMPARE(
            render(spec, turns, o),
            std::string(
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: "
                "December 2023\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|><|start_header_id|>user"
                "<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!"
                "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 1.58 bits?<|eot_id|>"
                "<|start_header_id|>assistant<|end_header_id|>\n\n"));
        // Without a system turn the header is still written, with an empty system text; and the
        // tokenizer adds the BOS when leadingBos is off.
        o.leadingBos = false;
        QCOMPARE(render(spec, {{"user", "Hi"}}, o),
                 std::string(
                     "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December "
                     "2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
                     "Hi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"));
    }

    void rendersLlama32WithTodaysDate() {
        const TemplateSpec spec = detectTemplate(templateText("meta-llama-Llama-3.2-3B-Instruct.jinja")).spec;
        RenderOptions o;
        o.today = "05 Mar 2027";
        const std::string out = render(spec, {{"user", "Hi"}}, o);
        QVERIFY(out.find("Today Date: 05 Mar 2027\n\n<|eot_id|>") != std::string::npos);
    }

    void rendersGemma() {
        const TemplateSpec spec = detectTemplate(templateText("google-gemma-2-2b-it.jinja")).spec;
        RenderOptions o;
        o.bos = "<bos>";
        o.leadingBos = true;
        QCOMPARE(render(spec, conversation(false), o),
                 std::string(
                     "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                     "<start_of_turn>user\nWhat is 1.58 bits?<end_of_turn>\n<start_of_turn>model\n"));
        // The template refuses a system role; like llama.cpp, its text goes before the first user turn.
        QCOMPARE(render(spec, {{"system", "Be brief."}, {"user", "Hi"}}, {}),
                 std::string("<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n"));
    }

    void rendersPhi35() {
        const TemplateSpec spec = detectTemplate(templateText("microsoft-Phi-3.5-mini-instruct.jinja")).spec;
        RenderOptions o;
        o.eos = "<|endoftext|>";
        QCOMPARE(
            render(spec, conversation(true), o),
            std::string("<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
                        "<|user|>\nWhat is 1.58 bits?<|end|>\n<|assistant|>\n"));
        // An empty system message is skipped; without the generation prompt the template ends with EOS.
        o.addGenerationPrompt = false;
        QCOMPARE(render(spec, {{"system", ""}, {"user", "U"}}, o),
                 std::string("<|user|>\nU<|end|>\n<|endoftext|>"));
    }

    void rendersMistralNemo() {
        const TemplateSpec spec =
            detectTemplate(templateText("mistralai-Mistral-Nemo-Instruct-2407.jinja")).spec;
        RenderOptions o;
        o.bos = "<s>";
        o.eos = "</s>";
        o.leadingBos = true;
        // The system message joins the last user turn.
        QCOMPARE(render(spec, conversation(true), o),
                 std::string("<s>[INST]Hi[/INST]Hello!</s>[INST]Be brief.\n\nWhat is 1.58 bits?[/INST]"));
    }

    void rendersMistralSmall32() {
        const TemplateSpec spec =
            detectTemplate(templateText("Mistral-Small-3.2-24B-Instruct-2506.jinja")).spec;
        RenderOptions o;
        o.bos = "<s>";
        o.eos = "</s>";
        o.leadingBos = true;
        QCOMPARE(render(spec, conversation(true), o),
                 std::string(
                     "<s>[SYSTEM_PROMPT]Be brief.[/SYSTEM_PROMPT][INST]Hi[/INST]Hello!</s>[INST]What is 1.58 "
                     "bits?[/INST]"));
    }

    void rendersLlama2() {
        const TemplateSpec spec = detectTemplate(kLlama2Template).spec;
        RenderOptions o;
        o.bos = "<s>";
        o.eos = "</s>";
        o.leadingBos = true;
        QCOMPARE(render(spec, conversation(true), o),
                 std::string(
                     "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] What is 1.58 "
                     "bits? [/INST]"));
        o.leadingBos = false;  // the tokenizer adds the first BOS; later ones stay text
        QCOMPARE(render(spec, conversation(false), o),
                 std::string("[INST] Hi [/INST] Hello! </s><s>[INST] What is 1.58 bits? [/INST]"));
    }

    void rendersZephyr() {
        const TemplateSpec spec = detectTemplate(kZephyrTemplate).spec;
        RenderOptions o;
        o.eos = "</s>";
        // Chat templates are rendered with trim_blocks: the line break after each {% %} tag goes,
        // the one after each {{ }} stays, hence "</s>\n" after every turn and "<|assistant|>\n".
        QCOMPARE(render(spec, conversation(true), o),
                 std::string(
                     "<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n<|user|>\nWhat "
                     "is 1.58 bits?</s>\n<|assistant|>\n"));
    }

    void rendersBitNet() {
        const TemplateSpec spec = detectTemplate(kBitNetTemplate).spec;
        RenderOptions o;
        o.bos = "<|begin_of_text|>";
        o.leadingBos = true;
        std::vector<Turn> turns = conversation(true);
        turns[3].content = " What is 1.58 bits? ";
        QCOMPARE(
            render(spec, turns, o),
            std::string(
                "<|begin_of_text|>System: Be brief.<|eot_id|>User: Hi<|eot_id|>Assistant: Hello!<|eot_id|>"
                "User: What is 1.58 bits?<|eot_id|>Assistant: "));
    }

    void rendersFallbacks() {
        TemplateSpec transcript;
        transcript.family = Family::Transcript;
        QCOMPARE(
            render(transcript, conversation(true), {}),
            std::string("Be brief.\n\nUser: Hi\nAssistant: Hello!\nUser: What is 1.58 bits?\nAssistant:"));
        TemplateSpec completion;
        completion.family = Family::Completion;
        QCOMPARE(render(completion,
                        {{"user", "Once upon a time"}, {"assistant", ", there was"}, {"user", " a cat"}}, {}),
                 std::string("Once upon a time, there was a cat"));
    }

    void stopStringsPerFamily() {
        TemplateSpec s;
        s.family = Family::ChatML;
        QCOMPARE(stopStrings(s, "</s>").front(), std::string("<|im_end|>"));
        s.family = Family::Transcript;
        QCOMPARE(stopStrings(s, "</s>").front(), std::string("\nUser:"));
        s.family = Family::Completion;
        QVERIFY(stopStrings(s, "</s>").empty());
    }

    void keysRoundTrip() {
        for (Family f : allFamilies()) {
            Family back;
            QVERIFY(familyFromKey(familyKey(f), &back));
            QCOMPARE(back, f);
        }
        Family unused;
        QVERIFY(!familyFromKey("nonsense", &unused));
    }
};

QTEST_GUILESS_MAIN(TestChatTemplate)
#include "test_chat_template.moc"
