#version 450
// Gated linear unit of the feed-forward block: y = act(gate) * up, act = SiLU (LLaMA, Qwen2,
// BitNet) or ReLU^2 (BitNet b1.58 2B4T). y may be bound to gate's range.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer G { float g[]; };
layout(std430, binding = 1) readonly buffer U { float u[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
    uint n;     // elements in all
    uint relu2; // 0: SiLU, 1: ReLU^2
} p;

void main() {
    const uint i = flat_group_x() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n) return;
    const float a = g[i];
    float act;
    if (p.relu2 != 0u) {
        const float r = max(a, 0.0);
        act = r * r;
    } else {
        act = a / (1.0 + exp(-a));
    }
    y[i] = act * u[i];
}
