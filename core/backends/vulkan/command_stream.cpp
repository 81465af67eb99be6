#include "backends/vulkan/command_stream.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backends/vulkan/context.h"
#include "backends/vulkan/profiler.h"
#include "backends/vulkan/vk_check.h"
#include "lowbit/error.h"

namespace lowbit::vulkan {

CommandStream::CommandStream(Context& ctx) : ctx_(ctx) {
    // Debugging aid: a full barrier after every dispatch (rules out a missing dependency).
    const char* ser = std::getenv("LOWBIT_VK_SERIALIZE");
    serialize_ = ser && *ser && std::strcmp(ser, "0") != 0;
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = ctx.command_pool();
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    check(vkAllocateCommandBuffers(ctx.device(), &ai, &cb_), "vkAllocateCommandBuffers");
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkFence fence;
    check(vkCreateFence(ctx.device(), &fi, nullptr, &fence), "vkCreateFence");
    fence_ = UniqueFence(ctx.device(), fence);
}

CommandStream::~CommandStream() {
    if (cb_) vkFreeCommandBuffers(ctx_.device(), ctx_.command_pool(), 1, &cb_);
}

void CommandStream::begin(Profiler* profiler) {
    if (recording_) throw Error("Vulkan: command stream is already recording");
    check(vkResetCommandBuffer(cb_, 0), "vkResetCommandBuffer");
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(vkBeginCommandBuffer(cb_, &bi), "vkBeginCommandBuffer");
    recording_ = true;
    n_dispatch_ = n_barrier_ = 0;
    reads_.clear();
    writes_.clear();
    profiler_ = profiler && profiler->available() ? profiler : nullptr;
    if (profiler_) profiler_->begin(cb_);
}

bool CommandStream::overlaps(const std::vector<Access>& set, const Access& a) {
    for (const Access& s : set)
        if (s.buffer == a.buffer && s.begin < a.end && a.begin < s.end) return true;
    return false;
}

void CommandStream::barrier() {
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                       VK_ACCESS_TRANSFER_WRITE_BIT;
    const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    vkCmdPipelineBarrier(cb_, stages, stages, 0, 1, &mb, 0, nullptr, 0, nullptr);
    reads_.clear();
    writes_.clear();
    ++n_barrier_;
}

void CommandStream::hazard_check(std::span<const Access> reads, std::span<const Access> writes) {
    bool need = false;
    for (const Access& r : reads) need = need || overlaps(writes_, r);
    for (const Access& w : writes) need = need || overlaps(writes_, w) || overlaps(reads_, w);
    if (need) barrier();
    reads_.insert(reads_.end(), reads.begin(), reads.end());
    writes_.insert(writes_.end(), writes.begin(), writes.end());
}

void CommandStream::dispatch(const Pipeline& p, std::span<const BufferRange> bindings, const void* push,
                             uint32_t push_bytes, uint32_t gx, uint32_t gy, uint32_t gz) {
    if (!recording_) throw Error("Vulkan: dispatch outside a recording");
    if (gx == 0 || gy == 0 || gz == 0) return;
    const VkDeviceSize align = ctx_.limits().minStorageBufferOffsetAlignment;
    std::vector<Access> reads, writes;
    for (size_t i = 0; i < bindings.size(); ++i) {
        const BufferRange& b = bindings[i];
        if (!b.buffer || b.size == 0)
            throw Error("Vulkan: " + p.name + ": binding " + std::to_string(i) + " is empty");
        if (b.offset % align)
            throw Error("Vulkan: " + p.name + ": binding " + std::to_string(i) + " is misaligned");
        if (b.size > ctx_.limits().maxStorageBufferRange)
            throw Error("Vulkan: " + p.name + ": binding " + std::to_string(i) +
                        " exceeds maxStorageBufferRange");
        const Access a{b.buffer, b.offset, b.offset + b.size};
        (i < p.iface.written.size() && p.iface.written[i] ? writes : reads).push_back(a);
    }
    hazard_check(reads, writes);

    const uint32_t max_x = ctx_.limits().maxComputeWorkGroupCount[0];
    if (gx > max_x) {
        if (gz != 1) throw Error("Vulkan: " + p.name + ": too many workgroups");
        gz = (gx + max_x - 1) / max_x;
        gx = (gx + gz - 1) / gz;
        if (gz > ctx_.limits().maxComputeWorkGroupCount[2])
            throw Error("Vulkan: " + p.name + ": too many workgroups");
    }
    if (gy > ctx_.limits().maxComputeWorkGroupCount[1])
        throw Error("Vulkan: " + p.name + ": too many workgroups in y");

    const VkDescriptorSet set = ctx_.descriptors().get(p, bindings);
    vkCmdBindPipeline(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline.get());
    vkCmdBindDescriptorSets(cb_, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout.get(), 0, 1, &set, 0, nullptr);
    if (push_bytes) {
        if (push_bytes > kPushConstantBytes) throw Error("Vulkan: push constants too large");
        vkCmdPushConstants(cb_, p.layout.get(), VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push);
    }
    vkCmdDispatch(cb_, gx, gy, gz);
    ++n_dispatch_;
    if (serialize_) barrier();
    if (profiler_) profiler_->mark(cb_, p.name.substr(0, p.name.find(':')));
}

void CommandStream::copy(const BufferRange& src, const BufferRange& dst, VkDeviceSize size) {
    if (!recording_) throw Error("Vulkan: copy outside a recording");
    if (size == 0) return;
    const Access r{src.buffer, src.offset, src.offset + size};
    const Access w{dst.buffer, dst.offset, dst.offset + size};
    hazard_check(std::span(&r, 1), std::span(&w, 1));
    VkBufferCopy c{src.offset, dst.offset, size};
    vkCmdCopyBuffer(cb_, src.buffer, dst.buffer, 1, &c);
    if (profiler_) profiler_->mark(cb_, "copy");
}

void CommandStream::fill(const BufferRange& dst, uint32_t value) {
    if (!recording_) throw Error("Vulkan: fill outside a recording");
    const VkDeviceSize size = dst.size / 4 * 4;
    if (size == 0) return;
    const Access w{dst.buffer, dst.offset, dst.offset + size};
    hazard_check({}, std::span(&w, 1));
    vkCmdFillBuffer(cb_, dst.buffer, dst.offset, size, value);
}

void CommandStream::submit_and_wait() {
    if (!recording_) throw Error("Vulkan: nothing recorded");
    recording_ = false;
    // Everything written becomes visible to the host after the fence.
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cb_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
    check(vkEndCommandBuffer(cb_), "vkEndCommandBuffer");
    ctx_.submit_and_wait(cb_, fence_.get());
    if (profiler_) profiler_->collect();
}

}  // namespace lowbit::vulkan
