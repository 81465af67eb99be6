#pragma once
// Speed and memory measurement of a model on a runner (what `lowbit bench` and the comparison
// view report): prefill of a batch of prompt tokens, then decode one token at a time.
#include <cstddef>
#include <string>

#include "lowbit/runner.h"

namespace lowbit {

struct BenchOptions {
    int n_prompt = 64;  // tokens prefilled in one batch (0: skip)
    int n_gen = 32;     // tokens decoded one by one (0: skip)
    int repetitions = 3;
    unsigned seed = 42;  // for the random token ids
};

struct BenchResult {
    double prefill_tps = 0;  // mean over repetitions
    double decode_tps = 0;
    double prefill_tps_stddev = 0;
    double decode_tps_stddev = 0;
    size_t weight_bytes = 0;
    size_t kv_bytes = 0;
    size_t peak_rss_bytes = 0;
    size_t device_bytes = 0;
    // Bytes of weights a decode step reads (all matrices except the embedding table).
    size_t decode_bytes_per_token = 0;
    std::string device;
};

// Runs the benchmark; the runner's context must hold n_prompt + n_gen tokens.
BenchResult run_bench(Runner& runner, const BenchOptions& options);

}  // namespace lowbit
