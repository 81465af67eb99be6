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
};

struct MatmulPush {
    uint32_t k, rows, n_tokens, act_stride, act_row0, out_stride, out_offset, has_bias;
    float scale;
};

}  // namespace

ActFormat act_format(const GpuMatrix& w) {
    if (w.layout->float_acts) return ActFormat::Float;
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
    if (tuning_.rows_per_wg * tuning_.tokens_per_wg > wg)
        throw Error("Vulkan: tile larger than the workgroup");
}

void Kernels::quantize(CommandStream& cs, ActFormat f, const BufferRange& x, uint32_t k, uint32_t n_tokens,
                       uint32_t x_stride, uint32_t x_row0, const QuantizedActs& out) {
    if (f == ActFormat::Float) return;
    const uint32_t block = f == ActFormat::Q8_0 ? 32 : 256;
    if (k % block) throw Error("Vulkan: quantize: row length not a multiple of the block");
    const uint32_t wg = 64;
    const Pipeline& p = ctx_.pipelines().get(f == ActFormat::Q8_0 ? "quantize_q8_0" : "quantize_q8_k", {wg});
    const uint32_t blocks = k / block * n_tokens;
    cs.dispatch(p, {x, out.qs, out.d}, QuantizePush{k, n_tokens, x_stride, x_row0}, div_up(blocks, wg));
}

void Kernels::matmul(CommandStream& cs, const GpuMatrix& w, const MatmulArgs& a) {
    const GpuLayout& l = *w.layout;
    const uint32_t nc = a.n_tokens == 1 ? 1 : tuning_.tokens_per_wg;
    const uint32_t nr = tuning_.rows_per_wg;
    const Pipeline& p = ctx_.pipelines().get(l.shader, {tuning_.workgroup, nr, nc});
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
        if (l.float_acts) {
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

}  // namespace lowbit::vulkan
