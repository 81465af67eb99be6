#pragma once
// RAII owners for Vulkan handles created from a VkDevice. Each destroys its handle exactly once;
// they move but never copy.
#include <vulkan/vulkan.h>

#include <utility>

namespace lowbit::vulkan {

template <typename Handle, auto Destroy>
class DeviceHandle {
  public:
    DeviceHandle() = default;
    DeviceHandle(VkDevice device, Handle handle) : device_(device), handle_(handle) {}
    ~DeviceHandle() { reset(); }
    DeviceHandle(DeviceHandle&& o) noexcept
        : device_(o.device_), handle_(std::exchange(o.handle_, static_cast<Handle>(VK_NULL_HANDLE))) {}
    DeviceHandle& operator=(DeviceHandle&& o) noexcept {
        if (this != &o) {
            reset();
            device_ = o.device_;
            handle_ = std::exchange(o.handle_, static_cast<Handle>(VK_NULL_HANDLE));
        }
        return *this;
    }
    DeviceHandle(const DeviceHandle&) = delete;
    DeviceHandle& operator=(const DeviceHandle&) = delete;

    Handle get() const { return handle_; }
    explicit operator bool() const { return handle_ != VK_NULL_HANDLE; }
    void reset() {
        if (handle_ != VK_NULL_HANDLE) Destroy(device_, handle_, nullptr);
        handle_ = VK_NULL_HANDLE;
    }

  private:
    VkDevice device_ = VK_NULL_HANDLE;
    Handle handle_ = VK_NULL_HANDLE;
};

using UniqueBuffer = DeviceHandle<VkBuffer, vkDestroyBuffer>;
using UniqueMemory = DeviceHandle<VkDeviceMemory, vkFreeMemory>;
using UniqueShaderModule = DeviceHandle<VkShaderModule, vkDestroyShaderModule>;
using UniquePipeline = DeviceHandle<VkPipeline, vkDestroyPipeline>;
using UniquePipelineLayout = DeviceHandle<VkPipelineLayout, vkDestroyPipelineLayout>;
using UniquePipelineCache = DeviceHandle<VkPipelineCache, vkDestroyPipelineCache>;
using UniqueDescriptorSetLayout = DeviceHandle<VkDescriptorSetLayout, vkDestroyDescriptorSetLayout>;
using UniqueDescriptorPool = DeviceHandle<VkDescriptorPool, vkDestroyDescriptorPool>;
using UniqueCommandPool = DeviceHandle<VkCommandPool, vkDestroyCommandPool>;
using UniqueFence = DeviceHandle<VkFence, vkDestroyFence>;
using UniqueQueryPool = DeviceHandle<VkQueryPool, vkDestroyQueryPool>;

// The logical device itself (destroyed last by its owner, the Context).
class UniqueDevice {
  public:
    UniqueDevice() = default;
    explicit UniqueDevice(VkDevice d) : device_(d) {}
    ~UniqueDevice() {
        if (device_) vkDestroyDevice(device_, nullptr);
    }
    UniqueDevice(UniqueDevice&& o) noexcept : device_(std::exchange(o.device_, VK_NULL_HANDLE)) {}
    UniqueDevice& operator=(UniqueDevice&& o) noexcept {
        if (this != &o) {
            if (device_) vkDestroyDevice(device_, nullptr);
            device_ = std::exchange(o.device_, VK_NULL_HANDLE);
        }
        return *this;
    }
    UniqueDevice(const UniqueDevice&) = delete;
    UniqueDevice& operator=(const UniqueDevice&) = delete;
    VkDevice get() const { return device_; }

  private:
    VkDevice device_ = VK_NULL_HANDLE;
};

}  // namespace lowbit::vulkan
