// Vulkan kernel throughput on real layer shapes (Google Benchmark; never part of ctest's timing):
//
//   BM_VkCopy/256
//       vkCmdCopyBuffer of 256 MiB between two device-local buffers: the memory bandwidth the
//       device reaches (bytes read + bytes written per second), as STREAM's copy counts it. The
//       best of five such copies, measured at start, is the roof below.
//   BM_VkMatVec/<type>/K/ROWS
//       one token's mat-vec (decode), `kBatch` of them per submission, each waiting for the
//       previous as in a decode step (they write the same output), rotating over copies of the
//       matrix that together exceed any GPU cache, so the weights stream from device memory.
//       bytes_per_second = weight bytes (payload + scales as laid out on the device) read;
//       bw_frac = that over the copy bandwidth (on a CPU-type device such as lavapipe, whose
//       copies are a single memcpy, over the host's multithreaded copy bandwidth instead: what
//       its shader threads can reach); peak_frac = that over LOWBIT_BENCH_PEAK_GBPS
//       (the spec-sheet bandwidth, in GB/s) when it is set.
//   BM_VkPrefill/<type>/K/ROWS   the same weight times 64 tokens (prefill), MAC/s.
//
// Times come from timestamp queries around the dispatches (wall clock around the submission on
// devices without them), so submission and host overheads are not counted. Every benchmark
// first checks its kernel's result against the CPU backend on the same data and stops with an
// error when they differ: a fast wrong kernel is no result. The program exits non-zero then.
//
// Types: F16, Q8_0, Q4_0 (baselines), TQ1_0, TQ2_0, I2_S (ternary), onebit (W1A16), binary.
// Shapes: 2560x6912 / 6912x2560 (BitNet b1.58 2B4T's FFN), 4096x4096 (LLaMA-7B attention),
// 4096x14336 (Llama-3-8B FFN up) and 8192x28672 (Llama-70B FFN up: "large matrices").
//
// Run: build/<preset>/tests/bench/bench_vulkan [--device vulkan:N] --benchmark_filter=BM_VkMatVec
//      (LOWBIT_VK_PLAIN=1: the plain shader variant on a device that has the extended one;
//      LOWBIT_BENCH_COLD_MIB=N: a smaller rotation of copies, for the smoke test.)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backends/cpu/matmul.h"
#include "backends/cpu/thread_pool.h"
#include "backends/vulkan/command_stream.h"
#include "backends/vulkan/context.h"
#include "backends/vulkan/gpu_weights.h"
#include "backends/vulkan/kernels.h"
#include "backends/vulkan/profiler.h"
#include "bench_matrix.h"
#include "lowbit/error.h"
#include "lowbit/system_info.h"
#include "lowbit/vulkan.h"

using namespace lowbit;
using namespace lowbit::bench;
namespace vk = lowbit::vulkan;

namespace {

constexpr int kBatch = 32;        // mat-vecs per submission
constexpr size_t kColdMiB = 512;  // > 4x the largest GPU cache (L2 / Infinity Cache)
constexpr uint32_t kPrefillTokens = 64;

// What every benchmark shares: the device, its copy bandwidth, and whether any check failed.
struct Bench {
    vk::Context* ctx = nullptr;
    double copy_bytes_per_s = 0;  // the roof bw_frac compares with (see above)
    size_t cold_bytes = kColdMiB << 20;
    double peak_bytes_per_s = 0;  // LOWBIT_BENCH_PEAK_GBPS
    bool failed = false;
};

// The GPU time of the dispatches `record` adds to one submission: timestamp queries, or the wall
// clock around the submission on devices without them.
template <typename Record>
double timed_submission(vk::Profiler& profiler, vk::CommandStream& cs, Record record) {
    profiler.clear();
    const auto t0 = std::chrono::steady_clock::now();
    cs.begin(profiler.available() ? &profiler : nullptr);
    record(cs);
    cs.submit_and_wait();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return profiler.available() ? profiler.total_ns() * 1e-9 : wall;
}

// Records `record` once per iteration and reports the GPU time of its dispatches.
template <typename Record>
void time_iterations(benchmark::State& state, vk::Context& ctx, Record record) {
    vk::Profiler profiler(ctx);
    vk::CommandStream cs(ctx);
    for (auto _ : state) state.SetIterationTime(timed_submission(profiler, cs, record));
    state.counters["timer"] = profiler.available() ? 1 : 0;  // 1: timestamp queries, 0: wall clock
}

// Bytes read + written per second by vkCmdCopyBuffer between two device-local buffers: the best
// of a few 256 MiB copies, timed with timestamp queries (wall clock without them).
double device_copy_bandwidth(vk::Context& ctx) {
    const size_t bytes = size_t(256) << 20;
    vk::Allocation src = ctx.memory().allocate(bytes, vk::MemoryKind::Device, "copy source");
    vk::Allocation dst = ctx.memory().allocate(bytes, vk::MemoryKind::Device, "copy destination");
    vk::Profiler profiler(ctx);
    vk::CommandStream cs(ctx);
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
        const double s = timed_submission(
            profiler, cs, [&](vk::CommandStream& c) { c.copy(src.range(), dst.range(), bytes); });
        if (s > 0) best = std::max(best, 2.0 * static_cast<double>(bytes) / s);
    }
    return best;
}

void BM_VkCopy(benchmark::State& state, Bench* b) {
    vk::Context& ctx = *b->ctx;
    const size_t bytes = static_cast<size_t>(state.range(0)) << 20;
    vk::Allocation src = ctx.memory().allocate(bytes, vk::MemoryKind::Device, "copy source");
    vk::Allocation dst = ctx.memory().allocate(bytes, vk::MemoryKind::Device, "copy destination");
    vk::CommandStream fill(ctx);
    fill.begin();
    fill.fill(src.range(), 0x3c003c00u);
    fill.submit_and_wait();
    time_iterations(state, ctx, [&](vk::CommandStream& cs) { cs.copy(src.range(), dst.range(), bytes); });
    const double moved = 2.0 * static_cast<double>(bytes);  // read + write
    state.SetBytesProcessed(static_cast<int64_t>(moved * static_cast<double>(state.iterations())));
}

// One weight on the device, with its activations and output.
struct GpuCase {
    std::vector<vk::GpuMatrix> copies;
    vk::Allocation x, y, qs, d;
    vk::QuantizedActs qa;
    vk::ActFormat af = vk::ActFormat::Float;
    std::vector<float> x_host;
    uint32_t tokens = 1;

    vk::MatmulArgs args(size_t rows) const {
        vk::MatmulArgs a;
        a.n_tokens = tokens;
        a.y = y.range();
        a.y_stride = static_cast<uint32_t>(rows);
        if (af == vk::ActFormat::Float) {
            a.x = x.range();
            a.x_stride = static_cast<uint32_t>(x_host.size() / tokens);
        } else {
            a.xq = &qa;
        }
        return a;
    }
};

GpuCase make_case(vk::Context& ctx, const Weight& w, uint32_t tokens) {
    GpuCase c;
    c.tokens = tokens;
    c.copies.push_back(vk::upload_matrix(ctx, w));
    const int64_t k = w.ne0;
    c.x_host = random_activations(k * tokens, 2);
    c.x = ctx.memory().allocate(c.x_host.size() * 4, vk::MemoryKind::Device, "x");
    ctx.upload(c.x.range(), c.x_host.data(), c.x_host.size() * 4);
    c.y = ctx.memory().allocate(static_cast<size_t>(w.rows) * tokens * 4, vk::MemoryKind::Device, "y");
    c.af = vk::act_format(c.copies[0]);
    if (c.af != vk::ActFormat::Float) {
        c.qs = ctx.memory().allocate(vk::quantized_qs_bytes(k, tokens), vk::MemoryKind::Device, "qs");
        c.d = ctx.memory().allocate(vk::quantized_d_bytes(c.af, k, tokens), vk::MemoryKind::Device, "d");
        c.qa = {c.qs.range(), c.d.range()};
    }
    return c;
}

void quantize(vk::Kernels& kern, vk::CommandStream& cs, const GpuCase& c, int64_t k) {
    if (c.af == vk::ActFormat::Float) return;
    kern.quantize(cs, c.af, c.x.range(), static_cast<uint32_t>(k), c.tokens, static_cast<uint32_t>(k), 0,
                  c.qa);
}

// The GPU's result for copy 0 against the CPU backend's: the largest difference over the RMS of
// the reference. The kernels follow the CPU's numerics, so only summation order differs.
double relative_error(vk::Context& ctx, vk::Kernels& kern, const GpuCase& c, const Weight& w) {
    vk::CommandStream cs(ctx);
    cs.begin();
    quantize(kern, cs, c, w.ne0);
    kern.matmul(cs, c.copies[0], c.args(static_cast<size_t>(w.rows)));
    cs.submit_and_wait();
    const size_t n = static_cast<size_t>(w.rows) * c.tokens;
    std::vector<float> gpu(n), ref(n);
    ctx.download(c.y.range(), gpu.data(), n * 4);
    cpu::ThreadPool pool(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    cpu::MatmulWorkspace ws;
    cpu::matmul(pool, ws, w, c.x_host.data(), w.ne0, c.tokens, ref.data(), w.rows);
    double max_diff = 0, sum_sq = 0;
    for (size_t i = 0; i < n; ++i) {
        max_diff = std::max(max_diff, std::fabs(static_cast<double>(gpu[i]) - ref[i]));
        sum_sq += static_cast<double>(ref[i]) * ref[i];
    }
    const double rms = std::sqrt(sum_sq / static_cast<double>(n));
    return rms > 0 ? max_diff / rms : max_diff;
}

// Stops the benchmark (and fails the program) when the kernel disagrees with the CPU.
bool verified(benchmark::State& state, Bench* b, vk::Kernels& kern, const GpuCase& c, const Weight& w) {
    const double err = relative_error(*b->ctx, kern, c, w);
    state.counters["err"] = err;
    if (err <= 1e-3) return true;  // test_vulkan_matmul's bound is 1e-4; a wrong element is O(1)
    b->failed = true;
    state.SkipWithError(
        ("GPU result differs from the CPU's: max error " + std::to_string(err) + " of the RMS").c_str());
    return false;
}

void BM_VkMatVec(benchmark::State& state, Bench* b, BenchType bt) {
    vk::Context& ctx = *b->ctx;
    const int64_t k = state.range(0), rows = state.range(1);
    BenchMatrix m(bt, k, rows, 1);
    const Weight w = m.weight();
    vk::Kernels kern(ctx);
    // One copy first to learn its size on the device, then enough to be cold.
    GpuCase c = make_case(ctx, w, 1);
    const size_t bytes = c.copies[0].device_bytes;
    const size_t device_cap = std::max<uint64_t>(ctx.info().device_local_bytes / 4, bytes);
    const size_t want = std::max<size_t>(2, std::min(b->cold_bytes, device_cap) / bytes);
    while (c.copies.size() < want) c.copies.push_back(vk::upload_matrix(ctx, w));
    if (!verified(state, b, kern, c, w)) return;
    {
        vk::CommandStream cs(ctx);  // the activations are quantized once; only mat-vecs are timed
        cs.begin();
        quantize(kern, cs, c, k);
        cs.submit_and_wait();
    }
    size_t next = 0;
    const vk::MatmulArgs args = c.args(static_cast<size_t>(rows));
    time_iterations(state, ctx, [&](vk::CommandStream& cs) {
        for (int i = 0; i < kBatch; ++i) {
            kern.matmul(cs, c.copies[next], args);
            next = (next + 1) % c.copies.size();
        }
    });
    const double total = static_cast<double>(bytes) * kBatch * static_cast<double>(state.iterations());
    state.SetBytesProcessed(static_cast<int64_t>(total));
    state.SetItemsProcessed(kBatch * state.iterations());
    if (b->copy_bytes_per_s > 0)
        state.counters["bw_frac"] =
            benchmark::Counter(total / b->copy_bytes_per_s, benchmark::Counter::kIsRate);
    if (b->peak_bytes_per_s > 0)
        state.counters["peak_frac"] =
            benchmark::Counter(total / b->peak_bytes_per_s, benchmark::Counter::kIsRate);
    state.counters["copies"] = static_cast<double>(c.copies.size());
    state.SetLabel(bt.name + (ctx.ext_kernels() ? " ext" : " plain"));
}

void BM_VkPrefill(benchmark::State& state, Bench* b, BenchType bt) {
    vk::Context& ctx = *b->ctx;
    const int64_t k = state.range(0), rows = state.range(1);
    BenchMatrix m(bt, k, rows, 1);
    const Weight w = m.weight();
    vk::Kernels kern(ctx);
    GpuCase c = make_case(ctx, w, kPrefillTokens);
    if (!verified(state, b, kern, c, w)) return;
    const vk::MatmulArgs args = c.args(static_cast<size_t>(rows));
    // The activation quantization is part of a prefill step, so it is timed too.
    time_iterations(state, ctx, [&](vk::CommandStream& cs) {
        quantize(kern, cs, c, k);
        kern.matmul(cs, c.copies[0], args);
    });
    state.counters["MAC/s"] = benchmark::Counter(
        static_cast<double>(k * rows * kPrefillTokens) * static_cast<double>(state.iterations()),
        benchmark::Counter::kIsRate);
    state.SetLabel(bt.name + (ctx.ext_kernels() ? " ext" : " plain"));
}

// {K, ROWS}
const int64_t kShapes[][2] = {{2560, 6912}, {6912, 2560}, {4096, 4096}, {4096, 14336}, {8192, 28672}};

const std::vector<BenchType>& vulkan_types() {
    static const std::vector<BenchType> types = [] {
        std::vector<BenchType> t;
        for (const BenchType& bt : bench_types()) {
            const bool gpu = bt.kind != WeightKind::Plain ? !bt.int8 : vk::gpu_layout(bt.type) != nullptr;
            // k-quants run on the GPU too, but only around ternary layers: not timed here.
            const bool kquant = bt.kind == WeightKind::Plain && bt.name.find("_K") != std::string::npos;
            if (gpu && !kquant) t.push_back(bt);
        }
        return t;
    }();
    return types;
}

// Removes "--device D" from argv (before Google Benchmark parses it) and returns D.
std::string take_device_arg(int& argc, char** argv) {
    std::string device = "vulkan";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        std::string value;
        int used = 0;
        if (a == "--device" && i + 1 < argc) value = argv[i + 1], used = 2;
        if (a.rfind("--device=", 0) == 0) value = a.substr(9), used = 1;
        if (!used) continue;
        device = value;
        for (int j = i; j + used <= argc; ++j) argv[j] = argv[j + used];
        argc -= used;
        --i;
    }
    return device;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string device = take_device_arg(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    std::unique_ptr<vk::Context> ctx;
    try {
        const vk::DeviceSpec spec = vk::parse_device_spec(device);
        if (spec.cpu) throw Error("bench_vulkan times Vulkan devices; use bench_kernels for the CPU");
        vk::ContextOptions opts;
        opts.device_index = spec.vulkan_index;
        ctx = vk::Context::create(opts);
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_vulkan: %s\n", e.what());
        // 77: "skipped" for ctest's smoke run on a machine without any Vulkan driver.
        return vk::query_devices().devices.empty() ? 77 : 1;
    }
    Bench b;
    b.ctx = ctx.get();
    if (const char* peak = std::getenv("LOWBIT_BENCH_PEAK_GBPS")) b.peak_bytes_per_s = std::atof(peak) * 1e9;
    if (const char* cold = std::getenv("LOWBIT_BENCH_COLD_MIB"))
        b.cold_bytes = static_cast<size_t>(std::max(1, std::atoi(cold))) << 20;
    const bool cpu_type = ctx->info().type == vk::DeviceType::Cpu;
    try {
        b.copy_bytes_per_s = cpu_type ? measure_memory_bandwidth(logical_cpu_count(), size_t(512) << 20)
                                      : device_copy_bandwidth(*ctx);
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_vulkan: measuring the copy bandwidth: %s\n", e.what());
        return 1;
    }

    benchmark::RegisterBenchmark("BM_VkCopy", BM_VkCopy, &b)
        ->Arg(256)
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
    for (const BenchType& bt : vulkan_types()) {
        auto* mv = benchmark::RegisterBenchmark(("BM_VkMatVec/" + bt.name).c_str(), BM_VkMatVec, &b, bt);
        for (const auto& s : kShapes) mv->Args({s[0], s[1]});
        mv->UseManualTime()->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(("BM_VkPrefill/" + bt.name).c_str(), BM_VkPrefill, &b, bt)
            ->Args({2560, 6912})
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
    }
    benchmark::AddCustomContext("vulkan_device", ctx->info().name);
    benchmark::AddCustomContext("vulkan_driver", ctx->info().driver);
    // The device's best variant, or the plain one when LOWBIT_VK_PLAIN forced it.
    benchmark::AddCustomContext("vulkan_kernels",
                                ctx->ext_kernels() || ctx->info().kernel_path.rfind("plain", 0) == 0
                                    ? ctx->info().kernel_path
                                    : std::string("plain (forced by LOWBIT_VK_PLAIN)"));
    benchmark::AddCustomContext("bw_frac_roof",
                                cpu_type ? "host memory copy (CPU-type device)" : "BM_VkCopy");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (b.failed) std::fprintf(stderr, "bench_vulkan: a kernel disagreed with the CPU backend (see above)\n");
    return b.failed ? 1 : 0;
}
