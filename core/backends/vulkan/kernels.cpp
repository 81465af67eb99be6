#include "backends/vulkan/kernels.h"

#include <algorithm>

#include "lowbit/error.h"

namespace lowbit::vulkan {

namespace {

uint32_t div_up(uint64_t a, uint64_t b) {
    return static_cast<uint32_t>((a + b - 1) / b);
}

struct QuantizePush {
    uint32_t k, n_tokens, in_stride, in_row0;
    uint32_t store_s;  // quantize_q8_k_row only
};

struct MatmulPush {
    uint32_t k, rows, n_tokens, act_stride, act_row0, out_stride, out_offset, has_bias;
    float scale;
    uint32_t has_g, has_h;  // matmul_sign only
};

struct RmsNormPush {
    uint32_t n, n_rows, in_stride, in_row0, out_stride, has_weight;
    float eps;
};
struct RopePush {
    uint32_t n_tokens, n_heads, head_dim, n_rot, stride, pos0, neox;
};
struct KvStorePush {
    uint32_t n_tokens, n_embd_kv, k_stride, pos0;
};
struct AttentionPush {
    uint32_t n_tokens, n_head, n_head_kv, head_dim, q_stride, o_stride, pos0;
    float scale;
    uint32_t f16_numerics;
};
struct GluPush {
    uint32_t n, relu2;
};
struct AddPush {
    uint32_t n;
};
struct GetRowsPush {
    uint32_t ne0, n_tokens, row0, rows, out_stride;
};

constexpr uint32_t kElementwiseWg = 256;

// Chunks (the unit one invocation processes, see the matmul shaders) in a row of k elements.
uint64_t chunks_per_row(const GpuLayout& l, uint64_t k) {
    switch (l.type) {
        case TensorType::F32:
            return k / 4;
        case TensorType::TQ2_0:
        case TensorType::Q6_K:
        case TensorType::I2_S:
            return k / 16;
        case TensorType::TQ1_0:
            return k / 256 * 13;
        default:
            return k / 8;  // F16, BF16, Q8_0, Q4_0, Q4_K
    }
}
constexpr uint32_t kRowWg = 256;

}  // namespace

ActFormat act_format(const GpuMatrix& w, bool per_token_int8) {
    if (w.layout->float_acts) return ActFormat::Float;
    if (w.type == TensorType::I2_S) return ActFormat::I8_Row;  // as bitnet.cpp runs it, always
    if (per_token_int8 &&
        (w.type == TensorType::TQ1_0 || w.type == TensorType::TQ2_0 || w.type == TensorType::I2_S))
        return ActFormat::Q8_K_Row;
    return w.layout->act_block == 32 ? ActFormat::Q8_0 : ActFormat::Q8_K;
}

size_t quantized_qs_bytes(int64_t k, int64_t n_tokens) {
    return static_cast<size_t>(k * n_tokens);
}

size_t quantized_d_bytes(ActFormat f, int64_t k, int64_t n_tokens) {
    const int64_t block = f == ActFormat::Q8_0 ? 32 : 256;
    return static_cast<size_t>(k / block * n_tokens) * sizeof(float);
}

Kernels::Kernels(Context& ctx, KernelTuning tuning) : ctx_(ctx), tuning_(tuning) {
    const uint32_t wg = tuning_.workgroup;
    if (wg == 0 || (wg & (wg - 1)) || wg > ctx.limits().maxComputeWorkGroupSize[0] ||
        wg > ctx.limits().maxComputeWorkGroupInvocations)
        throw Error("Vulkan: workgroup size " + std::to_string(wg) + " is not usable on this device");
    if (wg < 16 || tuning_.tokens_per_wg > 16 || tuning_.max_rows_per_wg == 0)
        throw Error("Vulkan: bad matrix tile");
}

void Kernels::quantize(CommandStream& cs, ActFormat f, const BufferRange& x, uint32_t k, uint32_t n_tokens,
                       uint32_t x_stride, uint32_t x_row0, const QuantizedActs& out) {
    if (f == ActFormat::Float) return;
    const uint32_t block = f == ActFormat::Q8_0 ? 32 : 256;
    if (k % block) throw Error("Vulkan: quantize: row length not a multiple of the block");
    if (f == ActFormat::Q8_K_Row || f == ActFormat::I8_Row) {
        const Pipeline& p = ctx_.pipelines().get("quantize_q8_k_row", {256});
        const QuantizePush push{k, n_tokens, x_stride, x_row0, f == ActFormat::I8_Row ? 1u : 0u};
        cs.dispatch(p, {x, out.qs, out.d}, push, n_tokens);
        return;
    }
    const uint32_t wg = 64;
    const Pipeline& p = ctx_.pipelines().get(f == ActFormat::Q8_0 ? "quantize_q8_0" : "quantize_q8_k", {wg});
    const uint32_t blocks = k / block * n_tokens;
    cs.dispatch(p, {x, out.qs, out.d}, QuantizePush{k, n_tokens, x_stride, x_row0, 0}, div_up(blocks, wg));
}

void Kernels::matmul(CommandStream& cs, const GpuMatrix& w, const MatmulArgs& a) {
    const GpuLayout& l = *w.layout;
    const uint32_t nc = a.n_tokens == 1 ? 1 : tuning_.tokens_per_wg;
    // Workgroup shape for this row length (see KernelTuning).
    const uint64_t chunks = chunks_per_row(l, static_cast<uint64_t>(w.ne0));
    uint32_t wg = 16;
    while (wg * 2 <= tuning_.workgroup && wg * 2 <= chunks) wg *= 2;
    uint32_t nr = 1;
    while (nr * 2 <= tuning_.max_rows_per_wg &&
           nr * 2 * chunks <= static_cast<uint64_t>(tuning_.chunks_per_thread) * wg && nr * 2 * nc <= wg)
        nr *= 2;
    const Pipeline& p = ctx_.pipelines().get(l.shader, {wg, nr, nc});
    const BufferRange bias = a.bias ? a.bias : ctx_.dummy();
    for (const GpuMatrix::Chunk& c : w.chunks) {
        MatmulPush push{};
        push.k = static_cast<uint32_t>(w.ne0);
        push.rows = static_cast<uint32_t>(c.rows);
        push.n_tokens = a.n_tokens;
        push.out_stride = a.y_stride;
        push.out_offset = static_cast<uint32_t>(c.row0);
        push.has_bias = a.bias ? 1u : 0u;
        push.scale = w.scale;
        const uint32_t gx = div_up(static_cast<uint64_t>(c.rows), nr), gy = div_up(a.n_tokens, nc);
        if (l.type == TensorType::I8) {  // 1-bit signs
            push.act_stride = a.x_stride;
            push.act_row0 = a.x_row0;
            push.has_g = w.g ? 1u : 0u;
            push.has_h = w.h ? 1u : 0u;
            cs.dispatch(p, {c.payload, a.x, a.y, bias, w.g ? w.g : ctx_.dummy(), w.h ? w.h : ctx_.dummy()},
                        push, gx, gy);
        } else if (l.float_acts) {
            push.act_stride = a.x_stride;
            push.act_row0 = a.x_row0;
            cs.dispatch(p, {c.payload, a.x, a.y, bias}, push, gx, gy);
        } else {
            if (!a.xq) throw Error("Vulkan: matmul of " + w.name + " needs quantized activations");
            push.act_stride = push.k;
            push.act_row0 = 0;
            cs.dispatch(p, {c.payload, c.scales, a.xq->qs, a.xq->d, a.y, bias}, push, gx, gy);
        }
    }
}

void Kernels::rms_norm(CommandStream& cs, const BufferRange& x, uint32_t in_stride, uint32_t in_row0,
                       uint32_t n_rows, uint32_t n, const BufferRange& weight, const BufferRange& y,
                       uint32_t out_stride, float eps) {
    const Pipeline& p = ctx_.pipelines().get("rms_norm", {kRowWg});
    const RmsNormPush push{n, n_rows, in_stride, in_row0, out_stride, weight ? 1u : 0u, eps};
    cs.dispatch(p, {x, weight ? weight : ctx_.dummy(), y}, push, n_rows);
}

void Kernels::rope(CommandStream& cs, const BufferRange& x, uint32_t n_tokens, uint32_t n_heads,
                   uint32_t head_dim, uint32_t n_rot, uint32_t stride, uint32_t pos0, bool neox,
                   const BufferRange& table) {
    const Pipeline& p = ctx_.pipelines().get("rope", {kElementwiseWg});
    const RopePush push{n_tokens, n_heads, head_dim, n_rot, stride, pos0, neox ? 1u : 0u};
    cs.dispatch(p, {x, table}, push,
                div_up(static_cast<uint64_t>(n_tokens) * n_heads * (n_rot / 2), kElementwiseWg));
}

void Kernels::kv_store(CommandStream& cs, const BufferRange& k, const BufferRange& v, uint32_t n_tokens,
                       uint32_t n_embd_kv, uint32_t stride, uint32_t pos0, const BufferRange& k_cache,
                       const BufferRange& v_cache) {
    if (n_embd_kv % 2) throw Error("Vulkan: the KV cache needs an even row length");
    const Pipeline& p = ctx_.pipelines().get("kv_store", {kElementwiseWg});
    // Bind only the cache rows written, so the barrier tracking sees exactly what changes.
    const VkDeviceSize row = static_cast<VkDeviceSize>(n_embd_kv) * 2;
    const VkDeviceSize align = ctx_.limits().minStorageBufferOffsetAlignment;
    const VkDeviceSize first = static_cast<VkDeviceSize>(pos0) * row / align * align;
    const VkDeviceSize end = static_cast<VkDeviceSize>(pos0 + n_tokens) * row;
    const uint32_t shift = static_cast<uint32_t>(first / row);
    if (first % row != 0) {
        // Alignment did not land on a row start: bind from the start of the cache instead.
        const KvStorePush push{n_tokens, n_embd_kv, stride, pos0};
        cs.dispatch(p, {k, v, k_cache.sub(0, end), v_cache.sub(0, end)}, push,
                    div_up(static_cast<uint64_t>(n_tokens) * n_embd_kv / 2, kElementwiseWg));
        return;
    }
    const KvStorePush push{n_tokens, n_embd_kv, stride, pos0 - shift};
    cs.dispatch(p, {k, v, k_cache.sub(first, end - first), v_cache.sub(first, end - first)}, push,
                div_up(static_cast<uint64_t>(n_tokens) * n_embd_kv / 2, kElementwiseWg));
}

void Kernels::attention(CommandStream& cs, const AttentionArgs& a) {
    if (a.head_dim > 256 || a.head_dim % 2 || a.n_head_kv == 0 || a.n_head % a.n_head_kv)
        throw UnsupportedError("Vulkan attention: head size " + std::to_string(a.head_dim) + " with " +
                               std::to_string(a.n_head) + "/" + std::to_string(a.n_head_kv) +
                               " heads is not supported (even head size up to 256 needed)");
    const Pipeline& p = ctx_.pipelines().get("attention", {64});
    AttentionPush push{};
    push.n_tokens = a.n_tokens;
    push.n_head = a.n_head;
    push.n_head_kv = a.n_head_kv;
    push.head_dim = a.head_dim;
    push.q_stride = a.q_stride;
    push.o_stride = a.o_stride;
    push.pos0 = a.pos0;
    push.scale = a.scale;
    push.f16_numerics = a.f16_numerics ? 1u : 0u;
    // Only the cache rows up to the last key are read.
    const VkDeviceSize used = static_cast<VkDeviceSize>(a.pos0 + a.n_tokens) * a.n_head_kv * a.head_dim * 2;
    cs.dispatch(p, {a.q, a.k_cache.sub(0, used), a.v_cache.sub(0, used), a.o}, push, a.n_tokens * a.n_head);
}

void Kernels::glu(CommandStream& cs, const BufferRange& gate, const BufferRange& up, const BufferRange& y,
                  uint32_t n, bool relu2) {
    const Pipeline& p = ctx_.pipelines().get("glu", {kElementwiseWg});
    cs.dispatch(p, {gate, up, y}, GluPush{n, relu2 ? 1u : 0u}, div_up(n, kElementwiseWg));
}

void Kernels::add(CommandStream& cs, const BufferRange& a, const BufferRange& b, const BufferRange& y,
                  uint32_t n) {
    const Pipeline& p = ctx_.pipelines().get("add", {kElementwiseWg});
    cs.dispatch(p, {a, b, y}, AddPush{n}, div_up(n, kElementwiseWg));
}

void Kernels::get_rows(CommandStream& cs, const GpuMatrix& table, const BufferRange& tokens,
                       uint32_t n_tokens, const BufferRange& y, uint32_t out_stride) {
    if (!table.layout->rows_shader)
        throw UnsupportedError("Vulkan: no embedding lookup for tables of type " +
                               std::string(type_name(table.type)));
    const Pipeline& p = ctx_.pipelines().get(table.layout->rows_shader, {64});
    for (const GpuMatrix::Chunk& c : table.chunks) {
        const GetRowsPush push{static_cast<uint32_t>(table.ne0), n_tokens, static_cast<uint32_t>(c.row0),
                               static_cast<uint32_t>(c.rows), out_stride};
        cs.dispatch(p, {c.payload, c.scales, tokens, y}, push, n_tokens);
    }
}

}  // namespace lowbit::vulkan
