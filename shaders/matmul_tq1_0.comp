#version 450
// TQ1_0 weights (256 ternary values, base-3 packed: 5 per byte in qs, 4 per byte in qh) x Q8_K
// activations. Digit n of byte q is ((q * 3^n mod 256) * 3) >> 8, minus 1 for the value.
//   qs[m],    m < 32: digit n -> element n*32 + m
//   qs[32+m], m < 16: digit n -> element 160 + n*16 + m
//   qh[j],    j < 4:  digit n -> element 240 + n*4 + j      (n < 4)
// GPU layout: 13 payload words (qs, qh) per block, fp16 scales in their own array.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define BLOCK 256u
#define ABLOCK 256u
#define CPB 13u  // one payload word per chunk
#include "matmul_q.glsl"

uvec4 cb;  // the chunk's four bytes
float cd;
uint cci;

void load_chunk(uint rb, uint ci) {
    const uint w = wq[rb * 13u + ci];
    cb = uvec4(w & 0xffu, (w >> 8) & 0xffu, (w >> 16) & 0xffu, w >> 24);
    cd = weight_d(rb);
    cci = ci;
}

// Digit n of the four bytes, as signed bytes (digit - 1) in one word.
uint digits(uint pow3) {
    const uvec4 d = (((cb * pow3) & 0xffu) * 3u) >> 8;
    return sub_bytes(d.x | (d.y << 8) | (d.z << 16) | (d.w << 24), 0x01010101u);
}

float dot_chunk(uint abase, float da) {
    int s = 0;
    if (cci < 8u) {
        uint p3 = 1u;
        [[unroll]] for (uint n = 0u; n < 5u; ++n, p3 *= 3u) s += dot4x8(digits(p3), aq[abase + n * 8u + cci]);
    } else if (cci < 12u) {
        uint p3 = 1u;
        [[unroll]] for (uint n = 0u; n < 5u; ++n, p3 *= 3u) s += dot4x8(digits(p3), aq[abase + 40u + n * 4u + (cci - 8u)]);
    } else {
        uint p3 = 1u;
        [[unroll]] for (uint n = 0u; n < 4u; ++n, p3 *= 3u) s += dot4x8(digits(p3), aq[abase + 60u + n]);
    }
    return float(s) * (cd * da);
}
