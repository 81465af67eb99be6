// Hugging Face folders built from the shared GGUF models (Q/K rows in HF's order, tokenizer files
// written from the GGUF vocabulary, two shards of F16 and F32) must convert back to the original:
// same tensors byte for byte, same tokenizer, same logits. BitNet folders must come out ternarized
// exactly as BitNet's weight_quant does, and broken folders must fail with clear errors and leave
// nothing behind.
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "convert/hf_tokenizer.h"
#include "hf_fixture.h"
#include "lowbit/convert.h"
#include "lowbit/dummy_model.h"
#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/gguf.h"
#include "lowbit/model.h"
#include "lowbit/quant.h"
#include "lowbit/runner.h"
#include "lowbit/safetensors.h"
#include "lowbit/tokenizer.h"
#include "test_data.h"

using namespace lowbit;
namespace fs = std::filesystem;

namespace {

std::string paper() {
    return test::read_file(test::shared_path("papers/onebit-paper.md"));
}

ConvertSummary convert(const std::string& in, const std::string& out, ConvertTarget t,
                       const std::function<void(ConvertOptions&)>& tweak = {}) {
    ConvertOptions o;
    o.input = in;
    o.output = out;
    o.target = t;
    o.threads = 2;
    if (tweak) tweak(o);
    return convert_model(o);
}

// Every tensor of `a` exists in `b` with the same type, shape and bytes.
void compare_tensors(const GgufFile& a, const GgufFile& b) {
    for (const auto& t : a.tensors()) {
        const GgufTensorInfo* u = b.find_tensor(t.name);
        QVERIFY2(u, qPrintable(QString::fromStdString("missing " + t.name)));
        QCOMPARE(u->type, t.type);
        QCOMPARE(u->ne, t.ne);
        QVERIFY2(std::memcmp(u->data, t.data, t.nbytes) == 0,
                 qPrintable(QString::fromStdString(t.name + " differs")));
    }
}

template <typename Get>
void compare_key(const GgufFile& a, const GgufFile& b, const std::string& key, Get get) {
    const GgufValue* x = a.find(key);
    const GgufValue* y = b.find(key);
    QVERIFY2(x && y, qPrintable(QString::fromStdString("key " + key)));
    QVERIFY2(get(*x) == get(*y), qPrintable(QString::fromStdString("key " + key + " differs")));
}

std::vector<float> logits_of(const std::string& path, const std::vector<int32_t>& tokens) {
    auto m = Model::load(path);
    RunnerOptions ro;
    ro.n_threads = 2;
    ro.n_ctx = 64;
    auto r = create_runner(*m, ro);
    std::vector<float> out(static_cast<size_t>(m->hparams().n_vocab) * tokens.size());
    r->eval(tokens, static_cast<int>(tokens.size()), out.data());
    return out;
}

// BitNet b1.58's weight_quant, independently of the converter.
std::vector<float> weight_quant(const std::vector<float>& w) {
    double sum = 0;
    for (float v : w) sum += std::fabs(v);
    const float scale = std::max(static_cast<float>(sum / static_cast<double>(w.size())), 1e-5f);
    const float iscale = 1.0f / scale;
    std::vector<float> out(w.size());
    for (size_t i = 0; i < w.size(); ++i)
        out[i] = std::clamp(std::nearbyint(w[i] * iscale), -1.0f, 1.0f) / iscale;
    return out;
}

float bitnet_weight(int64_t tensor, int64_t i) {
    // Deterministic, not ternary, with a few exact zeros and outliers.
    uint32_t x = static_cast<uint32_t>(tensor * 2654435761u + static_cast<uint64_t>(i) * 40503u + 17u);
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    x ^= x >> 15;
    if (x % 97 == 0) return 0.0f;
    const float u = static_cast<float>(x & 0xffffff) / 16777216.0f - 0.5f;
    return (x % 113 == 0) ? 8.0f * u : 0.05f * u;
}

std::vector<float> dequant(const GgufTensorInfo& t) {
    std::vector<float> v(static_cast<size_t>(t.n_elements()));
    quant::dequantize_tensor(t.type, t.data, t.nbytes, t.ne[0], t.n_elements(), v.data());
    return v;
}

bool no_output_left(const std::string& out) {
    return !fs::exists(out) && !fs::exists(out + ".tmp");
}

}  // namespace

class TestConvertHf : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string path(const std::string& name) { return tmp_.path().toStdString() + "/" + name; }
    std::string folder(const std::string& name) {
        const std::string d = path(name);
        fs::create_directories(d);
        return d;
    }

    // Builds a folder from `model`, converts it to F16 and checks it equals the original.
    void round_trip(const char* model, const test::HfOptions& opts, const std::string& name,
                    bool exact_vocab) {
        const std::string original = test::model_path(model);
        const std::string dir = folder(name);
        test::make_hf_folder(dir, original, opts);
        const std::string out = path(name + ".gguf");
        const ConvertSummary s = convert(dir, out, ConvertTarget::F16);
        QCOMPARE(s.source_format, std::string("safetensors"));
        auto a = GgufFile::open(original);
        auto b = GgufFile::open(out);
        compare_tensors(*a, *b);
        QCOMPARE(b->tensors().size(), a->tensors().size());
        const std::string arch = *a->get_string("general.architecture");
        QCOMPARE(*b->get_string("general.architecture"), arch);
        for (const char* k : {".embedding_length", ".block_count", ".feed_forward_length",
                              ".attention.head_count", ".attention.head_count_kv", ".context_length"})
            compare_key(*a, *b, arch + k, [](const GgufValue& v) { return v.as_int(); });
        for (const char* k : {".attention.layer_norm_rms_epsilon", ".rope.freq_base"})
            compare_key(*a, *b, arch + k,
                        [](const GgufValue& v) { return static_cast<float>(v.as_number()); });
        for (const char* k : {"tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.chat_template"})
            if (a->find(k)) compare_key(*a, *b, k, [](const GgufValue& v) { return v.as_string(); });
        compare_key(*a, *b, "tokenizer.ggml.tokens", [](const GgufValue& v) { return v.strings(); });
        compare_key(*a, *b, "tokenizer.ggml.token_type", [](const GgufValue& v) { return v.ints(); });
        if (a->find("tokenizer.ggml.merges"))
            compare_key(*a, *b, "tokenizer.ggml.merges", [](const GgufValue& v) { return v.strings(); });
        if (exact_vocab)
            compare_key(*a, *b, "tokenizer.ggml.scores", [](const GgufValue& v) { return v.floats(); });
        for (const char* k : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                              "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id"})
            if (a->find(k)) compare_key(*a, *b, k, [](const GgufValue& v) { return v.as_int(); });

        // The tokenizer our engine builds from the result splits text as the original does.
        auto ta = Tokenizer::from_gguf(*a);
        auto tb = Tokenizer::from_gguf(*b);
        const std::string text = paper();
        const auto ids = ta->encode(text, true, true);
        QCOMPARE(tb->encode(text, true, true), ids);
        QCOMPARE(tb->add_bos(), ta->add_bos());
        QCOMPARE(tb->eos(), ta->eos());
        QCOMPARE(tb->bos(), ta->bos());
        // And the engine computes the same logits.
        const std::vector<int32_t> prompt(ids.begin(), ids.begin() + 12);
        QCOMPARE(logits_of(out, prompt), logits_of(original, prompt));
    }

  private slots:
    void initTestCase() {
        // LOWBIT_CONVERT_KEEP=1 keeps the folders and files for checks by hand (e.g. llama.cpp).
        if (qEnvironmentVariableIsSet("LOWBIT_CONVERT_KEEP")) {
            tmp_.setAutoRemove(false);
            qInfo("keeping %s", qPrintable(tmp_.path()));
        }
    }

    void llamaFolderWithTokenizerJson() {
        test::HfOptions o;
        o.tokenizer = test::TokenizerFiles::Json;
        round_trip("random-llama-spm-f16.gguf", o, "llama-json", /*exact_vocab=*/false);
    }

    void llamaFolderWithTokenizerModel() {
        // tokenizer.model carries SentencePiece's own scores: the vocabulary comes back exactly.
        test::HfOptions o;
        o.tokenizer = test::TokenizerFiles::Both;
        o.shards = 3;
        round_trip("random-llama-spm-f16.gguf", o, "llama-model", /*exact_vocab=*/true);
    }

    void qwen2FolderWithBiasesAndByteLevelBpe() {
        test::HfOptions o;
        o.hf_arch = "Qwen2ForCausalLM";
        round_trip("random-qwen2-f16.gguf", o, "qwen2", false);
    }

    void llama3FolderRecognisesItsPreTokenizer() {
        test::HfOptions o;
        o.shards = 1;
        round_trip("random-llama3-bpe-f16.gguf", o, "llama3", false);
    }

    void withoutPermutationTheQueriesWouldDiffer() {
        // Guard for the round trips above: the fixture's Q/K rows really are in another order.
        const std::string dir = folder("llama-noperm");
        test::HfOptions o;
        o.permute_qk = false;
        o.shards = 1;
        test::make_hf_folder(dir, test::model_path("random-llama-spm-f16.gguf"), o);
        const std::string out = path("llama-noperm.gguf");
        convert(dir, out, ConvertTarget::F16);
        auto a = GgufFile::open(test::model_path("random-llama-spm-f16.gguf"));
        auto b = GgufFile::open(out);
        const GgufTensorInfo* qa = a->find_tensor("blk.0.attn_q.weight");
        const GgufTensorInfo* qb = b->find_tensor("blk.0.attn_q.weight");
        QVERIFY(std::memcmp(qa->data, qb->data, qa->nbytes) != 0);
        // The converter reads GGUF row r from HF row hf_row_of(r); here HF row k is original row k.
        const size_t row = qa->nbytes / static_cast<size_t>(qa->rows());
        for (int64_t r = 0; r < qa->rows(); ++r) {
            const int64_t src = test::hf_row_of(r, qa->rows(), 4);
            QVERIFY(std::memcmp(qb->data + r * row, qa->data + src * row, row) == 0);
        }
    }

    void bitnetFolderIsTernarizedAsTrained() {
        // A 1bitLLM-style BitNet checkpoint: full-precision latent weights that the model
        // ternarizes in its forward pass. The converter applies the same weight_quant, so the F16
        // result holds exactly those values and TQ2_0/I2_S hold them losslessly.
        const std::string src = path("tiny-bitnet.gguf");
        auto shape = find_dummy_shape("tiny-bitnet");
        QVERIFY(shape.has_value());
        DummyModel::write(src, *shape, DummyOptions{});
        const std::string dir = folder("bitnet");
        test::HfOptions o;
        o.hf_arch = "BitnetForCausalLM";
        o.linear_override = bitnet_weight;
        o.shards = 2;
        test::make_hf_folder(dir, src, o);

        const std::string f16 = path("bitnet-f16.gguf");
        const ConvertSummary s = convert(dir, f16, ConvertTarget::F16);
        QCOMPARE(s.architecture, std::string("bitnet"));
        QVERIFY(s.native_ternary_source);
        auto hf = SafetensorsModel::open_folder(dir);
        auto out = GgufFile::open(f16);
        int checked = 0;
        for (const auto& t : out->tensors()) {
            if (t.name.find("blk.") != 0 || t.ne.size() != 2) continue;
            // Expected: weight_quant of the HF tensor (no permutation for BitNet).
            const size_t dot = t.name.find('.', 4);
            const std::map<std::string, std::string> kinds = {
                {"attn_q.weight", "self_attn.q_proj"}, {"attn_k.weight", "self_attn.k_proj"},
                {"attn_v.weight", "self_attn.v_proj"}, {"attn_output.weight", "self_attn.o_proj"},
                {"ffn_gate.weight", "mlp.gate_proj"},  {"ffn_up.weight", "mlp.up_proj"},
                {"ffn_down.weight", "mlp.down_proj"}};
            auto kind = kinds.find(t.name.substr(dot + 1));
            if (kind == kinds.end()) continue;
            const std::string hf_name =
                "model.layers." + t.name.substr(4, dot - 4) + "." + kind->second + ".weight";
            const SafetensorsTensor* st = hf->find(hf_name);
            std::vector<float> w(static_cast<size_t>(st->n_elements()));
            safetensors_to_float(*st, 0, st->n_elements(), w.data());
            const std::vector<float> q = weight_quant(w);
            const std::vector<float> got = dequant(t);
            for (size_t i = 0; i < q.size(); ++i) {
                if (got[i] != fp16_to_fp32(fp32_to_fp16(q[i])))
                    QFAIL(qPrintable(
                        QString("%1[%2]: %3 != %4").arg(t.name.c_str()).arg(i).arg(got[i]).arg(q[i])));
            }
            ++checked;
        }
        QCOMPARE(checked, 14);  // 7 linear layers x 2 blocks

        // Ternary targets store those values losslessly: from the folder directly or from the
        // F16 file, TQ2_0 bytes are identical and decode to the F16 values.
        const std::string tq_a = path("bitnet-tq2-a.gguf"), tq_b = path("bitnet-tq2-b.gguf");
        convert(dir, tq_a, ConvertTarget::TQ2_0);
        convert(f16, tq_b, ConvertTarget::TQ2_0);
        auto a = GgufFile::open(tq_a);
        auto b = GgufFile::open(tq_b);
        for (const auto& t : a->tensors()) {
            const GgufTensorInfo* u = b->find_tensor(t.name);
            QVERIFY(u && u->nbytes == t.nbytes);
            QVERIFY2(std::memcmp(u->data, t.data, t.nbytes) == 0, t.name.c_str());
            if (t.type != TensorType::TQ2_0) continue;
            const std::vector<float> x = dequant(t), y = dequant(*out->find_tensor(t.name));
            for (size_t i = 0; i < x.size(); ++i) QCOMPARE(x[i], y[i]);
        }
        // I2_S keeps the float scale: its values are the F32 weight_quant values.
        const std::string i2 = path("bitnet-i2s.gguf");
        convert(dir, i2, ConvertTarget::I2_S);
        auto c = GgufFile::open(i2);
        const GgufTensorInfo* q0 = c->find_tensor("blk.0.attn_q.weight");
        QCOMPARE(q0->type, TensorType::I2_S);
        auto m = Model::load(i2);
        QCOMPARE(m->hparams().arch, Arch::Bitnet);
        auto m2 = Model::load(tq_a);
        QVERIFY(m2->hparams().tied_embeddings);
    }

    void bitnet2b4tFolderBecomesBitnetB158() {
        const std::string src = path("tiny-bitnet-b158.gguf");
        DummyModel::write(src, *find_dummy_shape("tiny-bitnet-b1.58"), DummyOptions{});
        const std::string dir = folder("bitnet2b4t");
        test::HfOptions o;
        o.hf_arch = "BitNetForCausalLM";
        o.hidden_act = "relu2";
        o.linear_override = bitnet_weight;
        test::make_hf_folder(dir, src, o);
        const std::string out = path("bitnet2b4t.gguf");
        const ConvertSummary s = convert(dir, out, ConvertTarget::TQ1_0);
        QCOMPARE(s.architecture, std::string("bitnet-b1.58"));
        auto m = Model::load(out);
        QCOMPARE(m->hparams().arch, Arch::Bitnet158);
        QCOMPARE(m->hparams().ffn_act, FfnActivation::ReLU2);
        QVERIFY(m->layers()[0].attn_sub_norm);
        QVERIFY(m->layers()[1].ffn_sub_norm);
    }

    void preTokenizerClassification() {
        using conv::classify_pre_tokenizer;
        QCOMPARE(
            classify_pre_tokenizer(R"({"type": "ByteLevel", "add_prefix_space": false, "use_regex": true})"),
            std::string("gpt-2"));
        QCOMPARE(classify_pre_tokenizer(R"({"type": "Sequence", "pretokenizers": [
                     {"type": "Digits", "individual_digits": true},
                     {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}]})"),
                 std::string("smollm"));
        // A regex we do not know is refused rather than guessed.
        QCOMPARE(classify_pre_tokenizer(R"({"type": "Sequence", "pretokenizers": [
                     {"type": "Split", "pattern": {"Regex": "\\p{N}{1,5}"}, "behavior": "Isolated"},
                     {"type": "ByteLevel", "use_regex": false}]})"),
                 std::string());
        QCOMPARE(classify_pre_tokenizer(R"({"type": "Whitespace"})"), std::string());
    }

    void badFoldersGiveClearErrors() {
        const std::string base = folder("bad-base");
        test::HfOptions o;
        o.shards = 1;
        test::make_hf_folder(base, test::model_path("random-llama-spm-f16.gguf"), o);
        auto fresh = [&](const std::string& name) {
            const std::string d = path(name);
            fs::remove_all(d);
            fs::copy(base, d);
            return d;
        };
        auto expect = [&](const std::string& dir, const char* needle) {
            const std::string out = path("bad.gguf");
            try {
                convert(dir, out, ConvertTarget::TQ2_0);
                QFAIL(qPrintable(QString("no error, expected '%1'").arg(needle)));
            } catch (const Error& e) {
                if (!QString(e.what()).contains(needle))
                    QFAIL(qPrintable(QString("unexpected message: ") + e.what()));
            }
            QVERIFY(no_output_left(out));
        };
        auto edit_config = [&](const std::string& d, const std::function<void(nlohmann::json&)>& f) {
            auto j = nlohmann::json::parse(test::read_file(d + "/config.json"));
            f(j);
            test::write_file(d + "/config.json", j.dump());
        };

        std::string d = fresh("bad-arch");
        edit_config(d, [](nlohmann::json& j) { j["architectures"] = {"GPT2LMHeadModel"}; });
        expect(d, "architecture 'GPT2LMHeadModel' is not supported");

        d = fresh("bad-noconfig");
        fs::remove(d + "/config.json");
        expect(d, "has no config.json");

        d = fresh("bad-heads");
        edit_config(d, [](nlohmann::json& j) { j["num_key_value_heads"] = 3; });
        expect(d, "num_key_value_heads");

        // A missing tensor, an unknown tensor and an integer tensor, each in a rewritten shard.
        auto rewrite = [&](const std::string& dd,
                           const std::function<void(std::vector<test::StTensor>&)>& f) {
            auto st = SafetensorsFile::open(dd + "/model.safetensors");
            std::vector<test::StTensor> ts;
            for (const auto& t : st->tensors())
                ts.push_back({t.name, std::string(safetensors_dtype_name(t.dtype)), t.shape,
                              std::string(reinterpret_cast<const char*>(t.data), t.nbytes)});
            st.reset();
            f(ts);
            test::write_safetensors(dd + "/model.safetensors", ts);
        };
        d = fresh("bad-missing");
        rewrite(d, [](auto& ts) {
            std::erase_if(
                ts, [](const test::StTensor& t) { return t.name == "model.layers.1.mlp.up_proj.weight"; });
        });
        expect(d, "lacks tensor 'model.layers.1.mlp.up_proj.weight'");

        d = fresh("bad-extra");
        rewrite(d, [](auto& ts) {
            ts.push_back({"model.layers.0.self_attn.o_proj.bias", "F32", {256}, std::string(1024, 0)});
        });
        expect(d, "model.layers.0.self_attn.o_proj.bias");

        d = fresh("bad-dtype");
        rewrite(d, [](auto& ts) {
            for (auto& t : ts)
                if (t.name == "model.layers.0.mlp.down_proj.weight") {
                    t.dtype = "U8";
                    t.bytes.resize(t.bytes.size() / 2);
                }
        });
        expect(d, "dtype U8");

        d = fresh("bad-shape");
        rewrite(d, [](auto& ts) {
            for (auto& t : ts)
                if (t.name == "model.layers.0.mlp.down_proj.weight") std::swap(t.shape[0], t.shape[1]);
        });
        expect(d, "has shape [768, 256]");

        d = fresh("bad-truncated");
        {
            const std::string bytes = test::read_file(d + "/model.safetensors");
            test::write_file(d + "/model.safetensors", bytes.substr(0, bytes.size() - 1000));
        }
        expect(d, "truncated");

        d = fresh("bad-tokenizer");
        test::write_file(d + "/tokenizer.json", "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        expect(d, "tokenizer model 'Unigram' is not supported");
    }
};

QTEST_GUILESS_MAIN(TestConvertHf)
#include "test_convert_hf.moc"
