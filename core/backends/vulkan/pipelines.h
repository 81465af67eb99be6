#pragma once
// Compute pipelines, created once per (shader, specialization constants) and kept for the life
// of the Context. A VkPipelineCache makes later program starts fast; it is saved to the user
// cache folder ($XDG_CACHE_HOME/lowbit, else ~/.cache/lowbit) with a checksum, so a truncated
// or foreign file is ignored rather than handed to the driver.
#include <vulkan/vulkan.h>

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/vulkan/handles.h"
#include "backends/vulkan/physical_device.h"
#include "backends/vulkan/spirv_reflect.h"

namespace lowbit::vulkan {

// Every pipeline layout reserves this many push-constant bytes (the guaranteed minimum).
constexpr uint32_t kPushConstantBytes = 128;

struct Pipeline {
    std::string name;  // shader name plus specialization, for profiles and errors
    ShaderInterface iface;
    UniqueDescriptorSetLayout set_layout;
    UniquePipelineLayout layout;
    UniquePipeline pipeline;
    uint32_t local_size = 0;  // specialization constant 0 = local_size_x
    size_t n_bindings() const { return iface.written.size(); }
};

class Pipelines {
  public:
    // `ext`: use the "_ext" shader variants. `cache_file`: where the pipeline cache lives
    // (empty: not persisted).
    Pipelines(VkDevice device, const PhysicalDevice& pd, bool ext, std::string cache_file);
    ~Pipelines();
    Pipelines(const Pipelines&) = delete;
    Pipelines& operator=(const Pipelines&) = delete;

    // spec[0] is the workgroup size (constant_id 0); further values go to constant_id 1, 2, ...
    const Pipeline& get(std::string_view shader, std::initializer_list<uint32_t> spec);
    const Pipeline& get(std::string_view shader, const std::vector<uint32_t>& spec);

    bool ext() const { return ext_; }
    size_t size() const { return pipelines_.size(); }
    // Writes the cache file if pipelines were created since it was loaded. Never throws.
    void save_cache();
    const std::string& cache_file() const { return cache_file_; }

    // $XDG_CACHE_HOME/lowbit or $HOME/.cache/lowbit; empty when neither is set.
    static std::string default_cache_dir();
    static std::string cache_file_name(const PhysicalDevice& pd);

  private:
    VkDevice device_;
    bool ext_;
    std::string cache_file_;
    UniquePipelineCache cache_;
    bool dirty_ = false;
    std::map<std::string, std::unique_ptr<Pipeline>> pipelines_;
};

}  // namespace lowbit::vulkan
