#include "backends/vulkan/profiler.h"

#include <algorithm>
#include <cstdio>

#include "backends/vulkan/context.h"
#include "backends/vulkan/vk_check.h"

namespace lowbit::vulkan {

Profiler::Profiler(Context& ctx, uint32_t max_timestamps) : ctx_(ctx), capacity_(max_timestamps) {
    if (!ctx.info().features.timestamps) return;
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = capacity_;
    VkQueryPool pool;
    check(vkCreateQueryPool(ctx.device(), &qi, nullptr, &pool), "vkCreateQueryPool");
    pool_ = UniqueQueryPool(ctx.device(), pool);
}

void Profiler::begin(VkCommandBuffer cb) {
    if (!pool_) return;
    labels_.clear();
    overflow_ = false;
    vkCmdResetQueryPool(cb, pool_.get(), 0, capacity_);
    vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool_.get(), 0);
}

void Profiler::mark(VkCommandBuffer cb, const std::string& label) {
    if (!pool_) return;
    if (labels_.size() + 1 >= capacity_) {
        overflow_ = true;
        return;
    }
    labels_.push_back(label);
    vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool_.get(),
                        static_cast<uint32_t>(labels_.size()));
}

void Profiler::collect() {
    if (!pool_ || labels_.empty()) return;
    const uint32_t n = static_cast<uint32_t>(labels_.size()) + 1;
    std::vector<uint64_t> ts(n);
    check(vkGetQueryPoolResults(ctx_.device(), pool_.get(), 0, n, n * sizeof(uint64_t), ts.data(),
                                sizeof(uint64_t), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
          "vkGetQueryPoolResults");
    const uint32_t bits = ctx_.physical().timestamp_valid_bits;
    const uint64_t mask = bits >= 64 ? ~0ull : ((1ull << bits) - 1);
    const double period = ctx_.limits().timestampPeriod;
    for (uint32_t i = 1; i < n; ++i) {
        const uint64_t d = (ts[i] - ts[i - 1]) & mask;
        KernelTime& k = totals_[labels_[i - 1]];
        k.calls += 1;
        k.total_ns += static_cast<double>(d) * period;
    }
    labels_.clear();
}

double Profiler::total_ns() const {
    double t = 0;
    for (const auto& [_, k] : totals_) t += k.total_ns;
    return t;
}

std::string Profiler::report() const {
    std::vector<std::pair<std::string, KernelTime>> rows(totals_.begin(), totals_.end());
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.second.total_ns > b.second.total_ns; });
    const double total = total_ns();
    std::string out = "GPU time per kernel (timestamp queries):\n";
    char line[256];
    for (const auto& [name, k] : rows) {
        std::snprintf(line, sizeof line, "  %-40s %8llu calls %10.3f ms %6.1f%%\n", name.c_str(),
                      static_cast<unsigned long long>(k.calls), k.total_ns / 1e6,
                      total > 0 ? 100.0 * k.total_ns / total : 0.0);
        out += line;
    }
    std::snprintf(line, sizeof line, "  %-40s %25.3f ms%s\n", "total", total / 1e6,
                  overflow_ ? " (some dispatches not timed: too many per step)" : "");
    out += line;
    return out;
}

}  // namespace lowbit::vulkan
