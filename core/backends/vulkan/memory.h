#pragma once
// GPU memory: a few large VkDeviceMemory blocks per kind, each with one VkBuffer over the whole
// block, handed out in aligned pieces (real GPUs allow only ~4096 allocations, so tensors are
// never allocated one by one). A piece is a BufferRange: (buffer, offset, size) plus a host
// pointer when the memory is mapped.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/vulkan/handles.h"
#include "backends/vulkan/physical_device.h"

namespace lowbit::vulkan {

enum class MemoryKind {
    Device,    // device-local: weights, KV cache, activations
    Upload,    // host-visible, host-coherent: staging for uploads
    Readback,  // host-visible, host-coherent, cached when possible: results read by the CPU
};

struct BufferRange {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceSize offset = 0;
    VkDeviceSize size = 0;
    uint8_t* mapped = nullptr;  // host address of `offset` when the memory is host-visible

    explicit operator bool() const { return buffer != VK_NULL_HANDLE; }
    // A sub-range (offsets relative to this range).
    BufferRange sub(VkDeviceSize off, VkDeviceSize n) const {
        return {buffer, offset + off, n, mapped ? mapped + off : nullptr};
    }
};

class MemoryManager;

// One piece of a block; returns itself to the manager when destroyed.
class Allocation {
  public:
    Allocation() = default;
    ~Allocation() { reset(); }
    Allocation(Allocation&& o) noexcept { *this = std::move(o); }
    Allocation& operator=(Allocation&& o) noexcept;
    Allocation(const Allocation&) = delete;
    Allocation& operator=(const Allocation&) = delete;

    const BufferRange& range() const { return range_; }
    VkBuffer buffer() const { return range_.buffer; }
    VkDeviceSize size() const { return range_.size; }
    uint8_t* mapped() const { return range_.mapped; }
    explicit operator bool() const { return range_.buffer != VK_NULL_HANDLE; }
    void reset();

  private:
    friend class MemoryManager;
    MemoryManager* owner_ = nullptr;
    void* block_ = nullptr;
    VkDeviceSize block_offset_ = 0;
    VkDeviceSize block_size_ = 0;  // the aligned size taken from the block
    BufferRange range_;
};

struct MemoryStatsVk {
    uint64_t device_bytes = 0;       // VkDeviceMemory allocated in device-local heaps
    uint64_t host_bytes = 0;         // VkDeviceMemory allocated in host heaps
    uint64_t device_budget = 0;      // budget of the device-local heap(s) when known, else heap size
    uint64_t device_heap_usage = 0;  // all processes, VK_EXT_memory_budget; 0 when unknown
};

class MemoryManager {
  public:
    MemoryManager(const PhysicalDevice& pd, VkDevice device, VkDeviceSize alignment);
    ~MemoryManager();
    MemoryManager(const MemoryManager&) = delete;
    MemoryManager& operator=(const MemoryManager&) = delete;

    // Throws OutOfDeviceMemoryError (with sizes in the message) when it does not fit.
    // `what` names the allocation in error messages ("KV cache", "blk.3.ffn_up.weight", ...).
    Allocation allocate(VkDeviceSize size, MemoryKind kind, const std::string& what);

    MemoryStatsVk stats() const;
    VkDeviceSize alignment() const { return alignment_; }
    // True when device-local memory is also host-visible (integrated GPUs, lavapipe).
    bool device_memory_mappable() const;

    // Caps the device-local bytes this manager allocates (0: no cap beyond the heap/budget). Lets
    // tests and users (LOWBIT_VK_MEMORY_LIMIT) see the out-of-memory path on any device.
    void set_device_limit(uint64_t bytes) { device_limit_ = bytes; }

    // Called with a block's VkBuffer just before the block is destroyed (the descriptor cache
    // forgets sets that point into it).
    void set_release_hook(std::function<void(VkBuffer)> hook) { release_hook_ = std::move(hook); }

  private:
    friend class Allocation;
    struct Block;
    void release(Block* block, VkDeviceSize offset, VkDeviceSize size);
    std::unique_ptr<Block> create_block(VkDeviceSize size, MemoryKind kind, const std::string& what);
    uint32_t pick_type(uint32_t type_bits, MemoryKind kind) const;

    const PhysicalDevice& pd_;
    VkDevice device_;
    VkDeviceSize alignment_;
    VkDeviceSize block_size_;
    VkPhysicalDeviceMemoryProperties mem_props_{};
    std::vector<std::unique_ptr<Block>> blocks_;
    std::vector<uint64_t> heap_allocated_;  // bytes we allocated per heap
    std::function<void(VkBuffer)> release_hook_;
    uint64_t device_limit_ = 0;
};

}  // namespace lowbit::vulkan
