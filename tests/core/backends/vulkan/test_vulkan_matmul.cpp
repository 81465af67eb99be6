// Matrix kernels on the GPU against the CPU reference, for every weight type, both shader
// variants (extended: int8 dot product, 8/16-bit storage, subgroups; plain: 32-bit words),
// mat-vec (1 token) and mat-mat (several tokens), on random and real tensors.
//
// Exactness: the activation quantizers must produce the CPU's bytes exactly; with unit scales
// and small integers every kernel result is an exact integer and must equal the reference bit
// for bit; with random data the float results may differ from the reference only by rounding
// of the summation order (tolerance below).
#include <QTest>
#include <cmath>
#include <cstring>
#include <memory>

#include "backends/vulkan/command_stream.h"
#include "backends/vulkan/context.h"
#include "backends/vulkan/gpu_weights.h"
#include "backends/vulkan/kernels.h"
#include "lowbit/gguf.h"
#include "lowbit/onebit.h"
#include "lowbit/quant.h"
#include "ref_quant.h"
#include "test_data.h"
#include "vk_test_util.h"

using namespace lowbit;
using namespace lowbit::vulkan;
using lowbit::vktest::Rng;

Q_DECLARE_METATYPE(lowbit::TensorType)

namespace {

// Float results: |gpu - ref| <= kRelTol * rms(ref). Summing k products in another order changes
// the result by about k * 2^-24 of the sum of magnitudes; 1e-4 of the RMS covers k up to 4096
// with a wide margin while still catching any wrong element (which is off by O(rms)).
constexpr double kRelTol = 1e-4;

struct Result {
    std::vector<float> y;
    std::vector<uint8_t> qs;
    std::vector<float> d;
};

Result run_gpu(Context& ctx, TensorType type, int64_t k, int64_t rows, const std::vector<uint8_t>& w,
               const std::vector<float>& x, int64_t n, bool with_bias, const std::vector<float>& bias) {
    Kernels kern(ctx);
    GpuMatrix m = upload_matrix(ctx, type, k, rows, w.data(), row_bytes(type, k), "test weight");
    const ActFormat af = act_format(m);
    Allocation X = ctx.memory().allocate(x.size() * 4, MemoryKind::Device, "x");
    ctx.upload(X.range(), x.data(), x.size() * 4);
    Allocation Y = ctx.memory().allocate(static_cast<size_t>(n * rows) * 4, MemoryKind::Device, "y");
    Allocation B;
    if (with_bias) {
        B = ctx.memory().allocate(bias.size() * 4, MemoryKind::Device, "bias");
        ctx.upload(B.range(), bias.data(), bias.size() * 4);
    }
    Allocation Q, D;
    QuantizedActs qa;
    if (af != ActFormat::Float) {
        Q = ctx.memory().allocate(quantized_qs_bytes(k, n), MemoryKind::Device, "qs");
        D = ctx.memory().allocate(quantized_d_bytes(af, k, n), MemoryKind::Device, "d");
        qa = {Q.range(), D.range()};
    }
    CommandStream cs(ctx);
    cs.begin();
    MatmulArgs a;
    a.n_tokens = static_cast<uint32_t>(n);
    a.y = Y.range();
    a.y_stride = static_cast<uint32_t>(rows);
    if (with_bias) a.bias = B.range();
    if (af == ActFormat::Float) {
        a.x = X.range();
        a.x_stride = static_cast<uint32_t>(k);
    } else {
        kern.quantize(cs, af, X.range(), static_cast<uint32_t>(k), static_cast<uint32_t>(n),
                      static_cast<uint32_t>(k), 0, qa);
        a.xq = &qa;
    }
    kern.matmul(cs, m, a);
    cs.submit_and_wait();
    Result r;
    r.y.resize(static_cast<size_t>(n * rows));
    ctx.download(Y.range(), r.y.data(), r.y.size() * 4);
    if (af != ActFormat::Float) {
        r.qs.resize(quantized_qs_bytes(k, n));
        r.d.resize(quantized_d_bytes(af, k, n) / 4);
        ctx.download(Q.range(), r.qs.data(), r.qs.size());
        ctx.download(D.range(), r.d.data(), r.d.size() * 4);
    }
    return r;
}

bool cpu_has_kernel(TensorType t) {
    return cpu::has_matmul_kernel(t);
}

// Reference y (n x rows) and the CPU's quantized activations (as qs bytes and float scales).
Result run_reference(TensorType type, int64_t k, int64_t rows, const std::vector<uint8_t>& w,
                     const std::vector<float>& x, int64_t n, const GpuLayout& l) {
    Result r;
    r.y.assign(static_cast<size_t>(n * rows), 0.0f);
    const size_t rb = row_bytes(type, k);
    if (!l.float_acts) {
        const cpu::ActFormat f = l.act_block == 32 ? cpu::ActFormat::Q8_0 : cpu::ActFormat::Q8_K;
        const size_t ab = cpu::activation_row_bytes(f, k);
        std::vector<uint8_t> act(ab * static_cast<size_t>(n));
        for (int64_t t = 0; t < n; ++t)
            cpu::convert_activation_row_ref(f, x.data() + t * k, act.data() + t * ab, k);
        for (int64_t t = 0; t < n; ++t) {
            for (int64_t b = 0; b < k / l.act_block; ++b) {
                const uint8_t* blk = act.data() + t * ab;
                if (f == cpu::ActFormat::Q8_0) {
                    const auto& q = reinterpret_cast<const quant::BlockQ8_0*>(blk)[b];
                    r.qs.insert(r.qs.end(), reinterpret_cast<const uint8_t*>(q.qs),
                                reinterpret_cast<const uint8_t*>(q.qs) + 32);
                    r.d.push_back(fp16_to_fp32(q.d));
                } else {
                    const auto& q = reinterpret_cast<const quant::BlockQ8_K*>(blk)[b];
                    r.qs.insert(r.qs.end(), reinterpret_cast<const uint8_t*>(q.qs),
                                reinterpret_cast<const uint8_t*>(q.qs) + 256);
                    r.d.push_back(q.d);
                }
            }
        }
        if (cpu_has_kernel(type)) {
            cpu::matmul_tile_ref(type, k, w.data(), rb, rows, act.data(), ab, n, r.y.data(), rows);
        } else {
            for (int64_t t = 0; t < n; ++t)
                for (int64_t row = 0; row < rows; ++row)
                    r.y[static_cast<size_t>(t * rows + row)] = static_cast<float>(
                        vktest::kquant_dot(type, k, w.data() + row * rb,
                                           reinterpret_cast<const quant::BlockQ8_K*>(act.data() + t * ab)));
        }
    } else {
        const cpu::ActFormat f = cpu::activation_format(type);
        const size_t ab = cpu::activation_row_bytes(f, k);
        std::vector<uint8_t> act(ab * static_cast<size_t>(n));
        for (int64_t t = 0; t < n; ++t)
            cpu::convert_activation_row_ref(f, x.data() + t * k, act.data() + t * ab, k);
        cpu::matmul_tile_ref(type, k, w.data(), rb, rows, act.data(), ab, n, r.y.data(), rows);
    }
    return r;
}

std::vector<float> random_acts(const GpuLayout& l, int64_t k, int64_t n, Rng& rng, bool unit) {
    std::vector<float> x(static_cast<size_t>(k * n));
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::uniform_int_distribution<int> small(-3, 3);
    for (auto& v : x) v = unit ? static_cast<float>(small(rng)) : g(rng);
    if (unit && !l.float_acts) {
        // One element of magnitude 127 per block makes the activation scale exactly 1.
        // (Q8_K takes the sign of the extreme value: -127 gives iscale = +1.)
        for (int64_t i = 0; i < k * n; i += l.act_block)
            x[static_cast<size_t>(i)] = l.act_block == 32 ? 127.0f : -127.0f;
    }
    return x;
}

void compare(const Result& gpu, const Result& ref, bool exact, const char* what) {
    QCOMPARE(gpu.qs.size(), ref.qs.size());
    for (size_t i = 0; i < gpu.qs.size(); ++i)
        if (gpu.qs[i] != ref.qs[i])
            QFAIL(qPrintable(QString("%1: quantized activation %2: gpu %3, cpu %4")
                                 .arg(what)
                                 .arg(i)
                                 .arg(int(int8_t(gpu.qs[i])))
                                 .arg(int(int8_t(ref.qs[i])))));
    for (size_t i = 0; i < gpu.d.size(); ++i)
        if (float_bits(gpu.d[i]) != float_bits(ref.d[i]))
            QFAIL(qPrintable(QString("%1: activation scale %2: gpu %3, cpu %4")
                                 .arg(what)
                                 .arg(i)
                                 .arg(gpu.d[i], 0, 'g', 9)
                                 .arg(ref.d[i], 0, 'g', 9)));
    double ss = 0;
    for (float v : ref.y) ss += static_cast<double>(v) * v;
    const double rms = std::sqrt(ss / static_cast<double>(std::max<size_t>(1, ref.y.size())));
    double worst = 0;
    for (size_t i = 0; i < gpu.y.size(); ++i) {
        const double diff = std::fabs(static_cast<double>(gpu.y[i]) - ref.y[i]);
        worst = std::max(worst, diff);
        if (exact ? gpu.y[i] != ref.y[i] : diff > kRelTol * rms + 1e-30)
            QFAIL(qPrintable(QString("%1: y[%2] gpu %3, reference %4 (rms %5)")
                                 .arg(what)
                                 .arg(i)
                                 .arg(gpu.y[i], 0, 'g', 9)
                                 .arg(ref.y[i], 0, 'g', 9)
                                 .arg(rms)));
    }
    if (!exact) qDebug("%s: max |diff| / rms = %.3g", what, rms > 0 ? worst / rms : 0.0);
}

const TensorType kTypes[] = {TensorType::F32,   TensorType::F16,  TensorType::BF16,
                             TensorType::Q8_0,  TensorType::Q4_0, TensorType::TQ1_0,
                             TensorType::TQ2_0, TensorType::Q4_K, TensorType::Q6_K};

}  // namespace

class TestVulkanMatmul : public QObject {
    Q_OBJECT
    std::unique_ptr<Context> ext_, plain_, split_;

  private slots:
    void initTestCase();
    void random_tensors_data();
    void random_tensors();
    void tensors_split_over_bindings_data();
    void tensors_split_over_bindings();
    void real_tensors_data();
    void real_tensors();
    void one_bit_data();
    void one_bit();
    void per_token_int8_data();
    void per_token_int8();
    void cleanupTestCase();
};

void TestVulkanMatmul::initTestCase() {
    ContextOptions o = vktest::test_options();
    LOWBIT_VK_CONTEXT(ext, o);
    o.force_plain = true;
    LOWBIT_VK_CONTEXT(plain, o);
    o.force_plain = false;
    o.max_binding_bytes = 8 * 1024;  // splits every test matrix into many row chunks
    LOWBIT_VK_CONTEXT(split, o);
    ext_ = std::move(ext);
    plain_ = std::move(plain);
    split_ = std::move(split);
    qInfo("extended variant on %s: %s", ext_->info().name.c_str(),
          ext_->ext_kernels() ? "yes" : "no (plain only)");
}

void TestVulkanMatmul::cleanupTestCase() {
    for (auto* c : {ext_.get(), plain_.get(), split_.get()})
        if (c) QCOMPARE(c->validation_errors(), 0);
}

void TestVulkanMatmul::random_tensors_data() {
    QTest::addColumn<TensorType>("type");
    QTest::addColumn<bool>("plain");
    QTest::addColumn<int>("n_tokens");
    QTest::addColumn<bool>("unit");
    for (TensorType t : kTypes)
        for (bool plain : {false, true})
            for (int n : {1, 11})
                for (bool unit : {true, false})
                    QTest::addRow("%s/%s/n=%d/%s", std::string(type_name(t)).c_str(), plain ? "plain" : "ext",
                                  n, unit ? "exact" : "random")
                        << t << plain << n << unit;
}

void TestVulkanMatmul::random_tensors() {
    QFETCH(TensorType, type);
    QFETCH(bool, plain);
    QFETCH(int, n_tokens);
    QFETCH(bool, unit);
    const GpuLayout* l = gpu_layout(type);
    QVERIFY(l);
    const int64_t k = 512, rows = 37;  // odd row count: a partial row tile
    Rng rng(static_cast<uint32_t>(type) * 131 + n_tokens * 7 + unit);
    const auto w = vktest::random_weights(type, k, rows, rng, unit);
    const auto x = random_acts(*l, k, n_tokens, rng, unit);
    const Result ref = run_reference(type, k, rows, w, x, n_tokens, *l);
    const Result gpu = run_gpu(plain ? *plain_ : *ext_, type, k, rows, w, x, n_tokens, false, {});
    compare(gpu, ref, unit, QTest::currentDataTag());
}

void TestVulkanMatmul::tensors_split_over_bindings_data() {
    QTest::addColumn<TensorType>("type");
    for (TensorType t : kTypes) QTest::newRow(std::string(type_name(t)).c_str()) << t;
}

void TestVulkanMatmul::tensors_split_over_bindings() {
    QFETCH(TensorType, type);
    const GpuLayout* l = gpu_layout(type);
    const int64_t k = 512, rows = 301, n = 3;
    Rng rng(99);
    const auto w = vktest::random_weights(type, k, rows, rng, true);
    const auto x = random_acts(*l, k, n, rng, true);
    std::vector<float> bias(static_cast<size_t>(rows));
    for (size_t i = 0; i < bias.size(); ++i) bias[i] = static_cast<float>(static_cast<int>(i % 7) - 3);
    Result ref = run_reference(type, k, rows, w, x, n, *l);
    for (int64_t t = 0; t < n; ++t)
        for (int64_t r = 0; r < rows; ++r)
            ref.y[static_cast<size_t>(t * rows + r)] += bias[static_cast<size_t>(r)];
    GpuMatrix probe = upload_matrix(*split_, type, k, rows, w.data(), row_bytes(type, k), "probe");
    QVERIFY2(probe.chunks.size() > 2, "the matrix should be split into several bindings");
    const Result gpu = run_gpu(*split_, type, k, rows, w, x, n, true, bias);
    compare(gpu, ref, true, QTest::currentDataTag());
}

void TestVulkanMatmul::real_tensors_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("tensor");
    QTest::newRow("f16 ffn_gate") << "random-llama-spm-f16.gguf"
                                  << "blk.0.ffn_gate.weight";
    QTest::newRow("f16 output") << "random-llama-spm-f16.gguf"
                                << "output.weight";
    QTest::newRow("tq1_0 attn_q") << "random-llama-spm-TQ1_0.gguf"
                                  << "blk.0.attn_q.weight";
    QTest::newRow("tq1_0 ffn_down") << "random-llama-spm-TQ1_0.gguf"
                                    << "blk.1.ffn_down.weight";
    QTest::newRow("q4_k token_embd") << "random-llama-spm-TQ1_0.gguf"
                                     << "token_embd.weight";
    QTest::newRow("q6_k output") << "random-llama-spm-TQ1_0.gguf"
                                 << "output.weight";
    QTest::newRow("tq2_0 ffn_up") << "random-llama-spm-TQ2_0-f16emb.gguf"
                                  << "blk.0.ffn_up.weight";
    QTest::newRow("qwen2 f16 attn_k") << "random-qwen2-f16.gguf"
                                      << "blk.1.attn_k.weight";
}

void TestVulkanMatmul::real_tensors() {
    QFETCH(QString, file);
    QFETCH(QString, tensor);
    auto gguf = GgufFile::open(lowbit::test::model_path(file));
    const GgufTensorInfo* t = gguf->find_tensor(tensor.toStdString());
    QVERIFY(t);
    const int64_t k = t->ne[0], rows = t->rows(), n = 2;
    const GpuLayout* l = gpu_layout(t->type);
    QVERIFY2(l, "type without a GPU kernel");
    const std::vector<uint8_t> w(t->data, t->data + row_bytes(t->type, k) * static_cast<size_t>(rows));
    Rng rng(5);
    const auto x = random_acts(*l, k, n, rng, false);
    const Result ref = run_reference(t->type, k, rows, w, x, n, *l);
    for (Context* c : {ext_.get(), plain_.get()}) {
        const Result gpu = run_gpu(*c, t->type, k, rows, w, x, n, false, {});
        compare(gpu, ref, false, QTest::currentDataTag());
    }
}

void TestVulkanMatmul::one_bit_data() {
    QTest::addColumn<bool>("onebit");  // else BitNet-binary
    QTest::addColumn<int>("variant");  // 0 ext, 1 plain, 2 split over bindings
    QTest::addColumn<int>("n_tokens");
    QTest::addColumn<bool>("unit");
    for (bool ob : {true, false})
        for (int v : {0, 1, 2})
            for (int n : {1, 5})
                for (bool unit : {true, false})
                    QTest::addRow("%s/%s/n=%d/%s", ob ? "onebit" : "binary",
                                  v == 0   ? "ext"
                                  : v == 1 ? "plain"
                                           : "split",
                                  n, unit ? "exact" : "random")
                        << ob << v << n << unit;
}

void TestVulkanMatmul::one_bit() {
    QFETCH(bool, onebit);
    QFETCH(int, variant);
    QFETCH(int, n_tokens);
    QFETCH(bool, unit);
    Context& ctx = variant == 0 ? *ext_ : variant == 1 ? *plain_ : *split_;
    const int64_t k = 512, rows = 301;
    Rng rng(77 + n_tokens);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f), pos(0.01f, 0.1f);
    std::uniform_int_distribution<int> small(-3, 3);
    std::vector<float> w(static_cast<size_t>(k * rows));
    for (auto& v : w) v = u(rng);
    std::vector<uint8_t> signs(static_cast<size_t>(rows) * onebit::sign_row_bytes(k));
    onebit::pack_signs(w.data(), rows, k, signs.data());
    std::vector<uint16_t> g16(static_cast<size_t>(k)), h16(static_cast<size_t>(rows));
    for (auto& v : g16) v = fp32_to_fp16(unit ? 1.0f : pos(rng));
    for (auto& v : h16) v = fp32_to_fp16(unit ? 1.0f : pos(rng));
    std::vector<float> g(g16.size()), h(h16.size());
    for (size_t i = 0; i < g.size(); ++i) g[i] = fp16_to_fp32(g16[i]);
    for (size_t i = 0; i < h.size(); ++i) h[i] = fp16_to_fp32(h16[i]);
    const float beta = unit ? 1.0f : 0.0371f;
    std::vector<float> x(static_cast<size_t>(k * n_tokens));
    for (auto& v : x) v = unit ? static_cast<float>(small(rng)) : u(rng);

    Result ref;
    ref.y.resize(static_cast<size_t>(rows * n_tokens));
    for (int64_t t = 0; t < n_tokens; ++t) {
        if (onebit)
            onebit::onebit_matvec_ref(signs.data(), g16.data(), h16.data(), rows, k, x.data() + t * k,
                                      ref.y.data() + t * rows);
        else
            onebit::binary_matvec_ref(signs.data(), beta, rows, k, x.data() + t * k, ref.y.data() + t * rows);
    }
    GpuMatrix m =
        upload_sign_matrix(ctx, k, rows, signs.data(), onebit::sign_row_bytes(k), onebit ? g.data() : nullptr,
                           onebit ? h.data() : nullptr, onebit ? 1.0f : beta, "signs");
    if (variant == 2) QVERIFY(m.chunks.size() > 2);
    Kernels kern(ctx);
    Allocation X = ctx.memory().allocate(x.size() * 4, MemoryKind::Device, "x");
    ctx.upload(X.range(), x.data(), x.size() * 4);
    Allocation Y = ctx.memory().allocate(ref.y.size() * 4, MemoryKind::Device, "y");
    CommandStream cs(ctx);
    cs.begin();
    MatmulArgs a;
    a.n_tokens = static_cast<uint32_t>(n_tokens);
    a.x = X.range();
    a.x_stride = static_cast<uint32_t>(k);
    a.y = Y.range();
    a.y_stride = static_cast<uint32_t>(rows);
    kern.matmul(cs, m, a);
    cs.submit_and_wait();
    Result gpu;
    gpu.y.resize(ref.y.size());
    ctx.download(Y.range(), gpu.y.data(), gpu.y.size() * 4);
    compare(gpu, ref, unit, QTest::currentDataTag());
}

// BitNet's per-token int8 activations (one absmax scale per row) for the ternary types, I2_S
// included: the quantizer bit for bit against the CPU's, the products against the reference.
void TestVulkanMatmul::per_token_int8_data() {
    QTest::addColumn<TensorType>("type");
    QTest::addColumn<bool>("plain");
    for (TensorType t : {TensorType::TQ1_0, TensorType::TQ2_0, TensorType::I2_S})
        for (bool plain : {false, true})
            QTest::addRow("%s/%s", std::string(type_name(t)).c_str(), plain ? "plain" : "ext") << t << plain;
}

void TestVulkanMatmul::per_token_int8() {
    QFETCH(TensorType, type);
    QFETCH(bool, plain);
    Context& ctx = plain ? *plain_ : *ext_;
    const int64_t k = 768, rows = 45, n = 4;
    Rng rng(5150 + static_cast<int>(type));
    // Weights: TQ types from the generator; I2_S as codes in {0,1,2} (value code - 1) + a tensor scale.
    std::vector<uint8_t> w;
    float w_scale = 1.0f;
    if (type == TensorType::I2_S) {
        w.resize(static_cast<size_t>(k / 4 * rows));
        for (auto& b : w) {
            b = 0;
            for (int i = 0; i < 4; ++i) b |= static_cast<uint8_t>(rng() % 3) << (2 * i);
        }
        w_scale = 0.0123f;
    } else {
        w = vktest::random_weights(type, k, rows, rng, false);
    }
    std::vector<float> x(static_cast<size_t>(k * n));
    std::normal_distribution<float> g(0.0f, 2.0f);
    for (auto& v : x) v = g(rng);
    for (int64_t i = 0; i < k; ++i) x[static_cast<size_t>(2 * k + i)] *= 1e-7f;  // a row below the 1e-5 floor
    // CPU: activations and reference products. TQ types: Q8_K blocks with the row's d = 1/s;
    // I2_S: bitnet.cpp's I8 row (values, s, sum) and its dot product, bit for bit.
    const bool i2s = type == TensorType::I2_S;
    Result ref;
    ref.y.resize(static_cast<size_t>(n * rows));
    if (i2s) {
        const size_t ab = quant::activation_row_bytes(TensorType::I2_S, k);
        std::vector<uint8_t> act(ab * n);
        for (int64_t t = 0; t < n; ++t) {
            uint8_t* row = act.data() + t * ab;
            quant::quantize_activation_row(TensorType::I2_S, x.data() + t * k, row, k);
            ref.qs.insert(ref.qs.end(), row, row + k);
            float sc;
            std::memcpy(&sc, row + k, 4);
            for (int64_t b = 0; b < k / 256; ++b) ref.d.push_back(sc);
            for (int64_t r = 0; r < rows; ++r)
                ref.y[static_cast<size_t>(t * rows + r)] =
                    quant::vec_dot_i2s_ref(w.data() + r * (k / 4), w_scale, row, k);
        }
    } else {
        const cpu::ActFormat f = cpu::ActFormat::Q8_K_Row;
        const size_t ab = cpu::activation_row_bytes(f, k);
        std::vector<uint8_t> act(ab * n);
        for (int64_t t = 0; t < n; ++t)
            cpu::convert_activation_row_ref(f, x.data() + t * k, act.data() + t * ab, k);
        for (int64_t t = 0; t < n; ++t)
            for (int64_t b = 0; b < k / 256; ++b) {
                const auto& q = reinterpret_cast<const quant::BlockQ8_K*>(act.data() + t * ab)[b];
                ref.qs.insert(ref.qs.end(), reinterpret_cast<const uint8_t*>(q.qs),
                              reinterpret_cast<const uint8_t*>(q.qs) + 256);
                ref.d.push_back(q.d);
            }
        cpu::matmul_tile_ref(type, k, w.data(), row_bytes(type, k), rows, act.data(), ab, n, ref.y.data(),
                             rows);
    }
    // GPU.
    Kernels kern(ctx);
    GpuMatrix m = upload_matrix(ctx, type, k, rows, w.data(),
                                type == TensorType::I2_S ? k / 4 : row_bytes(type, k), "w");
    m.scale = w_scale;
    const ActFormat af = i2s ? ActFormat::I8_Row : ActFormat::Q8_K_Row;
    QCOMPARE(act_format(m, true), af);
    Allocation X = ctx.memory().allocate(x.size() * 4, MemoryKind::Device, "x");
    ctx.upload(X.range(), x.data(), x.size() * 4);
    Allocation Y = ctx.memory().allocate(ref.y.size() * 4, MemoryKind::Device, "y");
    Allocation Q = ctx.memory().allocate(quantized_qs_bytes(k, n), MemoryKind::Device, "qs");
    Allocation D = ctx.memory().allocate(quantized_d_bytes(af, k, n), MemoryKind::Device, "d");
    const QuantizedActs qa{Q.range(), D.range()};
    CommandStream cs(ctx);
    cs.begin();
    kern.quantize(cs, af, X.range(), k, n, k, 0, qa);
    MatmulArgs a;
    a.n_tokens = n;
    a.xq = &qa;
    a.y = Y.range();
    a.y_stride = rows;
    kern.matmul(cs, m, a);
    cs.submit_and_wait();
    Result gpu;
    gpu.y.resize(ref.y.size());
    gpu.qs.resize(ref.qs.size());
    gpu.d.resize(ref.d.size());
    ctx.download(Y.range(), gpu.y.data(), gpu.y.size() * 4);
    ctx.download(Q.range(), gpu.qs.data(), gpu.qs.size());
    ctx.download(D.range(), gpu.d.data(), gpu.d.size() * 4);
    compare(gpu, ref, /*exact=*/i2s, QTest::currentDataTag());  // I2_S: bitnet.cpp's value bit for bit
}

QTEST_GUILESS_MAIN(TestVulkanMatmul)
#include "test_vulkan_matmul.moc"
