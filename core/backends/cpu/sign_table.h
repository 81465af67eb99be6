#pragma once
// The eight signs of every byte of a packed sign row as ±1.0f (bit i of the byte = element i,
// 1 = +1), for SIMD targets without mask registers: one aligned load turns a byte of signs into
// a vector to multiply with. 8 KiB, built at compile time, never written.
#include <cstdint>

namespace lowbit::cpu {

struct SignTable {
    alignas(64) float rows[256][8];
};

constexpr SignTable make_sign_table() {
    SignTable t{};
    for (int b = 0; b < 256; ++b)
        for (int i = 0; i < 8; ++i) t.rows[b][i] = ((b >> i) & 1) ? 1.0f : -1.0f;
    return t;
}

inline const SignTable& sign_table() {
    static constexpr SignTable kTable = make_sign_table();
    return kTable;
}

}  // namespace lowbit::cpu
