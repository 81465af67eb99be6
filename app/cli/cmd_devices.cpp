// lowbit devices [--json]: the devices --device accepts: the CPU, and every Vulkan device with
// its type, memory heaps (and budget), subgroup size, limits and the features the kernels use.
// Listing never fails for lack of a GPU: "no Vulkan driver" is reported as such, status 0.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "lowbit/system_info.h"
#include "lowbit/vulkan.h"

namespace lowbit::cli {
namespace {

std::string feature_list(const vulkan::DeviceFeatures& f) {
    std::string s;
    auto add = [&](bool on, const char* name) {
        if (!on) return;
        if (!s.empty()) s += ", ";
        s += name;
    };
    add(f.int8_arithmetic, "int8");
    add(f.int16_arithmetic, "int16");
    add(f.fp16_arithmetic, "fp16");
    add(f.storage_8bit, "8-bit storage");
    add(f.storage_16bit, "16-bit storage");
    if (f.int_dot_product)
        add(true, f.int_dot_product_accelerated ? "int8 dot product" : "int8 dot product (not accelerated)");
    add(f.subgroup_arithmetic, "subgroup arithmetic");
    add(f.memory_budget, "memory budget");
    add(f.timestamps, "timestamps");
    return s.empty() ? "none" : s;
}

nlohmann::json device_json(const vulkan::DeviceInfo& d) {
    nlohmann::json heaps = nlohmann::json::array();
    for (const auto& h : d.heaps) {
        nlohmann::json j{{"size_bytes", h.size_bytes}, {"device_local", h.device_local}};
        if (h.budget_bytes) {
            j["budget_bytes"] = h.budget_bytes;
            j["usage_bytes"] = h.usage_bytes;
        }
        heaps.push_back(j);
    }
    const auto& f = d.features;
    return {{"device", "vulkan:" + std::to_string(d.index)},
            {"name", d.name},
            {"type", vulkan::device_type_name(d.type)},
            {"vendor_id", d.vendor_id},
            {"device_id", d.device_id},
            {"api_version", d.api_version},
            {"driver", d.driver},
            {"usable", d.usable},
            {"problem", d.problem},
            {"device_local_bytes", d.device_local_bytes},
            {"heaps", heaps},
            {"subgroup_size", d.subgroup_size},
            {"max_storage_buffer_range", d.max_storage_buffer_range},
            {"max_allocation_bytes", d.max_allocation_bytes},
            {"max_shared_memory_bytes", d.max_shared_memory_bytes},
            {"max_workgroup_invocations", d.max_workgroup_invocations},
            {"features",
             {{"int8_arithmetic", f.int8_arithmetic},
              {"int16_arithmetic", f.int16_arithmetic},
              {"fp16_arithmetic", f.fp16_arithmetic},
              {"storage_8bit", f.storage_8bit},
              {"storage_16bit", f.storage_16bit},
              {"int_dot_product", f.int_dot_product},
              {"int_dot_product_accelerated", f.int_dot_product_accelerated},
              {"subgroup_arithmetic", f.subgroup_arithmetic},
              {"memory_budget", f.memory_budget},
              {"timestamps", f.timestamps}}},
            {"kernels", d.kernel_path}};
}

}  // namespace

int cmd_devices(Args& args) {
    const bool json = args.flag({"--json"});
    args.finish();
    const vulkan::DeviceQuery q = vulkan::query_devices();
    int best = -1;
    for (const auto& d : q.devices)
        if (d.usable && best < 0) best = d.index;

    if (json) {
        nlohmann::json out;
        out["cpu"] = {{"device", "cpu"},
                      {"name", cpu_model_name()},
                      {"logical_cpus", logical_cpu_count()},
                      {"memory_bytes", total_memory_bytes()}};
        nlohmann::json list = nlohmann::json::array();
        for (const auto& d : q.devices) list.push_back(device_json(d));
        out["vulkan"] = list;
        if (!q.error.empty()) out["vulkan_error"] = q.error;
        out["default_vulkan"] =
            best >= 0 ? nlohmann::json("vulkan:" + std::to_string(best)) : nlohmann::json(nullptr);
        std::printf("%s\n", out.dump(2).c_str());
        return 0;
    }

    std::printf("cpu        %s, %d logical CPUs, %s memory\n", cpu_model_name().c_str(), logical_cpu_count(),
                human_bytes(static_cast<double>(total_memory_bytes())).c_str());
    if (q.devices.empty()) {
        std::printf("vulkan     none: %s\n", q.error.c_str());
        return 0;
    }
    for (const auto& d : q.devices) {
        const std::string id = "vulkan:" + std::to_string(d.index);
        std::printf("%-10s %s (%s)%s\n", id.c_str(), d.name.c_str(), vulkan::device_type_name(d.type),
                    d.index == best ? "  [default for --device vulkan]" : "");
        std::printf("           Vulkan %s, %s\n", d.api_version.c_str(), d.driver.c_str());
        if (!d.usable) std::printf("           not usable: %s\n", d.problem.c_str());
        for (size_t i = 0; i < d.heaps.size(); ++i) {
            const auto& h = d.heaps[i];
            std::printf("           memory heap %zu: %s%s", i,
                        human_bytes(static_cast<double>(h.size_bytes)).c_str(),
                        h.device_local ? " device-local" : " host");
            if (h.budget_bytes)
                std::printf(", budget %s, in use %s",
                            human_bytes(static_cast<double>(h.budget_bytes)).c_str(),
                            human_bytes(static_cast<double>(h.usage_bytes)).c_str());
            std::printf("\n");
        }
        std::printf("           subgroup %u, max storage buffer %s, shared memory %s\n", d.subgroup_size,
                    human_bytes(static_cast<double>(d.max_storage_buffer_range)).c_str(),
                    human_bytes(static_cast<double>(d.max_shared_memory_bytes)).c_str());
        std::printf("           features: %s\n", feature_list(d.features).c_str());
        std::printf("           kernels: %s\n", d.kernel_path.c_str());
    }
    return 0;
}

}  // namespace lowbit::cli
