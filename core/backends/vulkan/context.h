#pragma once
// One Vulkan device opened for compute: instance, logical device and queue, memory, pipelines,
// descriptor sets, and the transfers between host and device. A Context is used from one
// thread at a time (the runner that owns it).
#include <vulkan/vulkan.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/vulkan/descriptors.h"
#include "backends/vulkan/handles.h"
#include "backends/vulkan/instance.h"
#include "backends/vulkan/memory.h"
#include "backends/vulkan/physical_device.h"
#include "backends/vulkan/pipelines.h"

namespace lowbit::vulkan {

struct ContextOptions {
    int device_index = -1;  // rank in query_devices() (the N of vulkan:N); -1: best usable device
    bool force_plain =
        false;                // plain shaders even where the extended ones would run (also LOWBIT_VK_PLAIN=1)
    bool validation = false;  // Khronos validation layer (also LOWBIT_VK_VALIDATION=1)
    // Folder for the persistent pipeline cache: unset = Pipelines::default_cache_dir(); "" = none.
    std::optional<std::string> pipeline_cache_dir;
    // Largest range bound to one shader binding; 0 = the device's maxStorageBufferRange. Tests
    // lower it to exercise the splitting of large tensors.
    uint64_t max_binding_bytes = 0;
    // Write uploads straight into device memory when it is host-visible (integrated GPUs,
    // lavapipe) instead of going through a staging buffer.
    bool direct_upload = true;
    // Cap on device-local memory in bytes (0: none). Also LOWBIT_VK_MEMORY_LIMIT=N[K|M|G].
    uint64_t memory_limit = 0;
    // Fault injection for tests: report the Nth submission (1-based) as VK_ERROR_DEVICE_LOST
    // (0: never). Also LOWBIT_VK_LOSE_DEVICE_AT=N.
    uint64_t lose_device_at_submission = 0;
};

class Context {
  public:
    // Throws lowbit::Error: no driver, no (usable) device, index out of range, device creation failed.
    static std::unique_ptr<Context> create(const ContextOptions& opts = {});
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    VkDevice device() const { return device_.get(); }
    VkQueue queue() const { return queue_; }
    VkCommandPool command_pool() const { return pool_.get(); }
    const PhysicalDevice& physical() const { return *pd_; }
    const DeviceInfo& info() const { return pd_->info; }
    const VkPhysicalDeviceLimits& limits() const { return pd_->props.limits; }
    const Instance& instance() const { return *instance_; }

    bool ext_kernels() const { return ext_; }  // the "_ext" shader variants are in use
    uint64_t max_binding_bytes() const { return max_binding_; }
    VkDeviceSize storage_alignment() const { return memory_->alignment(); }

    MemoryManager& memory() { return *memory_; }
    Pipelines& pipelines() { return *pipelines_; }
    DescriptorCache& descriptors() { return *descriptors_; }
    // A small device buffer bound where a shader's optional input is absent.
    const BufferRange& dummy() const { return dummy_.range(); }

    // Host -> device. `fill(out, offset, n)` writes bytes [offset, offset+n) of the data to `out`;
    // it is called in pieces, directly on mapped device memory or on a staging buffer.
    void upload(const BufferRange& dst, size_t size,
                const std::function<void(uint8_t*, size_t, size_t)>& fill);
    void upload(const BufferRange& dst, const void* src, size_t size);
    // Device -> host (waits for the device).
    void download(const BufferRange& src, void* dst, size_t size);

    // Submits one recorded command buffer and waits for it. Throws DeviceLostError when the GPU
    // is lost, lowbit::Error on other failures.
    void submit_and_wait(VkCommandBuffer cb, VkFence fence);

    // Validation-layer errors so far (0 without validation).
    int validation_errors() const { return instance_->validation_errors(); }

  private:
    Context() = default;
    void one_shot(const std::function<void(VkCommandBuffer)>& record);

    std::unique_ptr<Instance> instance_;
    std::vector<PhysicalDevice> devices_;
    const PhysicalDevice* pd_ = nullptr;
    bool ext_ = false;
    uint64_t max_binding_ = 0;
    bool direct_upload_ = true;
    uint64_t submissions_ = 0;
    uint64_t lose_device_at_ = 0;
    UniqueDevice device_;
    VkQueue queue_ = VK_NULL_HANDLE;
    UniqueCommandPool pool_;
    UniqueFence transfer_fence_;
    std::unique_ptr<MemoryManager> memory_;
    std::unique_ptr<DescriptorCache> descriptors_;
    std::unique_ptr<Pipelines> pipelines_;
    Allocation dummy_;
    Allocation staging_;
};

}  // namespace lowbit::vulkan
