#pragma once
// The Vulkan devices this machine offers, for `lowbit devices`, the app's settings page and
// device selection (`--device cpu|vulkan|vulkan:N`). No Qt and no Vulkan headers here.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lowbit/error.h"

namespace lowbit::vulkan {

// The GPU stopped responding or was reset (VK_ERROR_DEVICE_LOST). The runner is unusable after it.
class DeviceLostError : public Error {
  public:
    explicit DeviceLostError(const std::string& message) : Error(message) {}
};

// An allocation did not fit in the GPU's memory (or its budget).
class OutOfDeviceMemoryError : public Error {
  public:
    explicit OutOfDeviceMemoryError(const std::string& message) : Error(message) {}
};

// Ranked best first: discrete > integrated > virtual > CPU-type (lavapipe, SwiftShader) > other.
enum class DeviceType { Discrete, Integrated, Virtual, Cpu, Other };
const char* device_type_name(DeviceType t);  // "discrete GPU", "integrated GPU", ...

struct MemoryHeapInfo {
    uint64_t size_bytes = 0;
    bool device_local = false;
    uint64_t budget_bytes = 0;  // VK_EXT_memory_budget; 0 when the driver does not report it
    uint64_t usage_bytes = 0;   // used by all processes, VK_EXT_memory_budget
};

struct DeviceFeatures {
    bool storage_8bit = false;      // storageBuffer8BitAccess
    bool storage_16bit = false;     // storageBuffer16BitAccess
    bool int8_arithmetic = false;   // shaderInt8
    bool int16_arithmetic = false;  // shaderInt16
    bool fp16_arithmetic = false;   // shaderFloat16
    bool int_dot_product = false;   // shaderIntegerDotProduct (VK_KHR_shader_integer_dot_product / 1.3)
    bool int_dot_product_accelerated = false;  // 4x8-bit packed signed dot product in hardware
    bool subgroup_arithmetic = false;          // subgroupAdd & co. in compute shaders
    bool memory_budget = false;                // VK_EXT_memory_budget
    bool timestamps = false;                   // timestamp queries on the compute queue
};

struct DeviceInfo {
    int index = 0;  // the N of --device vulkan:N (position in this ranked list)
    std::string name;
    DeviceType type = DeviceType::Other;
    uint32_t vendor_id = 0;
    uint32_t device_id = 0;
    std::string api_version;  // e.g. "1.3.230"
    std::string driver;       // driver name and info, e.g. "llvmpipe (Mesa 22.3.6 ...)"
    std::vector<MemoryHeapInfo> heaps;
    uint64_t device_local_bytes = 0;  // sum of device-local heaps
    uint32_t subgroup_size = 0;
    uint64_t max_storage_buffer_range = 0;
    uint64_t max_allocation_bytes = 0;
    uint32_t max_shared_memory_bytes = 0;
    uint32_t max_workgroup_invocations = 0;
    DeviceFeatures features;
    bool usable = false;      // the engine can run on it
    std::string problem;      // why not, when !usable
    std::string kernel_path;  // which shader variant it gets: "extended (...)" or "plain (...)"
};

struct DeviceQuery {
    std::vector<DeviceInfo> devices;  // ranked best first
    std::string error;                // why none could be listed (no driver, ...), else empty
};

// Lists the Vulkan devices. Never throws: problems are reported in DeviceQuery::error.
DeviceQuery query_devices();

// A parsed --device value.
struct DeviceSpec {
    bool cpu = true;
    int vulkan_index = -1;     // -1: the best usable device
    std::string text() const;  // "cpu", "vulkan", "vulkan:1"
};
// Accepts "cpu", "vulkan", "gpu" (alias of vulkan) and "vulkan:N"; throws lowbit::Error otherwise.
DeviceSpec parse_device_spec(std::string_view spec);

}  // namespace lowbit::vulkan
