#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "get_rows.glsl"
float dequant(uint row, uint i) {
    const uint rb = row * (p.ne0 / 32u) + i / 32u, j = i % 32u;
    return float(sbyte_of(wq[rb * 8u + j / 4u], j % 4u)) * weight_d(rb);
}
