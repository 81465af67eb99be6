// The public device list (lowbit/vulkan.h) and --device parsing.
#include <charconv>
#include <exception>

#include "backends/vulkan/instance.h"
#include "backends/vulkan/physical_device.h"
#include "lowbit/vulkan.h"

namespace lowbit::vulkan {

const char* device_type_name(DeviceType t) {
    switch (t) {
        case DeviceType::Discrete:
            return "discrete GPU";
        case DeviceType::Integrated:
            return "integrated GPU";
        case DeviceType::Virtual:
            return "virtual GPU";
        case DeviceType::Cpu:
            return "CPU (software)";
        case DeviceType::Other:
            return "other";
    }
    return "other";
}

DeviceQuery query_devices() {
    DeviceQuery q;
    try {
        auto instance = Instance::create();
        for (auto& d : enumerate_devices(*instance)) q.devices.push_back(std::move(d.info));
        if (q.devices.empty()) q.error = "the Vulkan driver reports no devices";
    } catch (const std::exception& e) {
        q.error = e.what();
    }
    return q;
}

std::string DeviceSpec::text() const {
    if (cpu) return "cpu";
    if (vulkan_index < 0) return "vulkan";
    return "vulkan:" + std::to_string(vulkan_index);
}

DeviceSpec parse_device_spec(std::string_view s) {
    DeviceSpec spec;
    if (s == "cpu") return spec;
    spec.cpu = false;
    if (s == "vulkan" || s == "gpu") return spec;
    constexpr std::string_view prefix = "vulkan:";
    if (s.substr(0, prefix.size()) == prefix) {
        const std::string_view num = s.substr(prefix.size());
        int n = -1;
        const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
        if (!num.empty() && ec == std::errc() && ptr == num.data() + num.size() && n >= 0) {
            spec.vulkan_index = n;
            return spec;
        }
    }
    throw Error("unknown device '" + std::string(s) +
                "': use cpu, vulkan or vulkan:N (see `lowbit devices`)");
}

}  // namespace lowbit::vulkan
