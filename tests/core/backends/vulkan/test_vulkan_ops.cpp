// The element-wise and row kernels of the graph on the GPU against the CPU backend's own
// functions (core/backends/cpu/ops.h, kernels.h): RMSNorm, RoPE (normal, NeoX, partial), the
// F16 KV-cache store (bit-exact), causal GQA attention with the online softmax, SwiGLU and
// squared-ReLU GLU, residual add, and embedding lookup for every table type (bit-exact).
#include <QTest>
#include <cmath>
#include <memory>
#include <random>

#include "backends/cpu/attention.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/ops.h"
#include "backends/vulkan/command_stream.h"
#include "backends/vulkan/context.h"
#include "backends/vulkan/gpu_weights.h"
#include "backends/vulkan/kernels.h"
#include "lowbit/model.h"
#include "ref_quant.h"
#include "vk_test_util.h"

using namespace lowbit;
using namespace lowbit::vulkan;
using lowbit::vktest::Rng;

Q_DECLARE_METATYPE(lowbit::TensorType)

namespace {

// Float kernels: |gpu - cpu| <= tol * max(1, |cpu|). The GPU's exp, sqrt and the summation
// order differ from the CPU's in the last bits only.
void compare_close(const std::vector<float>& gpu, const std::vector<float>& cpu, double tol,
                   const char* what) {
    QCOMPARE(gpu.size(), cpu.size());
    double worst = 0;
    for (size_t i = 0; i < gpu.size(); ++i) {
        const double d =
            std::fabs(static_cast<double>(gpu[i]) - cpu[i]) / std::max(1.0, std::fabs(double(cpu[i])));
        worst = std::max(worst, d);
        if (!(d <= tol))
            QFAIL(qPrintable(QString("%1[%2]: gpu %3, cpu %4")
                                 .arg(what)
                                 .arg(i)
                                 .arg(gpu[i], 0, 'g', 9)
                                 .arg(cpu[i], 0, 'g', 9)));
    }
    qDebug("%s: max relative difference %.3g", what, worst);
}

std::vector<float> randn(size_t n, Rng& rng, float sd = 1.0f) {
    std::normal_distribution<float> g(0.0f, sd);
    std::vector<float> v(n);
    for (auto& x : v) x = g(rng);
    return v;
}

template <typename T>
Allocation upload(Context& ctx, const std::vector<T>& v) {
    Allocation a =
        ctx.memory().allocate(std::max<size_t>(v.size() * sizeof(T), 4), MemoryKind::Device, "test");
    if (!v.empty()) ctx.upload(a.range(), v.data(), v.size() * sizeof(T));
    return a;
}

template <typename T>
std::vector<T> download(Context& ctx, const Allocation& a, size_t n) {
    std::vector<T> v(n);
    ctx.download(a.range(), v.data(), n * sizeof(T));
    return v;
}

}  // namespace

class TestVulkanOps : public QObject {
    Q_OBJECT
    std::unique_ptr<Context> ctx_, plain_, split_;

  private slots:
    void initTestCase();
    void cleanupTestCase();
    void rms_norm_data();
    void rms_norm();
    void rope_data();
    void rope();
    void kv_store_is_exact();
    void attention_data();
    void attention();
    void glu_data();
    void glu();
    void add_is_exact();
    void get_rows_data();
    void get_rows();
};

void TestVulkanOps::initTestCase() {
    ContextOptions o = vktest::test_options();
    LOWBIT_VK_CONTEXT(c, o);
    o.force_plain = true;
    LOWBIT_VK_CONTEXT(p, o);
    o.force_plain = false;
    o.max_binding_bytes = 4096;
    LOWBIT_VK_CONTEXT(s, o);
    ctx_ = std::move(c);
    plain_ = std::move(p);
    split_ = std::move(s);
}

void TestVulkanOps::cleanupTestCase() {
    for (auto* c : {ctx_.get(), plain_.get(), split_.get()})
        if (c) QCOMPARE(c->validation_errors(), 0);
}

void TestVulkanOps::rms_norm_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<bool>("weighted");
    QTest::addColumn<bool>("plain");
    for (int n : {96, 2560})
        for (bool w : {true, false})
            for (bool plain : {false, true})
                QTest::addRow("n=%d/%s/%s", n, w ? "weight" : "no weight", plain ? "plain" : "ext")
                    << n << w << plain;
}

void TestVulkanOps::rms_norm() {
    QFETCH(int, n);
    QFETCH(bool, weighted);
    QFETCH(bool, plain);
    Context& ctx = plain ? *plain_ : *ctx_;
    Kernels k(ctx);
    Rng rng(n);
    const int rows = 64, row0 = 1, stride = n + 8;
    const auto x = randn(static_cast<size_t>(stride * (rows + row0)), rng, 3.0f);
    const auto w = randn(static_cast<size_t>(n), rng);
    std::vector<float> ref(static_cast<size_t>(rows * n));
    for (int r = 0; r < rows; ++r)
        cpu::rms_norm_row(x.data() + (row0 + r) * stride, weighted ? w.data() : nullptr, ref.data() + r * n,
                          n, 1e-5f);
    Allocation X = upload(ctx, x), W = upload(ctx, w);
    Allocation Y = ctx.memory().allocate(ref.size() * 4, MemoryKind::Device, "y");
    CommandStream cs(ctx);
    cs.begin();
    k.rms_norm(cs, X.range(), stride, row0, rows, n, weighted ? W.range() : BufferRange{}, Y.range(), n,
               1e-5f);
    cs.submit_and_wait();
    compare_close(download<float>(ctx, Y, ref.size()), ref, 0.0, "rms_norm");  // bit for bit
}

void TestVulkanOps::rope_data() {
    QTest::addColumn<bool>("neox");
    QTest::addColumn<int>("head_dim");
    QTest::addColumn<int>("n_rot");
    QTest::newRow("normal 64") << false << 64 << 64;
    QTest::newRow("neox 64") << true << 64 << 64;
    QTest::newRow("normal partial 32 of 64") << false << 64 << 32;
    QTest::newRow("neox partial 16 of 128") << true << 128 << 16;
}

void TestVulkanOps::rope() {
    QFETCH(bool, neox);
    QFETCH(int, head_dim);
    QFETCH(int, n_rot);
    Context& ctx = *ctx_;
    Kernels k(ctx);
    Rng rng(3);
    const int n_heads = 3, n_tokens = 4, pos0 = 1000, n_pos = pos0 + n_tokens, stride = n_heads * head_dim;
    cpu::RopeParams rp{n_rot, 10000.0f, 0.5f, neox ? RopeType::NeoX : RopeType::Normal, nullptr};
    std::vector<float> table(static_cast<size_t>(n_pos * n_rot));
    for (int pos = 0; pos < n_pos; ++pos) cpu::rope_cache(rp, pos, table.data() + pos * n_rot);
    auto x = randn(static_cast<size_t>(n_tokens * stride), rng);
    std::vector<float> ref = x;
    for (int t = 0; t < n_tokens; ++t)
        cpu::rope_apply(rp, table.data() + (pos0 + t) * n_rot, ref.data() + t * stride, n_heads, head_dim);
    Allocation X = upload(ctx, x), T = upload(ctx, table);
    CommandStream cs(ctx);
    cs.begin();
    k.rope(cs, X.range(), n_tokens, n_heads, head_dim, n_rot, stride, pos0, neox, T.range());
    cs.submit_and_wait();
    compare_close(download<float>(ctx, X, x.size()), ref, 0.0, "rope");  // bit for bit
}

void TestVulkanOps::kv_store_is_exact() {
    Context& ctx = *ctx_;
    Kernels k(ctx);
    Rng rng(11);
    const int n_ctx = 40, dkv = 96, n = 7, stride = 100;
    for (int pos0 : {0, 3, 33}) {
        const auto kx = randn(static_cast<size_t>(n * stride), rng, 5.0f),
                   vx = randn(static_cast<size_t>(n * stride), rng);
        std::vector<uint16_t> kc(static_cast<size_t>(n_ctx * dkv), 0x7777), vc = kc;
        Allocation K = upload(ctx, kx), V = upload(ctx, vx), KC = upload(ctx, kc), VC = upload(ctx, vc);
        for (int t = 0; t < n; ++t) {
            cpu::f32_to_f16_row(kx.data() + t * stride, kc.data() + (pos0 + t) * dkv, dkv);
            cpu::f32_to_f16_row(vx.data() + t * stride, vc.data() + (pos0 + t) * dkv, dkv);
        }
        CommandStream cs(ctx);
        cs.begin();
        k.kv_store(cs, K.range(), V.range(), n, dkv, stride, pos0, KC.range(), VC.range());
        cs.submit_and_wait();
        QVERIFY(download<uint16_t>(ctx, KC, kc.size()) == kc);  // other rows untouched, written rows exact
        QVERIFY(download<uint16_t>(ctx, VC, vc.size()) == vc);
    }
}

void TestVulkanOps::attention_data() {
    QTest::addColumn<int>("head_dim");
    QTest::addColumn<int>("n_head");
    QTest::addColumn<int>("n_head_kv");
    QTest::addColumn<int>("pos0");
    QTest::addColumn<int>("n_tokens");
    QTest::addColumn<bool>("plain");
    QTest::newRow("decode, first token") << 64 << 4 << 2 << 0 << 1 << false;
    QTest::newRow("decode, 3 chunks of keys") << 64 << 4 << 2 << 150 << 1 << false;
    QTest::newRow("prefill, GQA 8/2, head 128") << 128 << 8 << 2 << 0 << 70 << false;
    QTest::newRow("prefill after cache, head 32") << 32 << 4 << 4 << 20 << 9 << true;
    QTest::newRow("head 256, MQA") << 256 << 2 << 1 << 5 << 3 << false;
    QTest::newRow("head 100 (BitNet 3B)") << 100 << 4 << 4 << 64 << 2 << false;
}

void TestVulkanOps::attention() {
    QFETCH(int, head_dim);
    QFETCH(int, n_head);
    QFETCH(int, n_head_kv);
    QFETCH(int, pos0);
    QFETCH(int, n_tokens);
    QFETCH(bool, plain);
    Context& ctx = plain ? *plain_ : *ctx_;
    Kernels k(ctx);
    Rng rng(17);
    const int n_ctx = pos0 + n_tokens + 5, dq = n_head * head_dim, dkv = n_head_kv * head_dim;
    const auto q = randn(static_cast<size_t>(n_tokens * dq), rng);
    const auto kf = randn(static_cast<size_t>(n_ctx * dkv), rng),
               vf = randn(static_cast<size_t>(n_ctx * dkv), rng);
    std::vector<uint16_t> kc(kf.size()), vc(vf.size());
    cpu::f32_to_f16_row(kf.data(), kc.data(), static_cast<int64_t>(kf.size()));
    cpu::f32_to_f16_row(vf.data(), vc.data(), static_cast<int64_t>(vf.size()));
    const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    // The CPU backend's attention with the numerics it picks for this batch size: an F16
    // accumulator for short batches (as llama.cpp's CPU flash attention), F32 for long ones.
    const bool tiled = n_tokens >= cpu::kTiledRows;
    std::vector<float> ref(static_cast<size_t>(n_tokens * dq), 0.0f),
        scratch(static_cast<size_t>(n_ctx + head_dim));
    for (int t = 0; t < n_tokens; ++t)
        for (int h = 0; h < n_head; ++h) {
            const int kvh = h / (n_head / n_head_kv);
            cpu::AttnHead ah;
            ah.q = q.data() + t * dq + h * head_dim;
            ah.k = kc.data() + kvh * head_dim;
            ah.v = vc.data() + kvh * head_dim;
            ah.stride = static_cast<size_t>(dkv);
            ah.head_dim = head_dim;
            ah.n_keys = pos0 + t + 1;
            ah.scale = scale;
            cpu::attention_head(ah, tiled, ref.data() + t * dq + h * head_dim, scratch.data());
        }
    Allocation Q = upload(ctx, q), KC = upload(ctx, kc), VC = upload(ctx, vc);
    Allocation O = ctx.memory().allocate(ref.size() * 4, MemoryKind::Device, "o");
    CommandStream cs(ctx);
    cs.begin();
    Kernels::AttentionArgs a;
    a.q = Q.range();
    a.k_cache = KC.range();
    a.v_cache = VC.range();
    a.o = O.range();
    a.n_tokens = n_tokens;
    a.n_head = n_head;
    a.n_head_kv = n_head_kv;
    a.head_dim = head_dim;
    a.q_stride = dq;
    a.o_stride = dq;
    a.pos0 = pos0;
    a.scale = scale;
    a.f16_numerics = !tiled;
    k.attention(cs, a);
    cs.submit_and_wait();
    // F32 numerics agree to float rounding. With the F16 accumulator one exp() differing in the
    // last bit can move a rounding to the neighbouring half: a few F16 ulps (2^-11 relative each).
    compare_close(download<float>(ctx, O, ref.size()), ref, tiled ? 2e-5 : 2e-3, "attention");
}

void TestVulkanOps::glu_data() {
    QTest::addColumn<bool>("relu2");
    QTest::newRow("silu") << false;
    QTest::newRow("relu2") << true;
}

void TestVulkanOps::glu() {
    QFETCH(bool, relu2);
    Context& ctx = *ctx_;
    Kernels k(ctx);
    Rng rng(23);
    const int n = 3 * 768 + 5;
    const auto g = randn(n, rng, 4.0f), u = randn(n, rng);
    std::vector<float> ref(n);
    if (relu2)
        cpu::relu2_mul(g.data(), u.data(), ref.data(), n);
    else
        cpu::silu_mul(g.data(), u.data(), ref.data(), n);
    Allocation G = upload(ctx, g), U = upload(ctx, u);
    CommandStream cs(ctx);
    cs.begin();
    k.glu(cs, G.range(), U.range(), G.range(), n, relu2);  // in place, as the runner does
    cs.submit_and_wait();
    compare_close(download<float>(ctx, G, ref.size()), ref, relu2 ? 0.0 : 1e-6, relu2 ? "relu2" : "silu");
}

void TestVulkanOps::add_is_exact() {
    Context& ctx = *ctx_;
    Kernels k(ctx);
    Rng rng(29);
    const int n = 1000;
    const auto a = randn(n, rng), b = randn(n, rng);
    std::vector<float> ref = a;
    cpu::add_inplace(ref.data(), b.data(), n);
    Allocation A = upload(ctx, a), B = upload(ctx, b);
    CommandStream cs(ctx);
    cs.begin();
    k.add(cs, A.range(), B.range(), A.range(), n);
    cs.submit_and_wait();
    QVERIFY(download<float>(ctx, A, n) == ref);
}

void TestVulkanOps::get_rows_data() {
    QTest::addColumn<TensorType>("type");
    QTest::addColumn<bool>("split");
    for (TensorType t :
         {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q8_0, TensorType::Q4_0,
          TensorType::TQ1_0, TensorType::TQ2_0, TensorType::Q4_K, TensorType::Q6_K})
        for (bool split : {false, true})
            QTest::addRow("%s/%s", std::string(type_name(t)).c_str(), split ? "split" : "one binding")
                << t << split;
}

void TestVulkanOps::get_rows() {
    QFETCH(TensorType, type);
    QFETCH(bool, split);
    Context& ctx = split ? *split_ : *ctx_;
    Kernels k(ctx);
    Rng rng(31);
    const int64_t ne0 = 512, rows = 100;
    const auto table = vktest::random_weights(type, ne0, rows, rng, false);
    GpuMatrix m = upload_matrix(ctx, type, ne0, rows, table.data(), row_bytes(type, ne0), "table");
    if (split) QVERIFY(m.chunks.size() > 2);
    const std::vector<int32_t> tokens = {0, 99, 7, 7, 23, 48, 1, 64};
    Weight w;
    w.type = type;
    w.ne0 = ne0;
    w.rows = rows;
    w.data = table.data();
    w.row_stride = row_bytes(type, ne0);
    std::vector<float> ref(tokens.size() * ne0);
    for (size_t t = 0; t < tokens.size(); ++t) cpu::embedding_row(w, tokens[t], ref.data() + t * ne0);
    Allocation T = upload(ctx, tokens);
    Allocation Y = ctx.memory().allocate(ref.size() * 4, MemoryKind::Device, "y");
    CommandStream cs(ctx);
    cs.begin();
    k.get_rows(cs, m, T.range(), static_cast<uint32_t>(tokens.size()), Y.range(), ne0);
    cs.submit_and_wait();
    const auto got = download<float>(ctx, Y, ref.size());
    for (size_t i = 0; i < ref.size(); ++i)
        if (float_bits(got[i]) != float_bits(ref[i]))
            QFAIL(qPrintable(
                QString("element %1: gpu %2, cpu %3").arg(i).arg(got[i], 0, 'g', 9).arg(ref[i], 0, 'g', 9)));
}

QTEST_GUILESS_MAIN(TestVulkanOps)
#include "test_vulkan_ops.moc"
