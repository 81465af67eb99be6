#version 450
// Float activation rows -> Q8_K (blocks of 256 int8 and a float scale), bit for bit as the CPU
// backend: the value of largest magnitude (first one on ties) gives iscale = -127 / max,
// q = min(127, nearest-even(iscale * x)), d = 1 / iscale. Block sums are not stored (the
// kernels that need them add the int8 values themselves).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
#ifdef LOWBIT_EXT
layout(std430, binding = 1) writeonly buffer Q { int8_t q8[]; };
#else
layout(std430, binding = 1) writeonly buffer Q { uint q32[]; };
#endif
layout(std430, binding = 2) writeonly buffer D { float d[]; };
layout(push_constant) uniform Push {
    uint k;  // a multiple of 256
    uint n_tokens;
    uint in_stride;
    uint in_row0;
} p;

int qv(float v, float iscale) { return min(127, int(roundEven(iscale * v))); }

void main() {
    const uint blk = flat_group_x() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    const uint bpr = p.k / 256u;
    if (blk >= bpr * p.n_tokens) return;
    const uint t = blk / bpr, b = blk - t * bpr;
    const uint src = (p.in_row0 + t) * p.in_stride + b * 256u;
    float amax = 0.0, vmax = 0.0;
    for (uint i = 0u; i < 256u; ++i) {
        const float v = x[src + i];
        if (abs(v) > amax) {
            amax = abs(v);
            vmax = v;
        }
    }
    const uint dst = t * p.k + b * 256u;
    const float iscale = amax != 0.0 ? div_rn(-127.0, vmax) : 0.0;
    d[blk] = amax != 0.0 ? div_rn(1.0, iscale) : 0.0;
#ifdef LOWBIT_EXT
    for (uint i = 0u; i < 256u; ++i) q8[dst + i] = int8_t(qv(x[src + i], iscale));
#else
    for (uint w = 0u; w < 64u; ++w) {
        uint packed = 0u;
        for (uint j = 0u; j < 4u; ++j) packed |= (uint(qv(x[src + 4u * w + j], iscale)) & 0xffu) << (8u * j);
        q32[(dst >> 2) + w] = packed;
    }
#endif
}
