#pragma once
// The CPU implementation of lowbit::Runner: the reference forward pass of the llama-family and
// BitNet graphs, multithreaded, with an F16 KV cache.
#include <memory>

#include "lowbit/runner.h"

namespace lowbit::cpu {

std::unique_ptr<Runner> make_cpu_runner(const Model& model, const RunnerOptions& options);

}  // namespace lowbit::cpu
