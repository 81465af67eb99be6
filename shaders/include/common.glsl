// Definitions shared by every compute shader. Include first, after #version.
//
// LOWBIT_EXT (set by shaders/CMakeLists.txt for the "_ext" variant) turns on the optional device
// features: 8/16-bit storage, subgroup arithmetic and the packed 4x8-bit integer dot product.
// Without it the shaders use only core Vulkan 1.1 compute: data is read as 32-bit words and
// unpacked with bit operations, and reductions go through shared memory.
#extension GL_EXT_control_flow_attributes : enable

#ifdef LOWBIT_EXT
#extension GL_EXT_shader_explicit_arithmetic_types : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_spirv_intrinsics : require
// OpSDot (SPV_KHR_integer_dot_product) with PackedVectorFormat4x8Bit: glslang 12 has no GLSL
// built-in for it, so it is declared as an intrinsic.
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4450)
int lowbit_sdot_(uint a, uint b, spirv_literal int packed_format);
int dot4x8(uint a, uint b) { return lowbit_sdot_(a, b, 0); }
#else
// Sum of the products of the four signed bytes of a and b.
int dot4x8(uint a, uint b) {
    ivec4 va = ivec4(int(a) << 24, int(a) << 16, int(a) << 8, int(a)) >> 24;
    ivec4 vb = ivec4(int(b) << 24, int(b) << 16, int(b) << 8, int(b)) >> 24;
    return va.x * vb.x + va.y * vb.y + va.z * vb.z + va.w * vb.w;
}
#endif

// The byte i (0..3) of a word, unsigned / sign-extended.
uint byte_of(uint w, uint i) { return (w >> (8u * i)) & 0xffu; }
int sbyte_of(uint w, uint i) { return bitfieldExtract(int(w), int(8u * i), 8); }

// Exact IEEE half -> float (subnormal halves included, which unpackHalf2x16 may flush).
float f16_to_f32(uint h) {
    uint sign = (h & 0x8000u) << 16;
    uint e = (h >> 10) & 0x1fu;
    uint m = h & 0x3ffu;
    if (e == 0x1fu) return uintBitsToFloat(sign | 0x7f800000u | (m << 13));
    if (e == 0u) {
        float v = float(m) * 5.9604644775390625e-8;
        return sign != 0u ? -v : v;
    }
    return uintBitsToFloat(sign | ((e + 112u) << 23) | (m << 13));
}

// float -> IEEE half bits, round to nearest even, as lowbit::fp32_to_fp16 (core/include/lowbit/fp16.h).
// packHalf2x16 leaves the rounding mode to the implementation.
uint f32_to_f16(float f) {
    uint u = floatBitsToUint(f);
    uint sign = (u >> 16) & 0x8000u;
    uint a = u & 0x7fffffffu;
    if (a >= 0x7f800000u) return sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u);
    if (a >= 0x477ff000u) return sign | 0x7c00u;
    if (a < 0x38800000u) {
        if (a < 0x33000000u) return sign;
        uint e = a >> 23;
        uint m = (a & 0x7fffffu) | 0x800000u;
        uint shift = 126u - e;
        uint h = m >> shift;
        uint rem = m & ((1u << shift) - 1u);
        uint mid = 1u << (shift - 1u);
        if (rem > mid || (rem == mid && (h & 1u) != 0u)) h += 1u;
        return sign | h;
    }
    uint h = (a >> 13) - (112u << 10);
    uint rem = a & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0u)) h += 1u;
    return sign | h;
}

// a / b correctly rounded (nearest even). OpFDiv only promises 2.5 ulp in Vulkan, and the
// activation quantizers must give the CPU's bytes exactly. Long division of the 24-bit
// significands; zero, subnormal, infinite or NaN operands or results fall back to OpFDiv.
float div_rn(float a, float b) {
    uint ua = floatBitsToUint(a), ub = floatBitsToUint(b);
    int ea = int((ua >> 23) & 0xffu), eb = int((ub >> 23) & 0xffu);
    if (ea == 0 || eb == 0 || ea == 255 || eb == 255) return a / b;
    uint sign = (ua ^ ub) & 0x80000000u;
    uint ma = (ua & 0x7fffffu) | 0x800000u;
    uint mb = (ub & 0x7fffffu) | 0x800000u;
    int e = ea - eb;
    if (ma < mb) {
        ma <<= 1;
        e -= 1;
    }
    uint q = 0u, r = ma;
    for (int i = 0; i < 25; ++i) {  // 24 significand bits and one guard bit
        q <<= 1;
        if (r >= mb) {
            r -= mb;
            q |= 1u;
        }
        r <<= 1;
    }
    uint guard = q & 1u;
    q >>= 1;
    if (guard != 0u && (r != 0u || (q & 1u) != 0u)) q += 1u;
    if (q == 0x1000000u) {
        q >>= 1;
        e += 1;
    }
    int be = e + 127;
    if (be <= 0 || be >= 255) return a / b;
    return uintBitsToFloat(sign | (uint(be) << 23) | (q & 0x7fffffu));
}

// Linear workgroup index for dispatches folded into x and z (x is limited to 65535 groups).
uint flat_group_x() { return gl_WorkGroupID.x + gl_WorkGroupID.z * gl_NumWorkGroups.x; }

// ---- Error-free transformations (all operations `precise`: no contraction into fma) ----------
// Used where a result must equal the CPU's correctly rounded float (or double) arithmetic.

// s + e == a + b exactly (Knuth's TwoSum).
vec2 two_sum(float a, float b) {
    precise float s = a + b;
    precise float bb = s - a;
    precise float e = (a - (s - bb)) + (b - bb);
    return vec2(s, e);
}

// p + e == a * b exactly (Dekker's product with Veltkamp splitting; |a|, |b| < 2^100).
vec2 two_prod(float a, float b) {
    precise float p = a * b;
    precise float ca = 4097.0 * a;
    precise float ah = ca - (ca - a);
    precise float al = a - ah;
    precise float cb = 4097.0 * b;
    precise float bh = cb - (cb - b);
    precise float bl = b - bh;
    precise float e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    return vec2(p, e);
}

// Double-float addition: (hi, lo) + (hi, lo), about 48 significant bits.
vec2 df_add(vec2 a, vec2 b) {
    vec2 s = two_sum(a.x, b.x);
    precise float lo = s.y + (a.y + b.y);
    return two_sum(s.x, lo);
}

// (hi + lo) / n rounded to float as the CPU rounds a double quotient (exact but for values within
// about 2^-45 of a rounding boundary).
float df_div_to_float(vec2 v, float n) {
    const float q0 = div_rn(v.x, n);
    const vec2 p = two_prod(q0, n);
    precise float r = ((v.x - p.x) - p.y) + v.y;
    precise float q = q0 + r / n;
    return q;
}

// sqrt(a) rounded to nearest (GLSL's sqrt may be off by several ulp). One Newton step in
// double-float from the hardware estimate, then a single rounding.
float sqrt_rn(float a) {
    if (!(a > 0.0) || isinf(a)) return sqrt(a);
    const float s0 = sqrt(a);
    const vec2 p = two_prod(s0, s0);
    precise float r = (a - p.x) - p.y;
    precise float s = s0 + r / (2.0 * s0);
    return s;
}

// 1 / (hi + lo) rounded to float, as the CPU rounds 1.0 / (a double sum).
float df_recip_to_float(vec2 s) {
    const float q0 = div_rn(1.0, s.x);
    const vec2 p = two_prod(q0, s.x);
    precise float r = ((1.0 - p.x) - p.y) - q0 * s.y;
    precise float q = q0 + q0 * r;
    return q;
}

// A float rounded to the nearest half and back (exactly as the CPU's F16 conversions).
float round_f16(float v) { return f16_to_f32(f32_to_f16(v)); }
