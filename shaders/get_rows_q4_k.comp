#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "get_rows.glsl"
uint scale_byte(uint base, uint i) { return byte_of(wq[base + 1u + (i >> 2)], i & 3u); }
float dequant(uint row, uint i) {
    const uint base = (row * (p.ne0 / 256u) + i / 256u) * 36u, e = i % 256u;
    const uint g = e / 64u, l = e % 64u, j = 2u * g + (l >= 32u ? 1u : 0u);
    uint sc, mn;
    if (j < 4u) {
        sc = scale_byte(base, j) & 63u;
        mn = scale_byte(base, j + 4u) & 63u;
    } else {
        sc = (scale_byte(base, j + 4u) & 15u) | ((scale_byte(base, j - 4u) >> 6) << 4);
        mn = (scale_byte(base, j + 4u) >> 4) | ((scale_byte(base, j) >> 6) << 4);
    }
    const uint b = 32u * g + (l % 32u);
    const uint byte = byte_of(wq[base + 4u + b / 4u], b % 4u);
    const uint q = l < 32u ? (byte & 15u) : (byte >> 4);
    const uint dd = wq[base];
    precise float d1 = f16_to_f32(dd & 0xffffu) * float(sc);
    precise float m1 = f16_to_f32(dd >> 16) * float(mn);
    precise float v = d1 * float(q) - m1;
    return v;
}
