// Chooses the backend for a model: the CPU runner, or a Vulkan runner when asked for and
// available (falling back to the CPU with a stated reason when allowed).
#include "backends/cpu/cpu_runner.h"
#include "lowbit/error.h"
#include "lowbit/runner.h"

#if defined(LOWBIT_HAVE_VULKAN_RUNNER) && __has_include("backends/vulkan/vulkan_runner.h")
#include "backends/vulkan/vulkan_runner.h"
#define LOWBIT_VULKAN_RUNNER_AVAILABLE 1
#endif

namespace lowbit {
namespace {

// Wraps a CPU runner created because the requested GPU could not be used, keeping the reason.
class FallbackRunner final : public Runner {
public:
    FallbackRunner(std::unique_ptr<Runner> inner, std::string reason)
        : inner_(std::move(inner)), reason_(std::move(reason)) {}
    std::string device_name() const override { return inner_->device_name(); }
    const Model& model() const override { return inner_->model(); }
    int n_ctx() const override { return inner_->n_ctx(); }
    int n_past() const override { return inner_->n_past(); }
    void eval(std::span<const int32_t> tokens, int n_logits, float* logits) override {
        inner_->eval(tokens, n_logits, logits);
    }
    void truncate(int n_keep) override { inner_->truncate(n_keep); }
    MemoryStats memory() const override { return inner_->memory(); }
    std::string fallback_reason() const override { return reason_; }

private:
    std::unique_ptr<Runner> inner_;
    std::string reason_;
};

}  // namespace

std::unique_ptr<Runner> create_runner(const Model& model, const RunnerOptions& options) {
    const std::string& dev = options.device;
    if (dev.empty() || dev == "cpu") return cpu::make_cpu_runner(model, options);
    if (dev == "vulkan" || dev.rfind("vulkan:", 0) == 0) {
        std::string reason;
#ifdef LOWBIT_VULKAN_RUNNER_AVAILABLE
        try {
            return make_vulkan_runner(model, options);
        } catch (const UnsupportedError& e) {
            reason = e.what();
        } catch (const Error& e) {
            reason = e.what();
        }
#else
        reason = "this build has no Vulkan backend";
#endif
        if (!options.allow_fallback) throw Error("cannot use device '" + dev + "': " + reason);
        RunnerOptions cpu_opt = options;
        cpu_opt.device = "cpu";
        return std::make_unique<FallbackRunner>(cpu::make_cpu_runner(model, cpu_opt), reason);
    }
    throw Error("unknown device '" + dev + "' (use cpu, vulkan or vulkan:N)");
}

}  // namespace lowbit
