#version 450
// Rotary position embedding, in place, on the heads of n_tokens rows (q or k). The angles come
// from a table made on the host by the CPU backend's own function (cos, sin per position and
// pair), so both backends rotate by identical values.
//   normal: pairs (2i, 2i+1)      NeoX: pairs (i, i + n_rot/2)
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(std430, binding = 0) buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer T { vec2 cs[]; };  // [position][n_rot/2] (cos, sin)
layout(push_constant) uniform Push {
    uint n_tokens;
    uint n_heads;
    uint head_dim;
    uint n_rot;
    uint stride;  // floats between token rows
    uint pos0;    // position of token 0
    uint neox;
} p;

void main() {
    const uint half_rot = p.n_rot / 2u;
    const uint id = flat_group_x() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (id >= p.n_tokens * p.n_heads * half_rot) return;
    const uint i = id % half_rot;
    const uint h = (id / half_rot) % p.n_heads;
    const uint t = id / (half_rot * p.n_heads);
    const vec2 c = cs[(p.pos0 + t) * half_rot + i];
    const uint base = t * p.stride + h * p.head_dim;
    const uint a = base + (p.neox != 0u ? i : 2u * i);
    const uint b = base + (p.neox != 0u ? i + half_rot : 2u * i + 1u);
    const float x0 = x[a], x1 = x[b];
    precise float ya = x0 * c.x - x1 * c.y;  // precise: no fma, as the CPU computes it
    precise float yb = x0 * c.y + x1 * c.x;
    x[a] = ya;
    x[b] = yb;
}
