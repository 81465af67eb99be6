#version 450
// BF16 weights x activations rounded to BF16 precision (nearest even), as the CPU backend does.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define CE 8u
#include "matmul_f.glsl"

layout(std430, binding = 0) readonly buffer W { uvec4 w8[]; };

vec4 wlo, whi;

vec2 bf16x2(uint u) { return vec2(uintBitsToFloat(u << 16), uintBitsToFloat(u & 0xffff0000u)); }

void load_chunk(uint row, uint ci) {
    const uvec4 u = w8[row * (p.k >> 3) + ci];
    wlo = vec4(bf16x2(u.x), bf16x2(u.y));
    whi = vec4(bf16x2(u.z), bf16x2(u.w));
}

float round_bf16(float f) {
    uint u = floatBitsToUint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return f;
    u += 0x7fffu + ((u >> 16) & 1u);
    return uintBitsToFloat(u & 0xffff0000u);
}
vec4 round_bf16(vec4 v) { return vec4(round_bf16(v.x), round_bf16(v.y), round_bf16(v.z), round_bf16(v.w)); }

float dot_chunk(uint e) {
    return dot(wlo, round_bf16(a4[e >> 2])) + dot(whi, round_bf16(a4[(e >> 2) + 1u]));
}
