// GGUF -> every target: the streamed result equals the whole-tensor reference quantizer byte for
// byte, bits per weight are the formats', the engine loads what it can run, policies and
// fallbacks pick the documented types, and cancellation or bad arguments leave no file.
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include "lowbit/convert.h"
#include "lowbit/error.h"
#include "lowbit/gguf.h"
#include "lowbit/model.h"
#include "lowbit/onebit.h"
#include "lowbit/perplexity.h"
#include "lowbit/quant.h"
#include "lowbit/runner.h"
#include "paper_perplexity.h"
#include "test_data.h"

using namespace lowbit;
namespace fs = std::filesystem;

namespace {

std::string llama() {
    return test::model_path("random-llama-spm-f16.gguf");
}

std::vector<float> floats_of(const GgufTensorInfo& t) {
    std::vector<float> v(static_cast<size_t>(t.n_elements()));
    quant::dequantize_tensor(t.type, t.data, t.nbytes, t.ne[0], t.n_elements(), v.data());
    return v;
}

bool is_linear(const std::string& n) {
    return n.rfind("blk.", 0) == 0 &&
           (n.find("attn_q.w") != std::string::npos || n.find("attn_k.w") != std::string::npos ||
            n.find("attn_v.w") != std::string::npos || n.find("attn_output.w") != std::string::npos ||
            n.find("ffn_") != std::string::npos) &&
           n.find("norm") == std::string::npos && !onebit::is_companion_name(n);
}

}  // namespace

class TestConvertTargets : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string path(const std::string& n) { return tmp_.path().toStdString() + "/" + n; }

    ConvertSummary run(ConvertTarget t, const std::string& out,
                       const std::function<void(ConvertOptions&)>& tweak = {},
                       const std::string& in = llama()) {
        ConvertOptions o;
        o.input = in;
        o.output = out;
        o.target = t;
        o.threads = 2;
        o.overwrite = true;
        if (tweak) tweak(o);
        return convert_model(o);
    }

  private slots:
    void everyTargetMatchesTheReferenceQuantizer_data() {
        QTest::addColumn<QString>("name");
        for (const auto& i : convert_targets())
            QTest::newRow(std::string(i.name).c_str())
                << QString::fromUtf8(i.name.data(), int(i.name.size()));
    }

    void everyTargetMatchesTheReferenceQuantizer() {
        QFETCH(QString, name);
        const ConvertTarget target = *convert_target_from_name(name.toStdString());
        const std::string out = path("t-" + name.toStdString() + ".gguf");
        const ConvertSummary s = run(target, out);
        auto src = GgufFile::open(llama());
        auto dst = GgufFile::open(out);
        QCOMPARE(s.output_bytes, static_cast<uint64_t>(fs::file_size(out)));
        QCOMPARE(*dst->get_string("general.architecture"), std::string("llama"));
        QCOMPARE(*dst->get_string("lowbit.convert.target"), name.toStdString());

        const bool float_target =
            target == ConvertTarget::F32 || target == ConvertTarget::F16 || target == ConvertTarget::BF16;
        double expected_target_bits = 0;
        int64_t target_params = 0;
        for (const auto& t : src->tensors()) {
            const std::vector<float> w = floats_of(t);
            const int64_t rows = t.rows(), cols = t.ne[0];
            if (t.ne.size() == 1) {
                // Norms: F32, exact.
                const GgufTensorInfo* u = dst->find_tensor(t.name);
                QCOMPARE(u->type, TensorType::F32);
                QCOMPARE(floats_of(*u), w);
                continue;
            }
            if (!is_linear(t.name)) {
                // Embeddings and output stay F16 by default (the target itself for float targets).
                const GgufTensorInfo* u = dst->find_tensor(t.name);
                const TensorType want = target == ConvertTarget::F32    ? TensorType::F32
                                        : target == ConvertTarget::BF16 ? TensorType::BF16
                                                                        : TensorType::F16;
                QCOMPARE(u->type, want);
                continue;
            }
            target_params += rows * cols;
            if (target == ConvertTarget::OneBit || target == ConvertTarget::Binary) {
                auto pw = onebit::find_packed_weight(*dst, t.name);
                QVERIFY2(pw.has_value(), t.name.c_str());
                QCOMPARE(pw->rows, rows);
                QCOMPARE(pw->cols, cols);
                if (target == ConvertTarget::OneBit) {
                    QCOMPARE(pw->kind, onebit::PackedKind::OneBit);
                    const onebit::OnebitLayer ref =
                        onebit::onebit_quantize(w.data(), rows, cols, onebit::SvidOptions{});
                    QVERIFY(std::memcmp(pw->signs->data, ref.signs.data(), ref.signs.size()) == 0);
                    QVERIFY(std::memcmp(pw->g->data, ref.g.data(), ref.g.size() * 2) == 0);
                    QVERIFY(std::memcmp(pw->h->data, ref.h.data(), ref.h.size() * 2) == 0);
                    QCOMPARE(pw->bits_per_weight(), onebit::onebit_bits_per_weight(rows, cols));
                } else {
                    QCOMPARE(pw->kind, onebit::PackedKind::Binary);
                    const onebit::BinaryLayer ref = onebit::binary_quantize(w.data(), rows, cols);
                    QVERIFY(std::memcmp(pw->signs->data, ref.signs.data(), ref.signs.size()) == 0);
                    float beta;
                    std::memcpy(&beta, pw->beta->data, 4);
                    QCOMPARE(beta, ref.beta);
                }
                expected_target_bits += pw->bits_per_weight() * static_cast<double>(rows * cols);
                continue;
            }
            // Plain types: the streamed, threaded result equals quantize_tensor on the whole tensor.
            const GgufTensorInfo* u = dst->find_tensor(t.name);
            TensorType want = TensorType::F16;
            switch (target) {
                case ConvertTarget::F32:
                    want = TensorType::F32;
                    break;
                case ConvertTarget::F16:
                    want = TensorType::F16;
                    break;
                case ConvertTarget::BF16:
                    want = TensorType::BF16;
                    break;
                case ConvertTarget::Q8_0:
                    want = TensorType::Q8_0;
                    break;
                case ConvertTarget::Q4_0:
                    want = TensorType::Q4_0;
                    break;
                case ConvertTarget::TQ1_0:
                    want = TensorType::TQ1_0;
                    break;
                case ConvertTarget::TQ2_0:
                    want = TensorType::TQ2_0;
                    break;
                case ConvertTarget::I2_S:
                    want = TensorType::I2_S;
                    break;
                default:
                    QFAIL("unexpected target");
            }
            QCOMPARE(u->type, want);
            std::vector<uint8_t> ref(tensor_bytes(want, cols, rows * cols));
            quant::quantize_tensor(want, w.data(), ref.data(), cols, rows);
            QCOMPARE(u->nbytes, ref.size());
            QVERIFY2(std::memcmp(u->data, ref.data(), ref.size()) == 0, t.name.c_str());
            expected_target_bits +=
                bits_per_weight(want, cols, rows * cols) * static_cast<double>(rows * cols);
        }
        QCOMPARE(s.target_params, target_params);
        QVERIFY(std::fabs(s.target_bits_per_weight -
                          expected_target_bits / static_cast<double>(target_params)) < 1e-9);
        if (target == ConvertTarget::TQ1_0) QCOMPARE(s.target_bits_per_weight, 1.6875);
        if (target == ConvertTarget::TQ2_0) QCOMPARE(s.target_bits_per_weight, 2.0625);
        if (target == ConvertTarget::Q8_0) QCOMPARE(s.target_bits_per_weight, 8.5);
        if (target == ConvertTarget::Q4_0) QCOMPARE(s.target_bits_per_weight, 4.5);
        if (target == ConvertTarget::OneBit) {
            // Small matrices pay for their value vectors: 256 x 256 is 1.125 bpw, 768 x 256 1.083.
            QVERIFY(s.target_bits_per_weight > 1.08 && s.target_bits_per_weight < 1.13);
            QVERIFY(onebit::onebit_bits_per_weight(4096, 4096) < 1.01);
        }
        if (target == ConvertTarget::Binary)
            QVERIFY(s.target_bits_per_weight < 1.001);  // 1 + 32 / (rows cols)
        (void)float_target;

        // The engine: load, run a few perplexity windows, record the figure. Types without CPU
        // kernels yet (OneBit/binary while the lead adds them) must still open as GGUF above.
        try {
            const PerplexityResult pr = test::paper_perplexity(out, 4);
            QVERIFY(std::isfinite(pr.ppl) && pr.ppl > 1.0);
            qInfo("%s: %.4f bpw over linear layers, %.4f bpw overall, PPL(c=128, 4 windows) = %.1f",
                  qPrintable(name), s.target_bits_per_weight, s.output_bits_per_weight, pr.ppl);
        } catch (const Error& e) {
            QVERIFY2(target == ConvertTarget::OneBit || target == ConvertTarget::Binary, e.what());
            qInfo("%s: engine cannot run it yet: %s", qPrintable(name), e.what());
        }
    }

    void policiesChooseTheDocumentedTypes() {
        const std::string out = path("policy.gguf");
        ConvertSummary s = run(ConvertTarget::TQ2_0, out,
                               [](ConvertOptions& o) { o.keep = HighPrecisionPolicy::parse("none"); });
        auto f = GgufFile::open(out);
        QCOMPARE(f->find_tensor("token_embd.weight")->type, TensorType::TQ2_0);
        QCOMPARE(f->find_tensor("output.weight")->type, TensorType::TQ2_0);

        s = run(ConvertTarget::TQ2_0, out, [](ConvertOptions& o) {
            o.keep = HighPrecisionPolicy::parse("embd,output,attn_v,first");
            o.embd_type = TypeChoice::parse("q8_0");
            o.output_type = TypeChoice::parse("source");
            o.keep_type = TypeChoice::parse("q4_0");
        });
        f = GgufFile::open(out);
        QCOMPARE(f->find_tensor("token_embd.weight")->type, TensorType::Q8_0);
        QCOMPARE(f->find_tensor("output.weight")->type, TensorType::F16);
        QCOMPARE(f->find_tensor("blk.0.attn_q.weight")->type, TensorType::Q4_0);  // first block
        QCOMPARE(f->find_tensor("blk.1.attn_v.weight")->type, TensorType::Q4_0);  // attn_v
        QCOMPARE(f->find_tensor("blk.1.attn_q.weight")->type, TensorType::TQ2_0);
        QCOMPARE(f->find_tensor("blk.1.attn_norm.weight")->type, TensorType::F32);
        // output.weight kept as its source bytes.
        auto src = GgufFile::open(llama());
        QVERIFY(std::memcmp(f->find_tensor("output.weight")->data, src->find_tensor("output.weight")->data,
                            src->find_tensor("output.weight")->nbytes) == 0);
        int kept = 0;
        for (const auto& t : s.tensors) kept += t.kept_high_precision;
        QCOMPARE(kept, 2 + 7 + 1);

        // OneBit cannot pack a lookup table: embeddings stay high precision even with "none".
        s = run(ConvertTarget::OneBit, out, [](ConvertOptions& o) {
            o.keep = HighPrecisionPolicy::parse("none");
            o.svid.max_iterations = 4;
        });
        f = GgufFile::open(out);
        QCOMPARE(f->find_tensor("token_embd.weight")->type, TensorType::F16);
        QVERIFY(onebit::find_packed_weight(*f, "output.weight").has_value());
        bool noted = false;
        for (const auto& w : s.warnings) noted = noted || w.find("lookup table") != std::string::npos;
        QVERIFY(noted);

        QCOMPARE(HighPrecisionPolicy::parse("default").to_string(), std::string("default"));
        QCOMPARE(HighPrecisionPolicy::parse("ffn, last").to_string(),
                 std::string("ffn_gate,ffn_up,ffn_down,last"));
        QVERIFY_THROWS_EXCEPTION(Error, HighPrecisionPolicy::parse("embd,lm_head"));
        QVERIFY_THROWS_EXCEPTION(Error, TypeChoice::parse("tq2_0"));
    }

    void rowsThatDoNotFillABlockFallBack() {
        // random-qwen2 has 32-wide rows: no 256-element TQ block fits, so llama.cpp's fallback
        // (Q4_0) is used and said; OneBit only needs multiples of 8.
        const std::string out = path("qwen2-tq2.gguf");
        const std::string qwen = test::model_path("random-qwen2-f16.gguf");
        ConvertSummary s = run(ConvertTarget::TQ2_0, out, {}, qwen);
        auto f = GgufFile::open(out);
        QCOMPARE(f->find_tensor("blk.0.attn_q.weight")->type, TensorType::Q4_0);
        QCOMPARE(f->find_tensor("blk.0.ffn_down.weight")->type, TensorType::Q4_0);
        QCOMPARE(f->find_tensor("blk.0.attn_q.bias")->type, TensorType::F32);
        QVERIFY(!s.warnings.empty());
        QVERIFY(QString::fromStdString(s.warnings.front()).contains("is not a multiple of 256"));
        QCOMPARE(s.target_params, int64_t(0));
        auto m = Model::load(out);
        QVERIFY(m->hparams().has_qkv_bias);

        s = run(ConvertTarget::I2_S, out, {}, qwen);
        f = GgufFile::open(out);
        QCOMPARE(f->find_tensor("blk.1.ffn_up.weight")->type, TensorType::Q4_0);

        s = run(
            ConvertTarget::OneBit, out,
            [](ConvertOptions& o) { o.svid.method = onebit::SvidMethod::PowerIteration; }, qwen);
        f = GgufFile::open(out);
        QVERIFY(onebit::find_packed_weight(*f, "blk.1.ffn_down.weight").has_value());
        QVERIFY(f->get_string("lowbit.convert.method")->find("power iteration") != std::string::npos);
    }

    void cancellationLeavesNoFile() {
        const std::string out = path("cancelled.gguf");
        std::atomic<bool> cancel{false};
        int reports = 0;
        try {
            run(ConvertTarget::TQ1_0, out, [&](ConvertOptions& o) {
                o.overwrite = false;
                o.cancel = &cancel;
                o.on_progress = [&](const ConvertProgress& p) {
                    ++reports;
                    if (p.stage == ConvertStage::Converting && p.tensor_index >= 3) cancel = true;
                };
            });
            QFAIL("not cancelled");
        } catch (const CancelledError&) {
        }
        QVERIFY(reports > 0);
        QVERIFY(!fs::exists(out));
        QVERIFY(!fs::exists(out + ".tmp"));

        // Cancelled while measuring the result: the finished file is removed too.
        cancel = false;
        try {
            run(ConvertTarget::Q8_0, out, [&](ConvertOptions& o) {
                o.cancel = &cancel;
                o.calibration_text = test::read_file(test::shared_path("papers/onebit-paper.md"));
                o.calibration_ctx = 64;
                o.on_progress = [&](const ConvertProgress& p) {
                    if (p.stage == ConvertStage::MeasuringResult && p.ppl_chunk >= 1) cancel = true;
                };
            });
            QFAIL("not cancelled");
        } catch (const CancelledError&) {
        }
        QVERIFY(!fs::exists(out));
        QVERIFY(!fs::exists(out + ".tmp"));
    }

    void progressIsMonotonicAndComplete() {
        std::vector<ConvertProgress> seen;
        const ConvertSummary s = run(ConvertTarget::Q4_0, path("progress.gguf"), [&](ConvertOptions& o) {
            o.on_progress = [&](const ConvertProgress& p) { seen.push_back(p); };
            o.calibration_text = test::read_file(test::shared_path("papers/onebit-paper.md"));
            o.calibration_ctx = 128;
            o.calibration_max_chunks = 3;
        });
        QVERIFY(seen.size() > 20);
        double last = 0;
        bool saw_source = false, saw_result = false;
        std::set<std::string> names;
        for (const auto& p : seen) {
            QVERIFY2(p.fraction >= last - 1e-12, "progress went backwards");
            last = p.fraction;
            QVERIFY(p.bytes_done <= p.bytes_total || p.stage == ConvertStage::Preparing);
            if (p.stage == ConvertStage::Converting && !p.tensor_name.empty()) names.insert(p.tensor_name);
            saw_source = saw_source || p.stage == ConvertStage::MeasuringSource;
            saw_result = saw_result || p.stage == ConvertStage::MeasuringResult;
        }
        QCOMPARE(seen.back().stage, ConvertStage::Done);
        QCOMPARE(seen.back().fraction, 1.0);
        QCOMPARE(names.size(), size_t(21));
        QVERIFY(saw_source && saw_result);
        // The summary the wizard shows.
        QVERIFY(s.ppl_source && s.ppl_output);
        QCOMPARE(s.ppl_source->n_chunks, 3);
        QVERIFY(s.ppl_output->ppl > 1.0);
        QCOMPARE(s.calibration_ctx, 128);
        QVERIFY(s.output_bytes < s.source_bytes);
        QVERIFY(s.seconds_total >= s.seconds_convert);
        QVERIFY(s.ppl_note.empty());
    }

    void aGivenSourceFigureIsReportedAsIsAndNotMeasured() {
        // A figure no measurement of this model would give: it must come back unchanged.
        PerplexityFigure given;
        given.ppl = 1234.5;
        given.error = 6.5;
        given.n_tokens = 384;
        given.n_chunks = 3;
        given.seconds = 0.25;
        std::vector<ConvertProgress> seen;
        const ConvertSummary s = run(ConvertTarget::Q4_0, path("given.gguf"), [&](ConvertOptions& o) {
            o.on_progress = [&](const ConvertProgress& p) { seen.push_back(p); };
            o.calibration_text = test::read_file(test::shared_path("papers/onebit-paper.md"));
            o.calibration_ctx = 128;
            o.calibration_max_chunks = 3;
            o.source_ppl = given;
        });
        bool saw_source = false, saw_result = false;
        double last = 0;
        for (const auto& p : seen) {
            QVERIFY2(p.fraction >= last - 1e-12, "progress went backwards");
            last = p.fraction;
            saw_source = saw_source || p.stage == ConvertStage::MeasuringSource;
            saw_result = saw_result || p.stage == ConvertStage::MeasuringResult;
        }
        QVERIFY2(!saw_source, "the source was measured although its figure was given");
        QVERIFY(saw_result);
        QCOMPARE(seen.back().stage, ConvertStage::Done);
        QCOMPARE(seen.back().fraction, 1.0);
        QVERIFY(s.ppl_source && s.ppl_output);
        QCOMPARE(s.ppl_source->ppl, given.ppl);
        QCOMPARE(s.ppl_source->error, given.error);
        QCOMPARE(s.ppl_source->n_tokens, given.n_tokens);
        QCOMPARE(s.ppl_source->n_chunks, given.n_chunks);
        QCOMPARE(s.ppl_output->n_chunks, 3);
        QVERIFY(s.ppl_output->ppl > 1.0 && s.ppl_output->ppl != given.ppl);
        QVERIFY(s.ppl_note.empty());
    }

    void calibrationOfAnF16TargetEqualsTheSource() {
        const ConvertSummary s = run(ConvertTarget::F16, path("same.gguf"), [&](ConvertOptions& o) {
            o.calibration_text = test::read_file(test::shared_path("papers/onebit-paper.md"));
            o.calibration_ctx = 128;
            o.calibration_max_chunks = 4;
        });
        QVERIFY(s.ppl_source && s.ppl_output);
        QCOMPARE(s.ppl_output->ppl, s.ppl_source->ppl);
        // Too short a text is reported, not fatal.
        const ConvertSummary t = run(ConvertTarget::F16, path("short.gguf"), [&](ConvertOptions& o) {
            o.calibration_text = "only a few words";
            o.calibration_ctx = 128;
        });
        QVERIFY(!t.ppl_source && !t.ppl_output);
        QVERIFY(!t.ppl_note.empty());
    }

    void badArgumentsAreRefused() {
        const std::string out = path("exists.gguf");
        {
            std::FILE* f = std::fopen(out.c_str(), "wb");
            std::fputs("keep me", f);
            std::fclose(f);
        }
        try {
            run(ConvertTarget::TQ2_0, out, [](ConvertOptions& o) { o.overwrite = false; });
            QFAIL("overwrote");
        } catch (const Error& e) {
            QVERIFY(QString(e.what()).contains("exists"));
        }
        QCOMPARE(test::read_file(out), std::string("keep me"));
        QVERIFY_THROWS_EXCEPTION(Error, run(ConvertTarget::TQ2_0, llama()));  // the input itself
        QVERIFY_THROWS_EXCEPTION(
            Error, run(ConvertTarget::I2_S, path("x.gguf"), [](ConvertOptions& o) {
                o.ternary_rule = quant::TernaryRule::AbsMaxBlock;  // a per-block rule has no I2_S form
            }));
        QVERIFY_THROWS_EXCEPTION(Error, run(ConvertTarget::TQ2_0, path("nodir/x.gguf")));
        QVERIFY_THROWS_EXCEPTION(Error, run(ConvertTarget::TQ2_0, path("y.gguf"), {}, path("missing.gguf")));
        // A GGUF of an architecture we do not know.
        try {
            run(ConvertTarget::TQ2_0, path("z.gguf"), {},
                test::shared_path("reference/tokenizer/ggml-vocab-gpt-2.gguf"));
            QFAIL("gpt2 accepted");
        } catch (const UnsupportedError& e) {
            QVERIFY(QString(e.what()).contains("architecture 'gpt2' is not supported"));
        }
        QVERIFY(!fs::exists(path("z.gguf")));
        QCOMPARE(convert_target_from_name("TQ2_0"), std::optional<ConvertTarget>(ConvertTarget::TQ2_0));
        QVERIFY(!convert_target_from_name("q5_k"));
    }

    void planPredictsTheFile() {
        ConvertOptions o;
        o.input = llama();
        o.output = path("planned.gguf");
        o.target = ConvertTarget::TQ1_0;
        const ConvertPlan plan = plan_conversion(o);
        QVERIFY(!fs::exists(o.output));
        QCOMPARE(plan.architecture, std::string("llama"));
        QCOMPARE(plan.tensors.size(), size_t(21));
        o.threads = 2;
        const ConvertSummary s = convert_model(o);
        QCOMPARE(plan.expected_output_bytes, s.output_bytes);
        QCOMPARE(plan.output_bits_per_weight, s.output_bits_per_weight);
    }

    // Several targets from one opening of the source: each equals its own plan_conversion, and a
    // target the options rule out carries its error without failing the others.
    void planSeveralTargets() {
        ConvertOptions o;
        o.input = llama();
        o.output = path("several.gguf");                   // never written
        o.ternary_rule = quant::TernaryRule::AbsMaxBlock;  // not possible for i2_s
        const std::vector<ConvertTarget> targets{ConvertTarget::TQ2_0, ConvertTarget::I2_S,
                                                 ConvertTarget::OneBit};
        const std::vector<TargetPlan> plans = plan_conversions(o, targets);
        QCOMPARE(plans.size(), targets.size());
        for (size_t i = 0; i < targets.size(); ++i) {
            QCOMPARE(plans[i].target, targets[i]);
            ConvertOptions one = o;
            one.target = targets[i];
            if (targets[i] == ConvertTarget::I2_S) {
                QVERIFY(!plans[i].plan);
                QVERIFY2(QString::fromStdString(plans[i].error).contains("i2_s"), plans[i].error.c_str());
                continue;
            }
            QVERIFY2(plans[i].plan, plans[i].error.c_str());
            const ConvertPlan alone = plan_conversion(one);
            QCOMPARE(plans[i].plan->expected_output_bytes, alone.expected_output_bytes);
            QCOMPARE(plans[i].plan->target_bits_per_weight, alone.target_bits_per_weight);
            QCOMPARE(plans[i].plan->tensors.size(), alone.tensors.size());
        }
        QVERIFY(!fs::exists(o.output));
        o.input = path("missing.gguf");
        QVERIFY_THROWS_EXCEPTION(Error, plan_conversions(o, targets));
    }
};

QTEST_GUILESS_MAIN(TestConvertTargets)
#include "test_convert_targets.moc"
