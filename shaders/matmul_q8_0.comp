#version 450
// Q8_0 weights (blocks of 32 int8 with an fp16 scale) x Q8_0 activations.
// GPU layout: 8 payload words per block (the int8 values), scales in their own fp16 array.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define BLOCK 32u
#define ABLOCK 32u
#define CPB 4u  // 8 elements (2 words) per chunk
#include "matmul_q.glsl"

uvec2 cw;
float cd;
uint cci;

void load_chunk(uint rb, uint ci) {
    const uint base = rb * 8u + ci * 2u;
    cw = uvec2(wq[base], wq[base + 1u]);
    cd = weight_d(rb);
    cci = ci;
}

float dot_chunk(uint abase, float da) {
    const uint a = abase + cci * 2u;
    const int s = dot4x8(cw.x, aq[a]) + dot4x8(cw.y, aq[a + 1u]);
    return float(s) * (cd * da);
}
