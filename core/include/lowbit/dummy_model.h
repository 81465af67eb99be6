#pragma once
// Randomly initialised models of real shapes, built in memory in any weight type, so the speed
// and memory of every type can be compared on any machine without downloads (the idea of
// bitnet.cpp's dummy-model benchmark). The file is an anonymous in-memory GGUF that the normal
// loader maps, so the whole engine runs on it exactly as on a downloaded model.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lowbit/model.h"
#include "lowbit/tensor_type.h"

namespace lowbit {

struct DummyShape {
    std::string name;
    std::string description;
    int64_t n_vocab, n_embd, n_layer, n_head, n_head_kv, n_ff;
    std::string arch = "llama";  // "llama", "bitnet" (sub-norms, tied output) or "bitnet-b1.58"
};

// The built-in shapes: 125m, 700m (bitnet_b1_58-large), 1.3b, 2b4t (BitNet b1.58 2B4T), 3b, 7b,
// and small ones for tests (tiny, tiny-bitnet, tiny-bitnet-b1.58).
const std::vector<DummyShape>& dummy_shapes();
std::optional<DummyShape> find_dummy_shape(const std::string& name);

struct DummyOptions {
    TensorType type = TensorType::F16;         // linear layers
    TensorType embd_type = TensorType::F16;    // token embeddings
    TensorType output_type = TensorType::F16;  // output projection
    uint32_t seed = 1;  // the same seed gives the same bytes on every platform
};

// Bytes the model's file takes (≈ its memory).
size_t dummy_model_bytes(const DummyShape& shape, const DummyOptions& options);

class DummyModel {
public:
    // Builds the model in memory. Throws lowbit::Error when it would not fit in the available
    // memory, or when a type cannot be produced for the shape.
    static std::unique_ptr<DummyModel> create(const DummyShape& shape, const DummyOptions& options);
    // Writes the same model to a GGUF file (for comparisons with other engines).
    static void write(const std::string& path, const DummyShape& shape, const DummyOptions& options);
    ~DummyModel();

    const Model& model() const { return *model_; }

private:
    DummyModel() = default;
    int fd_ = -1;
    std::unique_ptr<Model> model_;
};

}  // namespace lowbit
