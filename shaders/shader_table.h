#pragma once
// The SPIR-V of every compute shader, embedded at build time (see shaders/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace lowbit::shaders {

struct ShaderBinary {
    const char* name;       // file name without .comp
    const uint32_t* plain;  // core Vulkan 1.1 variant
    size_t plain_words;
    const uint32_t* ext;  // 8/16-bit storage + subgroup arithmetic + integer dot product
    size_t ext_words;
};

std::span<const ShaderBinary> all();
// nullptr when no shader has this name.
const ShaderBinary* find(std::string_view name);

}  // namespace lowbit::shaders
