#pragma once
// Deterministic random weight blocks of any type, for comparing decoders with recorded hashes of
// llama.cpp's output. Only std::mt19937 (whose sequence the C++ standard fixes) and explicit
// arithmetic are used, so every platform generates the same bytes.
#include <cstdint>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

#include "lowbit/fp16.h"
#include "lowbit/tensor_type.h"

namespace lowbit::test {

// 64-bit FNV-1a of a byte range.
inline uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ull) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

// A finite half in about [-scale, scale] from one random word.
inline uint16_t random_half(uint32_t r, float scale) {
    const float v = (static_cast<float>(r % 20001u) - 10000.0f) / 10000.0f * scale;
    return fp32_to_fp16(v);
}

// Offsets of the fp16 scale fields inside one block (they get sane values instead of random bits).
inline std::vector<size_t> half_fields(TensorType t) {
    switch (t) {
        case TensorType::Q4_0:
        case TensorType::Q5_0:
        case TensorType::Q8_0:
        case TensorType::IQ4_NL:
        case TensorType::IQ4_XS:
            return {0};
        case TensorType::Q4_1:
        case TensorType::Q5_1:
        case TensorType::Q4_K:
        case TensorType::Q5_K:
            return {0, 2};
        case TensorType::Q2_K:
            return {80, 82};
        case TensorType::Q3_K:
            return {108};
        case TensorType::Q6_K:
            return {208};
        case TensorType::TQ1_0:
            return {52};
        case TensorType::TQ2_0:
            return {64};
        default:
            return {};
    }
}

// n_blocks random blocks (for F16/BF16/F32: n_blocks elements) of type t, seeded by `seed`.
inline std::vector<uint8_t> random_blocks(TensorType t, int64_t n_blocks, uint32_t seed) {
    const TypeTraits& tr = type_traits(t);
    std::mt19937 rng(seed);
    std::vector<uint8_t> out(static_cast<size_t>(n_blocks) * tr.block_bytes);
    if (t == TensorType::F32 || t == TensorType::F16 || t == TensorType::BF16) {
        for (int64_t i = 0; i < n_blocks; ++i) {
            const float v = (static_cast<float>(rng() % 2000001u) - 1000000.0f) / 1000000.0f * 4.0f;
            if (t == TensorType::F32) std::memcpy(&out[4 * i], &v, 4);
            const uint16_t h = t == TensorType::F16 ? fp32_to_fp16(v) : fp32_to_bf16(v);
            if (t != TensorType::F32) std::memcpy(&out[2 * i], &h, 2);
        }
        return out;
    }
    for (auto& b : out) b = static_cast<uint8_t>(rng() & 0xffu);
    const auto fields = half_fields(t);
    for (int64_t i = 0; i < n_blocks; ++i) {
        uint8_t* blk = out.data() + i * tr.block_bytes;
        for (size_t off : fields) {
            const uint16_t h = random_half(rng(), 0.1f);
            std::memcpy(blk + off, &h, 2);
        }
        if (t == TensorType::Q8_K) {
            const float d = static_cast<float>(rng() % 1000u + 1u) * 1e-5f;
            std::memcpy(blk, &d, 4);
        }
    }
    return out;
}

// n floats (n a multiple of 256) that exercise the quantizers' corner cases: mostly values of
// mixed magnitude, plus whole 256-blocks that are all zero, hold ties (multiples of 1/16, on
// rounding boundaries after scaling), a single outlier, all-equal values, or are exactly ternary.
inline std::vector<float> test_floats(int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> x(static_cast<size_t>(n));
    auto uniform = [&rng] { return static_cast<float>(rng() % 2000001u) / 1000000.0f - 1.0f; };
    for (int64_t b = 0; b < n / 256; ++b) {
        float* p = x.data() + b * 256;
        switch (b % 8) {
            case 0:
                for (int i = 0; i < 256; ++i) p[i] = 0.0f;
                break;
            case 1:  // ties
                for (int i = 0; i < 256; ++i)
                    p[i] = static_cast<float>(static_cast<int>(rng() % 33u) - 16) / 16.0f;
                break;
            case 2:  // one outlier among small values
                for (int i = 0; i < 256; ++i) p[i] = uniform() * 0.01f;
                p[rng() % 256u] = (rng() & 1u) ? 3.0f : -3.0f;
                break;
            case 3:  // all equal, negative
                for (int i = 0; i < 256; ++i) p[i] = -0.125f;
                break;
            case 4:  // exactly ternary with scale 0.0625
                for (int i = 0; i < 256; ++i)
                    p[i] = 0.0625f * static_cast<float>(static_cast<int>(rng() % 3u) - 1);
                break;
            default: {  // mixed magnitudes: uniform times a per-block scale over six decades
                static constexpr float kScales[6] = {1.0f, 0.1f, 0.01f, 0.001f, 0.0001f, 0.00001f};
                const float scale = kScales[rng() % 6u];
                for (int i = 0; i < 256; ++i) p[i] = uniform() * scale;
                break;
            }
        }
    }
    return x;
}

}  // namespace lowbit::test
