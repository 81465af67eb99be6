#version 450
// Float activation rows -> Q8_0 (blocks of 32 int8 and a scale), bit for bit as the CPU backend
// (core/backends/cpu/act_quant.h): d = fp16(amax / 127), q = nearest-even(x * (127 / amax)).
// Output: int8 values four per word, rows k elements apart; the fp16-rounded scale as a float.
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
    uint k;          // elements per row (a multiple of 32)
    uint n_tokens;
    uint in_stride;  // elements between input rows
    uint in_row0;
} p;

void main() {
    const uint blk = flat_group_x() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    const uint bpr = p.k / 32u;
    if (blk >= bpr * p.n_tokens) return;
    const uint t = blk / bpr, b = blk - t * bpr;
    const uint src = (p.in_row0 + t) * p.in_stride + b * 32u;
    float amax = 0.0;
    for (uint i = 0u; i < 32u; ++i) amax = max(amax, abs(x[src + i]));
    d[blk] = f16_to_f32(f32_to_f16(div_rn(amax, 127.0)));
    const float id = amax != 0.0 ? div_rn(127.0, amax) : 0.0;
    const uint dst = t * p.k + b * 32u;
#ifdef LOWBIT_EXT
    for (uint i = 0u; i < 32u; ++i) q8[dst + i] = int8_t(int(roundEven(x[src + i] * id)));
#else
    for (uint w = 0u; w < 8u; ++w) {
        uint packed = 0u;
        for (uint j = 0u; j < 4u; ++j) packed |= (uint(int(roundEven(x[src + 4u * w + j] * id))) & 0xffu) << (8u * j);
        q32[(dst >> 2) + w] = packed;
    }
#endif
}
