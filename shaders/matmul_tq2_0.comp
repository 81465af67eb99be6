#version 450
// TQ2_0 weights (256 ternary values as 2-bit codes c = q + 1, fp16 scale) x Q8_K activations.
// Byte m of 32-byte half j holds elements j*128 + l*32 + m in bits 2l..2l+1.
// GPU layout: 16 payload words per block, fp16 scales in their own array.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define BLOCK 256u
#define ABLOCK 256u
#define CPB 16u  // one payload word (16 elements) per chunk
#include "matmul_q.glsl"

uint cw;
float cd;
uint cci;

void load_chunk(uint rb, uint ci) {
    cw = wq[rb * 16u + ci];
    cd = weight_d(rb);
    cci = ci;
}

float dot_chunk(uint abase, float da) {
    const uint a = abase + (cci >> 3) * 32u + (cci & 7u);
    int s = 0;
    [[unroll]] for (uint l = 0u; l < 4u; ++l)
        s += dot4x8(sub_bytes((cw >> (2u * l)) & 0x03030303u, 0x01010101u), aq[a + l * 8u]);
    return float(s) * (cd * da);
}
