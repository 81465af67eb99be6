#include "backends/vulkan/descriptors.h"

#include <cstring>

#include "backends/vulkan/vk_check.h"
#include "lowbit/error.h"

namespace lowbit::vulkan {

namespace {
constexpr uint32_t kSetsPerPool = 256;
constexpr uint32_t kBuffersPerSet = 16;

template <typename T>
void append(std::string& key, const T& v) {
    key.append(reinterpret_cast<const char*>(&v), sizeof v);
}
}  // namespace

VkDescriptorSet DescriptorCache::allocate(VkDescriptorSetLayout layout, VkDescriptorPool& pool_out) {
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &layout;
    VkDescriptorSet set;
    if (!pools_.empty()) {
        ai.descriptorPool = pools_.back().get();
        const VkResult r = vkAllocateDescriptorSets(device_, &ai, &set);
        if (r == VK_SUCCESS) {
            pool_out = ai.descriptorPool;
            return set;
        }
        if (r != VK_ERROR_OUT_OF_POOL_MEMORY && r != VK_ERROR_FRAGMENTED_POOL)
            check(r, "vkAllocateDescriptorSets");
    }
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * kBuffersPerSet};
    VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    pi.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
    pi.maxSets = kSetsPerPool;
    pi.poolSizeCount = 1;
    pi.pPoolSizes = &size;
    VkDescriptorPool pool;
    check(vkCreateDescriptorPool(device_, &pi, nullptr, &pool), "vkCreateDescriptorPool");
    pools_.emplace_back(device_, pool);
    ai.descriptorPool = pool;
    check(vkAllocateDescriptorSets(device_, &ai, &set), "vkAllocateDescriptorSets");
    pool_out = pool;
    return set;
}

VkDescriptorSet DescriptorCache::get(const Pipeline& p, std::span<const BufferRange> bindings) {
    if (bindings.size() != p.n_bindings())
        throw Error("Vulkan: " + p.name + " expects " + std::to_string(p.n_bindings()) + " buffers, got " +
                    std::to_string(bindings.size()));
    std::string key;
    key.reserve(8 + bindings.size() * 24);
    append(key, p.set_layout.get());
    for (const BufferRange& b : bindings) {
        append(key, b.buffer);
        append(key, b.offset);
        append(key, b.size);
    }
    if (auto it = sets_.find(key); it != sets_.end()) return it->second.set;

    Entry e;
    e.set = allocate(p.set_layout.get(), e.pool);
    std::vector<VkDescriptorBufferInfo> infos(bindings.size());
    std::vector<VkWriteDescriptorSet> writes(bindings.size());
    for (size_t i = 0; i < bindings.size(); ++i) {
        infos[i] = {bindings[i].buffer, bindings[i].offset, bindings[i].size};
        writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        writes[i].dstSet = e.set;
        writes[i].dstBinding = static_cast<uint32_t>(i);
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[i].pBufferInfo = &infos[i];
        e.buffers.push_back(bindings[i].buffer);
    }
    vkUpdateDescriptorSets(device_, static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
    return sets_.emplace(std::move(key), std::move(e)).first->second.set;
}

void DescriptorCache::forget_buffer(VkBuffer buffer) {
    for (auto it = sets_.begin(); it != sets_.end();) {
        bool uses = false;
        for (VkBuffer b : it->second.buffers) uses |= b == buffer;
        if (uses) {
            vkFreeDescriptorSets(device_, it->second.pool, 1, &it->second.set);
            it = sets_.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace lowbit::vulkan
