#pragma once
// Records dispatches into one command buffer and submits it once. Barriers are inserted
// automatically: before a dispatch that reads or writes a buffer range written since the last
// barrier, or writes a range read since then (the bindings' read/write roles come from the
// shaders' SPIR-V). Independent dispatches therefore run without barriers between them.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "backends/vulkan/handles.h"
#include "backends/vulkan/memory.h"
#include "backends/vulkan/pipelines.h"

namespace lowbit::vulkan {

class Context;
class Profiler;

class CommandStream {
  public:
    explicit CommandStream(Context& ctx);
    ~CommandStream();
    CommandStream(const CommandStream&) = delete;
    CommandStream& operator=(const CommandStream&) = delete;

    // Starts a new recording (the previous one must have been submitted).
    void begin(Profiler* profiler = nullptr);
    // Binds `bindings` in order to bindings 0..n-1 and dispatches gx*gy*gz workgroups. gx may
    // exceed the device limit: it is then folded into z (shaders use flat_group_x()).
    void dispatch(const Pipeline& p, std::span<const BufferRange> bindings, const void* push,
                  uint32_t push_bytes, uint32_t gx, uint32_t gy = 1, uint32_t gz = 1);
    void dispatch(const Pipeline& p, std::initializer_list<BufferRange> bindings, const void* push,
                  uint32_t push_bytes, uint32_t gx, uint32_t gy = 1, uint32_t gz = 1) {
        dispatch(p, std::span<const BufferRange>(bindings.begin(), bindings.size()), push, push_bytes, gx, gy,
                 gz);
    }
    template <typename Push>
    void dispatch(const Pipeline& p, std::initializer_list<BufferRange> bindings, const Push& push,
                  uint32_t gx, uint32_t gy = 1, uint32_t gz = 1) {
        static_assert(sizeof(Push) <= kPushConstantBytes);
        dispatch(p, bindings, &push, sizeof(Push), gx, gy, gz);
    }
    void copy(const BufferRange& src, const BufferRange& dst, VkDeviceSize size);
    void fill(const BufferRange& dst, uint32_t value);
    // Ends, submits and waits; results are then visible to the host.
    void submit_and_wait();

    bool recording() const { return recording_; }
    uint32_t dispatches() const { return n_dispatch_; }
    uint32_t barriers() const { return n_barrier_; }

  private:
    struct Access {
        VkBuffer buffer;
        VkDeviceSize begin, end;
    };
    static bool overlaps(const std::vector<Access>& set, const Access& a);
    void hazard_check(std::span<const Access> reads, std::span<const Access> writes);
    void barrier();

    Context& ctx_;
    VkCommandBuffer cb_ = VK_NULL_HANDLE;
    UniqueFence fence_;
    Profiler* profiler_ = nullptr;
    bool recording_ = false;
    bool serialize_ = false;
    uint32_t n_dispatch_ = 0, n_barrier_ = 0;
    std::vector<Access> reads_, writes_;
};

}  // namespace lowbit::vulkan
