// The device layer: listing and ranking, --device parsing, context creation, memory
// suballocation, transfers, pipelines and their persistent cache, descriptor reuse, automatic
// barriers, timestamps, and the error paths (no driver, out of memory).
#include <QTemporaryDir>
#include <QTest>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "backends/vulkan/command_stream.h"
#include "backends/vulkan/context.h"
#include "backends/vulkan/profiler.h"
#include "lowbit/error.h"
#include "lowbit/vulkan.h"
#include "vk_test_util.h"

using namespace lowbit;
using namespace lowbit::vulkan;

using lowbit::vktest::EnvOverride;

namespace {

struct AddPush {
    uint32_t n;
};

// y = a + b on the GPU for n floats in the given ranges.
void record_add(CommandStream& cs, Context& ctx, const BufferRange& a, const BufferRange& b,
                const BufferRange& y, uint32_t n, uint32_t wg = 64) {
    const Pipeline& p = ctx.pipelines().get("add", {wg});
    cs.dispatch(p, {a, b, y}, AddPush{n}, (n + wg - 1) / wg);
}

}  // namespace

class TestVulkanDevice : public QObject {
    Q_OBJECT
  private slots:
    void parse_device_spec_values();
    void parse_device_spec_rejects_garbage();
    void lists_and_ranks_devices();
    void no_driver_is_a_clear_error();
    void bad_device_index_is_a_clear_error();
    void shader_variant_follows_features();
    void memory_suballocates_and_coalesces();
    void out_of_memory_is_a_clear_error();
    void upload_download_direct_and_staged();
    void dispatch_with_automatic_barriers();
    void dispatch_folds_large_grids();
    void descriptor_sets_are_reused();
    void pipeline_cache_persists_and_survives_corruption();
    void timestamps_measure_kernels();
};

void TestVulkanDevice::parse_device_spec_values() {
    QVERIFY(parse_device_spec("cpu").cpu);
    const DeviceSpec v = parse_device_spec("vulkan");
    QVERIFY(!v.cpu);
    QCOMPARE(v.vulkan_index, -1);
    QCOMPARE(parse_device_spec("gpu").cpu, false);
    const DeviceSpec n = parse_device_spec("vulkan:2");
    QVERIFY(!n.cpu);
    QCOMPARE(n.vulkan_index, 2);
    QCOMPARE(QString::fromStdString(n.text()), QString("vulkan:2"));
    QCOMPARE(QString::fromStdString(v.text()), QString("vulkan"));
}

void TestVulkanDevice::parse_device_spec_rejects_garbage() {
    for (const char* bad :
         {"", "vulkan:", "vulkan:-1", "vulkan:x", "vulkan:1x", "cuda", "VULKAN", "vulkan:99999999999"}) {
        try {
            parse_device_spec(bad);
            QFAIL(qPrintable(QString("accepted '%1'").arg(bad)));
        } catch (const Error& e) {
            QVERIFY2(std::strstr(e.what(), "lowbit devices"), e.what());
        }
    }
}

void TestVulkanDevice::lists_and_ranks_devices() {
    if (!vktest::no_driver_reason().empty()) QSKIP("no Vulkan driver on this machine");
    const DeviceQuery q = query_devices();
    QVERIFY2(q.error.empty(), q.error.c_str());
    QVERIFY(!q.devices.empty());
    auto rank = [](DeviceType t) { return static_cast<int>(t); };  // enum order is the ranking
    for (size_t i = 0; i < q.devices.size(); ++i) {
        const DeviceInfo& d = q.devices[i];
        QCOMPARE(d.index, static_cast<int>(i));
        QVERIFY(!d.name.empty());
        QVERIFY(!d.api_version.empty());
        QVERIFY(!d.heaps.empty());
        QVERIFY(d.max_storage_buffer_range > 0);
        QVERIFY(d.max_workgroup_invocations >= 128);
        QVERIFY(!d.kernel_path.empty());
        if (d.usable)
            QVERIFY(d.subgroup_size > 0);
        else
            QVERIFY(!d.problem.empty());
        if (i > 0 && d.usable && q.devices[i - 1].usable)
            QVERIFY(rank(q.devices[i - 1].type) <= rank(d.type));
    }
    qInfo("validation layer: %s", validation_layer_installed() ? "installed, on in tests" : "not installed");
    qInfo("best device: %s (%s), %s", q.devices[0].name.c_str(), device_type_name(q.devices[0].type),
          q.devices[0].kernel_path.c_str());
}

void TestVulkanDevice::no_driver_is_a_clear_error() {
    // Point the loader at a driver list that does not exist: exactly the "no driver" situation.
    EnvOverride a("VK_DRIVER_FILES", "/nonexistent/lowbit-no-driver.json");
    EnvOverride b("VK_ICD_FILENAMES", "/nonexistent/lowbit-no-driver.json");
    const DeviceQuery q = query_devices();
    QVERIFY(q.devices.empty());
    QVERIFY2(q.error.find("no Vulkan driver") != std::string::npos, q.error.c_str());
    try {
        ContextOptions o;
        o.pipeline_cache_dir = std::string();
        Context::create(o);
        QFAIL("a context was created without a driver");
    } catch (const Error& e) {
        QVERIFY2(std::strstr(e.what(), "no Vulkan driver"), e.what());
    }
}

void TestVulkanDevice::bad_device_index_is_a_clear_error() {
    if (!vktest::no_driver_reason().empty()) QSKIP("no Vulkan driver on this machine");
    ContextOptions o = vktest::test_options();
    o.device_index = 1000;
    try {
        Context::create(o);
        QFAIL("vulkan:1000 was accepted");
    } catch (const Error& e) {
        QVERIFY2(std::strstr(e.what(), "vulkan:1000"), e.what());
    }
}

void TestVulkanDevice::shader_variant_follows_features() {
    LOWBIT_VK_CONTEXT(ctx, vktest::test_options());
    QCOMPARE(ctx->ext_kernels(), ctx->physical().ext_kernels);
    ContextOptions o = vktest::test_options();
    o.force_plain = true;
    LOWBIT_VK_CONTEXT(plain, o);
    QVERIFY(!plain->ext_kernels());
    QVERIFY(plain->pipelines().get("add", {64}).pipeline);
}

void TestVulkanDevice::memory_suballocates_and_coalesces() {
    LOWBIT_VK_CONTEXT(ctx, vktest::test_options());
    MemoryManager& mm = ctx->memory();
    const uint64_t before = mm.stats().device_bytes;
    {
        std::vector<Allocation> v;
        for (int i = 0; i < 64; ++i) v.push_back(mm.allocate(1000 + 37 * i, MemoryKind::Device, "test"));
        // Few VkDeviceMemory objects, aligned, disjoint.
        QVERIFY(mm.stats().device_bytes - before <= 256ull << 20);
        for (size_t i = 0; i < v.size(); ++i) {
            QCOMPARE(v[i].range().offset % ctx->storage_alignment(), VkDeviceSize(0));
            for (size_t j = 0; j < i; ++j) {
                if (v[i].buffer() != v[j].buffer()) continue;
                const auto& a = v[i].range();
                const auto& b = v[j].range();
                QVERIFY(a.offset + a.size <= b.offset || b.offset + b.size <= a.offset);
            }
        }
        // Free every other piece, then the rest: the block coalesces and is given back.
        for (size_t i = 0; i < v.size(); i += 2) v[i].reset();
        Allocation big = mm.allocate(4000, MemoryKind::Device, "test");
        QVERIFY(big);
    }
    QCOMPARE(mm.stats().device_bytes, before);
    // A piece larger than the standard block gets its own block.
    Allocation large = mm.allocate(300ull << 20, MemoryKind::Device, "large");
    QVERIFY(mm.stats().device_bytes >= before + (300ull << 20));
    large.reset();
    QCOMPARE(mm.stats().device_bytes, before);
    QCOMPARE(ctx->validation_errors(), 0);
}

void TestVulkanDevice::out_of_memory_is_a_clear_error() {
    LOWBIT_VK_CONTEXT(ctx, vktest::test_options());
    uint64_t biggest = 0;
    for (const auto& h : ctx->info().heaps) biggest = std::max(biggest, h.size_bytes);
    try {
        Allocation a =
            ctx->memory().allocate(biggest + (1ull << 30), MemoryKind::Device, "an oversized tensor");
        QFAIL("an allocation larger than every heap succeeded");
    } catch (const OutOfDeviceMemoryError& e) {
        QVERIFY2(std::strstr(e.what(), "an oversized tensor") && std::strstr(e.what(), "MiB"), e.what());
    }
    // The context is still usable.
    Allocation ok = ctx->memory().allocate(4096, MemoryKind::Device, "small");
    QVERIFY(ok);
}

void TestVulkanDevice::upload_download_direct_and_staged() {
    for (bool direct : {true, false}) {
        ContextOptions o = vktest::test_options();
        o.direct_upload = direct;
        LOWBIT_VK_CONTEXT(ctx, o);
        const size_t n = (20u << 20) + 12345;  // more than one staging buffer
        std::vector<uint8_t> src(n), back(n);
        std::mt19937 rng(7);
        for (auto& b : src) b = static_cast<uint8_t>(rng());
        Allocation a = ctx->memory().allocate(n, MemoryKind::Device, "roundtrip");
        ctx->upload(a.range(), src.data(), n);
        ctx->download(a.range(), back.data(), n);
        QVERIFY2(src == back, direct ? "direct" : "staged");
    }
}

void TestVulkanDevice::dispatch_with_automatic_barriers() {
    LOWBIT_VK_CONTEXT(ctx, vktest::test_options());
    const uint32_t n = 1000;
    std::vector<float> one(n, 1.0f);
    const VkDeviceSize bytes = n * sizeof(float);
    Allocation x = ctx->memory().allocate(bytes, MemoryKind::Device, "x");
    Allocation y = ctx->memory().allocate(bytes, MemoryKind::Device, "y");
    Allocation z = ctx->memory().allocate(bytes, MemoryKind::Device, "z");
    ctx->upload(x.range(), one.data(), bytes);
    ctx->upload(y.range(), one.data(), bytes);

    CommandStream cs(*ctx);
    // Independent: z = x + y and (into z's twin) nothing shared -> no barrier.
    cs.begin();
    record_add(cs, *ctx, x.range(), y.range(), z.range(), n);
    QCOMPARE(cs.barriers(), 0u);
    // Dependent chain: y = z + x (reads z: barrier), z = y + y (barrier), x = z + z (barrier).
    record_add(cs, *ctx, z.range(), x.range(), y.range(), n);
    record_add(cs, *ctx, y.range(), y.range(), z.range(), n);
    record_add(cs, *ctx, z.range(), z.range(), x.range(), n);
    QCOMPARE(cs.barriers(), 3u);
    cs.submit_and_wait();
    std::vector<float> out(n);
    ctx->download(x.range(), out.data(), bytes);
    for (float v : out) QCOMPARE(v, 12.0f);  // z=2, y=3, z=6, x=12
    QCOMPARE(ctx->validation_errors(), 0);
}

void TestVulkanDevice::dispatch_folds_large_grids() {
    LOWBIT_VK_CONTEXT(ctx, vktest::test_options());
    const uint32_t n = ctx->limits().maxComputeWorkGroupCount[0] + 4321;
    std::vector<float> a(n), b(n), y(n);
    std::iota(a.begin(), a.end(), 0.0f);
    std::fill(b.begin(), b.end(), 0.5f);
    const VkDeviceSize bytes = n * sizeof(float);
    Allocation A = ctx->memory().allocate(bytes, MemoryKind::Device, "a");
    Allocation B = ctx->memory().allocate(bytes, MemoryKind::Device, "b");
    Allocation Y = ctx->memory().allocate(bytes, MemoryKind::Device, "y");
    ctx->upload(A.range(), a.data(), bytes);
    ctx->upload(B.range(), b.data(), bytes);
    CommandStream cs(*ctx);
    cs.begin();
    record_add(cs, *ctx, A.range(), B.range(), Y.range(), n, /*wg=*/1);  // one workgroup per element
    cs.submit_and_wait();
    ctx->download(Y.range(), y.data(), bytes);
    for (uint32_t i = 0; i < n; ++i)
        if (y[i] != a[i] + 0.5f) QFAIL(qPrintable(QString("element %1 is %2").arg(i).arg(y[i])));
}

void TestVulkanDevice::descriptor_sets_are_reused() {
    LOWBIT_VK_CONTEXT(ctx, vktest::test_options());
    // `a` is larger than a standard block, so it gets a block of its own that is released with it.
    Allocation a = ctx->memory().allocate(257ull << 20, MemoryKind::Device, "a");
    Allocation b = ctx->memory().allocate(1024, MemoryKind::Device, "b");
    CommandStream cs(*ctx);
    const size_t before = ctx->descriptors().size();
    for (int step = 0; step < 3; ++step) {
        cs.begin();
        record_add(cs, *ctx, a.range().sub(0, 1024), a.range().sub(0, 1024), b.range(), 256);
        record_add(cs, *ctx, b.range(), b.range(), a.range().sub(0, 1024), 256);
        cs.submit_and_wait();
    }
    QCOMPARE(ctx->descriptors().size(), before + 2);
    // Freeing the memory block forgets the sets that point into it.
    a.reset();
    QCOMPARE(ctx->descriptors().size(), before);
}

void TestVulkanDevice::pipeline_cache_persists_and_survives_corruption() {
    if (!vktest::no_driver_reason().empty()) QSKIP("no Vulkan driver on this machine");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ContextOptions o = vktest::test_options();
    o.pipeline_cache_dir = dir.path().toStdString() + "/sub";
    std::string file;
    {
        LOWBIT_VK_CONTEXT(ctx, o);
        ctx->pipelines().get("add", {64});
        file = ctx->pipelines().cache_file();
    }
    QVERIFY(!file.empty());
    QVERIFY2(std::filesystem::exists(file), file.c_str());
    {
        std::ifstream in(file, std::ios::binary);
        char magic[4] = {};
        in.read(magic, 4);
        QVERIFY(std::memcmp(magic, "LBPC", 4) == 0);
    }
    const auto size = std::filesystem::file_size(file);
    QVERIFY(size > 24);
    {  // loading a valid cache works
        LOWBIT_VK_CONTEXT(ctx, o);
        QVERIFY(ctx->pipelines().get("add", {64}).pipeline);
    }
    // Flip a byte of the payload and truncate: both are ignored, never handed to the driver.
    {
        std::fstream f(file, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(static_cast<std::streamoff>(size - 1));
        f.put('\x5a');
    }
    {
        LOWBIT_VK_CONTEXT(ctx, o);
        QVERIFY(ctx->pipelines().get("add", {32}).pipeline);
    }
    std::filesystem::resize_file(file, 10);
    {
        LOWBIT_VK_CONTEXT(ctx, o);
        QVERIFY(ctx->pipelines().get("add", {64}).pipeline);
    }
    QVERIFY(std::filesystem::file_size(file) > 24);  // rewritten whole
}

void TestVulkanDevice::timestamps_measure_kernels() {
    LOWBIT_VK_CONTEXT(ctx, vktest::test_options());
    if (!ctx->info().features.timestamps) QSKIP("this device has no timestamp queries");
    const uint32_t n = 1 << 16;
    Allocation a = ctx->memory().allocate(n * 4, MemoryKind::Device, "a");
    Allocation b = ctx->memory().allocate(n * 4, MemoryKind::Device, "b");
    Profiler prof(*ctx);
    QVERIFY(prof.available());
    CommandStream cs(*ctx);
    cs.begin(&prof);
    record_add(cs, *ctx, a.range(), a.range(), b.range(), n);
    record_add(cs, *ctx, b.range(), b.range(), a.range(), n);
    cs.submit_and_wait();
    QCOMPARE(prof.totals().size(), size_t(1));
    QCOMPARE(prof.totals().at("add").calls, uint64_t(2));
    QVERIFY(prof.total_ns() > 0);
    QVERIFY(prof.report().find("add") != std::string::npos);
    QCOMPARE(ctx->validation_errors(), 0);
}

QTEST_GUILESS_MAIN(TestVulkanDevice)
#include "test_vulkan_device.moc"
