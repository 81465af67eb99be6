#pragma once
// A Runner executes a model's forward pass on one device (CPU or a Vulkan GPU) and owns the
// KV cache for one sequence. Both backends implement the same graph; the CPU one is the
// reference the others are tested against.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lowbit {

class Model;

struct RunnerOptions {
    std::string device = "cpu";  // "cpu", "vulkan" (best device) or "vulkan:N"
    int n_threads = 0;           // CPU threads; 0 = one per physical core
    int n_ctx = 0;               // KV cache length; 0 = min(training context, 4096)
    int n_batch = 256;           // prompt tokens per forward pass during prefill
    bool allow_fallback = true;  // Vulkan unavailable -> CPU, with a warning in fallback_reason()
    // 1-bit layers (OneBit, BitNet-binary) take per-token int8 activations (W1A8) instead of
    // float ones (W1A16, the OneBit paper's setting): several times faster on the CPU, at the
    // cost of activation rounding. The Vulkan backend runs them with float activations always.
    bool onebit_int8 = false;
};

struct MemoryStats {
    size_t weight_bytes = 0;         // model weights as stored for this device
    size_t kv_bytes = 0;             // KV cache
    size_t scratch_bytes = 0;        // activations and work buffers
    size_t device_bytes = 0;         // bytes allocated on the GPU (0 on CPU)
    size_t device_budget_bytes = 0;  // VK_EXT_memory_budget heap budget when known
};

class Runner {
  public:
    virtual ~Runner() = default;

    virtual std::string device_name() const = 0;  // e.g. "CPU (AVX3_DL, 2 threads)", "Vulkan: llvmpipe"
    virtual const Model& model() const = 0;
    virtual int n_ctx() const = 0;
    virtual int n_past() const = 0;  // tokens currently in the KV cache

    // Runs `tokens` at positions n_past() .. n_past()+tokens.size()-1 (in batches of n_batch),
    // appends them to the KV cache and writes the logits of the last `n_logits` tokens
    // (row-major, n_logits x n_vocab) to `logits`. Throws lowbit::Error when the context is full.
    virtual void eval(std::span<const int32_t> tokens, int n_logits, float* logits) = 0;

    // Drops the cache entries from position n_keep on (for prefix reuse and regeneration).
    virtual void truncate(int n_keep) = 0;

    virtual MemoryStats memory() const = 0;
    // Why a Vulkan request ended on the CPU (empty if it did not).
    virtual std::string fallback_reason() const { return {}; }
};

// Creates a runner for `model` on the requested device. Throws lowbit::Error when the device
// cannot be used and fallback is off.
std::unique_ptr<Runner> create_runner(const Model& model, const RunnerOptions& options);

}  // namespace lowbit
