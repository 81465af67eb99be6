// Standalone check (no Qt, so it can be cross-built): every matmul kernel of the best SIMD target
// the machine runs against the scalar reference, on random weights and activations. Built and run
// for aarch64 under qemu by scripts/check-arm-build.sh, where it checks the NEON code paths that
// no machine of this project runs natively — with and without the dot-product tiles, by the CPU
// qemu emulates. Shapes: 9 rows (4-row tiles and leftovers), 1 and 5 tokens (decode; the 4-token
// prefill tile and a leftover). Exit status 0 when all match.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>
#include "backends/cpu/cpu_extensions.h"
#include "backends/cpu/kernels.h"
#include "core/backends/cpu/exact_inputs.h"
#include "lowbit/fp16.h"
#include "lowbit/quant.h"
#include "quant/blocks.h"
using namespace lowbit;
using namespace lowbit::cpu;

namespace {
// nt activation rows of k random normal floats, converted to format af.
std::vector<uint8_t> random_activations(ActFormat af, int k, int nt, std::mt19937& rng) {
    const size_t ab = activation_row_bytes(af, k);
    std::vector<uint8_t> act(ab * nt);
    std::vector<float> x(k);
    std::normal_distribution<float> nd(0, 1);
    for (int i = 0; i < nt; ++i) {
        for (auto& v : x) v = nd(rng);
        convert_activation_row(af, x.data(), act.data() + i * ab, k);
    }
    return act;
}

// Random code bytes (TQ2_0: codes 0..3; TQ1_0: any byte, digits of 243..255 included) with d = 1.
std::vector<uint8_t> unit_scale_weights(TensorType t, int k, int rows, std::mt19937& rng) {
    const size_t rb = row_bytes(t, k);
    std::vector<uint8_t> w(rb * rows);
    for (auto& b : w) b = static_cast<uint8_t>(rng());
    for (int r = 0; r < rows; ++r) test::unit_scales(t, w.data() + r * rb, k);
    return w;
}

bool same_bits(float a, float b) {
    return std::memcmp(&a, &b, sizeof(float)) == 0;
}
}  // namespace
int main() {
    const CpuExtensions& ext = cpu_extensions();
    std::printf("target: %s, extensions in use: dotprod %d, gfni %d, avxvnni %d\n", simd_target_name(),
                ext.neon_dotprod, ext.gfni, ext.avx_vnni);
    std::mt19937 rng(7);
    int bad = 0;
    const TensorType types[] = {TensorType::TQ2_0, TensorType::TQ1_0, TensorType::I2_S,
                                TensorType::Q8_0,  TensorType::Q4_0,  TensorType::F16};
    for (TensorType t : types) {
        for (int k : {256, 1536})
            for (int nt : {1, 5}) {
                const int rows = 9;
                const size_t rb = t == TensorType::I2_S ? size_t(k / 4) : row_bytes(t, k);
                std::vector<uint8_t> w(rb * rows);
                std::normal_distribution<float> nd(0, 1);
                if (t == TensorType::I2_S) {
                    for (auto& b : w) b = static_cast<uint8_t>(rng());  // any byte is a valid I2_S code set
                } else {
                    std::vector<float> wf(static_cast<size_t>(k) * rows);
                    for (auto& v : wf) v = nd(rng);
                    quant::QuantizeOptions qo;
                    qo.tensor_scale = 1.0f;
                    for (int r = 0; r < rows; ++r)
                        quant::quantize_row(t, wf.data() + r * k, w.data() + r * rb, k, qo);
                }
                const ActFormat af = activation_format(t);
                const size_t ab = activation_row_bytes(af, k);
                const std::vector<uint8_t> act = random_activations(af, k, nt, rng);
                std::vector<float> y(rows * nt), yr(rows * nt);
                matmul_tile(t, k, w.data(), rb, rows, act.data(), ab, nt, y.data(), rows);
                matmul_tile_ref(t, k, w.data(), rb, rows, act.data(), ab, nt, yr.data(), rows);
                for (size_t i = 0; i < y.size(); ++i) {
                    // I2_S: the row's integer is exact and the float finish is the reference's own.
                    const float tol = 1e-5f * std::max(1.0f, std::fabs(yr[i])) * std::sqrt(float(k));
                    if (t == TensorType::I2_S ? !same_bits(y[i], yr[i]) : std::fabs(y[i] - yr[i]) > tol) {
                        std::printf("%s k%d t%d el %zu: %g vs %g\n", std::string(type_name(t)).c_str(), k, nt,
                                    i, y[i], yr[i]);
                        ++bad;
                        break;
                    }
                }
            }
    }
    // The TQ types' block integers, bit for bit (see small_q8k_rows).
    for (TensorType t : {TensorType::TQ2_0, TensorType::TQ1_0})
        for (int k : {256, 1536})
            for (int nt : {1, 5}) {
                const int rows = 9;
                const size_t rb = row_bytes(t, k), ab = activation_row_bytes(ActFormat::Q8_K, k);
                const std::vector<uint8_t> w = unit_scale_weights(t, k, rows, rng);
                const std::vector<uint8_t> act = test::small_q8k_rows(k, nt, rng);
                std::vector<float> y(rows * nt), yr(rows * nt);
                matmul_tile(t, k, w.data(), rb, rows, act.data(), ab, nt, y.data(), rows);
                matmul_tile_ref(t, k, w.data(), rb, rows, act.data(), ab, nt, yr.data(), rows);
                for (size_t i = 0; i < y.size(); ++i)
                    if (!same_bits(y[i], yr[i])) {
                        std::printf("%s exact k%d t%d el %zu: %g vs %g\n", std::string(type_name(t)).c_str(),
                                    k, nt, i, y[i], yr[i]);
                        ++bad;
                        break;
                    }
            }
    // Sign matrices: k % 32 = 8, 16, 24 and 0 tails (k is a multiple of 8).
    for (ActFormat af : {ActFormat::F32, ActFormat::I8_Row})
        for (int k : {8, 24, 48, 136, 256, 1000, 1536})
            for (int nt : {1, 5}) {
                const int rows = 9;
                const size_t rb = (k + 7) / 8;
                std::vector<uint8_t> bits(rb * rows);
                for (auto& b : bits) b = static_cast<uint8_t>(rng());
                const size_t ab = activation_row_bytes(af, k);
                const std::vector<uint8_t> act = random_activations(af, k, nt, rng);
                std::vector<float> y(rows * nt), yr(rows * nt);
                sign_matmul_tile(af, k, bits.data(), rb, rows, act.data(), ab, nt, y.data(), rows);
                sign_matmul_tile_ref(af, k, bits.data(), rb, rows, act.data(), ab, nt, yr.data(), rows);
                for (size_t i = 0; i < y.size(); ++i) {
                    const bool ok = af == ActFormat::I8_Row
                                        ? same_bits(y[i], yr[i])
                                        : std::fabs(y[i] - yr[i]) <= 1e-4f * std::max(1.0f, std::fabs(yr[i]));
                    if (!ok) {
                        std::printf("sign %d k%d t%d el %zu: %g vs %g\n", int(af), k, nt, i, y[i], yr[i]);
                        ++bad;
                        break;
                    }
                }
            }
    std::printf("%s\n", bad ? "FAILED" : "all kernels match the reference");
    return bad ? 1 : 0;
}
