#version 450
// Causal multi-head attention over the F16 KV cache, one workgroup per (token, head), with the
// CPU backend's numerics (core/backends/cpu/attention.h, which follows llama.cpp's CPU flash
// attention) so both backends agree as closely as float allows:
//  * f16_numerics (batches under 64 tokens: decoding, short prompts): q rounded to F16; keys
//    visited in order with an online softmax: for a new maximum the accumulator is rescaled,
//    then acc = f16(acc + v * exp(s - max)); the accumulator is F16, rounded after every update;
//    out = acc / S.
//  * otherwise: q in F32; max over all scores, p_j = exp(s_j - max), the sum in (double-)double,
//    out = Σ p_j v_j in F32, in key order, times float(1 / sum).
// Scores are computed a chunk of keys at a time (one key per invocation); the key-ordered parts
// run with each invocation owning some of the head's dimensions. Grouped-query attention: head h
// reads KV head h / (n_head / n_head_kv).
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
    uint f16_numerics;
} p;

shared float qh[MAX_HEAD_DIM];
shared float sc[gl_WorkGroupSize.x];   // scores of the chunk, then their weights
shared float msh[gl_WorkGroupSize.x];  // f16 path: accumulator rescale per key
shared float red[gl_WorkGroupSize.x];
shared vec2 sum_sh;                    // running sum (f16 path: S; f32 path: double-float)
shared float max_sh;

uint row_words;
uint head_word;

float score(uint j) {
    const uint kw = j * row_words + head_word;
    float dotv = 0.0;
    for (uint d = 0u; d < p.head_dim; d += 2u) {
        const vec2 kk = unpackHalf2x16(kc[kw + d / 2u]);
        dotv = fma(qh[d], kk.x, dotv);
        dotv = fma(qh[d + 1u], kk.y, dotv);
    }
    precise float s = dotv * p.scale;
    return s;
}

float v_at(uint j, uint d) { return unpackHalf2x16(vc[j * row_words + head_word + d / 2u])[d & 1u]; }

void main() {
    const uint tid = gl_LocalInvocationID.x;
    const uint WG = gl_WorkGroupSize.x;
    const uint job = flat_group_x();
    if (job >= p.n_tokens * p.n_head) return;
    const uint t = job / p.n_head, h = job - t * p.n_head;
    const uint kvh = h / (p.n_head / p.n_head_kv);
    const uint hd = p.head_dim;
    row_words = p.n_head_kv * hd / 2u;
    head_word = kvh * hd / 2u;
    const uint n_keys = p.pos0 + t + 1u;
    const bool f16n = p.f16_numerics != 0u;

    for (uint d = tid; d < hd; d += WG) {
        const float v = q[t * p.q_stride + h * hd + d];
        qh[d] = f16n ? round_f16(v) : v;
    }
    if (tid == 0u) {
        sum_sh = vec2(0.0);
        max_sh = -1.0 / 0.0;
    }
    barrier();

    float acc[NACC];
    for (uint a = 0u; a < NACC; ++a) acc[a] = 0.0;

    if (f16n) {
        for (uint j0 = 0u; j0 < n_keys; j0 += WG) {
            const uint nj = min(WG, n_keys - j0);
            if (tid < nj) sc[tid] = score(j0 + tid);
            barrier();
            // The softmax bookkeeping runs over the keys in order (one invocation).
            if (tid == 0u) {
                float M = max_sh, S = sum_sh.x;
                for (uint j = 0u; j < nj; ++j) {
                    const float s = sc[j];
                    float ms = 1.0, vs = 1.0;
                    if (s > M) {
                        ms = exp(M - s);  // 0 for the first key (M = -inf)
                        M = s;
                    } else {
                        vs = exp(s - M);
                    }
                    precise float S2 = S * ms + vs;
                    S = S2;
                    msh[j] = ms;
                    sc[j] = vs;
                }
                max_sh = M;
                sum_sh.x = S;
            }
            barrier();
            for (uint a = 0u; a < NACC; ++a) {
                const uint d = tid + a * WG;
                if (d >= hd) break;
                float v = acc[a];
                for (uint j = 0u; j < nj; ++j) {
                    precise float scaled = v * msh[j];
                    v = round_f16(scaled);
                    v = round_f16(fma(v_at(j0 + j, d), sc[j], v));
                }
                acc[a] = v;
            }
            barrier();
        }
        const float S = sum_sh.x;
        const float inv = S == 0.0 ? 0.0 : div_rn(1.0, S);
        for (uint a = 0u; a < NACC; ++a) {
            const uint d = tid + a * WG;
            if (d < hd) {
                precise float r = acc[a] * inv;
                o[t * p.o_stride + h * hd + d] = r;
            }
        }
        return;
    }

    // F32 numerics. Pass 1: the maximum score.
    float m = -1.0 / 0.0;
    for (uint j = tid; j < n_keys; j += WG) m = max(m, score(j));
    red[tid] = m;
    barrier();
    for (uint st = WG / 2u; st > 0u; st >>= 1u) {
        if (tid < st) red[tid] = max(red[tid], red[tid + st]);
        barrier();
    }
    const float M = red[0];
    // Pass 2: weights (scores recomputed identically), their sum in key order, values.
    for (uint j0 = 0u; j0 < n_keys; j0 += WG) {
        const uint nj = min(WG, n_keys - j0);
        if (tid < nj) sc[tid] = exp(score(j0 + tid) - M);
        barrier();
        if (tid == 0u) {
            vec2 s = sum_sh;
            for (uint j = 0u; j < nj; ++j) s = df_add(s, vec2(sc[j], 0.0));
            sum_sh = s;
        }
        for (uint a = 0u; a < NACC; ++a) {
            const uint d = tid + a * WG;
            if (d >= hd) break;
            float v = acc[a];
            for (uint j = 0u; j < nj; ++j) v = fma(v_at(j0 + j, d), sc[j], v);
            acc[a] = v;
        }
        barrier();
    }
    const float inv = df_recip_to_float(sum_sh);
    for (uint a = 0u; a < NACC; ++a) {
        const uint d = tid + a * WG;
        if (d < hd) {
            precise float r = acc[a] * inv;
            o[t * p.o_stride + h * hd + d] = r;
        }
    }
}
