#version 450
// F32 weights x F32 activations.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define CE 4u
#include "matmul_f.glsl"

layout(std430, binding = 0) readonly buffer W { vec4 w4[]; };

vec4 cw;

void load_chunk(uint row, uint ci) { cw = w4[row * (p.k >> 2) + ci]; }
float dot_chunk(uint e) { return dot(cw, a4[e >> 2]); }
