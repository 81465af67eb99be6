#pragma once
// GPU time per kernel from timestamp queries: a timestamp after every dispatch of a command
// stream, attributed to the dispatch's label. Totals accumulate over submissions.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backends/vulkan/handles.h"

namespace lowbit::vulkan {

class Context;

struct KernelTime {
    uint64_t calls = 0;
    double total_ns = 0;
};

class Profiler {
  public:
    explicit Profiler(Context& ctx, uint32_t max_timestamps = 4096);
    bool available() const { return static_cast<bool>(pool_); }  // the queue supports timestamps

    // Called by CommandStream while recording / after completion.
    void begin(VkCommandBuffer cb);
    void mark(VkCommandBuffer cb, const std::string& label);
    void collect();

    const std::map<std::string, KernelTime>& totals() const { return totals_; }
    double total_ns() const;
    void clear() { totals_.clear(); }
    // A table, slowest kernels first.
    std::string report() const;

  private:
    Context& ctx_;
    UniqueQueryPool pool_;
    uint32_t capacity_;
    std::vector<std::string> labels_;  // label of timestamp i+1 (timestamp 0 is the start)
    bool overflow_ = false;
    std::map<std::string, KernelTime> totals_;
};

}  // namespace lowbit::vulkan
