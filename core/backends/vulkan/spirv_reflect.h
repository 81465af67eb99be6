#pragma once
// The little the backend needs to know about a shader's SPIR-V: its storage-buffer bindings
// (set 0) and which of them it writes. Derived from the module itself so that the C++ side can
// never disagree with the GLSL about the descriptor layout.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lowbit::vulkan {

struct ShaderInterface {
    // written[b] tells whether binding b is written (false: declared readonly). Bindings are
    // dense from 0; a gap is an error.
    std::vector<bool> written;
    bool uses_push_constants = false;
};

// Throws lowbit::Error on malformed SPIR-V or a binding outside set 0.
ShaderInterface reflect_shader(const uint32_t* words, size_t n_words);

}  // namespace lowbit::vulkan
