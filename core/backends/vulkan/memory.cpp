#include "backends/vulkan/memory.h"

#include <algorithm>
#include <cstdio>

#include "backends/vulkan/vk_check.h"
#include "lowbit/vulkan.h"

namespace lowbit::vulkan {

namespace {

constexpr VkDeviceSize kMiB = 1024 * 1024;
constexpr VkDeviceSize kDeviceBlock = 256 * kMiB;
constexpr VkDeviceSize kHostBlock = 32 * kMiB;

VkDeviceSize align_up(VkDeviceSize v, VkDeviceSize a) {
    return (v + a - 1) / a * a;
}

std::string mib(uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / static_cast<double>(kMiB));
    return buf;
}

}  // namespace

struct MemoryManager::Block {
    UniqueMemory memory;
    UniqueBuffer buffer;
    VkDeviceSize size = 0;
    uint8_t* mapped = nullptr;
    MemoryKind kind = MemoryKind::Device;
    uint32_t heap = 0;
    VkDeviceSize alloc_size = 0;                // what vkAllocateMemory was asked for
    std::map<VkDeviceSize, VkDeviceSize> free;  // offset -> size, coalesced
    VkDeviceSize used = 0;
};

Allocation& Allocation::operator=(Allocation&& o) noexcept {
    if (this != &o) {
        reset();
        owner_ = std::exchange(o.owner_, nullptr);
        block_ = std::exchange(o.block_, nullptr);
        block_offset_ = o.block_offset_;
        block_size_ = o.block_size_;
        range_ = std::exchange(o.range_, BufferRange{});
    }
    return *this;
}

void Allocation::reset() {
    if (owner_ && block_)
        owner_->release(static_cast<MemoryManager::Block*>(block_), block_offset_, block_size_);
    owner_ = nullptr;
    block_ = nullptr;
    range_ = {};
}

MemoryManager::MemoryManager(const PhysicalDevice& pd, VkDevice device, VkDeviceSize alignment)
    : pd_(pd), device_(device), alignment_(std::max<VkDeviceSize>(alignment, 256)) {
    vkGetPhysicalDeviceMemoryProperties(pd.handle, &mem_props_);
    heap_allocated_.assign(mem_props_.memoryHeapCount, 0);
    block_size_ = kDeviceBlock;
    if (pd.info.max_allocation_bytes)
        block_size_ = std::min<VkDeviceSize>(block_size_, pd.info.max_allocation_bytes);
}

MemoryManager::~MemoryManager() = default;

bool MemoryManager::device_memory_mappable() const {
    VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bi.size = alignment_;
    bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    VkBuffer b;
    if (vkCreateBuffer(device_, &bi, nullptr, &b) != VK_SUCCESS) return false;
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(device_, b, &req);
    vkDestroyBuffer(device_, b, nullptr);
    const uint32_t t = pick_type(req.memoryTypeBits, MemoryKind::Device);
    return t != UINT32_MAX &&
           (mem_props_.memoryTypes[t].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) &&
           (mem_props_.memoryTypes[t].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
}

uint32_t MemoryManager::pick_type(uint32_t type_bits, MemoryKind kind) const {
    const bool discrete = pd_.info.type == DeviceType::Discrete;
    int best_score = -1;
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < mem_props_.memoryTypeCount; ++i) {
        if (!(type_bits & (1u << i))) continue;
        const VkMemoryPropertyFlags f = mem_props_.memoryTypes[i].propertyFlags;
        const bool local = f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
        const bool visible = f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
        const bool coherent = f & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
        const bool cached = f & VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
        if (f & (VK_MEMORY_PROPERTY_LAZILY_ALLOCATED_BIT | VK_MEMORY_PROPERTY_PROTECTED_BIT)) continue;
        int score = 0;
        switch (kind) {
            case MemoryKind::Device:
                // On a discrete GPU the big VRAM heap is the one that is not host-visible
                // (a host-visible device-local type is often the small BAR window).
                score = (local ? 100 : 0) + (discrete && visible ? 0 : 10);
                break;
            case MemoryKind::Upload:
                if (!visible || !coherent) continue;
                score = (discrete && local ? 0 : 10) + (cached ? 0 : 1);
                break;
            case MemoryKind::Readback:
                if (!visible || !coherent) continue;
                score = (cached ? 10 : 0) + (discrete && local ? 0 : 1);
                break;
        }
        if (score > best_score) {
            best_score = score;
            best = i;
        }
    }
    return best;
}

std::unique_ptr<MemoryManager::Block> MemoryManager::create_block(VkDeviceSize size, MemoryKind kind,
                                                                  const std::string& what) {
    auto block = std::make_unique<Block>();
    block->size = size;
    block->kind = kind;

    VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bi.size = size;
    bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VkBuffer buffer;
    check(vkCreateBuffer(device_, &bi, nullptr, &buffer), "vkCreateBuffer");
    block->buffer = UniqueBuffer(device_, buffer);

    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(device_, buffer, &req);
    const uint32_t type = pick_type(req.memoryTypeBits, kind);
    if (type == UINT32_MAX)
        throw Error("Vulkan: no suitable memory type on " + pd_.info.name + " for " + what);
    block->heap = mem_props_.memoryTypes[type].heapIndex;

    // Check the budget first: drivers may "succeed" past it and then page to system memory.
    const uint64_t heap_size = mem_props_.memoryHeaps[block->heap].size;
    std::vector<MemoryHeapInfo> heaps = pd_.info.heaps;
    refresh_heap_budgets(pd_, heaps);
    const bool have_budget = block->heap < heaps.size() && heaps[block->heap].budget_bytes > 0;
    const uint64_t limit = have_budget ? heaps[block->heap].budget_bytes : heap_size;
    const uint64_t in_use = have_budget ? heaps[block->heap].usage_bytes : heap_allocated_[block->heap];
    if (device_limit_ && (mem_props_.memoryHeaps[block->heap].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)) {
        uint64_t ours = 0;
        for (uint32_t h = 0; h < mem_props_.memoryHeapCount; ++h)
            if (mem_props_.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) ours += heap_allocated_[h];
        if (ours + req.size > device_limit_)
            throw OutOfDeviceMemoryError("out of GPU memory on " + pd_.info.name + ": " + what + " needs " +
                                         mib(req.size) + " more, " + mib(ours) + " of the " +
                                         mib(device_limit_) + " allowed (LOWBIT_VK_MEMORY_LIMIT) are in use");
    }
    if (in_use + req.size > limit) {
        throw OutOfDeviceMemoryError("out of GPU memory on " + pd_.info.name + ": " + what + " needs " +
                                     mib(req.size) + " more, " + mib(in_use) + " of " + mib(limit) +
                                     " are in use" + (have_budget ? " (memory budget)" : ""));
    }

    VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = type;
    VkDeviceMemory mem;
    const VkResult r = vkAllocateMemory(device_, &ai, nullptr, &mem);
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
        throw OutOfDeviceMemoryError(
            "out of " + std::string(r == VK_ERROR_OUT_OF_HOST_MEMORY ? "system" : "GPU") + " memory on " +
            pd_.info.name + ": " + what + " needs " + mib(req.size) + ", " +
            mib(heap_allocated_[block->heap]) + " already allocated by this engine");
    }
    check(r, "vkAllocateMemory");
    block->memory = UniqueMemory(device_, mem);
    check(vkBindBufferMemory(device_, buffer, mem, 0), "vkBindBufferMemory");
    if (mem_props_.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
        void* p = nullptr;
        check(vkMapMemory(device_, mem, 0, VK_WHOLE_SIZE, 0, &p), "vkMapMemory");
        block->mapped = static_cast<uint8_t*>(p);
    }
    block->alloc_size = req.size;
    heap_allocated_[block->heap] += req.size;
    block->free.emplace(0, size);
    return block;
}

Allocation MemoryManager::allocate(VkDeviceSize size, MemoryKind kind, const std::string& what) {
    const VkDeviceSize need = align_up(std::max<VkDeviceSize>(size, 1), alignment_);
    Block* found = nullptr;
    VkDeviceSize offset = 0;
    for (auto& b : blocks_) {
        if (b->kind != kind) continue;
        for (auto it = b->free.begin(); it != b->free.end(); ++it) {
            if (it->second >= need) {
                found = b.get();
                offset = it->first;
                break;
            }
        }
        if (found) break;
    }
    if (!found) {
        const VkDeviceSize standard = kind == MemoryKind::Device ? block_size_ : kHostBlock;
        blocks_.push_back(create_block(need > standard ? need : standard, kind, what));
        found = blocks_.back().get();
        offset = 0;
    }
    auto it = found->free.find(offset);
    const VkDeviceSize free_size = it->second;
    found->free.erase(it);
    if (free_size > need) found->free.emplace(offset + need, free_size - need);
    found->used += need;

    Allocation a;
    a.owner_ = this;
    a.block_ = found;
    a.block_offset_ = offset;
    a.block_size_ = need;
    a.range_ = {found->buffer.get(), offset, size, found->mapped ? found->mapped + offset : nullptr};
    return a;
}

void MemoryManager::release(Block* block, VkDeviceSize offset, VkDeviceSize size) {
    auto [it, inserted] = block->free.emplace(offset, size);
    // Coalesce with the following and the preceding free range.
    auto next = std::next(it);
    if (next != block->free.end() && it->first + it->second == next->first) {
        it->second += next->second;
        block->free.erase(next);
    }
    if (it != block->free.begin()) {
        auto prev = std::prev(it);
        if (prev->first + prev->second == it->first) {
            prev->second += it->second;
            block->free.erase(it);
        }
    }
    block->used -= size;
    if (block->used == 0) {
        // Give the memory back (a closed model must free its GPU memory).
        for (auto b = blocks_.begin(); b != blocks_.end(); ++b) {
            if (b->get() != block) continue;
            if (release_hook_) release_hook_(block->buffer.get());
            heap_allocated_[block->heap] -= block->alloc_size;
            blocks_.erase(b);
            break;
        }
    }
}

MemoryStatsVk MemoryManager::stats() const {
    MemoryStatsVk s;
    for (uint32_t h = 0; h < mem_props_.memoryHeapCount; ++h) {
        if (mem_props_.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
            s.device_bytes += heap_allocated_[h];
        else
            s.host_bytes += heap_allocated_[h];
    }
    std::vector<MemoryHeapInfo> heaps = pd_.info.heaps;
    refresh_heap_budgets(pd_, heaps);
    for (const auto& h : heaps) {
        if (!h.device_local) continue;
        s.device_budget += h.budget_bytes ? h.budget_bytes : h.size_bytes;
        s.device_heap_usage += h.usage_bytes;
    }
    return s;
}

}  // namespace lowbit::vulkan
