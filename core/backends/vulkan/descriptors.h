#pragma once
// Descriptor sets, one per distinct (pipeline layout, bound buffer ranges), created on first use
// and reused: a token step binds the same weights and activation buffers every time, so after
// the first step no descriptor is allocated or written any more.
#include <vulkan/vulkan.h>

#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/vulkan/handles.h"
#include "backends/vulkan/memory.h"
#include "backends/vulkan/pipelines.h"

namespace lowbit::vulkan {

class DescriptorCache {
  public:
    explicit DescriptorCache(VkDevice device) : device_(device) {}
    DescriptorCache(const DescriptorCache&) = delete;
    DescriptorCache& operator=(const DescriptorCache&) = delete;

    VkDescriptorSet get(const Pipeline& p, std::span<const BufferRange> bindings);
    // Drops (and frees) every set that points into `buffer` (called before the buffer is destroyed).
    void forget_buffer(VkBuffer buffer);
    size_t size() const { return sets_.size(); }

  private:
    struct Entry {
        VkDescriptorSet set;
        VkDescriptorPool pool;
        std::vector<VkBuffer> buffers;
    };
    VkDescriptorSet allocate(VkDescriptorSetLayout layout, VkDescriptorPool& pool_out);

    VkDevice device_;
    std::vector<UniqueDescriptorPool> pools_;
    std::unordered_map<std::string, Entry> sets_;
};

}  // namespace lowbit::vulkan
