#pragma once
// The Vulkan instance: created once per Context (or per device query), with the Khronos
// validation layer when LOWBIT_VK_VALIDATION=1 asks for it and it is installed.
#include <vulkan/vulkan.h>

#include <atomic>
#include <memory>

namespace lowbit::vulkan {

struct InstanceOptions {
    bool validation = false;  // also turned on by the environment variable LOWBIT_VK_VALIDATION=1
};

class Instance {
  public:
    // Throws lowbit::Error with a clear message when no driver exists (VK_ERROR_INCOMPATIBLE_DRIVER)
    // or the loader is too old (Vulkan 1.1 is required).
    static std::unique_ptr<Instance> create(const InstanceOptions& opts = {});
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    VkInstance get() const { return instance_; }
    uint32_t api_version() const { return api_version_; }
    bool validation_enabled() const { return messenger_ != VK_NULL_HANDLE; }
    // Validation errors reported so far (tests require zero).
    int validation_errors() const { return errors_->load(); }

  private:
    Instance() = default;
    VkInstance instance_ = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
    uint32_t api_version_ = 0;
    // Heap-allocated so the callback's user pointer stays valid.
    std::unique_ptr<std::atomic<int>> errors_ = std::make_unique<std::atomic<int>>(0);
};

// True when the environment asks for validation (LOWBIT_VK_VALIDATION=1).
bool validation_requested_by_env();
// True when VK_LAYER_KHRONOS_validation is installed.
bool validation_layer_installed();

}  // namespace lowbit::vulkan
