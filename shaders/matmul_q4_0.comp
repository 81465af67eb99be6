#version 450
// Q4_0 weights (blocks of 32: x = d * (q - 8), low nibbles elements 0..15, high nibbles 16..31)
// x Q8_0 activations. GPU layout: 4 payload words per block, fp16 scales in their own array.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define BLOCK 32u
#define ABLOCK 32u
#define CPB 4u  // one payload word = elements 4ci..4ci+3 and 16+4ci..16+4ci+3
#include "matmul_q.glsl"

uint cw;
float cd;
uint cci;

void load_chunk(uint rb, uint ci) {
    cw = wq[rb * 4u + ci];
    cd = weight_d(rb);
    cci = ci;
}

float dot_chunk(uint abase, float da) {
    const uint lo = sub_bytes(cw & 0x0f0f0f0fu, 0x08080808u);
    const uint hi = sub_bytes((cw >> 4) & 0x0f0f0f0fu, 0x08080808u);
    const int s = dot4x8(lo, aq[abase + cci]) + dot4x8(hi, aq[abase + 4u + cci]);
    return float(s) * (cd * da);
}
