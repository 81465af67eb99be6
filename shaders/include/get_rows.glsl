// Embedding lookup: y[t] = dequantized row tokens[t] of the table, for the tokens whose row lies
// in this chunk of the table (a table larger than one binding is dispatched chunk by chunk).
// The includer defines float dequant(uint row, uint i) for element i of a chunk row, with the
// element formulas of the CPU reference (llama.cpp's dequantize_row_*), so results are exact.
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Wq { uint wq[]; };
layout(std430, binding = 1) readonly buffer Wd { uint wd16[]; };
layout(std430, binding = 2) readonly buffer Tok { int tok[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
    uint ne0;
    uint n_tokens;
    uint row0;  // first table row in this chunk
    uint rows;  // rows in this chunk
    uint out_stride;
} p;

float weight_d(uint idx) { return f16_to_f32((wd16[idx >> 1] >> (16u * (idx & 1u))) & 0xffffu); }
float dequant(uint row, uint i);

void main() {
    const uint t = flat_group_x();
    if (t >= p.n_tokens) return;
    const int id = tok[t];
    if (id < int(p.row0) || id >= int(p.row0 + p.rows)) return;
    const uint r = uint(id) - p.row0;
    for (uint i = gl_LocalInvocationID.x; i < p.ne0; i += gl_WorkGroupSize.x) y[t * p.out_stride + i] = dequant(r, i);
}
