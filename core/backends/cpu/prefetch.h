#pragma once
// Software prefetch for decode mat-vecs. A decode step streams every weight byte once; the
// hardware prefetchers alone left the cold mat-vecs at a third to a half of the same tiles'
// hot-cache speed (docs/BENCHMARKS.md). So each 4-row tile first asks for the tile at least
// kPrefetchDistance bytes further on. Prefetches never fault: reaching past the end of the
// matrix is harmless.
#include <cstddef>
#include <cstdint>

namespace lowbit::cpu {

// About one memory latency's worth of bytes at the per-core stream rate (~100 ns x ~30 GB/s).
constexpr size_t kPrefetchDistance = 4096;

// `tile` is the first of 4 consecutive weight rows `row_bytes` apart.
inline void prefetch_tile_ahead(const uint8_t* tile, size_t row_bytes) {
    const size_t tile_bytes = 4 * row_bytes;
    const size_t ahead = (kPrefetchDistance + tile_bytes - 1) / tile_bytes * tile_bytes;
    for (size_t off = 0; off < tile_bytes; off += 64) __builtin_prefetch(tile + ahead + off, 0, 3);
}

}  // namespace lowbit::cpu
