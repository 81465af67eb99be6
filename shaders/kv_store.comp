#version 450
// Appends n_tokens rows of K and V (floats) to the layer's F16 caches at positions pos0.. ,
// rounding to nearest even exactly as the CPU backend does. Two halves per invocation.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer K { float k[]; };
layout(std430, binding = 1) readonly buffer V { float v[]; };
layout(std430, binding = 2) writeonly buffer KC { uint kc[]; };  // [n_ctx][n_embd_kv] halves
layout(std430, binding = 3) writeonly buffer VC { uint vc[]; };
layout(push_constant) uniform Push {
    uint n_tokens;
    uint n_embd_kv;  // even
    uint k_stride;   // floats between rows of k (and v)
    uint pos0;
} p;

void main() {
    const uint pairs = p.n_embd_kv / 2u;
    const uint id = flat_group_x() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (id >= p.n_tokens * pairs) return;
    const uint t = id / pairs, j = id - t * pairs;
    const uint src = t * p.k_stride + 2u * j;
    const uint dst = (p.pos0 + t) * pairs + j;
    kc[dst] = f32_to_f16(k[src]) | (f32_to_f16(k[src + 1u]) << 16);
    vc[dst] = f32_to_f16(v[src]) | (f32_to_f16(v[src + 1u]) << 16);
}
