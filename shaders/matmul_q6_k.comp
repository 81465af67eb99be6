#version 450
// Q6_K weights x Q8_K activations. A 256-block: 6-bit values (low 4 bits in ql, high 2 in qh),
// 16 int8 scales (one per 16 elements), fp16 d: x = d * sc * (q - 32). In each 128-element half
// (ql 64 bytes, qh 32 bytes, sc 8), for l < 32:
//   l     : ql[l] & 15,    qh[l] bits 0-1, scale sc[l/16]
//   l+32  : ql[l+32] & 15, qh[l] bits 2-3, scale sc[l/16 + 2]
//   l+64  : ql[l] >> 4,    qh[l] bits 4-5, scale sc[l/16 + 4]
//   l+96  : ql[l+32] >> 4, qh[l] bits 6-7, scale sc[l/16 + 6]
// GPU layout: 52 payload words (ql 32, qh 16, scales 4), fp16 d in its own array.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define BLOCK 256u
#define ABLOCK 256u
#define CPB 16u  // four consecutive l of one half: 16 elements
#include "matmul_q.glsl"

uint qa, qb, qh;
int s0, s1, s2, s3;
float cd;
uint cci;

void load_chunk(uint rb, uint ci) {
    const uint base = rb * 52u;
    const uint half_ = ci >> 3, g = ci & 7u;
    qa = wq[base + half_ * 16u + g];
    qb = wq[base + half_ * 16u + 8u + g];
    qh = wq[base + 32u + half_ * 8u + g];
    const uint is = half_ * 8u + (g >> 2);  // scale index of the first quarter
    const uint sw0 = wq[base + 48u + (is >> 2)], sw1 = wq[base + 48u + ((is + 4u) >> 2)];
    s0 = sbyte_of(sw0, is & 3u);
    s1 = sbyte_of(sw0, (is + 2u) & 3u);
    s2 = sbyte_of(sw1, (is + 4u) & 3u);
    s3 = sbyte_of(sw1, (is + 6u) & 3u);
    cd = weight_d(rb);
    cci = ci;
}

float dot_chunk(uint abase, float da) {
    const uint a = abase + (cci >> 3) * 32u + (cci & 7u);
    const uint q1 = sub_bytes((qa & 0x0f0f0f0fu) | ((qh & 0x03030303u) << 4), 0x20202020u);
    const uint q2 = sub_bytes((qb & 0x0f0f0f0fu) | (((qh >> 2) & 0x03030303u) << 4), 0x20202020u);
    const uint q3 = sub_bytes(((qa >> 4) & 0x0f0f0f0fu) | (((qh >> 4) & 0x03030303u) << 4), 0x20202020u);
    const uint q4 = sub_bytes(((qb >> 4) & 0x0f0f0f0fu) | (((qh >> 6) & 0x03030303u) << 4), 0x20202020u);
    const int isum = s0 * dot4x8(q1, aq[a]) + s1 * dot4x8(q2, aq[a + 8u]) + s2 * dot4x8(q3, aq[a + 16u]) +
                     s3 * dot4x8(q4, aq[a + 24u]);
    return float(isum) * (cd * da);
}
