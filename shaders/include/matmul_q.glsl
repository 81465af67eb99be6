// Matrix products of a block-quantized weight with int8-quantized activations:
//     y[t][out_offset + r] = scale * Σ_blocks (weight block r · activation block t) + bias[out_offset + r]
// The includer first defines the weight type (see matmul_<type>.comp):
//     BLOCK   elements per weight block          ABLOCK  elements per activation scale
//     CPB     chunks per block (a chunk is the unit one invocation processes)
//     load_chunk(row_block, ci)  reads chunk ci of block `row_block` (row * blocks_per_row + b)
//     dot_chunk(abase, da)       its product with the activations whose block starts at word abase
// Activations: int8 values, four per word, rows act_stride elements apart, and one float scale per
// ABLOCK elements (written by quantize_q8_0 / quantize_q8_k).
//
// Each workgroup computes NR rows for NC tokens (NC = 1: mat-vec for decoding; NC > 1: the weight
// chunk is read once for NC tokens, for prefill). Its invocations share the chunks of a row and
// their partial sums are reduced at the end.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint NR = 1;
layout(constant_id = 2) const uint NC = 1;
#define RED_N (NR * NC)
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer Wq { uint wq[]; };     // weight payload words
layout(std430, binding = 1) readonly buffer Wd { uint wd16[]; };   // fp16 block scales, two per word
layout(std430, binding = 2) readonly buffer Aq { uint aq[]; };     // int8 activations, four per word
layout(std430, binding = 3) readonly buffer Ad { float ad[]; };    // activation scales
layout(std430, binding = 4) writeonly buffer Y { float y[]; };
layout(std430, binding = 5) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Push {
    uint k;           // elements per row
    uint rows;        // rows of this weight (chunk)
    uint n_tokens;
    uint act_stride;  // elements between activation rows
    uint act_row0;    // first activation row used
    uint out_stride;  // floats between output rows
    uint out_offset;  // column of y (and of bias) that row 0 goes to
    uint has_bias;
    float scale;
} p;

float weight_d(uint idx) { return f16_to_f32((wd16[idx >> 1] >> (16u * (idx & 1u))) & 0xffffu); }

// Signed bytes (c - bias) from unsigned byte codes c >= bias, without borrows between bytes.
uint sub_bytes(uint c, uint bias4) { return ((c | 0x80808080u) - bias4) ^ 0x80808080u; }

void load_chunk(uint row_block, uint ci);
float dot_chunk(uint abase, float da);

void main() {
    const uint tid = gl_LocalInvocationID.x;
    const uint row0 = flat_group_x() * NR;
    const uint t0 = gl_WorkGroupID.y * NC;
    const uint bpr = p.k / BLOCK;
    const uint nchunks = bpr * CPB;

    float acc[NR * NC];
    [[unroll]] for (uint i = 0u; i < NR * NC; ++i) acc[i] = 0.0;

    for (uint it = tid; it < nchunks; it += gl_WorkGroupSize.x) {
        const uint b = it / CPB;
        const uint ci = it - b * CPB;
        [[unroll]] for (uint r = 0u; r < NR; ++r) {
            const uint row = row0 + r;
            if (row < p.rows) {
                load_chunk(row * bpr + b, ci);
                [[unroll]] for (uint c = 0u; c < NC; ++c) {
                    const uint t = t0 + c;
                    if (t < p.n_tokens) {
                        const uint e = (p.act_row0 + t) * p.act_stride + b * BLOCK;
                        acc[r * NC + c] += dot_chunk(e >> 2, ad[e / ABLOCK]);
                    }
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
#ifdef DIVIDE_BY_ACT_SCALE
            // Integer sums (exact in float) divided by the row's activation scale s, as bitnet.cpp.
            const float v = div_rn(red_result(tid), ad[((p.act_row0 + t) * p.act_stride) / ABLOCK]) * p.scale;
#else
            float v = red_result(tid) * p.scale;
#endif
#ifdef DIVIDE_BY_ACT_SCALE
            const float vb = p.has_bias != 0u ? v + bias[p.out_offset + row] : v;
            y[t * p.out_stride + p.out_offset + row] = vb;
#else
            if (p.has_bias != 0u) v += bias[p.out_offset + row];
            y[t * p.out_stride + p.out_offset + row] = v;
#endif
        }
    }
}
