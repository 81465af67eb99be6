#pragma once
// The tile schedule shared by the kernels whose tiles are plain functions (ternary, 1-bit):
// which tile shape covers which weight rows and activation rows.
#include <cstddef>
#include <cstdint>

#include "backends/cpu/prefetch.h"

namespace lowbit::cpu {

// A tile: R weight rows (`ws` bytes apart) times T activation rows (`as` bytes apart) into
// y[t * ldy + r], over k elements.
using RowTileFn = void (*)(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y,
                           int64_t ldy);

// Decode (one token) takes 4 rows at once, so four independent accumulator chains hide the
// latency of the dot-product instructions, and asks for the rows ahead (prefetch.h); prefill
// takes kPrefillRows (2) rows x 4 tokens, so every weight vector decoded is used four times (a tile
// that stages the tokens' activations once per block can take 4 rows, to share that work more).
// Always inlined into the per-target caller, so the tiles can be inlined into it too.
template <RowTileFn Tile41, RowTileFn Tile11, RowTileFn TileR4, RowTileFn Tile14, int kPrefillRows = 2>
inline __attribute__((always_inline)) void run_row_tiles(int64_t k, const uint8_t* w, size_t ws, int64_t nr,
                                                         const uint8_t* a, size_t as, int64_t nt, float* y,
                                                         int64_t ldy) {
    int64_t t = 0;
    for (; nt > 1 && t + 4 <= nt; t += 4) {
        int64_t r = 0;
        for (; r + kPrefillRows <= nr; r += kPrefillRows)
            TileR4(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
        for (; r < nr; ++r) Tile14(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    }
    for (; t < nt; ++t) {
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4) {
            if (nt == 1) prefetch_tile_ahead(w + r * ws, ws);
            Tile41(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
        }
        for (; r < nr; ++r) Tile11(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    }
}

}  // namespace lowbit::cpu
