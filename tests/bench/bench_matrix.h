#pragma once
// The weight matrices the benchmark programs multiply with (bench_kernels on the CPU,
// bench_vulkan on a Vulkan device): random but valid tensors of every weight type the engine
// runs, so both programs time the same bytes.
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "lowbit/fp16.h"
#include "lowbit/gguf.h"
#include "lowbit/model.h"
#include "lowbit/quant.h"
#include "lowbit/tensor_type.h"

namespace lowbit::bench {

// What a benchmark multiplies with: a plain tensor type or a packed 1-bit kind.
struct BenchType {
    std::string name;
    TensorType type;
    WeightKind kind = WeightKind::Plain;
    bool int8 = false;  // int8 activations (1-bit kinds' int8 mode)
};

// One weight matrix with everything a Weight points to.
class BenchMatrix {
  public:
    BenchMatrix(const BenchType& bt, int64_t k, int64_t rows, uint32_t seed) : bt_(bt), k_(k), rows_(rows) {
        std::mt19937 rng(seed);
        if (bt.kind != WeightKind::Plain) {
            data_.resize(static_cast<size_t>(rows * k / 8));
            for (auto& b : data_) b = static_cast<uint8_t>(rng());
            g_.resize(static_cast<size_t>(k));
            h_.resize(static_cast<size_t>(rows));
            for (auto& v : g_) v = fp32_to_fp16(0.5f + static_cast<float>(rng() % 1000) / 1000.0f);
            for (auto& v : h_) v = fp32_to_fp16(0.01f + static_cast<float>(rng() % 1000) / 100000.0f);
            gi_.type = hi_.type = TensorType::F16;
            gi_.ne = {k};
            hi_.ne = {rows};
            gi_.data = reinterpret_cast<const uint8_t*>(g_.data());
            hi_.data = reinterpret_cast<const uint8_t*>(h_.data());
            gi_.nbytes = g_.size() * 2;
            hi_.nbytes = h_.size() * 2;
            return;
        }
        const TensorType t = bt.type;
        data_.resize(tensor_bytes(t, k, k * rows));
        if (t == TensorType::F16) {
            auto* p = reinterpret_cast<uint16_t*>(data_.data());
            for (int64_t i = 0; i < k * rows; ++i)
                p[i] = fp32_to_fp16(static_cast<float>(rng() % 2000) / 1000.0f - 1.0f);
        } else if (quant::can_quantize(t)) {
            // Quantize a few random rows, then repeat them (quantizing 17M weights per copy is slow).
            const int64_t pool = std::min<int64_t>(rows, 16);
            std::vector<float> src(static_cast<size_t>(k * pool));
            std::normal_distribution<float> nd(0.0f, 0.02f);
            for (auto& v : src) v = nd(rng);
            std::vector<uint8_t> q(tensor_bytes(t, k, k * pool));
            quant::quantize_tensor(t, src.data(), q.data(), k, pool);
            const size_t rb = t == TensorType::I2_S ? static_cast<size_t>(k / 4) : row_bytes(t, k);
            for (int64_t r = 0; r < rows; ++r)
                std::memcpy(data_.data() + r * rb, q.data() + (r % pool) * rb, rb);
            if (t == TensorType::I2_S) quant::write_i2s_trailer(data_.data() + rows * rb, 0.01f);
        } else {
            // k-quants and IQ4 (decoded, never produced here): random bytes, sane fp16 scales.
            for (auto& b : data_) b = static_cast<uint8_t>(rng());
            const size_t bb = type_traits(t).block_bytes;
            std::vector<size_t> fields;
            if (t == TensorType::Q2_K) fields = {80, 82};
            if (t == TensorType::Q3_K) fields = {108};
            if (t == TensorType::Q4_K || t == TensorType::Q5_K) fields = {0, 2};
            if (t == TensorType::Q6_K) fields = {208};
            if (t == TensorType::IQ4_NL || t == TensorType::IQ4_XS) fields = {0};
            const uint16_t d = fp32_to_fp16(0.001f);
            for (size_t b = 0; b < data_.size() / bb; ++b)
                for (size_t f : fields) std::memcpy(data_.data() + b * bb + f, &d, 2);
        }
    }

    Weight weight() const {
        Weight w;
        w.kind = bt_.kind;
        w.type = bt_.kind == WeightKind::Plain ? bt_.type : TensorType::I8;
        w.ne0 = k_;
        w.rows = rows_;
        w.data = data_.data();
        if (bt_.kind != WeightKind::Plain) {
            w.row_stride = static_cast<size_t>(k_ / 8);
            if (bt_.kind == WeightKind::OneBit) {
                w.in_scale = &gi_;
                w.out_scale = &hi_;
            } else {
                w.scale = 0.01f;
            }
        } else {
            w.row_stride =
                bt_.type == TensorType::I2_S ? static_cast<size_t>(k_ / 4) : row_bytes(bt_.type, k_);
            if (bt_.type == TensorType::I2_S) w.scale = 0.01f;
        }
        return w;
    }
    // Bytes a mat-vec streams: the weights (companions included).
    size_t bytes() const { return data_.size() + (g_.size() + h_.size()) * 2; }

  private:
    BenchType bt_;
    int64_t k_, rows_;
    std::vector<uint8_t> data_;
    std::vector<uint16_t> g_, h_;
    GgufTensorInfo gi_, hi_;
};

inline std::vector<float> random_activations(int64_t n, uint32_t seed) {
    std::vector<float> x(static_cast<size_t>(n));
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (auto& v : x) v = nd(rng);
    return x;
}

// Every type bench_kernels measures, baselines first.
inline const std::vector<BenchType>& bench_types() {
    static const std::vector<BenchType> types = {
        {"f16", TensorType::F16},
        {"q8_0", TensorType::Q8_0},
        {"q4_0", TensorType::Q4_0},
        {"tq1_0", TensorType::TQ1_0},
        {"tq2_0", TensorType::TQ2_0},
        {"i2_s", TensorType::I2_S},
        {"q2_K", TensorType::Q2_K},
        {"q3_K", TensorType::Q3_K},
        {"q4_K", TensorType::Q4_K},
        {"q5_K", TensorType::Q5_K},
        {"q6_K", TensorType::Q6_K},
        {"q4_1", TensorType::Q4_1},
        {"q5_0", TensorType::Q5_0},
        {"q5_1", TensorType::Q5_1},
        {"iq4_nl", TensorType::IQ4_NL},
        {"iq4_xs", TensorType::IQ4_XS},
        {"onebit", TensorType::I8, WeightKind::OneBit, false},
        {"onebit_i8", TensorType::I8, WeightKind::OneBit, true},
        {"binary", TensorType::I8, WeightKind::Binary, false},
    };
    return types;
}

}  // namespace lowbit::bench
