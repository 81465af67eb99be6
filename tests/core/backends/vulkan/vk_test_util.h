#pragma once
// Helpers shared by the Vulkan test suites: a Context on the best device (lavapipe in CI), with
// the Khronos validation layer when it is installed, and a skip ONLY when no driver exists.
#include <QTest>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/vulkan/context.h"
#include "lowbit/vulkan.h"

namespace lowbit::vktest {

// Why no Vulkan test can run here ("" when a driver exists).
inline std::string no_driver_reason() {
    static const std::string reason = [] {
        const auto q = vulkan::query_devices();
        return q.devices.empty() ? q.error : std::string();
    }();
    return reason;
}

// Sets an environment variable for the lifetime of the object, then restores the old value.
class EnvOverride {
  public:
    EnvOverride(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old, had_ = true;
        ::setenv(name, value, 1);
    }
    ~EnvOverride() {
        if (had_)
            ::setenv(name_, old_.c_str(), 1);
        else
            ::unsetenv(name_);
    }
    EnvOverride(const EnvOverride&) = delete;
    EnvOverride& operator=(const EnvOverride&) = delete;

  private:
    const char* name_;
    std::string old_;
    bool had_ = false;
};

inline vulkan::ContextOptions test_options() {
    vulkan::ContextOptions o;
    o.validation = vulkan::validation_layer_installed();
    o.pipeline_cache_dir = std::string();  // tests never write to the user's cache
    return o;
}

}  // namespace lowbit::vktest

// Declares `std::unique_ptr<lowbit::vulkan::Context> var` made with `opts`; skips the test with a
// visible message when the machine has no Vulkan driver at all, fails on any other error.
#define LOWBIT_VK_CONTEXT(var, opts)                                                                \
    std::unique_ptr<lowbit::vulkan::Context> var;                                                   \
    do {                                                                                            \
        const std::string why_ = lowbit::vktest::no_driver_reason();                                \
        if (!why_.empty())                                                                          \
            QSKIP(qPrintable("no Vulkan driver on this machine: " + QString::fromStdString(why_))); \
        try {                                                                                       \
            var = lowbit::vulkan::Context::create(opts);                                            \
        } catch (const std::exception& e_) {                                                        \
            QFAIL(qPrintable(QString("Vulkan context: ") + e_.what()));                             \
        }                                                                                           \
    } while (0)
