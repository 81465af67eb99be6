#pragma once
// The compute kernels as C++ calls that record into a CommandStream: the single place that knows
// each shader's bindings, push constants, workgroup shape and specialization. Used by the
// VulkanRunner and by the kernel tests.
#include <cstdint>

#include "backends/vulkan/command_stream.h"
#include "backends/vulkan/context.h"
#include "backends/vulkan/gpu_weights.h"

namespace lowbit::vulkan {

// What a weight multiplies: float rows, or rows quantized to int8 blocks of 32 / 256, or
// BitNet's per-token int8 (one absmax scale per row, stored in the Q8_K layout: d = 1/s in every
// block), or bitnet.cpp's I8 row for I2_S (the same values, with s itself stored per block).
enum class ActFormat { Float, Q8_0, Q8_K, Q8_K_Row, I8_Row };
// per_token_int8: the model quantizes the activations of its ternary layers per token (BitNet).
ActFormat act_format(const GpuMatrix& w, bool per_token_int8 = false);

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

// Matrix-kernel shape. Per matrix, the workgroup shrinks to the chunks a row has (down to 16
// invocations) and takes several rows, so that every invocation has about `chunks_per_thread`
// chunks to work on: short rows (small models) would otherwise leave most invocations idle and
// pay the per-workgroup cost thousands of times.
struct KernelTuning {
    uint32_t workgroup = 64;  // largest workgroup (a power of two)
    uint32_t max_rows_per_wg = 16;
    uint32_t chunks_per_thread = 4;
    uint32_t tokens_per_wg = 8;  // prefill: tokens sharing one read of the weights
};

class Kernels {
  public:
    explicit Kernels(Context& ctx, KernelTuning tuning = {});

    // x rows (x_stride floats apart, from x_row0) -> quantized rows 0..n_tokens-1 of `out`.
    void quantize(CommandStream& cs, ActFormat f, const BufferRange& x, uint32_t k, uint32_t n_tokens,
                  uint32_t x_stride, uint32_t x_row0, const QuantizedActs& out);
    void matmul(CommandStream& cs, const GpuMatrix& w, const MatmulArgs& a);

    // y row r = rmsnorm(x row in_row0 + r) * weight (weight optional), r < n_rows.
    void rms_norm(CommandStream& cs, const BufferRange& x, uint32_t in_stride, uint32_t in_row0,
                  uint32_t n_rows, uint32_t n, const BufferRange& weight, const BufferRange& y,
                  uint32_t out_stride, float eps);
    // Rotates the heads of n_tokens rows of x in place; `table` holds (cos, sin) per position and pair.
    void rope(CommandStream& cs, const BufferRange& x, uint32_t n_tokens, uint32_t n_heads, uint32_t head_dim,
              uint32_t n_rot, uint32_t stride, uint32_t pos0, bool neox, const BufferRange& table);
    // Writes n_tokens rows of k and v (stride floats apart) to the F16 caches at pos0.
    void kv_store(CommandStream& cs, const BufferRange& k, const BufferRange& v, uint32_t n_tokens,
                  uint32_t n_embd_kv, uint32_t stride, uint32_t pos0, const BufferRange& k_cache,
                  const BufferRange& v_cache);
    struct AttentionArgs {
        BufferRange q, k_cache, v_cache, o;
        uint32_t n_tokens = 1, n_head = 1, n_head_kv = 1, head_dim = 0, q_stride = 0, o_stride = 0, pos0 = 0;
        float scale = 1.0f;
        // The CPU's (llama.cpp's) numerics for small batches: F16 query and F16 accumulator over
        // the keys in order. Otherwise F32 throughout (see shaders/attention.comp).
        bool f16_numerics = true;
    };
    // Batches of at least this many tokens use the F32 attention numerics (as the CPU backend).
    static constexpr uint32_t kTiledAttentionRows = 64;
    void attention(CommandStream& cs, const AttentionArgs& a);
    // y = act(gate) * up over n floats (SiLU, or ReLU^2 when relu2).
    void glu(CommandStream& cs, const BufferRange& gate, const BufferRange& up, const BufferRange& y,
             uint32_t n, bool relu2);
    // y = a + b over n floats (y may be a).
    void add(CommandStream& cs, const BufferRange& a, const BufferRange& b, const BufferRange& y, uint32_t n);
    // y row t = table row tokens[t] as floats.
    void get_rows(CommandStream& cs, const GpuMatrix& table, const BufferRange& tokens, uint32_t n_tokens,
                  const BufferRange& y, uint32_t out_stride);

    Context& context() { return ctx_; }
    const KernelTuning& tuning() const { return tuning_; }

  private:
    Context& ctx_;
    KernelTuning tuning_;
};

}  // namespace lowbit::vulkan
