#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "get_rows.glsl"
float dequant(uint row, uint i) {
    const uint rb = row * (p.ne0 / 256u) + i / 256u, e = i % 256u;
    uint byte_index, n;
    if (e < 160u) {
        n = e / 32u;
        byte_index = e % 32u;
    } else if (e < 240u) {
        n = (e - 160u) / 16u;
        byte_index = 32u + (e - 160u) % 16u;
    } else {
        n = (e - 240u) / 4u;
        byte_index = 48u + (e - 240u) % 4u;
    }
    const uint q = byte_of(wq[rb * 13u + byte_index / 4u], byte_index % 4u);
    uint p3 = 1u;
    for (uint k = 0u; k < n; ++k) p3 *= 3u;
    const int digit = int((((q * p3) & 0xffu) * 3u) >> 8);
    return float(digit - 1) * weight_d(rb);
}
