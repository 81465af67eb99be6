#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "get_rows.glsl"
float dequant(uint row, uint i) {
    const uint rb = row * (p.ne0 / 256u) + i / 256u, e = i % 256u;
    const uint base = rb * 52u;
    const uint half_ = e / 128u, quarter = (e % 128u) / 32u, l = e % 32u;
    const uint qlb = half_ * 64u + l + ((quarter & 1u) != 0u ? 32u : 0u);
    const uint qlbyte = byte_of(wq[base + qlb / 4u], qlb % 4u);
    const uint lo = quarter < 2u ? (qlbyte & 15u) : (qlbyte >> 4);
    const uint qhb = half_ * 32u + l;
    const uint hi = (byte_of(wq[base + 32u + qhb / 4u], qhb % 4u) >> (2u * quarter)) & 3u;
    const uint si = half_ * 8u + l / 16u + 2u * quarter;
    const int sc = sbyte_of(wq[base + 48u + si / 4u], si % 4u);
    precise float v = weight_d(rb) * float(sc) * float(int(lo | (hi << 4)) - 32);
    return v;
}
