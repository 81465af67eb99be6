#version 450
// BitNet's per-token int8 activations (W1.58A8) in the Q8_K layout, bit for bit as the CPU
// backend (core/backends/cpu/act_quant.h, quantize_q8_K_row, which follows bitnet.cpp):
// s = float(127 / max(1e-5, max|x|)) (the double quotient rounded to float equals the correctly
// rounded float quotient, so div_rn gives it exactly), q = nearest-even(x * s) clamped to
// [-128, 127], d = 1 / s stored in every 256-block of the row (or s itself, with store_s = 1: the
// I8_Row format of bitnet.cpp's I2_S kernels, which divide by s). One workgroup per row.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Q { uint q32[]; };
layout(std430, binding = 2) writeonly buffer D { float d[]; };
layout(push_constant) uniform Push {
    uint k;  // a multiple of 256
    uint n_tokens;
    uint in_stride;
    uint in_row0;
    uint store_s;
} p;

shared float red[gl_WorkGroupSize.x];

int q_of(float v, float s) { return int(clamp(roundEven(v * s), -128.0, 127.0)); }

void main() {
    const uint t = flat_group_x();
    if (t >= p.n_tokens) return;
    const uint tid = gl_LocalInvocationID.x;
    const uint src = (p.in_row0 + t) * p.in_stride;
    float m = 0.0;
    for (uint i = tid; i < p.k; i += gl_WorkGroupSize.x) m = max(m, abs(x[src + i]));
    red[tid] = m;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1u) {
        if (tid < s) red[tid] = max(red[tid], red[tid + s]);
        barrier();
    }
    const float amax = red[0];
    // max(1e-5, amax) in double: a float amax is below the double 1e-5 exactly when it is at
    // most float(1e-5); 127 / 1e-5 = 12700000 is exact in float.
    const float iscale = amax <= 1e-5 ? 12700000.0 : div_rn(127.0, amax);
    const float dv = div_rn(1.0, iscale);
    for (uint b = tid; b < p.k / 256u; b += gl_WorkGroupSize.x) d[t * (p.k / 256u) + b] = p.store_s != 0u ? iscale : dv;
    for (uint w = tid; w < p.k / 4u; w += gl_WorkGroupSize.x) {
        uint packed = 0u;
        for (uint j = 0u; j < 4u; ++j) packed |= (uint(q_of(x[src + 4u * w + j], iscale)) & 0xffu) << (8u * j);
        q32[t * (p.k / 4u) + w] = packed;
    }
}
