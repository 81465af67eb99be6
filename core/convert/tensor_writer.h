#pragma once
// Writing planned tensors into a GgufWriter, streamed in row chunks and spread over threads.
#include <atomic>
#include <cstdint>
#include <functional>

#include "convert/plan.h"
#include "lowbit/gguf.h"

namespace lowbit::conv {

// Declares the GGUF tensor(s) a planned tensor writes (OneBit: three, binary: two).
void declare_planned(GgufWriter& w, const PlannedTensor& p);

struct WriteContext {
    explicit WriteContext(GgufWriter& w) : writer(w) {}
    GgufWriter& writer;
    int threads = 1;
    const std::atomic<bool>* cancel = nullptr;
    quant::TernaryRule ternary_rule = quant::TernaryRule::AbsMeanTensor;
    onebit::SvidOptions svid;
    // Called with the fraction [0, 1] of the current tensor done.
    std::function<void(double)> on_tensor_progress;
};

// Writes the data of one planned tensor (after GgufWriter::begin, in declaration order), then
// gives its mapped source pages back. Throws CancelledError when the flag is set.
void write_planned(const PlannedTensor& p, WriteContext& ctx);

// Floats per row chunk (16 MiB): the unit of streaming and of cancellation checks.
inline constexpr int64_t kChunkFloats = int64_t(1) << 22;

}  // namespace lowbit::conv
