#pragma once
// Byte layouts of the block-quantized GGUF types (facts of the file format, shared with
// llama.cpp and bitnet.cpp so files interchange). Internal to core/.
#include <cstdint>

namespace lowbit::quant {

constexpr int QK4_0 = 32;
constexpr int QK4_1 = 32;
constexpr int QK5_0 = 32;
constexpr int QK5_1 = 32;
constexpr int QK8_0 = 32;
constexpr int QK4_NL = 32;
constexpr int QK_K = 256;  // super-block size of the k-quants and the TQ types
constexpr int K_SCALE_SIZE = 12;

#pragma pack(push, 1)
// 4.5 bpw: x = d * (q - 8); the low nibbles of qs hold elements 0..15, the high nibbles 16..31.
struct BlockQ4_0 {
    uint16_t d;  // fp16
    uint8_t qs[QK4_0 / 2];
};
static_assert(sizeof(BlockQ4_0) == 18);

// 5 bpw: x = d * q + m (q in 0..15), same nibble order as Q4_0.
struct BlockQ4_1 {
    uint16_t d;  // fp16
    uint16_t m;  // fp16
    uint8_t qs[QK4_1 / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

// 5.5 bpw: x = d * (q - 16); low 4 bits as in Q4_0, bit 4 of element j is bit j of qh (little-endian u32).
struct BlockQ5_0 {
    uint16_t d;  // fp16
    uint8_t qh[4];
    uint8_t qs[QK5_0 / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

// 6 bpw: x = d * q + m (q in 0..31), bits as in Q5_0.
struct BlockQ5_1 {
    uint16_t d;  // fp16
    uint16_t m;  // fp16
    uint8_t qh[4];
    uint8_t qs[QK5_1 / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

// 4.5 bpw, non-linear: x = d * kIq4Values[q] for the 4-bit index q, nibbles in Q4_0's order.
struct BlockIQ4_NL {
    uint16_t d;  // fp16
    uint8_t qs[QK4_NL / 2];
};
static_assert(sizeof(BlockIQ4_NL) == 18);

// The 16 levels of IQ4_NL and IQ4_XS: a fixed non-uniform grid, denser near zero where most
// weights are (a fact of the format).
inline constexpr int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                          1,    13,   25,  38,  53,  69,  89,  113};

// 8.5 bpw: x = d * q.
struct BlockQ8_0 {
    uint16_t d;  // fp16
    int8_t qs[QK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Activation format of the k-quant and TQ dot products: float scale, int8 values and the sums
// of each group of 16 values (used to fold the k-quants' minimums into the dot product).
struct BlockQ8_K {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];
};
static_assert(sizeof(BlockQ8_K) == 292);

// 2.625 bpw: 16 groups of 16, 4-bit scale and 4-bit min per group, fp16 super scale and min.
struct BlockQ2_K {
    uint8_t scales[QK_K / 16];
    uint8_t qs[QK_K / 4];
    uint16_t d;
    uint16_t dmin;
};
static_assert(sizeof(BlockQ2_K) == 84);

// 3.4375 bpw: 2 low bits in qs, high bit in hmask, 6-bit scales packed in 12 bytes.
struct BlockQ3_K {
    uint8_t hmask[QK_K / 8];
    uint8_t qs[QK_K / 4];
    uint8_t scales[12];
    uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110);

// 4.5 bpw: 8 groups of 32 with 6-bit scales and mins packed in 12 bytes.
struct BlockQ4_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// 5.5 bpw.
struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qh[QK_K / 8];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

// 6.5625 bpw: 4 low bits in ql, 2 high bits in qh, int8 scale per group of 16.
struct BlockQ6_K {
    uint8_t ql[QK_K / 2];
    uint8_t qh[QK_K / 4];
    int8_t scales[QK_K / 16];
    uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// 1.6875 bpw ternary: 5 trits per byte in qs (240 values) and 4 per byte in qh (16 values).
struct BlockTQ1_0 {
    uint8_t qs[(QK_K - 4 * QK_K / 64) / 5];
    uint8_t qh[QK_K / 64];
    uint16_t d;
};
static_assert(sizeof(BlockTQ1_0) == 54);

// 2.0625 bpw ternary: 2-bit codes (q + 1) packed 4 per byte.
struct BlockTQ2_0 {
    uint8_t qs[QK_K / 4];
    uint16_t d;
};
static_assert(sizeof(BlockTQ2_0) == 66);
// 4.25 bpw: IQ4_NL's levels in eight 32-element groups with 6-bit scales. Group g's scale is
// (low nibble g % 2 of scales_l[g / 2]) | (bits 2g..2g+1 of scales_h) << 4, minus 32; its
// 16 bytes of qs hold elements 0..15 in the low nibbles and 16..31 in the high ones.
struct BlockIQ4_XS {
    uint16_t d;  // fp16
    uint16_t scales_h;
    uint8_t scales_l[QK_K / 64];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(BlockIQ4_XS) == 136);
#pragma pack(pop)

// bitnet.cpp's I2_S (x86 layout): 128 consecutive elements form one 32-byte block; element
// 32*g + p (g = 0..3, p = 0..31) is the 2-bit code at bits 6-2g of byte p. Codes 0, 1, 2 mean
// -1, 0, +1. After all codes of the tensor come 32 bytes whose first 4 hold the float scale.
constexpr int QK_I2_S = 128;
constexpr int I2_S_BLOCK_BYTES = QK_I2_S / 4;
constexpr int I2_S_TRAILER_BYTES = 32;

}  // namespace lowbit::quant
