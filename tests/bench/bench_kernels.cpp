// Kernel throughput on real layer shapes (Google Benchmark; never part of ctest):
//
//   BM_Tile/<type>_<simd|scalar>/K/ROWS/TOKENS
//       one thread, the tile kernel alone, one weight matrix that stays in the caches ("hot"):
//       what the instructions can do, SIMD against the scalar reference.
//   BM_MatVec/<type>/K/ROWS/THREADS
//       matmul() of one token on the ThreadPool, rotating over enough copies of the matrix that
//       every call streams its weights from main memory ("cold", as in decode). Counters:
//       bytes_per_second = weight bytes streamed, bw_frac = that over the measured memory copy
//       bandwidth with as many threads (lowbit::measure_memory_bandwidth: the decode roof).
//   BM_Prefill/<type>/K/ROWS/THREADS   matmul() of 64 tokens (prefill), MAC/s.
//
// Types: F16, Q8_0, Q4_0 (baselines), TQ1_0, TQ2_0, I2_S (ternary), Q4_K, Q6_K (and Q2_K, Q3_K,
// Q5_K: k-quants around ternary layers), Q4_1, Q5_0, Q5_1, IQ4_NL, IQ4_XS (what llama-quantize's
// K-quant files hold where rows are not a multiple of 256, and IQ4), onebit / onebit_i8 (W1A16 /
// int8 mode), binary.
// Shapes: 2560x6912 and 6912x2560 (BitNet b1.58 2B4T's FFN up and down), 4096x4096 (LLaMA-7B
// attention). Weight values are random but valid; speed does not depend on them.
//
// LOWBIT_BENCH_TARGET=SSE4 (any Highway target this CPU runs, e.g. SSE4, SSSE3, AVX2) measures
// that target's kernels instead of the best one: the portable path ARM and older x86 CPUs take.
//
// Run: build/<preset>/tests/bench/bench_kernels --benchmark_filter=BM_MatVec --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <hwy/targets.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/cpu/kernels.h"
#include "backends/cpu/matmul.h"
#include "backends/cpu/thread_pool.h"
#include "bench_matrix.h"
#include "lowbit/system_info.h"

using namespace lowbit;
using namespace lowbit::cpu;
using namespace lowbit::bench;

namespace {

// Copy bandwidth of main memory per thread count, measured once per run (the decode roof).
double copy_bandwidth(int threads) {
    static std::map<int, double> cache;
    auto it = cache.find(threads);
    if (it == cache.end())
        it = cache.emplace(threads, measure_memory_bandwidth(threads, size_t(512) << 20)).first;
    return it->second;
}

// Matrix copies that together exceed any last-level cache, so each call reads main memory.
constexpr size_t kColdBytes = size_t(384) << 20;

void BM_MatVec(benchmark::State& state, BenchType bt) {
    const int64_t k = state.range(0), rows = state.range(1);
    const int threads = static_cast<int>(state.range(2));
    std::vector<std::unique_ptr<BenchMatrix>> copies;
    copies.push_back(std::make_unique<BenchMatrix>(bt, k, rows, 1));
    const size_t n_copies = std::max<size_t>(2, kColdBytes / copies[0]->bytes());
    for (size_t i = 1; i < n_copies; ++i) copies.push_back(std::make_unique<BenchMatrix>(*copies[0]));
    std::vector<Weight> weights;
    for (const auto& c : copies) weights.push_back(c->weight());
    const auto x = random_activations(k, 2);
    std::vector<float> y(static_cast<size_t>(rows));
    ThreadPool pool(threads);
    MatmulWorkspace ws;
    size_t i = 0;
    for (auto _ : state) {
        matmul(pool, ws, weights[i], x.data(), k, 1, y.data(), rows, nullptr, bt.int8);
        i = (i + 1) % weights.size();
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    const double bytes = static_cast<double>(copies[0]->bytes());
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
    state.counters["bw_frac"] =
        benchmark::Counter(bytes * static_cast<double>(state.iterations()) / copy_bandwidth(threads),
                           benchmark::Counter::kIsRate);
    state.SetLabel(bt.name + " " + simd_target_name());
}

void BM_Prefill(benchmark::State& state, BenchType bt) {
    const int64_t k = state.range(0), rows = state.range(1), tokens = 64;
    const int threads = static_cast<int>(state.range(2));
    BenchMatrix m(bt, k, rows, 1);
    const Weight w = m.weight();
    const auto x = random_activations(k * tokens, 3);
    std::vector<float> y(static_cast<size_t>(rows * tokens));
    ThreadPool pool(threads);
    MatmulWorkspace ws;
    for (auto _ : state) {
        matmul(pool, ws, w, x.data(), k, tokens, y.data(), rows, nullptr, bt.int8);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    state.counters["MAC/s"] = benchmark::Counter(static_cast<double>(k * rows * tokens) * state.iterations(),
                                                 benchmark::Counter::kIsRate);
    state.SetLabel(bt.name + " " + simd_target_name());
}

void BM_Tile(benchmark::State& state, BenchType bt, bool reference) {
    const int64_t k = state.range(0), rows = state.range(1), tokens = state.range(2);
    BenchMatrix m(bt, k, rows, 1);
    const Weight w = m.weight();
    const ActFormat af = bt.kind == WeightKind::Plain ? activation_format(bt.type, bt.int8)
                                                      : (bt.int8 ? ActFormat::I8_Row : ActFormat::F32);
    const size_t ab = activation_row_bytes(af, k);
    std::vector<uint8_t> act(ab * static_cast<size_t>(tokens));
    const auto x = random_activations(k, 2);
    for (int64_t t = 0; t < tokens; ++t) convert_activation_row(af, x.data(), act.data() + t * ab, k);
    std::vector<float> y(static_cast<size_t>(rows * tokens));
    for (auto _ : state) {
        if (bt.kind != WeightKind::Plain) {
            (reference ? sign_matmul_tile_ref : sign_matmul_tile)(af, k, w.data, w.row_stride, rows,
                                                                  act.data(), ab, tokens, y.data(), rows);
        } else {
            (reference ? matmul_tile_ref : matmul_tile)(w.type, k, w.data, w.row_stride, rows, act.data(), ab,
                                                        tokens, y.data(), rows);
        }
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(m.bytes()));
    state.counters["MAC/s"] = benchmark::Counter(static_cast<double>(k * rows * tokens) * state.iterations(),
                                                 benchmark::Counter::kIsRate);
    state.SetLabel(bt.name + (reference ? " scalar" : std::string(" ") + simd_target_name()));
}

// {K, ROWS}: 2B4T FFN up (2560 -> 6912) and down (6912 -> 2560), LLaMA-7B attention.
const int64_t kShapes[][2] = {{2560, 6912}, {6912, 2560}, {4096, 4096}};

void matvec_args(benchmark::internal::Benchmark* b) {
    for (const auto& s : kShapes)
        for (int th : {1, 2}) b->Args({s[0], s[1], th});
    b->Unit(benchmark::kMicrosecond)->UseRealTime();
}
void prefill_args(benchmark::internal::Benchmark* b) {
    for (int th : {1, 2}) b->Args({2560, 6912, th});
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}
void tile_args(benchmark::internal::Benchmark* b) {
    b->Args({2560, 6912, 1})->Args({4096, 4096, 1})->Args({2560, 6912, 64});
    b->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
    if (const char* want = std::getenv("LOWBIT_BENCH_TARGET")) {
        bool found = false;
        for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
            if (std::string(hwy::TargetName(target)) != want) continue;
            hwy::SetSupportedTargetsForTest(target);
            found = true;
        }
        if (!found) {
            std::fprintf(stderr, "LOWBIT_BENCH_TARGET=%s: not a target this CPU and build can run\n", want);
            return 2;
        }
    }
    for (const BenchType& bt : bench_types()) {
        benchmark::RegisterBenchmark(("BM_MatVec/" + bt.name).c_str(), BM_MatVec, bt)->Apply(matvec_args);
        benchmark::RegisterBenchmark(("BM_Prefill/" + bt.name).c_str(), BM_Prefill, bt)->Apply(prefill_args);
        benchmark::RegisterBenchmark(("BM_Tile/" + bt.name + "_simd").c_str(), BM_Tile, bt, false)
            ->Apply(tile_args);
        benchmark::RegisterBenchmark(("BM_Tile/" + bt.name + "_scalar").c_str(), BM_Tile, bt, true)
            ->Apply(tile_args);
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("simd_target", simd_target_name());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
