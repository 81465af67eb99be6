#include "backends/vulkan/context.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backends/vulkan/vk_check.h"
#include "lowbit/error.h"

namespace lowbit::vulkan {

namespace {

constexpr VkDeviceSize kStagingBytes = 16ull << 20;

bool env_flag(const char* name) {
    const char* v = std::getenv(name);
    return v && *v && std::strcmp(v, "0") != 0;
}

// "123", "64K", "512M", "2G" -> bytes; 0 when unset or unreadable.
uint64_t env_bytes(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return 0;
    char* end = nullptr;
    const unsigned long long n = std::strtoull(v, &end, 10);
    uint64_t mul = 1;
    if (end && (*end == 'K' || *end == 'k')) mul = 1ull << 10;
    if (end && (*end == 'M' || *end == 'm')) mul = 1ull << 20;
    if (end && (*end == 'G' || *end == 'g')) mul = 1ull << 30;
    return static_cast<uint64_t>(n) * mul;
}

}  // namespace

std::unique_ptr<Context> Context::create(const ContextOptions& opts) {
    std::unique_ptr<Context> ctx(new Context());
    ctx->instance_ = Instance::create({opts.validation});
    ctx->devices_ = enumerate_devices(*ctx->instance_);
    if (ctx->devices_.empty()) throw Error("Vulkan: the driver reports no devices");

    if (opts.device_index >= 0) {
        if (static_cast<size_t>(opts.device_index) >= ctx->devices_.size())
            throw Error("Vulkan: there is no device vulkan:" + std::to_string(opts.device_index) + " (" +
                        std::to_string(ctx->devices_.size()) + " found; see `lowbit devices`)");
        ctx->pd_ = &ctx->devices_[static_cast<size_t>(opts.device_index)];
        if (!ctx->pd_->info.usable)
            throw Error("Vulkan: device vulkan:" + std::to_string(opts.device_index) + " (" +
                        ctx->pd_->info.name + ") cannot be used: " + ctx->pd_->info.problem);
    } else {
        ctx->pd_ = &ctx->devices_.front();  // ranked: usable devices first
        if (!ctx->pd_->info.usable)
            throw Error("Vulkan: no usable device (" + ctx->pd_->info.name + ": " + ctx->pd_->info.problem +
                        ")");
    }
    const PhysicalDevice& pd = *ctx->pd_;
    ctx->ext_ = pd.ext_kernels && !opts.force_plain && !env_flag("LOWBIT_VK_PLAIN");
    ctx->direct_upload_ = opts.direct_upload;
    ctx->lose_device_at_ = opts.lose_device_at_submission ? opts.lose_device_at_submission
                                                          : env_bytes("LOWBIT_VK_LOSE_DEVICE_AT");

    // Device: one compute queue, the features the extended shaders use, memory budget.
    const float priority = 1.0f;
    VkDeviceQueueCreateInfo qi{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    qi.queueFamilyIndex = pd.queue_family;
    qi.queueCount = 1;
    qi.pQueuePriorities = &priority;

    std::vector<const char*> extensions;
    if (pd.info.features.memory_budget) extensions.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
    if (pd.has_extension("VK_KHR_portability_subset")) extensions.push_back("VK_KHR_portability_subset");

    VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceShaderIntegerDotProductFeatures dot{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES};
    if (pd.ext_kernels) {
        f11.storageBuffer16BitAccess = VK_TRUE;
        f12.storageBuffer8BitAccess = VK_TRUE;
        f12.shaderInt8 = VK_TRUE;
        f12.shaderFloat16 = VK_TRUE;
        dot.shaderIntegerDotProduct = VK_TRUE;
        f2.pNext = &f11;
        f11.pNext = &f12;
        f12.pNext = &dot;
        if (pd.api_version < VK_API_VERSION_1_3)
            extensions.push_back(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
    }
    f2.features.shaderInt16 = pd.info.features.int16_arithmetic ? VK_TRUE : VK_FALSE;

    VkDeviceCreateInfo di{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    di.pNext = &f2;
    di.queueCreateInfoCount = 1;
    di.pQueueCreateInfos = &qi;
    di.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
    di.ppEnabledExtensionNames = extensions.data();
    VkDevice device;
    const VkResult r = vkCreateDevice(pd.handle, &di, nullptr, &device);
    if (r != VK_SUCCESS) throw_result(r, ("vkCreateDevice on " + pd.info.name).c_str());
    ctx->device_ = UniqueDevice(device);
    vkGetDeviceQueue(device, pd.queue_family, 0, &ctx->queue_);

    VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pi.queueFamilyIndex = pd.queue_family;
    VkCommandPool pool;
    check(vkCreateCommandPool(device, &pi, nullptr, &pool), "vkCreateCommandPool");
    ctx->pool_ = UniqueCommandPool(device, pool);
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkFence fence;
    check(vkCreateFence(device, &fi, nullptr, &fence), "vkCreateFence");
    ctx->transfer_fence_ = UniqueFence(device, fence);

    const VkDeviceSize align = std::max<VkDeviceSize>(pd.props.limits.minStorageBufferOffsetAlignment, 256);
    ctx->memory_ = std::make_unique<MemoryManager>(pd, device, align);
    ctx->memory_->set_device_limit(opts.memory_limit ? opts.memory_limit
                                                     : env_bytes("LOWBIT_VK_MEMORY_LIMIT"));
    ctx->descriptors_ = std::make_unique<DescriptorCache>(device);
    DescriptorCache* dc = ctx->descriptors_.get();
    ctx->memory_->set_release_hook([dc](VkBuffer b) { dc->forget_buffer(b); });

    std::string cache_dir =
        opts.pipeline_cache_dir ? *opts.pipeline_cache_dir : Pipelines::default_cache_dir();
    std::string cache_file =
        cache_dir.empty() ? std::string() : cache_dir + "/" + Pipelines::cache_file_name(pd);
    ctx->pipelines_ = std::make_unique<Pipelines>(device, pd, ctx->ext_, std::move(cache_file));

    uint64_t range = pd.props.limits.maxStorageBufferRange;
    if (opts.max_binding_bytes) range = std::min<uint64_t>(range, opts.max_binding_bytes);
    ctx->max_binding_ = range / align * align;
    if (ctx->max_binding_ == 0) throw Error("Vulkan: max_binding_bytes is smaller than the buffer alignment");

    ctx->dummy_ = ctx->memory_->allocate(256, MemoryKind::Device, "placeholder buffer");
    return ctx;
}

Context::~Context() {
    if (device_.get()) vkDeviceWaitIdle(device_.get());
    staging_.reset();
    dummy_.reset();
    pipelines_.reset();  // saves the pipeline cache
    if (memory_) memory_->set_release_hook({});
    descriptors_.reset();
    memory_.reset();
}

void Context::submit_and_wait(VkCommandBuffer cb, VkFence fence) {
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cb;
    check(vkResetFences(device(), 1, &fence), "vkResetFences");
    if (lose_device_at_ && ++submissions_ == lose_device_at_)
        throw_result(VK_ERROR_DEVICE_LOST, "vkQueueSubmit (simulated by LOWBIT_VK_LOSE_DEVICE_AT)");
    check(vkQueueSubmit(queue_, 1, &si, fence), "vkQueueSubmit");
    // Waits in slices so a hung GPU is reported instead of blocking forever (drivers normally
    // report VK_ERROR_DEVICE_LOST on their own after a reset).
    constexpr uint64_t kSlice = 1'000'000'000ull;  // 1 s
    constexpr int kMaxSlices = 600;                // a single step never legitimately takes 10 minutes
    for (int i = 0;; ++i) {
        const VkResult r = vkWaitForFences(device(), 1, &fence, VK_TRUE, kSlice);
        if (r == VK_SUCCESS) return;
        if (r != VK_TIMEOUT) throw_result(r, "vkWaitForFences");
        if (i + 1 >= kMaxSlices)
            throw_result(VK_ERROR_DEVICE_LOST, "waiting for the GPU (10 minutes without progress)");
    }
}

void Context::one_shot(const std::function<void(VkCommandBuffer)>& record) {
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = pool_.get();
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    VkCommandBuffer cb;
    check(vkAllocateCommandBuffers(device(), &ai, &cb), "vkAllocateCommandBuffers");
    struct Free {
        VkDevice d;
        VkCommandPool p;
        VkCommandBuffer c;
        ~Free() { vkFreeCommandBuffers(d, p, 1, &c); }
    } free_cb{device(), pool_.get(), cb};
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(vkBeginCommandBuffer(cb, &bi), "vkBeginCommandBuffer");
    record(cb);
    // Make transfer results visible to later shaders and to the host.
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0,
                         nullptr, 0, nullptr);
    check(vkEndCommandBuffer(cb), "vkEndCommandBuffer");
    submit_and_wait(cb, transfer_fence_.get());
}

void Context::upload(const BufferRange& dst, size_t size,
                     const std::function<void(uint8_t*, size_t, size_t)>& fill) {
    if (size > dst.size) throw Error("Vulkan: upload larger than its destination");
    if (dst.mapped && direct_upload_) {
        fill(dst.mapped, 0, size);
        return;
    }
    if (!staging_) staging_ = memory_->allocate(kStagingBytes, MemoryKind::Upload, "staging buffer");
    for (size_t off = 0; off < size; off += kStagingBytes) {
        const size_t n = std::min<size_t>(kStagingBytes, size - off);
        fill(staging_.mapped(), off, n);
        one_shot([&](VkCommandBuffer cb) {
            VkBufferCopy c{staging_.range().offset, dst.offset + off, n};
            vkCmdCopyBuffer(cb, staging_.buffer(), dst.buffer, 1, &c);
        });
    }
}

void Context::upload(const BufferRange& dst, const void* src, size_t size) {
    const auto* p = static_cast<const uint8_t*>(src);
    upload(dst, size, [p](uint8_t* out, size_t off, size_t n) { std::memcpy(out, p + off, n); });
}

void Context::download(const BufferRange& src, void* dst, size_t size) {
    if (size > src.size) throw Error("Vulkan: download larger than its source");
    auto* out = static_cast<uint8_t*>(dst);
    if (src.mapped) {
        check(vkQueueWaitIdle(queue_), "vkQueueWaitIdle");
        std::memcpy(out, src.mapped, size);
        return;
    }
    Allocation bounce =
        memory_->allocate(std::min<size_t>(size, kStagingBytes), MemoryKind::Readback, "readback buffer");
    for (size_t off = 0; off < size; off += kStagingBytes) {
        const size_t n = std::min<size_t>(kStagingBytes, size - off);
        one_shot([&](VkCommandBuffer cb) {
            VkBufferCopy c{src.offset + off, bounce.range().offset, n};
            vkCmdCopyBuffer(cb, src.buffer, bounce.buffer(), 1, &c);
        });
        std::memcpy(out + off, bounce.mapped(), n);
    }
}

}  // namespace lowbit::vulkan
