// Sums of per-thread values across one workgroup.
//
// The includer defines RED_N (values per thread; a constant or specialization constant) and
// uses a power-of-two workgroup size in x. Usage, in uniform control flow:
//     red_store(i, v) for every i < RED_N;  red_finish();  red_result(i) in any thread;
//     barrier() before the next red_store.
// The extension variant adds within subgroups first (any subgroup size: the size is never
// assumed), the plain variant uses a shared-memory tree.

#ifdef LOWBIT_EXT
shared float red_sh[RED_N * gl_WorkGroupSize.x];

void red_store(uint i, float v) {
    v = subgroupAdd(v);
    if (subgroupElect()) red_sh[i * gl_NumSubgroups + gl_SubgroupID] = v;
}
void red_finish() { barrier(); }
float red_result(uint i) {
    float s = 0.0;
    for (uint k = 0u; k < gl_NumSubgroups; ++k) s += red_sh[i * gl_NumSubgroups + k];
    return s;
}
#else
shared float red_sh[RED_N * gl_WorkGroupSize.x];

void red_store(uint i, float v) { red_sh[i * gl_WorkGroupSize.x + gl_LocalInvocationID.x] = v; }
void red_finish() {
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1u) {
        if (gl_LocalInvocationID.x < s) {
            for (uint i = 0u; i < RED_N; ++i)
                red_sh[i * gl_WorkGroupSize.x + gl_LocalInvocationID.x] +=
                    red_sh[i * gl_WorkGroupSize.x + gl_LocalInvocationID.x + s];
        }
        barrier();
    }
}
float red_result(uint i) { return red_sh[i * gl_WorkGroupSize.x]; }
#endif
