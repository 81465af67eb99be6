// Tokenizer behaviour beyond the id vectors: decoding and round trips (the guarantees llama.cpp's
// test-tokenizer-1-{spm,bpe} check), streaming decode of split UTF-8, special-token parsing,
// BOS/EOS and end-of-generation metadata, the merge rules on small hand-made vocabularies, and
// clear errors for missing or inconsistent tokenizer metadata.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <functional>
#include <random>
#include <thread>

#include "lowbit/error.h"
#include "lowbit/gguf.h"
#include "lowbit/tokenizer.h"
#include "test_data.h"

using namespace lowbit;

namespace {

std::unique_ptr<Tokenizer> load_vocab(const char* name) {
    auto file =
        GgufFile::open(test::shared_path(QString("reference/tokenizer/ggml-vocab-%1.gguf").arg(name)));
    return Tokenizer::from_gguf(*file);
}

std::string utf8(char32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        s += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    } else if (cp < 0x10000) {
        s += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
              static_cast<char>(0x80 | (cp & 0x3F))};
    } else {
        s += {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
              static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
    }
    return s;
}

bool valid_utf8(const std::string& s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size())).toUtf8() ==
           QByteArray(s.data(), qsizetype(s.size()));
}

// A vocabulary-only GGUF made with the writer; `edit` adjusts the metadata before writing.
struct VocabFile {
    QTemporaryDir dir;
    std::string path;
    explicit VocabFile(const std::function<void(GgufWriter&)>& edit) {
        path = (dir.path() + "/vocab.gguf").toStdString();
        GgufWriter w(path);
        w.set("general.architecture", GgufValue::make_string("llama"));
        edit(w);
        w.begin();
        w.commit();
    }
    std::unique_ptr<Tokenizer> load() const { return Tokenizer::from_gguf(*GgufFile::open(path)); }
};

// A small SentencePiece vocabulary: <unk> <s> </s>, 256 byte tokens, then `pieces` with scores.
void write_spm(GgufWriter& w, const std::vector<std::pair<std::string, float>>& pieces) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<double> scores = {0, 0, 0};
    std::vector<int64_t> types = {2, 3, 3};
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        tokens.push_back(name);
        scores.push_back(0);
        types.push_back(6);
    }
    for (const auto& [text, score] : pieces) {
        tokens.push_back(text);
        scores.push_back(score);
        types.push_back(1);
    }
    w.set("tokenizer.ggml.model", GgufValue::make_string("llama"));
    w.set("tokenizer.ggml.tokens", GgufValue::make_string_array(tokens));
    w.set("tokenizer.ggml.scores", GgufValue::make_float_array(GgufType::FLOAT32, scores));
    w.set("tokenizer.ggml.token_type", GgufValue::make_int_array(GgufType::INT32, types));
}

// A small byte-level BPE vocabulary: the 256 byte characters, then `extra` tokens, and `merges`.
void write_bpe(GgufWriter& w, const std::vector<std::string>& extra, const std::vector<std::string>& merges,
               const std::string& pre = "gpt-2") {
    std::vector<std::string> tokens;
    int n = 0;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        tokens.push_back(utf8(printable ? char32_t(b) : char32_t(256 + n++)));
    }
    tokens.insert(tokens.end(), extra.begin(), extra.end());
    tokens.push_back("<|endoftext|>");
    std::vector<int64_t> types(tokens.size(), 1);
    types.back() = 3;
    w.set("tokenizer.ggml.model", GgufValue::make_string("gpt2"));
    w.set("tokenizer.ggml.pre", GgufValue::make_string(pre));
    w.set("tokenizer.ggml.tokens", GgufValue::make_string_array(tokens));
    w.set("tokenizer.ggml.token_type", GgufValue::make_int_array(GgufType::INT32, types));
    w.set("tokenizer.ggml.merges", GgufValue::make_string_array(merges));
    w.set("tokenizer.ggml.bos_token_id", GgufValue::u32(uint32_t(tokens.size() - 1)));
    w.set("tokenizer.ggml.eos_token_id", GgufValue::u32(uint32_t(tokens.size() - 1)));
}

template <typename E>
void expect_error(const std::function<void(GgufWriter&)>& edit, const char* needle) {
    VocabFile f(edit);
    try {
        f.load();
        QFAIL(qPrintable(QString("no error; expected one mentioning '%1'").arg(needle)));
    } catch (const E& e) {
        QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
}

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT
  private slots:
    // --- metadata ------------------------------------------------------------------------------

    void readsSpecialTokensAndFlags() {
        auto spm = load_vocab("llama-spm");
        QCOMPARE(spm->kind(), TokenizerKind::Llama);
        QCOMPARE(spm->n_vocab(), 32000);
        QCOMPARE(spm->bos(), 1);
        QCOMPARE(spm->eos(), 2);
        QCOMPARE(spm->unk(), 0);
        QVERIFY(spm->add_bos() && !spm->add_eos() && spm->add_space_prefix());
        QCOMPARE(spm->eog_tokens(), std::vector<int32_t>({2}));
        QCOMPARE(spm->token_attr(259), TokenAttr::Normal);
        QCOMPARE(spm->token_attr(3), TokenAttr::Byte);
        QVERIFY(spm->is_control(1) && !spm->is_control(3));

        // LLaMA 3: no add_bos_token key, yet BOS is added (llama.cpp's default for llama-bpe);
        // <|eot_id|> is the end of turn, <|end_of_text|> the EOS, both end generation.
        auto l3 = load_vocab("llama-bpe");
        QCOMPARE(l3->kind(), TokenizerKind::Gpt2);
        QCOMPARE(l3->pre_tokenizer(), std::string("llama-bpe"));
        QVERIFY(l3->add_bos() && !l3->add_eos());
        QCOMPARE(l3->bos(), 128000);
        QCOMPARE(l3->eos(), 128001);
        QCOMPARE(l3->eot(), 128009);
        QVERIFY(l3->is_eog(128001) && l3->is_eog(128009) && !l3->is_eog(128000));
        QCOMPARE(l3->find_token("<|eot_id|>"), 128009);

        // Qwen2: no BOS added; <|endoftext|> and <|im_end|> end generation.
        auto qwen = load_vocab("qwen2");
        QVERIFY(!qwen->add_bos() && !qwen->add_eos());
        QVERIFY(qwen->is_eog(151643) && qwen->is_eog(151645) && !qwen->is_eog(151644));
        QCOMPARE(qwen->token_attr(151646), TokenAttr::UserDefined);

        // Phi-3: <|end|> ends a turn; its special tokens swallow the whitespace after them.
        auto phi = load_vocab("phi-3");
        QCOMPARE(phi->eos(), 32000);
        QVERIFY(phi->is_eog(32000) && phi->is_eog(32007));
        QVERIFY(phi->token_flags(32007) & token_flag::kRstrip);
        QVERIFY(!(phi->token_flags(32000) & token_flag::kRstrip));

        auto gpt2 = load_vocab("gpt-2");
        QVERIFY(!gpt2->add_bos());
        QCOMPARE(gpt2->bos(), 50256);
        QVERIFY(gpt2->is_eog(50256));
    }

    void addsBosAndEos() {
        auto spm = load_vocab("llama-spm");
        const auto plain = spm->encode("Hello", false, false);
        const auto with = spm->encode("Hello", true, false);
        QCOMPARE(with.size(), plain.size() + 1);
        QCOMPARE(with.front(), 1);
        QCOMPARE(spm->encode("", true, true), std::vector<int32_t>({1}));
        QVERIFY(spm->encode("", false, true).empty());
        auto qwen = load_vocab("qwen2");
        QCOMPARE(qwen->encode("Hello", true, true), qwen->encode("Hello", false, true));

        // add_eos_token is honoured.
        VocabFile f([](GgufWriter& w) {
            write_spm(w, {{"\xE2\x96\x81"
                           "a",
                           -1}});
            w.set("tokenizer.ggml.add_eos_token", GgufValue::boolean(true));
            w.set("tokenizer.ggml.add_bos_token", GgufValue::boolean(false));
        });
        auto tok = f.load();
        QCOMPARE(tok->encode("a", true, false), std::vector<int32_t>({259, 2}));
    }

    // --- decoding ------------------------------------------------------------------------------

    // llama-simple prints the pieces of the prompt tokens (with BOS): the reference continuations
    // start with exactly that text.
    void piecesMatchLlamaSimplePrompt() {
        QFile json(QString::fromStdString(test::shared_path("reference/greedy-once-upon-a-time.json")));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(json.readAll()).object();
        const std::pair<const char*, const char*> models[] = {
            {"random-llama-spm-f16", "random-llama-spm-f16.gguf"},
            {"random-llama3-bpe-f16", "random-llama3-bpe-f16.gguf"},
            {"random-qwen2-f16", "random-qwen2-f16.gguf"}};
        for (const auto& [key, file] : models) {
            auto tok = Tokenizer::from_gguf(*GgufFile::open(test::model_path(file)));
            std::string printed;
            for (int32_t id : tok->encode("Once upon a time", true, true))
                printed += tok->token_to_piece(id, true);
            const std::string expected = ref.value(key).toString().toStdString();
            QVERIFY2(expected.rfind(printed, 0) == 0 && expected.size() > printed.size(),
                     qPrintable(QString::fromStdString(printed + " | " + expected)));
        }
        auto spm = load_vocab("llama-spm");
        QCOMPARE(spm->token_to_piece(1, true), std::string("<s>"));
        QCOMPARE(spm->token_to_piece(1, false), std::string());
        QCOMPARE(spm->token_to_piece(13, true), std::string("\n"));  // <0x0A>
        QVERIFY_THROWS_EXCEPTION(lowbit::Error, spm->token_to_piece(32000, true));
        QVERIFY_THROWS_EXCEPTION(lowbit::Error, spm->token_to_piece(-1, true));
    }

    // llama.cpp's test-tokenizer-1: every token's text re-tokenizes to the same text, and every
    // code point (but surrogates, U+40000..U+E0000 and U+2581) round-trips through
    // tokenize + detokenize.
    void roundTripsLikeLlamaCpp_data() {
        QTest::addColumn<QString>("vocab");
        for (const char* v : {"llama-spm", "phi-3", "gpt-2", "llama-bpe", "qwen2"}) QTest::newRow(v) << v;
    }
    void roundTripsLikeLlamaCpp() {
        QFETCH(QString, vocab);
        auto tok = load_vocab(vocab.toUtf8().constData());
        const bool spm = tok->kind() == TokenizerKind::Llama;
        for (int32_t id = 0; id < tok->n_vocab(); ++id) {
            const std::vector<int32_t> one{id};
            const std::string text = tok->detokenize(one, false, spm);
            if (!spm && !valid_utf8(text)) continue;  // llama.cpp skips what it cannot decode
            const std::string back = tok->detokenize(tok->encode(text, false, true), false, true);
            QVERIFY2(back == text,
                     qPrintable(QString("token %1 '%2' came back as '%3'")
                                    .arg(id)
                                    .arg(QString::fromStdString(text), QString::fromStdString(back))));
        }
        for (char32_t cp = 0; cp < 0x110000; cp += (cp < 0x10000 ? 1 : cp < 0x30000 ? 3 : 11)) {
            if ((cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x40000 && cp <= 0xE0000) || cp == 0x2581) continue;
            const std::string s = utf8(cp);
            const std::string back = tok->detokenize(tok->encode(s, false, spm), false, true);
            QVERIFY2(back == s, qPrintable(QString("U+%1").arg(uint32_t(cp), 4, 16, QChar('0'))));
        }
    }

    // decode() (pieces concatenated) gives back the exact bytes of any valid UTF-8 text; for
    // SentencePiece with the leading space, and for invalid UTF-8 too (byte fallback).
    void decodeIsExact() {
        const std::string texts[] = {
            "Hello, world! DON'T stop   here\n\n\tTabs\r\nCRLF  trailing  ",
            "日本語のテキストと English mixed 한국어 العربية עברית हिन्दी ไทย",
            "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 tone, 1️⃣ keycap, é (e + "
            "U+0301)",
            "3.14159 1234567890123 ½ ²³ ١٢٣",
            std::string("nul\0byte", 8),
        };
        for (const char* v : {"llama-spm", "phi-3", "gpt-2", "llama-bpe", "qwen2"}) {
            auto tok = load_vocab(v);
            for (const std::string& t : texts) {
                const std::string got = tok->decode(tok->encode(t, false, false), false);
                const std::string want = tok->kind() == TokenizerKind::Llama ? " " + t : t;
                QVERIFY2(got == want, qPrintable(QString("%1: '%2'").arg(v, QString::fromStdString(got))));
            }
        }
        // (Characters are cut by their lead byte, so an invalid sequence close before a space
        // swallows part of the escaped space, which then comes back as the bytes of U+2581, as in
        // llama.cpp; none is close to a space here.)
        const std::string bad = "ok\xC3x \xE2\x82y \xED\xA0\x80. end\xFF\xFE";
        auto spm = load_vocab("llama-spm");
        QCOMPARE(spm->detokenize(spm->encode(bad, false, false), false, false), bad);
        // Byte-level BPE sees each invalid byte as U+FFFD, as llama.cpp does.
        auto l3 = load_vocab("llama-bpe");
        QCOMPARE(l3->decode(l3->encode("a\xFF"
                                       "b",
                                       false, false),
                            false),
                 std::string("a\xEF\xBF\xBD"
                             "b"));
    }

    void detokenizeMatchesLlamaCpp() {
        auto gpt2 = load_vocab("gpt-2");
        // clean_up_tokenization_spaces (GPT-2): spaces before ?!., and some contractions go.
        QCOMPARE(gpt2->detokenize(gpt2->encode("Hi , there ! It 's me ' ok", false, false), false, false),
                 std::string("Hi, there! It's me'ok"));
        auto qwen = load_vocab("qwen2");  // no clean-up
        QCOMPARE(qwen->detokenize(qwen->encode("Hi , there !", false, false), false, false),
                 std::string("Hi , there !"));
        // SentencePiece: the prefix space goes; BOS/EOS are dropped with remove_special.
        auto spm = load_vocab("llama-spm");
        const auto ids = spm->encode("Hello world", true, false);
        QCOMPARE(spm->detokenize(ids, false, false), std::string(" Hello world"));
        QCOMPARE(spm->detokenize(ids, false, true), std::string("<s> Hello world"));
        QCOMPARE(spm->detokenize(ids, true, true), std::string(" Hello world"));
        QCOMPARE(spm->detokenize(spm->encode("Hello world", false, false), false, false),
                 std::string("Hello world"));
    }

    // --- streaming -----------------------------------------------------------------------------

    void streamDecoderHoldsSplitCharacters() {
        auto spm = load_vocab("llama-spm");
        // "🦙" has no token: four byte tokens.
        const auto ids = spm->encode("a🦙b", false, false);
        StreamDecoder dec(*spm);
        std::string out;
        for (int32_t id : ids) {
            const std::string part = dec.feed(id);
            QVERIFY2(valid_utf8(part), "a piece of a character was emitted");
            out += part;
        }
        out += dec.flush();
        QCOMPARE(out, std::string(" a🦙b"));

        // Byte-level BPE splits emoji across tokens too.
        for (const char* v : {"gpt-2", "llama-bpe", "qwen2"}) {
            auto tok = load_vocab(v);
            const std::string text =
                "🚀 (normal) 😶‍🌫️ 👨‍👩‍👧‍👦 Привет 日本語 é";
            StreamDecoder d(*tok);
            std::string streamed;
            int held = 0;
            for (int32_t id : tok->encode(text, false, false)) {
                const std::string part = d.feed(id);
                QVERIFY(valid_utf8(part));
                held += part.empty();
                streamed += part;
            }
            streamed += d.flush();
            QCOMPARE(streamed, text);
            QVERIFY(held > 0);  // some token did end inside a character
        }
    }

    void streamDecoderReplacesInvalidBytes() {
        auto spm = load_vocab("llama-spm");
        const int32_t e2 = spm->find_token("<0xE2>"), x82 = spm->find_token("<0x82>"),
                      ff = spm->find_token("<0xFF>");
        const int32_t a = spm->find_token("a");
        QVERIFY(e2 >= 0 && x82 >= 0 && ff >= 0 && a >= 0);
        StreamDecoder dec(*spm);
        QCOMPARE(dec.feed(e2), std::string());  // could still become "€"
        QCOMPARE(dec.feed(x82), std::string());
        QCOMPARE(dec.feed(a), std::string("\xEF\xBF\xBD"
                                          "a"));              // it did not: one U+FFFD
        QCOMPARE(dec.feed(ff), std::string("\xEF\xBF\xBD"));  // never valid: replaced at once
        QCOMPARE(dec.feed(e2), std::string());
        QCOMPARE(dec.flush(), std::string("\xEF\xBF\xBD"));  // cut short at the end
        QCOMPARE(dec.flush(), std::string());
        // Control tokens are silent unless asked for.
        StreamDecoder quiet(*spm), loud(*spm, true);
        QCOMPARE(quiet.feed(1), std::string());
        QCOMPARE(loud.feed(1), std::string("<s>"));
    }

    // --- special tokens ------------------------------------------------------------------------

    void parsesSpecialTokensOnlyWhenAsked() {
        auto qwen = load_vocab("qwen2");
        const std::string chat = "<|im_start|>user\nHi<|im_end|>";
        const auto parsed = qwen->encode(chat, false, true);
        QCOMPARE(parsed.front(), 151644);
        QCOMPARE(parsed.back(), 151645);
        const auto plain = qwen->encode(chat, false, false);
        QVERIFY(std::find(plain.begin(), plain.end(), 151644) == plain.end());
        QCOMPARE(qwen->decode(plain, false), chat);
        // User-defined tokens are recognised either way (llama.cpp and HF tokenizers agree).
        for (bool parse : {false, true}) {
            QCOMPARE(qwen->encode("x[PAD151646]y", false, parse).size(), size_t(3));
        }

        auto spm = load_vocab("llama-spm");
        // After a special token SentencePiece adds its space prefix again.
        const auto ids = spm->encode("<s>Hello</s>Hello", false, true);
        QCOMPARE(ids.size(), size_t(4));
        QCOMPARE(ids[0], 1);
        QCOMPARE(ids[2], 2);
        QCOMPARE(ids[1], ids[3]);
        QCOMPARE(spm->token_text(ids[1]), std::string("\xE2\x96\x81Hello"));
        QVERIFY(spm->encode("<s>Hello", false, false).front() != 1);

        // Phi-3: whitespace after <|user|> (rstrip) is dropped when it is parsed.
        auto phi = load_vocab("phi-3");
        QCOMPARE(phi->encode("<|user|>\n  Hi", false, true), phi->encode("<|user|>Hi", false, true));
    }

    // --- algorithm on hand-made vocabularies ---------------------------------------------------

    void spmMergesByScoreWithByteFallback() {
        VocabFile f([](GgufWriter& w) {
            // ids 259.. : ▁, a, b, c, ab, bc, ▁a, abc
            write_spm(w, {{"\xE2\x96\x81", -1},
                          {"a", -2},
                          {"b", -2},
                          {"c", -2},
                          {"ab", -5},
                          {"bc", -3},
                          {"\xE2\x96\x81"
                           "a",
                           -4},
                          {"abc", -1}});
        });
        auto tok = f.load();
        // "▁abc": bc (-3) merges first; then a+bc = abc (-1) beats ▁a (-4); ▁abc is no token.
        QCOMPARE(tok->encode("abc", false, false), std::vector<int32_t>({259, 266}));
        // "▁ab": ▁a (-4) beats ab (-5); ▁a + b is no token.
        QCOMPARE(tok->encode("ab", false, false), std::vector<int32_t>({265, 261}));
        // 'é' is no token: its two bytes via <0xC3><0xA9>.
        QCOMPARE(tok->encode("é", false, false), std::vector<int32_t>({259, 3 + 0xC3, 3 + 0xA9}));
        QCOMPARE(tok->decode(tok->encode("é", false, false), false), std::string(" é"));
        // add_space_prefix = false drops the dummy prefix.
        VocabFile g([](GgufWriter& w) {
            write_spm(w, {{"a", -1}});
            w.set("tokenizer.ggml.add_space_prefix", GgufValue::boolean(false));
        });
        QCOMPARE(g.load()->encode("a", false, false), std::vector<int32_t>({259}));
    }

    // llama.cpp aborts when a byte has no token; here the unknown token stands in for it.
    void spmWithoutByteTokensUsesUnknown() {
        VocabFile f([](GgufWriter& w) {
            w.set("tokenizer.ggml.model", GgufValue::make_string("llama"));
            w.set("tokenizer.ggml.tokens",
                  GgufValue::make_string_array({"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a"}));
            w.set("tokenizer.ggml.scores", GgufValue::make_float_array(GgufType::FLOAT32, {0, 0, 0, -1, -1}));
            w.set("tokenizer.ggml.token_type", GgufValue::make_int_array(GgufType::INT32, {2, 3, 3, 1, 1}));
        });
        QCOMPARE(f.load()->encode("a\xC3\xA9", false, false), std::vector<int32_t>({3, 4, 0, 0}));
    }

    // encode() keeps no state: threads may share one tokenizer.
    void encodesConcurrently() {
        auto tok = load_vocab("qwen2");
        const std::string text = "<|im_start|>Concurrent 分词 test 12345 🦙<|im_end|>";
        const auto expected = tok->encode(text, true, true);
        std::vector<std::thread> threads;
        std::atomic<int> bad{0};
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 200; ++i) {
                    if (tok->encode(text, true, true) != expected) ++bad;
                }
            });
        }
        for (auto& th : threads) th.join();
        QCOMPARE(bad.load(), 0);
    }

    void bpeMergesByRank() {
        // Characters: a=0x61 -> id 64, b -> 65, c -> 66 (ids follow the byte table order).
        VocabFile f([](GgufWriter& w) { write_bpe(w, {"bc", "ab", "abc"}, {"b c", "a b", "ab c"}); });
        auto tok = f.load();
        const int32_t a = tok->find_token("a"), bc = tok->find_token("bc"), abc = tok->find_token("abc");
        // "b c" has the lower rank, so "abc" is a + bc; "ab c" never gets its chance.
        QCOMPARE(tok->encode("abc", false, false), std::vector<int32_t>({a, bc}));
        QVERIFY(abc > 0);
        // A space becomes 'Ġ' (U+0120) and starts a word.
        QCOMPARE(tok->encode(" a", false, false), std::vector<int32_t>({tok->find_token("\xC4\xA0"), a}));
        QCOMPARE(tok->decode(tok->encode("x abc\n", false, false), false), std::string("x abc\n"));
    }

    // --- errors --------------------------------------------------------------------------------

    void rejectsMissingOrInconsistentMetadata() {
        expect_error<FormatError>([](GgufWriter&) {}, "tokenizer.ggml.model");
        expect_error<FormatError>(
            [](GgufWriter& w) { w.set("tokenizer.ggml.model", GgufValue::make_string("llama")); },
            "tokenizer.ggml.tokens is missing");
        expect_error<FormatError>(
            [](GgufWriter& w) {
                write_spm(w, {});
                w.set("tokenizer.ggml.tokens", GgufValue::make_int_array(GgufType::INT32, {1, 2, 3}));
            },
            "not an array of strings");
        expect_error<FormatError>(
            [](GgufWriter& w) {
                write_spm(w, {{"a", 0}});
                w.set("tokenizer.ggml.scores", GgufValue::make_float_array(GgufType::FLOAT32, {0.0, 1.0}));
            },
            "scores has 2 entries");
        expect_error<FormatError>(
            [](GgufWriter& w) {
                write_spm(w, {{"a", 0}});
                w.set("tokenizer.ggml.token_type", GgufValue::make_int_array(GgufType::INT32, {1}));
            },
            "token_type has 1 entries");
        expect_error<FormatError>(
            [](GgufWriter& w) {
                write_spm(w, {{"a", 0}, {"a", 0}});
            },
            "repeats the text");
        expect_error<FormatError>(
            [](GgufWriter& w) {
                write_spm(w, {});
                w.set("tokenizer.ggml.bos_token_id", GgufValue::u32(999999));
            },
            "bos_token_id = 999999 is outside");
        expect_error<FormatError>(
            [](GgufWriter& w) {
                write_spm(w, {});
                w.set("tokenizer.ggml.eos_token_id", GgufValue::make_string("2"));
            },
            "not an integer");
        expect_error<FormatError>([](GgufWriter& w) { write_bpe(w, {"ab"}, {"a \xE2\x98\x83"}); },
                                  "'\xE2\x98\x83', which is not a token");
        expect_error<FormatError>([](GgufWriter& w) { write_bpe(w, {}, {"a b"}); },
                                  "makes 'ab', which is not a token");
        expect_error<FormatError>([](GgufWriter& w) { write_bpe(w, {"ab"}, {"ab"}); }, "no space");
        expect_error<FormatError>(
            [](GgufWriter& w) {
                write_bpe(w, {}, {});
                w.remove("tokenizer.ggml.merges");
            },
            "merges is missing");
        expect_error<FormatError>(
            [](GgufWriter& w) {
                write_bpe(w, {}, {});
                w.remove("tokenizer.ggml.bos_token_id");
                w.set("tokenizer.ggml.add_bos_token", GgufValue::boolean(true));
                // the gpt2 default BOS id (11) is a real token here, so point it outside instead
                w.set("tokenizer.ggml.bos_token_id", GgufValue::u32(100000));
            },
            "bos_token_id");
    }

    // Random damage to the tokenizer metadata: loading gives a lowbit::Error or a tokenizer that
    // works; never a crash or another exception.
    void survivesDamagedMetadata() {
        std::mt19937 rng(12345);
        auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
        auto random_value = [&]() -> GgufValue {
            switch (pick(7)) {
                case 0:
                    return GgufValue::i32(int32_t(rng()) % 400 - 50);
                case 1:
                    return GgufValue::u32(uint32_t(rng()));
                case 2:
                    return GgufValue::make_string(std::string(pick(12), char('a' + pick(26))));
                case 3:
                    return GgufValue::make_float_array(GgufType::FLOAT32,
                                                       std::vector<double>(pick(300), -1.5));
                case 4: {
                    std::vector<int64_t> v(pick(300));
                    for (auto& x : v) x = int64_t(pick(9)) - 1;
                    return GgufValue::make_int_array(GgufType::INT32, v);
                }
                case 5: {
                    std::vector<std::string> v(pick(300));
                    for (auto& x : v) x = std::string(pick(4), char(0x20 + pick(0x60)));
                    return GgufValue::make_string_array(v);
                }
                default:
                    return GgufValue::boolean(pick(2));
            }
        };
        const char* keys[] = {"tokenizer.ggml.model",
                              "tokenizer.ggml.pre",
                              "tokenizer.ggml.tokens",
                              "tokenizer.ggml.scores",
                              "tokenizer.ggml.token_type",
                              "tokenizer.ggml.merges",
                              "tokenizer.ggml.bos_token_id",
                              "tokenizer.ggml.eos_token_id",
                              "tokenizer.ggml.unknown_token_id",
                              "tokenizer.ggml.add_bos_token",
                              "tokenizer.ggml.add_eos_token",
                              "tokenizer.ggml.add_space_prefix",
                              "tokenizer.ggml.padding_token_id",
                              "tokenizer.ggml.eot_token_id"};
        int loaded = 0, rejected = 0;
        for (int round = 0; round < 200; ++round) {
            VocabFile f([&](GgufWriter& w) {
                if (round % 2) {
                    write_spm(w, {{"\xE2\x96\x81"
                                   "a",
                                   -1},
                                  {"ab", -2},
                                  {"<|im_end|>", 0}});
                } else {
                    write_bpe(w,
                              {"ab",
                               "\xC4\xA0"
                               "a"},
                              {"a b", "\xC4\xA0 a"}, round % 4 ? "qwen2" : "llama-bpe");
                }
                for (size_t k = 1 + pick(3); k > 0; --k) {
                    const char* key = keys[pick(std::size(keys))];
                    if (pick(3) == 0) {
                        w.remove(key);
                    } else {
                        w.set(key, random_value());
                    }
                }
            });
            try {
                auto tok = f.load();
                ++loaded;
                for (bool add : {false, true}) {
                    for (bool parse : {false, true}) {
                        const auto ids = tok->encode("ab a<|im_end|>\xFF \xC3 <s>\n", add, parse);
                        StreamDecoder dec(*tok, parse);
                        for (int32_t id : ids) {
                            QVERIFY(id >= 0 && id < tok->n_vocab());
                            tok->token_to_piece(id, true);
                            dec.feed(id);
                        }
                        tok->detokenize(ids, add, parse);
                    }
                }
            } catch (const lowbit::Error&) {
                ++rejected;
            }
        }
        QVERIFY(loaded > 10 && rejected > 10);
    }

    void rejectsUnsupportedTokenizers() {
        expect_error<UnsupportedError>(
            [](GgufWriter& w) {
                write_spm(w, {});
                w.set("tokenizer.ggml.model", GgufValue::make_string("bert"));
            },
            "'bert' is not supported");
        expect_error<UnsupportedError>([](GgufWriter& w) { write_bpe(w, {}, {}, "no-such-pre"); },
                                       "'no-such-pre' is not supported");
        // An absent pre-tokenizer is llama.cpp's "default".
        VocabFile f([](GgufWriter& w) {
            write_bpe(w, {}, {});
            w.remove("tokenizer.ggml.pre");
        });
        QCOMPARE(f.load()->pre_tokenizer(), std::string("default"));
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
