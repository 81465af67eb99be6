#pragma once
// Physical devices: what each offers (lowbit::vulkan::DeviceInfo) plus the raw facts the
// Context needs to create a logical device on it. Ranked best first.
#include <vulkan/vulkan.h>

#include <string>
#include <vector>

#include "backends/vulkan/instance.h"
#include "lowbit/vulkan.h"

namespace lowbit::vulkan {

struct PhysicalDevice {
    VkPhysicalDevice handle = VK_NULL_HANDLE;
    DeviceInfo info;
    uint32_t api_version = 0;
    VkPhysicalDeviceProperties props{};
    uint32_t queue_family = UINT32_MAX;  // a compute-capable family
    uint32_t timestamp_valid_bits = 0;
    std::vector<std::string> extensions;
    bool ext_kernels = false;  // every feature the "_ext" shader variants need is present

    bool has_extension(const char* name) const;
};

// Enumerates and ranks the devices of an instance (discrete > integrated > virtual > CPU > other,
// then by device-local memory; usable devices first). DeviceInfo::index is the rank.
std::vector<PhysicalDevice> enumerate_devices(const Instance& instance);

// Heap budgets (VK_EXT_memory_budget) of a device, refreshed now.
void refresh_heap_budgets(const PhysicalDevice& dev, std::vector<MemoryHeapInfo>& heaps);

}  // namespace lowbit::vulkan
