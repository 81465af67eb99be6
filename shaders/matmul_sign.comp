#version 450
// 1-bit weights (packed signs, bit 1 = +1, bit 0 = -1, weight c of a row in bit c % 32 of word
// c / 32) x float activations, for OneBit (W1A16) and BitNet-binary layers:
//     OneBit: y[t][r] = h[r] * Σ_c s[r][c] * (x[t][c] * g[c])         (docs/FORMATS.md)
//     binary: y[t][r] = β * Σ_c s[r][c] * x[t][c]                      (β as the output scale)
// then times `scale`, plus bias. Same workgroup scheme as matmul_f.glsl.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint NR = 1;
layout(constant_id = 2) const uint NC = 1;
#define RED_N (NR * NC)
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer S { uint sw[]; };
layout(std430, binding = 1) readonly buffer A { vec4 a4[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
layout(std430, binding = 4) readonly buffer G { vec4 g4[]; };   // input-side values (OneBit)
layout(std430, binding = 5) readonly buffer H { float h[]; };   // output-side values (OneBit)

layout(push_constant) uniform Push {
    uint k;  // a multiple of 32
    uint rows;
    uint n_tokens;
    uint act_stride;
    uint act_row0;
    uint out_stride;
    uint out_offset;
    uint has_bias;
    float scale;
    uint has_g;
    uint has_h;
} p;

// ±1 for the four bits of n.
vec4 signs4(uint n) { return vec4(uvec4(n, n >> 1, n >> 2, n >> 3) & 1u) * 2.0 - 1.0; }

void main() {
    const uint tid = gl_LocalInvocationID.x;
    const uint row0 = flat_group_x() * NR;
    const uint t0 = gl_WorkGroupID.y * NC;
    const uint words = p.k / 32u;

    float acc[NR * NC];
    [[unroll]] for (uint i = 0u; i < NR * NC; ++i) acc[i] = 0.0;

    for (uint ci = tid; ci < words; ci += gl_WorkGroupSize.x) {
        [[unroll]] for (uint r = 0u; r < NR; ++r) {
            const uint row = row0 + r;
            if (row < p.rows) {
                const uint w = sw[row * words + ci];
                [[unroll]] for (uint c = 0u; c < NC; ++c) {
                    const uint t = t0 + c;
                    if (t < p.n_tokens) {
                        const uint e4 = ((p.act_row0 + t) * p.act_stride + ci * 32u) >> 2;
                        float s = 0.0;
                        for (uint q = 0u; q < 8u; ++q) {
                            vec4 v = a4[e4 + q];
                            if (p.has_g != 0u) v *= g4[ci * 8u + q];
                            s += dot(signs4(w >> (4u * q)), v);
                        }
                        acc[r * NC + c] += s;
                    }
                }
            }
        }
    }

    [[unroll]] for (uint i = 0u; i < NR * NC; ++i) red_store(i, acc[i]);
    red_finish();
    if (tid < NR * NC) {
        const uint r = tid / NC, c = tid - (tid / NC) * NC;
        const uint row = row0 + r, t = t0 + c;
        if (row < p.rows && t < p.n_tokens) {
            float v = red_result(tid);
            if (p.has_h != 0u) v *= h[p.out_offset + row];
            v *= p.scale;
            if (p.has_bias != 0u) v += bias[p.out_offset + row];
            y[t * p.out_stride + p.out_offset + row] = v;
        }
    }
}
