#version 450
// I2_S weights (bitnet.cpp's layout: blocks of 128 ternary values as 2-bit codes c = q + 1; byte p
// of a 32-byte block holds elements g*32 + p in bits 6-2g..7-2g; one float scale per tensor,
// applied as the output scale) x bitnet.cpp's per-token int8 activations (I8_Row: int8 values
// and the row's scale s). As bitnet.cpp: y = (float)Σ (c - 1) q / s * tensor_scale, with the
// integer sum exact (the partial sums are integers below 2^24, so float adds them exactly).
// GPU layout: the codes as stored, 8 words per block, no block scales.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define BLOCK 128u
#define ABLOCK 256u
#define CPB 8u  // one word: bytes p..p+3 of the four groups, 16 elements
#define DIVIDE_BY_ACT_SCALE
#include "matmul_q.glsl"

uint cw;
uint cci;

void load_chunk(uint rb, uint ci) {
    cw = wq[rb * 8u + ci];
    cci = ci;
}

float dot_chunk(uint abase, float da) {
    int s = 0;
    [[unroll]] for (uint g = 0u; g < 4u; ++g)
        s += dot4x8(sub_bytes((cw >> (6u - 2u * g)) & 0x03030303u, 0x01010101u), aq[abase + g * 8u + cci]);
    return float(s);
}
