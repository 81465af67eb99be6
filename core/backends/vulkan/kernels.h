#pragma once
// The compute kernels as C++ calls that record into a CommandStream: the single place that knows
// each shader's bindings, push constants, workgroup shape and specialization. Used by the
// VulkanRunner and by the kernel tests.
#include <cstdint>

#include "backends/vulkan/command_stream.h"
#include "backends/vulkan/context.h"
#include "backends/vulkan/gpu_weights.h"

namespace lowbit::vulkan {

// What a weight multiplies: float rows, or rows quantized to int8 blocks of 32 / 256.
enum class ActFormat { Float, Q8_0, Q8_K };
ActFormat act_format(const GpuMatrix& w);

// Quantized activation rows: int8 values (rows k apart, four per word) and one float scale per block.
struct QuantizedActs {
    BufferRange qs;
    BufferRange d;
};
size_t quantized_qs_bytes(int64_t k, int64_t n_tokens);
size_t quantized_d_bytes(ActFormat f, int64_t k, int64_t n_tokens);

struct MatmulArgs {
    uint32_t n_tokens = 1;
    // Float weights: the activation rows (x_stride floats apart, from row x_row0).
    BufferRange x;
    uint32_t x_stride = 0;
    uint32_t x_row0 = 0;
    // Quantized weights: rows 0..n_tokens-1 written by Kernels::quantize.
    const QuantizedActs* xq = nullptr;
    // y[t * y_stride + r] for every row r of the weight.
    BufferRange y;
    uint32_t y_stride = 0;
    BufferRange bias;  // optional: added after the weight's scale
};

struct KernelTuning {
    uint32_t workgroup = 64;  // invocations per workgroup (a power of two)
    uint32_t rows_per_wg = 2;
    uint32_t tokens_per_wg = 8;  // prefill: tokens sharing one read of the weights
};

class Kernels {
  public:
    explicit Kernels(Context& ctx, KernelTuning tuning = {});

    // x rows (x_stride floats apart, from x_row0) -> quantized rows 0..n_tokens-1 of `out`.
    void quantize(CommandStream& cs, ActFormat f, const BufferRange& x, uint32_t k, uint32_t n_tokens,
                  uint32_t x_stride, uint32_t x_row0, const QuantizedActs& out);
    void matmul(CommandStream& cs, const GpuMatrix& w, const MatmulArgs& a);

    Context& context() { return ctx_; }
    const KernelTuning& tuning() const { return tuning_; }

  private:
    Context& ctx_;
    KernelTuning tuning_;
};

}  // namespace lowbit::vulkan
