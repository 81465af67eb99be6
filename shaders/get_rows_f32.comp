#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "get_rows.glsl"
float dequant(uint row, uint i) { return uintBitsToFloat(wq[row * p.ne0 + i]); }
