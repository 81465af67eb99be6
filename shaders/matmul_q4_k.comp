#version 450
// Q4_K weights x Q8_K activations. A 256-block: fp16 d and dmin, 8 sub-blocks of 32 with 6-bit
// scales and mins packed in 12 bytes, 4-bit values: x = d*sc*q - dmin*m. qs byte 32*g + l holds
// element 64*g + l (low nibble) and 64*g + 32 + l (high nibble).
// GPU layout: the block as stored (36 words: d|dmin, 3 words of scales, 32 words of qs).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define BLOCK 256u
#define ABLOCK 256u
#define CPB 32u  // one qs word per chunk: 4 elements of sub-block 2g and 4 of sub-block 2g+1
#include "matmul_q.glsl"

uint cw;
float cd, cdmin;
int sc_lo, m_lo, sc_hi, m_hi;
uint cci;

uint scale_byte(uint base, uint i) { return byte_of(wq[base + 1u + (i >> 2)], i & 3u); }

// The 6-bit scale and min of sub-block j (llama.cpp's get_scale_min_k4 packing).
ivec2 scale_min(uint base, uint j) {
    if (j < 4u) return ivec2(scale_byte(base, j) & 63u, scale_byte(base, j + 4u) & 63u);
    const uint s = (scale_byte(base, j + 4u) & 15u) | ((scale_byte(base, j - 4u) >> 6) << 4);
    const uint m = (scale_byte(base, j + 4u) >> 4) | ((scale_byte(base, j) >> 6) << 4);
    return ivec2(s, m);
}

void load_chunk(uint rb, uint ci) {
    const uint base = rb * 36u;
    const uint dd = wq[base];
    cd = f16_to_f32(dd & 0xffffu);
    cdmin = f16_to_f32(dd >> 16);
    cw = wq[base + 4u + ci];
    const uint g = ci >> 3;
    const ivec2 lo = scale_min(base, 2u * g), hi = scale_min(base, 2u * g + 1u);
    sc_lo = lo.x;
    m_lo = lo.y;
    sc_hi = hi.x;
    m_hi = hi.y;
    cci = ci;
}

float dot_chunk(uint abase, float da) {
    const uint g = cci >> 3, l4 = cci & 7u;
    const uint a_lo = aq[abase + g * 16u + l4];
    const uint a_hi = aq[abase + g * 16u + 8u + l4];
    const int isum = sc_lo * dot4x8(cw & 0x0f0f0f0fu, a_lo) + sc_hi * dot4x8((cw >> 4) & 0x0f0f0f0fu, a_hi);
    const int imin = m_lo * dot4x8(0x01010101u, a_lo) + m_hi * dot4x8(0x01010101u, a_hi);
    return da * (cd * float(isum) - cdmin * float(imin));
}
