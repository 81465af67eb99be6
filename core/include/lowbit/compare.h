#pragma once
// Side-by-side measurement of several models on the same text and settings: perplexity (llama.cpp's
// method), prefill/decode speed, and measured memory. Models take turns on the machine, one
// loaded at a time, so speed figures do not disturb each other; peak RSS is reset between models so
// each figure is the model's own. Used by `lowbit compare` and the comparison view.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lowbit/bench.h"
#include "lowbit/perplexity.h"
#include "lowbit/runner.h"

namespace lowbit {

struct CompareModel {
    std::string path;
    std::string device = "cpu";  // per model: "cpu", "vulkan", "vulkan:N"
};

struct CompareOptions {
    int n_ctx = 512;     // perplexity window
    int max_chunks = -1;  // perplexity windows per model (< 0: all)
    int n_threads = 0;
    BenchOptions bench;  // prefill/decode measurement
    bool measure_perplexity = true;
    bool measure_speed = true;
};

struct ModelMeasurement {
    std::string path;
    std::string name;
    std::string device;           // the device that really ran it
    std::string fallback_reason;  // why a GPU request ran on the CPU
    std::string architecture;
    int64_t n_params = 0;
    double bits_per_weight = 0;
    double ppl = 0;
    double ppl_error = 0;
    std::vector<double> running_ppl;  // after each window
    int ppl_tokens_scored = 0;
    double prefill_tps = 0;
    double decode_tps = 0;
    size_t weight_bytes = 0;
    size_t kv_bytes = 0;
    size_t peak_rss_bytes = 0;  // this model's peak (reset before it loads)
    size_t device_bytes = 0;
    size_t device_budget_bytes = 0;
    double load_seconds = 0;
    std::string error;  // set when this model failed; the others still run
};

struct CompareEvent {
    enum Kind { ModelStarted, PerplexityWindow, ModelFinished } kind;
    int model_index = 0;
    PerplexityProgress progress;        // PerplexityWindow
    const ModelMeasurement* result = nullptr;  // ModelFinished
};

struct MachineInfo {
    std::string cpu;
    int logical_cpus = 0;
    size_t memory_bytes = 0;
    std::string simd;
};
MachineInfo machine_info();

// Measures every model in turn. A model that fails (bad file, unsupported type) gets its `error`
// set and the others still run. Throws lowbit::CancelledError when `cancel` is set.
std::vector<ModelMeasurement> run_compare(const std::vector<CompareModel>& models, const std::string& text,
                                          const CompareOptions& options,
                                          const std::function<void(const CompareEvent&)>& on_event = {},
                                          const std::atomic<bool>* cancel = nullptr);

// Resets the process's peak-RSS counter (Linux /proc/self/clear_refs); false when unsupported.
bool reset_peak_rss();

}  // namespace lowbit
