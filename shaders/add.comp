#version 450
// y[i] = a[i] + b[i] (residual connections). Rows of n floats; a and y may be the same buffer
// only when bound as y (y += b is `add` with a = y).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
    uint n;
} p;

void main() {
    const uint i = flat_group_x() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i < p.n) y[i] = a[i] + b[i];
}
