#pragma once
// A loaded model: hyper-parameters, tokenizer and weight views into the mapped GGUF file.
// Supports the llama family (LLaMA 1/2/3, TinyLlama, SmolLM, Mistral), qwen2 and the BitNet
// graphs. Loading validates every tensor's presence, type and shape and names what is wrong.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lowbit/gguf.h"
#include "lowbit/tensor_type.h"
#include "lowbit/tokenizer.h"

namespace lowbit {

enum class Arch {
    Llama,      // "llama": LLaMA 1/2/3, TinyLlama, SmolLM, Mistral-style GQA
    Qwen2,      // "qwen2": llama + QKV biases, NeoX RoPE
    Bitnet,     // "bitnet": 1bitLLM bitnet_b1_58 models (sub-norms, SiLU GLU)
    Bitnet158,  // BitNet b1.58 2B4T ("bitnet-b1.58" / "bitnet-25"): sub-norms, squared-ReLU GLU
};
const char* arch_name(Arch a);

enum class RopeType { Normal, NeoX };
enum class FfnActivation { SiLU, ReLU2 };

struct HParams {
    Arch arch = Arch::Llama;
    std::string arch_key;  // general.architecture as written in the file
    int64_t n_vocab = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t n_ff = 0;
    int64_t head_dim = 0;  // key/value length per head
    int64_t n_rot = 0;     // rotated dimensions per head (rope.dimension_count)
    int64_t n_ctx_train = 0;
    float norm_eps = 1e-5f;
    float rope_freq_base = 10000.0f;
    float rope_freq_scale = 1.0f;  // 1 / rope.scaling.factor for linear scaling
    RopeType rope_type = RopeType::Normal;
    FfnActivation ffn_act = FfnActivation::SiLU;
    bool has_qkv_bias = false;
    bool has_sub_norms = false;      // BitNet attn_sub_norm / ffn_sub_norm
    bool quantize_activations = false;  // BitNet W1.58A8: per-token int8 absmax activations
    bool tied_embeddings = false;       // output projection shares token_embd

    int64_t n_embd_kv() const { return n_head_kv * head_dim; }
    int64_t n_embd_q() const { return n_head * head_dim; }
};

// How a linear layer's weight is stored.
enum class WeightKind {
    Plain,   // one GGUF tensor of any type (F16, Q8_0, TQ2_0, I2_S, ...)
    OneBit,  // packed sign matrix + value vectors: y = ((x ⊙ g) · Sᵀ) ⊙ h   (docs/FORMATS.md)
    Binary,  // BitNet v1: packed sign(W - mean) bits and one scale β
};

// A view of one weight matrix (or vector) inside the mapped file. ne0 is the input dimension
// (row length), rows the output dimension.
struct Weight {
    const GgufTensorInfo* tensor = nullptr;  // the main tensor (sign bits for OneBit/Binary)
    WeightKind kind = WeightKind::Plain;
    TensorType type = TensorType::F32;
    int64_t ne0 = 0;
    int64_t rows = 0;
    const uint8_t* data = nullptr;
    size_t row_stride = 0;  // bytes between rows
    float scale = 1.0f;     // extra output scale: I2_S tensor scale, BitNet ".scale" tensor, binary β
    const GgufTensorInfo* in_scale = nullptr;   // OneBit g (ne0 values)
    const GgufTensorInfo* out_scale = nullptr;  // OneBit h (rows values)

    explicit operator bool() const { return data != nullptr; }
    size_t bytes() const;  // storage bytes, including value vectors
    int64_t n_elements() const { return ne0 * rows; }
};

struct LayerWeights {
    Weight attn_norm;
    Weight wq, wk, wv, wo;
    Weight bq, bk, bv;  // qwen2 biases
    Weight attn_sub_norm;
    Weight ffn_norm;
    Weight ffn_gate, ffn_up, ffn_down;
    Weight ffn_sub_norm;
};

struct TensorStat {
    std::string name;
    TensorType type;
    WeightKind kind;
    std::vector<int64_t> shape;
    size_t bytes;
    double bits_per_weight;
};

struct ModelStats {
    int64_t n_params = 0;       // elements of all weight tensors (value vectors excluded)
    size_t weight_bytes = 0;    // bytes of all tensors
    double bits_per_weight = 0;  // 8 * weight_bytes / n_params
    std::vector<TensorStat> tensors;
};

class Model {
public:
    // Opens, validates and maps a model. Throws lowbit::Error with a message naming the file
    // and the problem (unknown architecture, missing tensor, wrong shape, unsupported type).
    static std::unique_ptr<Model> load(const std::string& path);
    ~Model();

    const HParams& hparams() const { return hp_; }
    const Tokenizer& tokenizer() const { return *tokenizer_; }
    const GgufFile& gguf() const { return *file_; }
    const std::string& path() const { return file_->path(); }
    std::string name() const;  // general.name or the file name

    const Weight& token_embd() const { return token_embd_; }
    const Weight& output_norm() const { return output_norm_; }
    const Weight& output() const { return output_; }  // token_embd when tied
    const std::vector<LayerWeights>& layers() const { return layers_; }

    const ModelStats& stats() const { return stats_; }
    // tokenizer.chat_template, empty when absent.
    std::string chat_template() const;

private:
    Model() = default;
    std::unique_ptr<GgufFile> file_;
    std::unique_ptr<Tokenizer> tokenizer_;
    HParams hp_;
    Weight token_embd_, output_norm_, output_;
    std::vector<LayerWeights> layers_;
    ModelStats stats_;

    friend class ModelLoader;
};

}  // namespace lowbit
