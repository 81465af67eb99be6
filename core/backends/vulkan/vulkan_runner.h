#pragma once
// The Vulkan implementation of lowbit::Runner (used by create_runner in core/runtime).
#include <memory>

#include "lowbit/runner.h"

namespace lowbit {

// Runs `model` on the Vulkan device named by options.device ("vulkan" = best, "vulkan:N").
// Throws UnsupportedError when the model uses something the Vulkan kernels do not cover, and
// lowbit::Error (vulkan::OutOfDeviceMemoryError, ...) when the device cannot be used; the caller
// falls back to the CPU with that message when allowed.
std::unique_ptr<Runner> make_vulkan_runner(const Model& model, const RunnerOptions& options);

}  // namespace lowbit
