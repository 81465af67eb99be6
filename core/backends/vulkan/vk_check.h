#pragma once
// VkResult handling: every failing Vulkan call becomes a lowbit::Error whose message names the
// call and the result in words ("out of device memory", "device lost", ...).
#include <vulkan/vulkan.h>

#include <string>

namespace lowbit::vulkan {

// "VK_ERROR_DEVICE_LOST (the GPU stopped responding ...)"
std::string result_string(VkResult r);

// Throws DeviceLostError for VK_ERROR_DEVICE_LOST, lowbit::Error otherwise.
[[noreturn]] void throw_result(VkResult r, const char* what);

inline void check(VkResult r, const char* what) {
    if (r != VK_SUCCESS) throw_result(r, what);
}

}  // namespace lowbit::vulkan
