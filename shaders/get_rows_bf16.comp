#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "get_rows.glsl"
float dequant(uint row, uint i) {
    const uint e = row * p.ne0 + i;
    return uintBitsToFloat(((wq[e >> 1] >> (16u * (e & 1u))) & 0xffffu) << 16);
}
