// Built without the Vulkan backend: the device list has the CPU only.
#include "engine/devices.h"

namespace lowbit::app {
std::unique_ptr<DeviceProvider> makeVulkanDeviceProvider() {
    return nullptr;
}
}  // namespace lowbit::app
