#version 450
// F16 weights x activations rounded to F16 precision (as the CPU backend and llama.cpp do).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define CE 8u
#include "matmul_f.glsl"

layout(std430, binding = 0) readonly buffer W { uvec4 w8[]; };  // 8 halves per element

vec4 wlo, whi;

void load_chunk(uint row, uint ci) {
    const uvec4 u = w8[row * (p.k >> 3) + ci];
    wlo = vec4(unpackHalf2x16(u.x), unpackHalf2x16(u.y));
    whi = vec4(unpackHalf2x16(u.z), unpackHalf2x16(u.w));
}

vec4 round_f16(vec4 v) {
    return vec4(unpackHalf2x16(packHalf2x16(v.xy)), unpackHalf2x16(packHalf2x16(v.zw)));
}

float dot_chunk(uint e) { return dot(wlo, round_f16(a4[e >> 2])) + dot(whi, round_f16(a4[(e >> 2) + 1u])); }
