// Whole models with the low-bit weight kinds, loaded from GGUF files and run end to end by the CPU
// runner (prefill and decode, two threads):
//   I2_S    a BitNet b1.58 model stored in I2_S gives the logits of the same ternary values stored
//           in TQ2_0 (both run W1.58A8 with the same int8 activations; only float rounding differs)
//   OneBit  logits equal, to float rounding, those of an F32 model holding the decoded weights
//           S ⊙ (h gᵀ) (docs/FORMATS.md's layout: I8 sign tensor + F16 g, h + metadata)
//   binary  the same with β·S
//   Q4_1/Q5_0/Q5_1  (the types llama-quantize falls back to for rows that are not a multiple of
//           256) quantized by lowbit_quant, whose bytes equal llama-quantize's: perplexity within
//           1% of llama-perplexity's on llama-quantize's file
//   IQ4_NL/IQ4_XS  perplexity within 1% of an F32 model holding the decoded weights
// plus what the loader reports: weight kinds, logical shapes, bits per weight, and errors.
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <regex>
#include <vector>

#include "lowbit/dummy_model.h"
#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/gguf.h"
#include "lowbit/model.h"
#include "lowbit/onebit.h"
#include "lowbit/quant.h"
#include "lowbit/runner.h"
#include "paper_perplexity.h"
#include "quant/blocks.h"
#include "test_data.h"

using namespace lowbit;

namespace {

struct OutTensor {
    std::string name;
    TensorType type;
    std::vector<int64_t> ne;
    std::vector<uint8_t> bytes;
};

// Copies a GGUF file, letting `replace` turn any tensor into zero or more new tensors (an empty
// result keeps it as it is); `extra` adds metadata.
void rewrite(const std::string& src, const std::string& dst,
             const std::function<std::vector<OutTensor>(const GgufTensorInfo&)>& replace,
             const std::function<void(GgufWriter&)>& extra = {}) {
    auto in = GgufFile::open(src);
    std::vector<OutTensor> out;
    for (const auto& t : in->tensors()) {
        auto r = replace(t);
        if (r.empty()) r.push_back({t.name, t.type, t.ne, std::vector<uint8_t>(t.data, t.data + t.nbytes)});
        for (auto& o : r) out.push_back(std::move(o));
    }
    GgufWriter w(dst);
    for (const auto& [key, value] : in->metadata()) w.set(key, value);
    if (extra) extra(w);
    for (const auto& o : out) w.add_tensor(o.name, o.type, o.ne);
    w.begin();
    for (const auto& o : out) w.write_data(o.bytes.data(), o.bytes.size());
    w.commit();
}

bool is_linear(const std::string& name) {
    static const std::regex re(
        R"(blk\.\d+\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight)");
    return std::regex_match(name, re);
}

std::vector<float> as_floats(const GgufTensorInfo& t) {
    std::vector<float> v(static_cast<size_t>(t.n_elements()));
    quant::dequantize_tensor(t.type, t.data, t.nbytes, t.ne[0], t.n_elements(), v.data());
    return v;
}

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
    std::vector<uint8_t> b(v.size() * sizeof(T));
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

// All logits of a prompt (prefill) followed by three decode steps.
std::vector<float> run_logits(const Model& model, bool onebit_int8 = false) {
    RunnerOptions ro;
    ro.n_threads = 2;
    ro.n_ctx = 64;
    ro.onebit_int8 = onebit_int8;
    auto runner = create_runner(model, ro);
    const std::vector<int32_t> prompt = {1, 300, 301, 302, 555, 1000, 42, 7, 1999};
    const auto nv = static_cast<size_t>(model.hparams().n_vocab);
    std::vector<float> logits(prompt.size() * nv);
    runner->eval(prompt, static_cast<int>(prompt.size()), logits.data());
    for (int32_t tok : {11, 12, 13}) {
        std::vector<float> l(nv);
        const int32_t one[1] = {tok};
        runner->eval(one, 1, l.data());
        logits.insert(logits.end(), l.begin(), l.end());
    }
    return logits;
}

// A plain IQ4 quantizer for tests (not llama.cpp's search): per 32 weights the scale that maps
// the largest magnitude onto the level -127, each weight to its nearest level. IQ4_XS stores
// each group's scale as a 6-bit multiple of one block scale.
std::vector<uint8_t> quantize_iq4(TensorType type, const std::vector<float>& x, int64_t cols) {
    std::vector<uint8_t> out(tensor_bytes(type, cols, static_cast<int64_t>(x.size())));
    auto nearest = [](float v) {
        int best = 0;
        for (int i = 1; i < 16; ++i)
            if (std::fabs(quant::kIq4Values[i] - v) < std::fabs(quant::kIq4Values[best] - v)) best = i;
        return best;
    };
    auto group_scale = [](const float* g) {
        float m = 0.0f;
        for (int i = 0; i < 32; ++i)
            if (std::fabs(g[i]) > std::fabs(m)) m = g[i];
        return m / -127.0f;  // the extreme lands on -127, the level of largest magnitude
    };
    auto pack = [&](const float* g, float d, uint8_t* qs) {
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        for (int j = 0; j < 16; ++j)
            qs[j] = static_cast<uint8_t>(nearest(g[j] * id) | (nearest(g[j + 16] * id) << 4));
    };
    if (type == TensorType::IQ4_NL) {
        auto* b = reinterpret_cast<quant::BlockIQ4_NL*>(out.data());
        for (size_t i = 0; i < x.size() / 32; ++i) {
            b[i].d = fp32_to_fp16(group_scale(&x[32 * i]));
            pack(&x[32 * i], fp16_to_fp32(b[i].d), b[i].qs);
        }
        return out;
    }
    auto* b = reinterpret_cast<quant::BlockIQ4_XS*>(out.data());
    for (size_t i = 0; i < x.size() / 256; ++i) {
        const float* xb = &x[256 * i];
        float scales[8], smax = 0.0f;
        for (int g = 0; g < 8; ++g) {
            scales[g] = group_scale(xb + 32 * g);
            if (std::fabs(scales[g]) > std::fabs(smax)) smax = scales[g];
        }
        b[i].d = fp32_to_fp16(smax / -32.0f);  // group scales are -32..31 times d
        b[i].scales_h = 0;
        std::memset(b[i].scales_l, 0, sizeof(b[i].scales_l));
        const float d = fp16_to_fp32(b[i].d);
        for (int g = 0; g < 8; ++g) {
            const int ls = d != 0.0f ? std::clamp(static_cast<int>(std::lround(scales[g] / d)), -32, 31) : 0;
            const int u = ls + 32;
            b[i].scales_l[g / 2] |= static_cast<uint8_t>((u & 0xF) << (4 * (g % 2)));
            b[i].scales_h |= static_cast<uint16_t>((u >> 4) << (2 * g));
            pack(xb + 32 * g, d * static_cast<float>(ls), b[i].qs + 16 * g);
        }
    }
    return out;
}

// Largest difference relative to the largest logit, and whether every row's argmax agrees.
struct Agreement {
    double max_rel = 0;
    bool same_argmax = true;
};
Agreement agree(const std::vector<float>& a, const std::vector<float>& b, int64_t n_vocab) {
    Agreement r;
    double scale = 0;
    for (float v : b) scale = std::max(scale, static_cast<double>(std::fabs(v)));
    for (size_t i = 0; i < a.size(); ++i) r.max_rel = std::max(r.max_rel, std::fabs(a[i] - b[i]) / scale);
    for (size_t row = 0; row < a.size() / static_cast<size_t>(n_vocab); ++row) {
        const auto* pa = a.data() + row * n_vocab;
        const auto* pb = b.data() + row * n_vocab;
        if (std::max_element(pa, pa + n_vocab) - pa != std::max_element(pb, pb + n_vocab) - pb)
            r.same_argmax = false;
    }
    return r;
}

}  // namespace

class TestCpuLowbitModels : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string path(const char* name) const { return (dir_.path() + "/" + name).toStdString(); }

  private slots:
    void i2sRunsLikeTq2() {
        const auto shape = find_dummy_shape("tiny-bitnet-b1.58");
        QVERIFY(shape);
        DummyOptions opt;
        opt.type = TensorType::TQ2_0;
        DummyModel::write(path("tq2.gguf"), *shape, opt);
        // Same ternary values as I2_S: every TQ2_0 block of a tensor carries the same d (absmean
        // rule), and an exactly ternary tensor keeps that magnitude as its I2_S scale.
        std::vector<float> scales;
        rewrite(path("tq2.gguf"), path("i2s.gguf"), [&](const GgufTensorInfo& t) -> std::vector<OutTensor> {
            if (t.type != TensorType::TQ2_0) return {};
            const auto f = as_floats(t);
            std::vector<uint8_t> b(tensor_bytes(TensorType::I2_S, t.ne[0], t.n_elements()));
            quant::quantize_tensor(TensorType::I2_S, f.data(), b.data(), t.ne[0], t.rows());
            scales.push_back(quant::i2s_tensor_scale(b.data(), b.size(), t.n_elements()));
            return {{t.name, TensorType::I2_S, t.ne, std::move(b)}};
        });
        auto tq2 = Model::load(path("tq2.gguf"));
        auto i2s = Model::load(path("i2s.gguf"));
        QVERIFY(i2s->hparams().quantize_activations);
        const Weight& wq = i2s->layers()[0].wq;
        QCOMPARE(wq.type, TensorType::I2_S);
        QCOMPARE(wq.scale, scales[0]);  // the tensor's trailer scale reaches the weight
        uint16_t d;
        std::memcpy(&d, tq2->layers()[0].wq.data + 64, 2);
        QCOMPARE(wq.scale, fp16_to_fp32(d));
        const auto a = run_logits(*i2s), b = run_logits(*tq2);
        const Agreement ag = agree(a, b, i2s->hparams().n_vocab);
        qInfo("I2_S vs TQ2_0 logits: max relative difference %.3g", ag.max_rel);
        QVERIFY(ag.max_rel < 1e-4);
        QVERIFY(ag.same_argmax);
    }

    void onebitAndBinaryRunLikeTheirDecodedWeights_data() {
        QTest::addColumn<bool>("binary");
        QTest::newRow("onebit") << false;
        QTest::newRow("binary") << true;
    }
    void onebitAndBinaryRunLikeTheirDecodedWeights() {
        QFETCH(bool, binary);
        const auto shape = find_dummy_shape("tiny");
        QVERIFY(shape);
        DummyOptions opt;
        opt.type = TensorType::F32;
        DummyModel::write(path("f32.gguf"), *shape, opt);
        const std::string packed = path(binary ? "binary.gguf" : "onebit.gguf");
        const std::string dense = path(binary ? "binary-dense.gguf" : "onebit-dense.gguf");
        auto pack = [&](const GgufTensorInfo& t) -> std::vector<OutTensor> {
            if (!is_linear(t.name)) return {};
            const auto f = as_floats(t);
            const int64_t cols = t.ne[0], rows = t.rows();
            if (binary) {
                const auto l = onebit::binary_quantize(f.data(), rows, cols);
                return {{t.name, TensorType::I8, {cols / 8, rows}, l.signs},
                        {onebit::beta_tensor_name(t.name),
                         TensorType::F32,
                         {1},
                         bytes_of(std::vector<float>{l.beta})}};
            }
            const auto l = onebit::onebit_quantize(f.data(), rows, cols);
            return {{t.name, TensorType::I8, {cols / 8, rows}, l.signs},
                    {onebit::g_tensor_name(t.name), TensorType::F16, {cols}, bytes_of(l.g)},
                    {onebit::h_tensor_name(t.name), TensorType::F16, {rows}, bytes_of(l.h)}};
        };
        rewrite(path("f32.gguf"), packed, pack, [&](GgufWriter& w) {
            onebit::set_metadata(w, binary ? onebit::PackedKind::Binary : onebit::PackedKind::OneBit);
        });
        rewrite(path("f32.gguf"), dense, [&](const GgufTensorInfo& t) -> std::vector<OutTensor> {
            if (!is_linear(t.name)) return {};
            const auto f = as_floats(t);
            const int64_t cols = t.ne[0], rows = t.rows();
            std::vector<float> dec(f.size());
            if (binary) {
                onebit::binary_dequantize(onebit::binary_quantize(f.data(), rows, cols), dec.data());
            } else {
                onebit::onebit_dequantize(onebit::onebit_quantize(f.data(), rows, cols), dec.data());
            }
            return {{t.name, TensorType::F32, t.ne, bytes_of(dec)}};
        });

        auto m = Model::load(packed);
        auto ref = Model::load(dense);
        const WeightKind kind = binary ? WeightKind::Binary : WeightKind::OneBit;
        const auto& L = m->layers()[1];
        for (const Weight* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.ffn_gate, &L.ffn_up, &L.ffn_down})
            QCOMPARE(w->kind, kind);
        QCOMPARE(L.ffn_down.ne0, shape->n_ff);
        QCOMPARE(L.ffn_down.rows, shape->n_embd);
        QCOMPARE(m->token_embd().kind, WeightKind::Plain);
        // Statistics count the logical weights and every byte of signs and companions.
        QCOMPARE(m->stats().n_params, ref->stats().n_params);
        bool seen = false;
        for (const auto& ts : m->stats().tensors) {
            if (ts.name != "blk.0.ffn_up.weight") continue;
            seen = true;
            QCOMPARE(ts.kind, kind);
            QCOMPARE(ts.shape, (std::vector<int64_t>{shape->n_embd, shape->n_ff}));
            const double bpw = binary ? onebit::binary_bits_per_weight(shape->n_ff, shape->n_embd)
                                      : onebit::onebit_bits_per_weight(shape->n_ff, shape->n_embd);
            QVERIFY(std::fabs(ts.bits_per_weight - bpw) < 1e-12);
        }
        QVERIFY(seen);

        const auto a = run_logits(*m), b = run_logits(*ref);
        const Agreement ag = agree(a, b, m->hparams().n_vocab);
        qInfo("%s vs decoded F32 logits: max relative difference %.3g", binary ? "binary" : "OneBit",
              ag.max_rel);
        // Float products in another order (h·Σ s·(x·g) against Σ (s·h·g)·x): this random model
        // amplifies rounding strongly (moving half the dense weights by one ulp changes its logits
        // by 2.7e-4 of the largest), we measure 3.6e-4 (OneBit) and 2.6e-4 (binary); a wrong bit,
        // value vector or orientation is off by order one.
        QVERIFY(ag.max_rel < 2e-3);
        QVERIFY(ag.same_argmax);

        // The int8-activation mode (RunnerOptions::onebit_int8) takes effect and only adds the
        // rounding of the activations to int8 (its layers equal onebit_matvec_i8_ref bit for bit,
        // test_cpu_matmul_lowbit): the logits move, but stay near the decoded weights' logits.
        const auto a8 = run_logits(*m, true);
        const Agreement moved = agree(a8, a, m->hparams().n_vocab);
        const Agreement near = agree(a8, b, m->hparams().n_vocab);
        qInfo("%s int8 mode vs W1A16: %.3g, vs decoded F32: %.3g (same argmax: %d)",
              binary ? "binary" : "OneBit", moved.max_rel, near.max_rel, int(near.same_argmax));
        QVERIFY(moved.max_rel > 1e-4);
        QVERIFY(near.max_rel < 5e-2);
    }

    void badLowbitTensorsAreRefused() {
        const auto shape = find_dummy_shape("tiny-bitnet-b1.58");
        DummyOptions opt;
        opt.type = TensorType::I2_S;
        DummyModel::write(path("i2s-ok.gguf"), *shape, opt);
        QVERIFY(Model::load(path("i2s-ok.gguf")));
        // A non-finite I2_S scale.
        rewrite(path("i2s-ok.gguf"), path("i2s-nan.gguf"),
                [](const GgufTensorInfo& t) -> std::vector<OutTensor> {
                    if (t.name != "blk.1.ffn_up.weight") return {};
                    std::vector<uint8_t> b(t.data, t.data + t.nbytes);
                    const float nan = std::nanf("");
                    std::memcpy(b.data() + t.n_elements() / 4, &nan, 4);
                    return {{t.name, t.type, t.ne, std::move(b)}};
                });
        try {
            Model::load(path("i2s-nan.gguf"));
            QFAIL("a NaN I2_S scale was accepted");
        } catch (const FormatError& e) {
            QVERIFY2(QString(e.what()).contains("blk.1.ffn_up.weight"), e.what());
        }
        // A packed weight whose sign tensor has the wrong logical shape for its place.
        opt.type = TensorType::F32;
        DummyModel::write(path("f32-2.gguf"), *shape, opt);
        rewrite(
            path("f32-2.gguf"), path("onebit-bad.gguf"),
            [](const GgufTensorInfo& t) -> std::vector<OutTensor> {
                if (t.name != "blk.0.attn_q.weight") return {};
                const int64_t cols = t.ne[0] / 2, rows = t.rows();  // half the columns
                return {{t.name,
                         TensorType::I8,
                         {cols / 8, rows},
                         std::vector<uint8_t>(static_cast<size_t>(cols / 8 * rows))},
                        {onebit::g_tensor_name(t.name),
                         TensorType::F16,
                         {cols},
                         std::vector<uint8_t>(static_cast<size_t>(2 * cols))},
                        {onebit::h_tensor_name(t.name),
                         TensorType::F16,
                         {rows},
                         std::vector<uint8_t>(static_cast<size_t>(2 * rows))}};
            },
            [](GgufWriter& w) { onebit::set_metadata(w, onebit::PackedKind::OneBit); });
        try {
            Model::load(path("onebit-bad.gguf"));
            QFAIL("a packed weight of the wrong shape was accepted");
        } catch (const FormatError& e) {
            QVERIFY2(QString(e.what()).contains("blk.0.attn_q.weight"), e.what());
        }
    }

    // llama-quantize --pure random-llama-spm-f16.gguf OUT TYPE, then llama-perplexity -m OUT -f
    // ../shared/papers/onebit-paper.md -c 128 -t 2 (llama.cpp de3ff815): its "Final estimate".
    // --pure puts every F16 tensor in TYPE (token embedding and output too); norms stay F32.
    void fallbackTypesMatchLlamaCppPerplexity_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<double>("llamacpp");
        QTest::newRow("q4_1") << static_cast<int>(TensorType::Q4_1) << 2953580.0442;
        QTest::newRow("q5_0") << static_cast<int>(TensorType::Q5_0) << 2720984.3438;
        QTest::newRow("q5_1") << static_cast<int>(TensorType::Q5_1) << 2787232.4181;
    }
    void fallbackTypesMatchLlamaCppPerplexity() {
        QFETCH(int, type);
        QFETCH(double, llamacpp);
        const auto t = static_cast<TensorType>(type);
        const std::string file = path("fallback.gguf");
        rewrite(test::model_path("random-llama-spm-f16.gguf"), file,
                [&](const GgufTensorInfo& src) -> std::vector<OutTensor> {
                    if (src.type != TensorType::F16) return {};
                    const auto f = as_floats(src);
                    std::vector<uint8_t> q(tensor_bytes(t, src.ne[0], src.n_elements()));
                    quant::quantize_tensor(t, f.data(), q.data(), src.ne[0], src.rows());
                    return {{src.name, t, src.ne, std::move(q)}};
                });
        QCOMPARE(Model::load(file)->layers()[0].wq.type, t);
        const double ppl = test::paper_perplexity(file).ppl;
        qInfo("%s: PPL %.4f, llama.cpp %.4f (%+.3f%%)", type_name(t).data(), ppl, llamacpp,
              100.0 * (ppl / llamacpp - 1.0));
        QVERIFY(std::fabs(ppl / llamacpp - 1.0) < 0.01);
    }

    // IQ4_NL / IQ4_XS in every linear layer against the same decoded values in F32: only the
    // activations' int8 rounding differs. (llama-quantize's own --pure IQ4 files of this model,
    // checked by hand as above: llama-perplexity 2738952.2 / 2751964.4, lowbit 2734994.0 /
    // 2749911.8.)
    void iq4RunsLikeItsDecodedWeights_data() {
        QTest::addColumn<int>("type");
        QTest::newRow("iq4_nl") << static_cast<int>(TensorType::IQ4_NL);
        QTest::newRow("iq4_xs") << static_cast<int>(TensorType::IQ4_XS);
    }
    void iq4RunsLikeItsDecodedWeights() {
        QFETCH(int, type);
        const auto t = static_cast<TensorType>(type);
        const std::string source = test::model_path("random-llama-spm-f16.gguf");
        const std::string packed = path("iq4.gguf"), dense = path("iq4-dense.gguf");
        std::map<std::string, std::vector<uint8_t>> blocks;
        rewrite(source, packed, [&](const GgufTensorInfo& src) -> std::vector<OutTensor> {
            if (!is_linear(src.name)) return {};
            auto q = quantize_iq4(t, as_floats(src), src.ne[0]);
            blocks[src.name] = q;
            return {{src.name, t, src.ne, std::move(q)}};
        });
        rewrite(source, dense, [&](const GgufTensorInfo& src) -> std::vector<OutTensor> {
            if (!is_linear(src.name)) return {};
            std::vector<float> f(static_cast<size_t>(src.n_elements()));
            quant::dequantize_row(t, blocks.at(src.name).data(), f.data(), src.n_elements());
            return {{src.name, TensorType::F32, src.ne, bytes_of(f)}};
        });
        QCOMPARE(Model::load(packed)->layers()[0].wq.type, t);
        static const double f16 = test::paper_perplexity(source).ppl;  // once for both rows
        const double got = test::paper_perplexity(packed).ppl, want = test::paper_perplexity(dense).ppl;
        qInfo("%s: PPL %.4f, decoded weights in F32 %.4f, F16 source %.4f", type_name(t).data(), got, want,
              f16);
        QVERIFY(std::fabs(got / want - 1.0) < 0.01);
        // And the test's quantizer is sane: within 10% of the source model.
        QVERIFY(std::fabs(want / f16 - 1.0) < 0.1);
    }
};

QTEST_GUILESS_MAIN(TestCpuLowbitModels)
#include "test_cpu_lowbit_models.moc"
