#version 450
// Causal multi-head attention over the F16 KV cache, one workgroup per (token, head):
//     o = softmax(scale * q · K[0..n_keys)ᵀ) · V[0..n_keys),   n_keys = pos0 + t + 1
// q is rounded to F16 precision first, as the CPU backend does for an F16 cache. The softmax is
// computed in chunks with a running maximum (online softmax), so any context length works
// within a fixed amount of shared memory. Grouped-query attention: head h reads KV head
// h / (n_head / n_head_kv).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
#define MAX_HEAD_DIM 256u
#define NACC ((MAX_HEAD_DIM + gl_WorkGroupSize.x - 1u) / gl_WorkGroupSize.x)

layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer KC { uint kc[]; };  // [n_ctx][n_embd_kv] halves
layout(std430, binding = 2) readonly buffer VC { uint vc[]; };
layout(std430, binding = 3) writeonly buffer O { float o[]; };
layout(push_constant) uniform Push {
    uint n_tokens;
    uint n_head;
    uint n_head_kv;
    uint head_dim;  // even, <= 256
    uint q_stride;  // floats between rows of q
    uint o_stride;
    uint pos0;
    float scale;
} p;

shared float qh[MAX_HEAD_DIM];
shared float sc[gl_WorkGroupSize.x];
shared float red[gl_WorkGroupSize.x];

float half_at(uint word, uint idx) { return unpackHalf2x16(word)[idx]; }

void main() {
    const uint tid = gl_LocalInvocationID.x;
    const uint WG = gl_WorkGroupSize.x;
    const uint job = flat_group_x();
    if (job >= p.n_tokens * p.n_head) return;
    const uint t = job / p.n_head, h = job - t * p.n_head;
    const uint kvh = h / (p.n_head / p.n_head_kv);
    const uint hd = p.head_dim;
    const uint row_words = p.n_head_kv * hd / 2u;  // one cache row (position)
    const uint head_word = kvh * hd / 2u;
    const uint n_keys = p.pos0 + t + 1u;

    for (uint d = tid; d < hd; d += WG) qh[d] = unpackHalf2x16(packHalf2x16(vec2(q[t * p.q_stride + h * hd + d], 0.0))).x;
    barrier();

    float acc[NACC];
    for (uint a = 0u; a < NACC; ++a) acc[a] = 0.0;
    float m = -1.0 / 0.0;  // running maximum
    float l = 0.0;         // running sum of exp(score - m)

    for (uint j0 = 0u; j0 < n_keys; j0 += WG) {
        const uint nj = min(WG, n_keys - j0);
        // Scores: one key per invocation.
        float s = -1.0 / 0.0;
        if (tid < nj) {
            const uint kw = (j0 + tid) * row_words + head_word;
            float dotv = 0.0;
            for (uint d = 0u; d < hd; d += 2u) {
                const vec2 kk = unpackHalf2x16(kc[kw + d / 2u]);
                dotv += qh[d] * kk.x + qh[d + 1u] * kk.y;
            }
            s = dotv * p.scale;
        }
        // Chunk maximum.
        red[tid] = s;
        barrier();
        for (uint st = WG / 2u; st > 0u; st >>= 1u) {
            if (tid < st) red[tid] = max(red[tid], red[tid + st]);
            barrier();
        }
        const float new_m = max(m, red[0]);
        const float corr = exp(m - new_m);  // 0 on the first chunk (m = -inf)
        barrier();
        sc[tid] = tid < nj ? exp(s - new_m) : 0.0;
        red[tid] = sc[tid];
        barrier();
        for (uint st = WG / 2u; st > 0u; st >>= 1u) {
            if (tid < st) red[tid] += red[tid + st];
            barrier();
        }
        l = l * corr + red[0];
        m = new_m;
        // Weighted values: each invocation owns dimensions d = tid, tid + WG, ...
        for (uint a = 0u; a < NACC; ++a) {
            const uint d = tid + a * WG;
            if (d >= hd) break;
            float v = acc[a] * corr;
            const uint vw = head_word + d / 2u, vi = d & 1u;
            for (uint j = 0u; j < nj; ++j) v += sc[j] * half_at(vc[(j0 + j) * row_words + vw], vi);
            acc[a] = v;
        }
        barrier();
    }
    const float inv = 1.0 / l;
    for (uint a = 0u; a < NACC; ++a) {
        const uint d = tid + a * WG;
        if (d < hd) o[t * p.o_stride + h * hd + d] = acc[a] * inv;
    }
}
