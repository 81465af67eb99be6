#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "get_rows.glsl"
float dequant(uint row, uint i) {
    const uint rb = row * (p.ne0 / 256u) + i / 256u, e = i % 256u;
    const uint j = e / 128u, l = (e % 128u) / 32u, m = e % 32u;
    const uint byte = byte_of(wq[rb * 16u + (j * 32u + m) / 4u], m % 4u);
    return float(int((byte >> (2u * l)) & 3u) - 1) * weight_d(rb);
}
