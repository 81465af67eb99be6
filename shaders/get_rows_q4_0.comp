#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "get_rows.glsl"
float dequant(uint row, uint i) {
    const uint rb = row * (p.ne0 / 32u) + i / 32u, j = i % 32u;
    const uint byte = byte_of(wq[rb * 4u + (j % 16u) / 4u], j % 4u);
    const int q = int(j < 16u ? (byte & 15u) : (byte >> 4)) - 8;
    return float(q) * weight_d(rb);
}
