#version 450
// y = x / sqrt(mean(x^2) + eps) * w, one workgroup per row (RMSNorm, including BitNet's
// attention and FFN sub-norms). w is optional (has_weight = 0). y may be bound to x's range.
//
// Bit for bit as the CPU backend (cpu::rms_norm_row): float squares summed in (double-)double
// precision, the mean rounded to float, then correctly rounded sqrt and division. The outputs
// feed the int8 activation quantizers, where a one-ulp difference can move a value across a
// rounding boundary; matching exactly keeps the backends (and both shader variants) together.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
shared vec2 red[gl_WorkGroupSize.x];

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
    uint n;          // elements per row
    uint n_rows;
    uint in_stride;  // floats between input rows
    uint in_row0;    // first input row
    uint out_stride;
    uint has_weight;
    float eps;
} p;

void main() {
    const uint row = flat_group_x();
    if (row >= p.n_rows) return;  // whole workgroup: uniform
    const uint src = (p.in_row0 + row) * p.in_stride;
    const uint tid = gl_LocalInvocationID.x;
    vec2 ss = vec2(0.0);
    for (uint i = tid; i < p.n; i += gl_WorkGroupSize.x) {
        const float v = x[src + i];
        precise float v2 = v * v;
        ss = df_add(ss, vec2(v2, 0.0));
    }
    red[tid] = ss;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1u) {
        if (tid < s) red[tid] = df_add(red[tid], red[tid + s]);
        barrier();
    }
    const float mean = df_div_to_float(red[0], float(p.n));
    precise float t = mean + p.eps;
    const float scale = div_rn(1.0, sqrt_rn(t));
    const uint dst = row * p.out_stride;
    for (uint i = tid; i < p.n; i += gl_WorkGroupSize.x) {
        precise float v = x[src + i] * scale;
        precise float o = v * w[p.has_weight != 0u ? i : 0u];
        y[dst + i] = p.has_weight != 0u ? o : v;
    }
}
