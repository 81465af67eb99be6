#include "backends/vulkan/physical_device.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "backends/vulkan/vk_check.h"

namespace lowbit::vulkan {

namespace {

std::string version_string(uint32_t v) {
    return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "." +
           std::to_string(VK_API_VERSION_PATCH(v));
}

DeviceType to_type(VkPhysicalDeviceType t) {
    switch (t) {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
            return DeviceType::Discrete;
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
            return DeviceType::Integrated;
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
            return DeviceType::Virtual;
        case VK_PHYSICAL_DEVICE_TYPE_CPU:
            return DeviceType::Cpu;
        default:
            return DeviceType::Other;
    }
}

int type_rank(DeviceType t) {
    switch (t) {
        case DeviceType::Discrete:
            return 0;
        case DeviceType::Integrated:
            return 1;
        case DeviceType::Virtual:
            return 2;
        case DeviceType::Cpu:
            return 3;
        case DeviceType::Other:
            return 4;
    }
    return 5;
}

std::vector<std::string> device_extensions(VkPhysicalDevice pd) {
    uint32_t n = 0;
    std::vector<std::string> out;
    if (vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr) != VK_SUCCESS) return out;
    std::vector<VkExtensionProperties> ext(n);
    if (vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, ext.data()) != VK_SUCCESS) return out;
    for (const auto& e : ext) out.emplace_back(e.extensionName);
    return out;
}

PhysicalDevice describe(VkPhysicalDevice pd) {
    PhysicalDevice d;
    d.handle = pd;
    d.extensions = device_extensions(pd);
    vkGetPhysicalDeviceProperties(pd, &d.props);
    d.api_version = d.props.apiVersion;
    DeviceInfo& info = d.info;
    info.name = d.props.deviceName;
    info.type = to_type(d.props.deviceType);
    info.vendor_id = d.props.vendorID;
    info.device_id = d.props.deviceID;
    info.api_version = version_string(d.api_version);
    info.max_storage_buffer_range = d.props.limits.maxStorageBufferRange;
    info.max_shared_memory_bytes = d.props.limits.maxComputeSharedMemorySize;
    info.max_workgroup_invocations = d.props.limits.maxComputeWorkGroupInvocations;

    const bool v12 = d.api_version >= VK_API_VERSION_1_2;
    const bool v13 = d.api_version >= VK_API_VERSION_1_3;
    const bool dot_ext = v13 || d.has_extension(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);

    // Properties.
    VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    VkPhysicalDeviceSubgroupProperties sub{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceMaintenance3Properties m3{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
    VkPhysicalDeviceDriverProperties drv{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceShaderIntegerDotProductProperties dotp{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES};
    p2.pNext = &sub;
    sub.pNext = &m3;
    void** tail = &m3.pNext;
    if (v12) {
        *tail = &drv;
        tail = &drv.pNext;
    }
    if (dot_ext) {
        *tail = &dotp;
        tail = &dotp.pNext;
    }
    vkGetPhysicalDeviceProperties2(pd, &p2);
    info.subgroup_size = sub.subgroupSize;
    info.max_allocation_bytes = m3.maxMemoryAllocationSize;
    if (v12) {
        info.driver = drv.driverName;
        if (drv.driverInfo[0]) info.driver += std::string(" (") + drv.driverInfo + ")";
    } else {
        info.driver = "driver version " + std::to_string(d.props.driverVersion);
    }

    // Features.
    VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDevice16BitStorageFeatures s16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDeviceShaderIntegerDotProductFeatures dotf{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES};
    tail = &f2.pNext;
    if (v12) {
        *tail = &f11;
        f11.pNext = &f12;
        tail = &f12.pNext;
    } else {
        *tail = &s16;
        tail = &s16.pNext;
    }
    if (dot_ext) {
        *tail = &dotf;
        tail = &dotf.pNext;
    }
    vkGetPhysicalDeviceFeatures2(pd, &f2);

    DeviceFeatures& f = info.features;
    f.int16_arithmetic = f2.features.shaderInt16;
    if (v12) {
        f.storage_16bit = f11.storageBuffer16BitAccess;
        f.storage_8bit = f12.storageBuffer8BitAccess;
        f.int8_arithmetic = f12.shaderInt8;
        f.fp16_arithmetic = f12.shaderFloat16;
    } else {
        f.storage_16bit = s16.storageBuffer16BitAccess;
    }
    f.int_dot_product = dot_ext && dotf.shaderIntegerDotProduct;
    f.int_dot_product_accelerated = f.int_dot_product && dotp.integerDotProduct4x8BitPackedSignedAccelerated;
    f.subgroup_arithmetic = (sub.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                            (sub.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) &&
                            (sub.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
    f.memory_budget = d.has_extension(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);

    // Queues: a compute-capable family, preferring one with timestamps and then a dedicated one.
    uint32_t nq = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, nullptr);
    std::vector<VkQueueFamilyProperties> qf(nq);
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, qf.data());
    int best_score = -1;
    for (uint32_t i = 0; i < nq; ++i) {
        if (!(qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || qf[i].queueCount == 0) continue;
        const int score =
            (qf[i].timestampValidBits > 0 ? 2 : 0) + (qf[i].queueFlags & VK_QUEUE_GRAPHICS_BIT ? 0 : 1);
        if (score > best_score) {
            best_score = score;
            d.queue_family = i;
            d.timestamp_valid_bits = qf[i].timestampValidBits;
        }
    }
    f.timestamps = d.timestamp_valid_bits > 0 && d.props.limits.timestampPeriod > 0;

    // Memory.
    VkPhysicalDeviceMemoryProperties mp;
    vkGetPhysicalDeviceMemoryProperties(pd, &mp);
    for (uint32_t i = 0; i < mp.memoryHeapCount; ++i) {
        MemoryHeapInfo h;
        h.size_bytes = mp.memoryHeaps[i].size;
        h.device_local = mp.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT;
        if (h.device_local) info.device_local_bytes += h.size_bytes;
        info.heaps.push_back(h);
    }
    refresh_heap_budgets(d, info.heaps);

    // What the engine needs.
    if (d.api_version < VK_API_VERSION_1_1) {
        info.problem = "Vulkan 1.1 is required, the device offers " + info.api_version;
    } else if (d.queue_family == UINT32_MAX) {
        info.problem = "no compute queue";
    } else if (info.max_workgroup_invocations < 128 || d.props.limits.maxComputeWorkGroupSize[0] < 128) {
        info.problem = "compute workgroups of 128 invocations are not supported";
    }
    info.usable = info.problem.empty();

    d.ext_kernels = v12 && f.storage_8bit && f.storage_16bit && f.int8_arithmetic && f.fp16_arithmetic &&
                    f.int_dot_product && f.subgroup_arithmetic;
    if (d.ext_kernels) {
        info.kernel_path = std::string("extended (integer dot product") +
                           (f.int_dot_product_accelerated ? "" : " not hardware-accelerated") +
                           ", 8/16-bit storage, subgroup reductions)";
    } else {
        std::vector<std::string> missing;
        if (!v12) missing.push_back("Vulkan 1.2");
        if (!f.storage_8bit) missing.push_back("8-bit storage");
        if (!f.storage_16bit) missing.push_back("16-bit storage");
        if (!f.int8_arithmetic) missing.push_back("int8 arithmetic");
        if (!f.fp16_arithmetic) missing.push_back("fp16 arithmetic");
        if (!f.int_dot_product) missing.push_back("integer dot product");
        if (!f.subgroup_arithmetic) missing.push_back("subgroup arithmetic");
        std::string m;
        for (size_t i = 0; i < missing.size(); ++i) m += (i ? ", " : "") + missing[i];
        info.kernel_path = "plain (32-bit words, shared-memory reductions; missing: " + m + ")";
    }
    return d;
}

}  // namespace

bool PhysicalDevice::has_extension(const char* name) const {
    return std::find(extensions.begin(), extensions.end(), name) != extensions.end();
}

void refresh_heap_budgets(const PhysicalDevice& dev, std::vector<MemoryHeapInfo>& heaps) {
    if (!dev.info.features.memory_budget) return;
    VkPhysicalDeviceMemoryProperties2 mp2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2};
    VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
    mp2.pNext = &budget;
    vkGetPhysicalDeviceMemoryProperties2(dev.handle, &mp2);
    for (uint32_t i = 0; i < mp2.memoryProperties.memoryHeapCount && i < heaps.size(); ++i) {
        heaps[i].budget_bytes = budget.heapBudget[i];
        heaps[i].usage_bytes = budget.heapUsage[i];
    }
}

std::vector<PhysicalDevice> enumerate_devices(const Instance& instance) {
    uint32_t n = 0;
    check(vkEnumeratePhysicalDevices(instance.get(), &n, nullptr), "vkEnumeratePhysicalDevices");
    std::vector<VkPhysicalDevice> handles(n);
    if (n)
        check(vkEnumeratePhysicalDevices(instance.get(), &n, handles.data()), "vkEnumeratePhysicalDevices");
    handles.resize(n);
    std::vector<PhysicalDevice> devs;
    for (VkPhysicalDevice h : handles) devs.push_back(describe(h));
    std::stable_sort(devs.begin(), devs.end(), [](const PhysicalDevice& a, const PhysicalDevice& b) {
        if (a.info.usable != b.info.usable) return a.info.usable;
        const int ra = type_rank(a.info.type), rb = type_rank(b.info.type);
        if (ra != rb) return ra < rb;
        return a.info.device_local_bytes > b.info.device_local_bytes;
    });
    for (size_t i = 0; i < devs.size(); ++i) devs[i].info.index = static_cast<int>(i);
    return devs;
}

}  // namespace lowbit::vulkan
