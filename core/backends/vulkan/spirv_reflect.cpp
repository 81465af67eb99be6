#include "backends/vulkan/spirv_reflect.h"

#include <map>
#include <string>

#include "lowbit/error.h"

namespace lowbit::vulkan {

namespace {
// Opcodes, decorations and storage classes from the SPIR-V specification.
constexpr uint32_t kMagic = 0x07230203;
constexpr uint32_t OpTypePointer = 32;
constexpr uint32_t OpVariable = 59;
constexpr uint32_t OpDecorate = 71;
constexpr uint32_t OpMemberDecorate = 72;
constexpr uint32_t DecorationNonWritable = 24;
constexpr uint32_t DecorationBinding = 33;
constexpr uint32_t DecorationDescriptorSet = 34;
constexpr uint32_t StorageUniform = 2;
constexpr uint32_t StoragePushConstant = 9;
constexpr uint32_t StorageStorageBuffer = 12;
}  // namespace

ShaderInterface reflect_shader(const uint32_t* w, size_t n) {
    if (n < 5 || w[0] != kMagic) throw Error("Vulkan: embedded shader is not SPIR-V");
    std::map<uint32_t, uint32_t> binding, set;  // id -> value
    std::map<uint32_t, bool> nonwritable_var;
    std::map<uint32_t, std::map<uint32_t, bool>> member_nonwritable;  // struct -> member -> flag
    std::map<uint32_t, uint32_t> pointee;                             // pointer type -> pointee type
    struct Var {
        uint32_t id, type, storage;
    };
    std::vector<Var> vars;
    for (size_t i = 5; i < n;) {
        const uint32_t op = w[i] & 0xffff, len = w[i] >> 16;
        if (len == 0 || i + len > n) throw Error("Vulkan: malformed SPIR-V in an embedded shader");
        if (op == OpDecorate && len >= 3) {
            if (w[i + 2] == DecorationBinding && len >= 4) binding[w[i + 1]] = w[i + 3];
            if (w[i + 2] == DecorationDescriptorSet && len >= 4) set[w[i + 1]] = w[i + 3];
            if (w[i + 2] == DecorationNonWritable) nonwritable_var[w[i + 1]] = true;
        } else if (op == OpMemberDecorate && len >= 4 && w[i + 3] == DecorationNonWritable) {
            member_nonwritable[w[i + 1]][w[i + 2]] = true;
        } else if (op == OpTypePointer && len >= 4) {
            pointee[w[i + 1]] = w[i + 3];
        } else if (op == OpVariable && len >= 4) {
            vars.push_back({w[i + 2], w[i + 1], w[i + 3]});
        }
        i += len;
    }
    ShaderInterface iface;
    std::map<uint32_t, bool> written;
    for (const Var& v : vars) {
        if (v.storage == StoragePushConstant) iface.uses_push_constants = true;
        if (v.storage != StorageStorageBuffer && v.storage != StorageUniform) continue;
        auto b = binding.find(v.id);
        if (b == binding.end()) continue;
        if (set.count(v.id) && set[v.id] != 0)
            throw Error("Vulkan: shader uses a descriptor set other than 0");
        bool readonly = nonwritable_var.count(v.id) > 0;
        if (!readonly) {
            const uint32_t st = pointee.count(v.type) ? pointee[v.type] : 0;
            auto m = member_nonwritable.find(st);
            readonly = m != member_nonwritable.end() && !m->second.empty();
        }
        written[b->second] = !readonly;
    }
    for (const auto& [b, wr] : written) {
        if (b != iface.written.size()) throw Error("Vulkan: shader bindings are not dense from 0");
        iface.written.push_back(wr);
    }
    return iface;
}

}  // namespace lowbit::vulkan
