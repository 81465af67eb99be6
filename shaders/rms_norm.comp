#version 450
// y = x / sqrt(mean(x^2) + eps) * w, one workgroup per row (RMSNorm, including BitNet's
// attention and FFN sub-norms). w is optional (has_weight = 0). y may be bound to x's range.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
#define RED_N 1u
#include "reduce.glsl"

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
    float ss = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x) {
        const float v = x[src + i];
        ss += v * v;
    }
    red_store(0u, ss);
    red_finish();
    const float scale = 1.0 / sqrt(red_result(0u) / float(p.n) + p.eps);
    const uint dst = row * p.out_stride;
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x) {
        const float v = x[src + i] * scale;
        y[dst + i] = p.has_weight != 0u ? v * w[i] : v;
    }
}
