#include "backends/vulkan/pipelines.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "backends/vulkan/vk_check.h"
#include "lowbit/error.h"
#include "shader_table.h"

namespace lowbit::vulkan {

namespace {

// Cache file: "LBPC", format version, payload size, FNV-1a 64 of the payload, payload.
constexpr char kMagic[4] = {'L', 'B', 'P', 'C'};
constexpr uint32_t kFormat = 1;
constexpr size_t kHeader = 4 + 4 + 8 + 8;

uint64_t fnv1a(const uint8_t* p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

std::vector<uint8_t> load_cache(const std::string& path) {
    std::vector<uint8_t> out;
    if (path.empty()) return out;
    std::ifstream in(path, std::ios::binary);
    if (!in) return out;
    std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (file.size() < kHeader || std::memcmp(file.data(), kMagic, 4) != 0) return out;
    uint32_t format;
    uint64_t size, hash;
    std::memcpy(&format, file.data() + 4, 4);
    std::memcpy(&size, file.data() + 8, 8);
    std::memcpy(&hash, file.data() + 16, 8);
    if (format != kFormat || size != file.size() - kHeader || fnv1a(file.data() + kHeader, size) != hash)
        return out;
    out.assign(file.begin() + kHeader, file.end());
    return out;
}

}  // namespace

std::string Pipelines::default_cache_dir() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/lowbit";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/lowbit";
    return {};
}

std::string Pipelines::cache_file_name(const PhysicalDevice& pd) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "vulkan-pipelines-%04x-%04x-", pd.props.vendorID, pd.props.deviceID);
    std::string name = buf;
    for (uint8_t b : pd.props.pipelineCacheUUID) {
        std::snprintf(buf, sizeof buf, "%02x", b);
        name += buf;
    }
    return name + ".bin";
}

Pipelines::Pipelines(VkDevice device, const PhysicalDevice& pd, bool ext, std::string cache_file)
    : device_(device), ext_(ext), cache_file_(std::move(cache_file)) {
    const std::vector<uint8_t> initial = load_cache(cache_file_);
    VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    ci.initialDataSize = initial.size();
    ci.pInitialData = initial.empty() ? nullptr : initial.data();
    VkPipelineCache cache;
    VkResult r = vkCreatePipelineCache(device_, &ci, nullptr, &cache);
    if (r != VK_SUCCESS && !initial.empty()) {  // the driver refused the data: start empty
        ci.initialDataSize = 0;
        ci.pInitialData = nullptr;
        r = vkCreatePipelineCache(device_, &ci, nullptr, &cache);
    }
    check(r, "vkCreatePipelineCache");
    cache_ = UniquePipelineCache(device_, cache);
    (void)pd;
}

Pipelines::~Pipelines() {
    save_cache();
}

void Pipelines::save_cache() {
    if (!dirty_ || cache_file_.empty() || !cache_) return;
    size_t size = 0;
    if (vkGetPipelineCacheData(device_, cache_.get(), &size, nullptr) != VK_SUCCESS || size == 0) return;
    std::vector<uint8_t> data(kHeader + size);
    if (vkGetPipelineCacheData(device_, cache_.get(), &size, data.data() + kHeader) != VK_SUCCESS) return;
    data.resize(kHeader + size);
    const uint64_t size64 = size, hash = fnv1a(data.data() + kHeader, size);
    std::memcpy(data.data(), kMagic, 4);
    std::memcpy(data.data() + 4, &kFormat, 4);
    std::memcpy(data.data() + 8, &size64, 8);
    std::memcpy(data.data() + 16, &hash, 8);
    // Temp file + rename: a crash never leaves a half-written cache behind.
    std::error_code ec;
    const std::filesystem::path path(cache_file_);
    std::filesystem::create_directories(path.parent_path(), ec);
    const std::string tmp = cache_file_ + ".tmp" + std::to_string(reinterpret_cast<uintptr_t>(this));
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return;
        out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
        if (!out) {
            out.close();
            std::filesystem::remove(tmp, ec);
            return;
        }
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) std::filesystem::remove(tmp, ec);
    dirty_ = false;
}

const Pipeline& Pipelines::get(std::string_view shader, std::initializer_list<uint32_t> spec) {
    return get(shader, std::vector<uint32_t>(spec));
}

const Pipeline& Pipelines::get(std::string_view shader, const std::vector<uint32_t>& spec) {
    std::string key(shader);
    for (uint32_t v : spec) key += ":" + std::to_string(v);
    if (auto it = pipelines_.find(key); it != pipelines_.end()) return *it->second;

    const shaders::ShaderBinary* bin = shaders::find(shader);
    if (!bin) throw Error("Vulkan: no shader named '" + std::string(shader) + "' is built in");
    const uint32_t* code = ext_ ? bin->ext : bin->plain;
    const size_t words = ext_ ? bin->ext_words : bin->plain_words;

    auto p = std::make_unique<Pipeline>();
    p->name = key;
    p->iface = reflect_shader(code, words);
    p->local_size = spec.empty() ? 0 : spec[0];

    std::vector<VkDescriptorSetLayoutBinding> bindings(p->iface.written.size());
    for (uint32_t b = 0; b < bindings.size(); ++b) {
        bindings[b].binding = b;
        bindings[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        bindings[b].descriptorCount = 1;
        bindings[b].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo dl{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    dl.bindingCount = static_cast<uint32_t>(bindings.size());
    dl.pBindings = bindings.data();
    VkDescriptorSetLayout set_layout;
    check(vkCreateDescriptorSetLayout(device_, &dl, nullptr, &set_layout), "vkCreateDescriptorSetLayout");
    p->set_layout = UniqueDescriptorSetLayout(device_, set_layout);

    VkPushConstantRange pc{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes};
    VkPipelineLayoutCreateInfo pl{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pl.setLayoutCount = 1;
    pl.pSetLayouts = &set_layout;
    pl.pushConstantRangeCount = 1;
    pl.pPushConstantRanges = &pc;
    VkPipelineLayout layout;
    check(vkCreatePipelineLayout(device_, &pl, nullptr, &layout), "vkCreatePipelineLayout");
    p->layout = UniquePipelineLayout(device_, layout);

    VkShaderModuleCreateInfo sm{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    sm.codeSize = words * sizeof(uint32_t);
    sm.pCode = code;
    VkShaderModule module;
    check(vkCreateShaderModule(device_, &sm, nullptr, &module), "vkCreateShaderModule");
    UniqueShaderModule module_owner(device_, module);

    std::vector<VkSpecializationMapEntry> entries(spec.size());
    for (uint32_t i = 0; i < spec.size(); ++i) entries[i] = {i, i * 4u, 4u};
    VkSpecializationInfo si{};
    si.mapEntryCount = static_cast<uint32_t>(entries.size());
    si.pMapEntries = entries.data();
    si.dataSize = spec.size() * 4;
    si.pData = spec.data();

    VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    ci.stage.module = module;
    ci.stage.pName = "main";
    ci.stage.pSpecializationInfo = spec.empty() ? nullptr : &si;
    ci.layout = layout;
    VkPipeline pipeline;
    const VkResult r = vkCreateComputePipelines(device_, cache_.get(), 1, &ci, nullptr, &pipeline);
    if (r != VK_SUCCESS) throw_result(r, ("vkCreateComputePipelines(" + key + ")").c_str());
    p->pipeline = UniquePipeline(device_, pipeline);
    dirty_ = true;
    return *pipelines_.emplace(key, std::move(p)).first->second;
}

}  // namespace lowbit::vulkan
