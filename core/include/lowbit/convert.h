#pragma once
// Model conversion: a GGUF model (F32/F16/BF16, or any type we can decode) or a Hugging Face
// model folder (config.json + tokenizer + *.safetensors, sharded too; LLaMA, Qwen2, BitNet) to a
// GGUF file whose linear layers use a low-bit type: f16, bf16, q8_0, q4_0 (llama.cpp's rules,
// bit for bit), tq1_0, tq2_0, i2_s (BitNet b1.58 absmean, or llama.cpp's per-block rule), onebit
// (OneBit SVID) or binary (BitNet v1).
//
// The conversion streams: the source is memory-mapped and processed one tensor at a time, in
// row chunks (a per-tensor ternary scale takes a first pass over the mapped tensor), so memory
// stays bounded by a few chunk buffers — except OneBit/binary, whose decomposition needs one
// whole weight matrix in float at a time. The output is written to "<output>.tmp" and renamed
// into place only when complete; on any error or cancellation no output file remains.
//
// Typical use (the conversion wizard runs this on a worker thread):
//     ConvertOptions o;
//     o.input = "/models/SmolLM2-135M";  o.output = "/models/smollm2-tq2_0.gguf";
//     o.target = ConvertTarget::TQ2_0;
//     o.calibration_text = read_file("wiki.txt");
//     o.on_progress = [&](const ConvertProgress& p) { emit progress(p.fraction()); };
//     o.cancel = &cancel_flag;
//     ConvertSummary s = convert_model(o);  // throws lowbit::Error / CancelledError
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lowbit/onebit.h"
#include "lowbit/quant.h"
#include "lowbit/tensor_type.h"

namespace lowbit {

// What the linear layers become.
enum class ConvertTarget { F32, F16, BF16, Q8_0, Q4_0, TQ1_0, TQ2_0, I2_S, OneBit, Binary };

struct ConvertTargetInfo {
    ConvertTarget target;
    std::string_view name;         // CLI spelling: "tq2_0", "onebit", ...
    std::string_view description;  // one line for people
    bool ternary;                  // TQ1_0, TQ2_0, I2_S: takes a TernaryRule
    bool one_bit;                  // OneBit, binary: packed signs (docs/FORMATS.md)
    bool llama_cpp_loads;          // upstream llama.cpp can load the result
};
const std::vector<ConvertTargetInfo>& convert_targets();
const ConvertTargetInfo& convert_target_info(ConvertTarget t);
std::optional<ConvertTarget> convert_target_from_name(std::string_view name);  // case-insensitive

// The storage type of a tensor kept in high precision: a fixed type, or whatever the source has
// (a GGUF tensor is then copied byte for byte; a safetensors tensor keeps F32/F16/BF16).
struct TypeChoice {
    bool keep_source = false;
    TensorType type = TensorType::F16;  // F32, F16, BF16, Q8_0 or Q4_0

    static TypeChoice of(TensorType t) { return {false, t}; }
    static TypeChoice source() { return {true, TensorType::F16}; }
    // "f32", "f16", "bf16", "q8_0", "q4_0" or "source"; throws lowbit::Error otherwise.
    static TypeChoice parse(std::string_view text);
    std::string name() const;
};

// Which tensors keep high precision. Norms and biases are always F32.
struct HighPrecisionPolicy {
    bool token_embd = true;  // token embeddings (a table lookup: never packed to 1 bit)
    bool output = true;      // output projection (lm_head)
    // Linear layers kept by kind: "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate",
    // "ffn_up", "ffn_down".
    std::vector<std::string> linear_kinds;
    bool first_block = false;  // every linear layer of block 0
    bool last_block = false;   // every linear layer of the last block

    // "default" (= "embd,output", llama-quantize's habit), "none" (quantize everything the
    // target can hold), or a comma list of: embd, output, attn_q, attn_k, attn_v, attn_output,
    // ffn_gate, ffn_up, ffn_down, attn (all four), ffn (all three), first, last.
    // Throws lowbit::Error naming the unknown word.
    static HighPrecisionPolicy parse(std::string_view text);
    std::string to_string() const;
};

enum class ConvertStage {
    Preparing,        // reading headers, tokenizer, planning, disk check
    Converting,       // writing tensors
    MeasuringSource,  // calibration perplexity of the source
    MeasuringResult,  // calibration perplexity of the result
    Done,
};
std::string_view convert_stage_name(ConvertStage s);

struct ConvertProgress {
    ConvertStage stage = ConvertStage::Preparing;
    int tensor_index = 0;  // tensors finished (Converting)
    int n_tensors = 0;
    std::string tensor_name;   // the tensor being written
    uint64_t bytes_done = 0;   // source bytes processed (Converting)
    uint64_t bytes_total = 0;  // source bytes of all tensors
    int ppl_chunk = 0;         // windows done / in total (Measuring*)
    int ppl_chunks = 0;
    double seconds = 0;  // since convert_model started
    // Overall progress in [0, 1] over the stages that will run.
    double fraction = 0;
};

struct PerplexityFigure {
    double ppl = 0;
    double error = 0;  // as llama-perplexity prints it
    int n_tokens = 0;
    int n_chunks = 0;
    double seconds = 0;
};

struct ConvertOptions {
    std::string input;   // a .gguf file or a Hugging Face model folder
    std::string output;  // the .gguf to write
    ConvertTarget target = ConvertTarget::TQ2_0;
    bool overwrite = false;  // replace an existing output file (never the input)

    quant::TernaryRule ternary_rule = quant::TernaryRule::AbsMeanTensor;  // TQ1_0/TQ2_0/I2_S
    onebit::SvidOptions svid;  // OneBit: method (NMF or power iteration) and iterations

    HighPrecisionPolicy keep;
    // Types of kept tensors. nullopt: F16, or the target itself when it is f32/f16/bf16.
    std::optional<TypeChoice> embd_type, output_type, keep_type;

    // Optional calibration text: the perplexity of source and result is measured on it with
    // llama.cpp's method and the same settings (windows of calibration_ctx tokens, threads).
    // A Hugging Face source is measured through a temporary F16 conversion next to the output.
    std::string calibration_text;
    int calibration_ctx = 512;
    int calibration_max_chunks = -1;  // < 0: all windows
    // A source figure measured earlier (e.g. for another target of the same source). The caller
    // promises it was measured on the same input with the same calibration_text, calibration_ctx
    // and calibration_max_chunks; it is then reported as-is and the source is not measured again
    // (no MeasuringSource stage runs). Ignored without calibration_text.
    std::optional<PerplexityFigure> source_ppl;

    int threads = 0;  // 0: all hardware threads

    std::function<void(const ConvertProgress&)> on_progress;
    std::function<void(const std::string&)> on_message;  // warnings and notes, one line each
    const std::atomic<bool>* cancel = nullptr;           // set -> lowbit::CancelledError
};

struct ConvertedTensor {
    std::string name;
    std::string source_type;  // "f16", "bf16", "q4_K", ...
    std::string type;         // "tq2_0", "onebit", "binary", "f32", ...
    std::vector<int64_t> shape;
    uint64_t bytes = 0;  // stored bytes, value vectors / scales included
    double bits_per_weight = 0;
    bool kept_high_precision = false;
    std::string note;  // why the type differs from the target, when it does
};

// Everything the wizard's summary page shows.
struct ConvertSummary {
    std::string input, output;
    std::string source_format;  // "gguf" or "safetensors"
    std::string architecture;   // GGUF name: llama, qwen2, bitnet, bitnet-b1.58
    std::string model_name;
    std::string tokenizer;  // e.g. "SentencePiece (tokenizer.model), 32000 tokens"; empty for GGUF input
    ConvertTarget target = ConvertTarget::TQ2_0;
    std::string method;  // e.g. "tq2_0, absmean per-tensor scale", "onebit, SVID by NMF (32 iterations)"
    bool native_ternary_source = false;  // BitNet b1.58 model (trained ternary)

    uint64_t source_bytes = 0;  // file(s) on disk
    uint64_t output_bytes = 0;
    int64_t n_params = 0;               // elements of all weight tensors
    double source_bits_per_weight = 0;  // over all tensors, as stored
    double output_bits_per_weight = 0;  // over all tensors
    double target_bits_per_weight = 0;  // over the tensors converted to the target only
    int64_t target_params = 0;          // elements converted to the target type

    std::optional<PerplexityFigure> ppl_source, ppl_output;
    int calibration_ctx = 0;
    std::string ppl_note;  // why a figure is missing, when one is

    double seconds_convert = 0;
    double seconds_total = 0;
    std::vector<ConvertedTensor> tensors;
    std::vector<std::string> warnings;
};

// Converts; throws lowbit::Error (bad input, unsupported, disk full: the message names the file
// and how much space is needed), lowbit::CancelledError. Nothing is left at options.output (nor
// "<output>.tmp") unless it returns normally.
ConvertSummary convert_model(const ConvertOptions& options);

// What convert_model would write, without writing: the tensor table with types and sizes and the
// expected output size (for the wizard's target page and `lowbit convert --dry-run`).
struct ConvertPlan {
    std::string source_format, architecture, model_name, tokenizer;
    bool native_ternary_source = false;
    uint64_t source_bytes = 0;
    uint64_t expected_output_bytes = 0;
    int64_t n_params = 0;
    double output_bits_per_weight = 0;  // over all tensors
    double target_bits_per_weight = 0;  // over the tensors converted to the target only
    int64_t target_params = 0;          // elements converted to the target type
    std::vector<ConvertedTensor> tensors;
    std::vector<std::string> warnings;
};
ConvertPlan plan_conversion(const ConvertOptions& options);

// plan_conversion for several targets, opening the source once (the wizard's target cards):
// one entry per target, in order, with the plan or, when that target cannot be planned, the
// error message. Throws lowbit::Error only when the source cannot be opened.
struct TargetPlan {
    ConvertTarget target;
    std::optional<ConvertPlan> plan;
    std::string error;
};
std::vector<TargetPlan> plan_conversions(const ConvertOptions& options,
                                         const std::vector<ConvertTarget>& targets);

}  // namespace lowbit
