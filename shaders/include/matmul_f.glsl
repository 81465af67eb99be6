// Matrix products of a float weight (F32, F16, BF16) with float activations:
//     y[t][out_offset + r] = scale * (weight row r · activation row t) + bias[out_offset + r]
// The includer defines CE (elements per chunk), load_chunk(row, ci) and dot_chunk(e) where e is
// the index of the chunk's first activation element. Same workgroup scheme as matmul_q.glsl.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint NR = 1;
layout(constant_id = 2) const uint NC = 1;
#define RED_N (NR * NC)
#include "reduce.glsl"

layout(std430, binding = 1) readonly buffer A { vec4 a4[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Push {
    uint k;
    uint rows;
    uint n_tokens;
    uint act_stride;
    uint act_row0;
    uint out_stride;
    uint out_offset;
    uint has_bias;
    float scale;
} p;

void load_chunk(uint row, uint ci);
float dot_chunk(uint e);

void main() {
    const uint tid = gl_LocalInvocationID.x;
    const uint row0 = flat_group_x() * NR;
    const uint t0 = gl_WorkGroupID.y * NC;
    const uint nchunks = p.k / CE;

    float acc[NR * NC];
    [[unroll]] for (uint i = 0u; i < NR * NC; ++i) acc[i] = 0.0;

    for (uint ci = tid; ci < nchunks; ci += gl_WorkGroupSize.x) {
        [[unroll]] for (uint r = 0u; r < NR; ++r) {
            const uint row = row0 + r;
            if (row < p.rows) {
                load_chunk(row, ci);
                [[unroll]] for (uint c = 0u; c < NC; ++c) {
                    const uint t = t0 + c;
                    if (t < p.n_tokens) acc[r * NC + c] += dot_chunk((p.act_row0 + t) * p.act_stride + ci * CE);
                }
            }
        }
    }

    [[unroll]] for (uint i = 0u; i < NR * NC; ++i) red_store(i, acc[i]);
    red_finish();
    if (tid < NR * NC) {
        const uint r = tid / NC, c = tid - (tid / NC) * NC;
        const uint row = row0 + r, t = t0 + c;
        if (row < p.rows && t < p.n_tokens) {
            float v = red_result(tid) * p.scale;
            if (p.has_bias != 0u) v += bias[p.out_offset + row];
            y[t * p.out_stride + p.out_offset + row] = v;
        }
    }
}
