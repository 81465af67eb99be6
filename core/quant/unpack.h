#pragma once
// Small decoders of packed fields shared by the dequantizers and the reference dot products,
// so both read the bits the same way. Internal to core/quant.
#include <cstdint>
#include <cstring>

#include "quant/blocks.h"

namespace lowbit::quant {

// Q4_K/Q5_K: 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes. Sub-blocks
// 0..3 use the low 6 bits of bytes j and j+4; 4..7 take 4 low bits from byte j+4 and their top
// 2 bits from the high bits of bytes j-4 and j.
inline void scale_min_k4(int j, const uint8_t* q, uint8_t& sc, uint8_t& m) {
    if (j < 4) {
        sc = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// Q3_K: the sixteen 6-bit scales (stored with an offset of 32) from the 12 packed bytes: low
// 4 bits of scale j in nibble j of bytes 0..7 (low nibbles for j < 8, high for j >= 8), top 2 bits
// in bytes 8..11, two bits per scale.
inline void unpack_q3_K_scales(const uint8_t* packed, int8_t out[16]) {
    uint32_t aux[4];
    std::memcpy(aux, packed, 12);
    const uint32_t kmask1 = 0x03030303u, kmask2 = 0x0f0f0f0fu;
    const uint32_t tmp = aux[2];
    aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
    aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
    aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
    aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
    std::memcpy(out, aux, 16);
}

// Q6_K: the four signed 6-bit values at l, l+32, l+64, l+96 of a 128-half (ql/qh point at the half).
inline void q6_K_values(const uint8_t* ql, const uint8_t* qh, int l, int q[4]) {
    q[0] = static_cast<int8_t>((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
    q[1] = static_cast<int8_t>((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
    q[2] = static_cast<int8_t>((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
    q[3] = static_cast<int8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
}

// TQ1_0: trit n (0 = most significant) of a byte holding ceil(v * 256 / 243) for a base-3
// number v, as -1, 0 or +1: ((byte * 3^n mod 256) * 3) >> 8, minus one.
inline int tq1_trit(uint8_t byte, int n) {
    static constexpr uint8_t kPow3[6] = {1, 3, 9, 27, 81, 243};
    const auto q = static_cast<uint8_t>(byte * kPow3[n]);
    return ((static_cast<uint16_t>(q) * 3) >> 8) - 1;
}

// I2_S: raw code (0..3) of element 32*g + p of a 32-byte block.
inline int i2s_code(const uint8_t* block, int g, int p) {
    return (block[p] >> (6 - 2 * g)) & 3;
}

// IQ4_XS: the signed scale (-32..31) of 32-element group g (0..7), see BlockIQ4_XS.
inline int iq4_xs_group_scale(const BlockIQ4_XS& b, int g) {
    const int low = (b.scales_l[g / 2] >> (4 * (g % 2))) & 0xF;
    const int high = (b.scales_h >> (2 * g)) & 3;
    return (low | (high << 4)) - 32;
}

}  // namespace lowbit::quant
