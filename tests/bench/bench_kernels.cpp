// Kernel throughput on real layer shapes: matrix-vector (decode) and matrix-matrix (prefill)
// products of each weight type, one thread, SIMD vs the scalar reference. Reports bytes/s of
// weights streamed and multiply-adds/s.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "backends/cpu/kernels.h"
#include "lowbit/fp16.h"
#include "quant/blocks.h"

using namespace lowbit;
using namespace lowbit::cpu;

namespace {

// Random but valid weight bytes of a type (the kernels' speed does not depend on the values).
std::vector<uint8_t> make_weights(TensorType type, int64_t k, int64_t rows) {
    std::vector<uint8_t> w(row_bytes(type, k) * static_cast<size_t>(rows));
    std::mt19937 rng(1);
    for (auto& b : w) b = static_cast<uint8_t>(rng());
    // Make every fp16 scale/value finite: clear exponent bits that would make inf/nan.
    if (type == TensorType::F16 || type == TensorType::BF16) {
        auto* h = reinterpret_cast<uint16_t*>(w.data());
        for (size_t i = 0; i < w.size() / 2; ++i) h[i] = fp32_to_fp16(static_cast<float>(rng() % 2000) / 1000.0f - 1.0f);
    } else if (type == TensorType::F32) {
        auto* f = reinterpret_cast<float*>(w.data());
        for (size_t i = 0; i < w.size() / 4; ++i) f[i] = static_cast<float>(rng() % 2000) / 1000.0f - 1.0f;
    } else {
        const TypeTraits& t = type_traits(type);
        const size_t nblocks = w.size() / t.block_bytes;
        for (size_t b = 0; b < nblocks; ++b) {
            uint8_t* blk = w.data() + b * t.block_bytes;
            const uint16_t d = fp32_to_fp16(0.01f);
            // The fp16 scale sits at the start (Q4_0, Q8_0) or the end (TQ types) of the block.
            if (type == TensorType::Q4_0 || type == TensorType::Q8_0) std::memcpy(blk, &d, 2);
            else std::memcpy(blk + t.block_bytes - 2, &d, 2);
        }
    }
    return w;
}

void BM_Matmul(benchmark::State& state, TensorType type, bool reference) {
    const int64_t k = state.range(0), rows = state.range(1), tokens = state.range(2);
    const auto w = make_weights(type, k, rows);
    const ActFormat af = activation_format(type);
    const size_t ab = activation_row_bytes(af, k);
    std::vector<uint8_t> act(ab * static_cast<size_t>(tokens));
    std::vector<float> x(static_cast<size_t>(k));
    std::mt19937 rng(2);
    for (auto& v : x) v = static_cast<float>(rng() % 2000) / 1000.0f - 1.0f;
    for (int64_t t = 0; t < tokens; ++t) convert_activation_row(af, x.data(), act.data() + t * ab, k);
    std::vector<float> y(static_cast<size_t>(rows * tokens));
    const size_t rb = row_bytes(type, k);
    for (auto _ : state) {
        if (reference) {
            matmul_tile_ref(type, k, w.data(), rb, rows, act.data(), ab, tokens, y.data(), rows);
        } else {
            matmul_tile(type, k, w.data(), rb, rows, act.data(), ab, tokens, y.data(), rows);
        }
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(w.size()));
    state.counters["MAC/s"] = benchmark::Counter(static_cast<double>(k * rows * tokens) * state.iterations(),
                                                 benchmark::Counter::kIsRate);
    state.SetLabel(std::string(type_name(type)) + (reference ? " scalar" : std::string(" ") + simd_target_name()));
}

void shapes(benchmark::internal::Benchmark* b) {
    // Mat-vec on BitNet b1.58 2B4T's FFN (2560 -> 6912) and LLaMA-7B's attention (4096 x 4096),
    // then a 64-token prefill on the first.
    b->Args({2560, 6912, 1})->Args({4096, 4096, 1})->Args({2560, 6912, 64});
    b->Unit(benchmark::kMillisecond);
}

}  // namespace

#define LOWBIT_BENCH_TYPE(T)                                                         \
    BENCHMARK_CAPTURE(BM_Matmul, T##_simd, TensorType::T, false)->Apply(shapes);     \
    BENCHMARK_CAPTURE(BM_Matmul, T##_scalar, TensorType::T, true)->Apply(shapes);

LOWBIT_BENCH_TYPE(F16)
LOWBIT_BENCH_TYPE(Q8_0)
LOWBIT_BENCH_TYPE(Q4_0)
LOWBIT_BENCH_TYPE(TQ2_0)
LOWBIT_BENCH_TYPE(TQ1_0)

BENCHMARK_MAIN();
