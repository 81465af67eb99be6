// Per-tensor storage decisions (see plan.h). The defaults follow llama-quantize's habits:
// embeddings and output stay high precision, norms and biases F32, and a matrix whose rows do not
// fill the target's blocks falls back to a type that fits (TQ -> Q4_0 as llama.cpp does -> F16).
#include "convert/plan.h"

#include "lowbit/error.h"
#include "lowbit/onebit.h"
#include "lowbit/quant.h"

namespace lowbit::conv {

namespace {

const char* const kLinearKinds[] = {"attn_q",   "attn_k", "attn_v",  "attn_output",
                                    "ffn_gate", "ffn_up", "ffn_down"};

// "blk.12.ffn_up.weight" -> layer 12, kind "ffn_up".
bool linear_kind(const std::string& name, int64_t& layer, std::string& kind) {
    if (name.rfind("blk.", 0) != 0) return false;
    const size_t dot = name.find('.', 4);
    if (dot == std::string::npos) return false;
    try {
        layer = std::stoll(name.substr(4, dot - 4));
    } catch (const std::exception&) {
        return false;
    }
    const std::string rest = name.substr(dot + 1);
    for (const char* k : kLinearKinds) {
        if (rest == std::string(k) + ".weight") {
            kind = k;
            return true;
        }
    }
    return false;
}

int64_t block_count(const SourceModel& m) {
    int64_t n = 0;
    for (const auto& t : m.tensors) {
        int64_t layer = -1;
        std::string kind;
        if (linear_kind(t.name, layer, kind)) n = std::max(n, layer + 1);
    }
    return n;
}

bool is_float_type(TensorType t) {
    return t == TensorType::F32 || t == TensorType::F16 || t == TensorType::BF16;
}

bool is_ternary(TensorType t) {
    return t == TensorType::TQ1_0 || t == TensorType::TQ2_0 || t == TensorType::I2_S;
}

// Elements a row must be a multiple of. I2_S packs 128-element blocks (32 bytes) and our kernels
// need every row to start on one, although its GGUF block size is 4.
int64_t row_multiple(TensorType t) {
    return t == TensorType::I2_S ? 128 : type_traits(t).block_size;
}

bool fits(TensorType t, int64_t ne0) {
    return ne0 % row_multiple(t) == 0;
}

}  // namespace

bool target_plain_type(ConvertTarget t, TensorType& out) {
    switch (t) {
        case ConvertTarget::F32:
            out = TensorType::F32;
            return true;
        case ConvertTarget::F16:
            out = TensorType::F16;
            return true;
        case ConvertTarget::BF16:
            out = TensorType::BF16;
            return true;
        case ConvertTarget::Q8_0:
            out = TensorType::Q8_0;
            return true;
        case ConvertTarget::Q4_0:
            out = TensorType::Q4_0;
            return true;
        case ConvertTarget::TQ1_0:
            out = TensorType::TQ1_0;
            return true;
        case ConvertTarget::TQ2_0:
            out = TensorType::TQ2_0;
            return true;
        case ConvertTarget::I2_S:
            out = TensorType::I2_S;
            return true;
        case ConvertTarget::OneBit:
        case ConvertTarget::Binary:
            return false;
    }
    return false;
}

std::string PlannedTensor::type_label() const {
    switch (encoding) {
        case Encoding::OneBit:
            return "onebit";
        case Encoding::Binary:
            return "binary";
        default:
            return std::string(type_name(type));
    }
}

uint64_t planned_bytes(const PlannedTensor& p) {
    const SourceTensor& s = *p.src;
    const uint64_t rows = static_cast<uint64_t>(s.rows()), cols = static_cast<uint64_t>(s.ne0());
    switch (p.encoding) {
        case Encoding::Copy:
            return s.nbytes;
        case Encoding::Plain:
            return tensor_bytes(p.type, s.is_vector() ? s.n_elements() : s.ne0(), s.n_elements());
        case Encoding::OneBit:
            return rows * cols / 8 + 2 * (rows + cols);
        case Encoding::Binary:
            return rows * cols / 8 + 4;
    }
    return 0;
}

std::vector<PlannedTensor> plan_tensors(const SourceModel& m, const ConvertOptions& o,
                                        std::vector<std::string>& notes) {
    TensorType target_type = TensorType::F16;
    const bool plain_target = target_plain_type(o.target, target_type);
    const bool float_target = plain_target && is_float_type(target_type);
    const TypeChoice default_keep = TypeChoice::of(float_target ? target_type : TensorType::F16);
    const TypeChoice embd_choice = o.embd_type.value_or(default_keep);
    const TypeChoice output_choice = o.output_type.value_or(default_keep);
    const TypeChoice keep_choice = o.keep_type.value_or(default_keep);
    const int64_t n_blocks = block_count(m);

    std::vector<PlannedTensor> plan;
    plan.reserve(m.tensors.size());
    for (const SourceTensor& s : m.tensors) {
        PlannedTensor p;
        p.src = &s;
        int64_t layer = -1;
        std::string kind;
        if (s.name == "token_embd.weight")
            p.role = Role::TokenEmbd;
        else if (s.name == "output.weight")
            p.role = Role::Output;
        else if (s.is_vector())
            p.role = Role::Vector;
        else if (linear_kind(s.name, layer, kind))
            p.role = Role::Linear;
        else
            p.role = Role::Other;

        auto use_choice = [&](const TypeChoice& c) {
            p.kept = true;
            if (c.keep_source) {
                if (s.gguf) {
                    p.encoding = Encoding::Copy;
                    p.type = s.type;
                } else {
                    p.encoding = Encoding::Plain;
                    p.type = s.type;  // F32/F16/BF16 of the checkpoint
                }
            } else {
                p.encoding = Encoding::Plain;
                p.type = c.type;
            }
        };
        auto use_target = [&]() {
            p.is_target = true;
            if (plain_target) {
                p.encoding = Encoding::Plain;
                p.type = target_type;
            } else {
                p.encoding = o.target == ConvertTarget::OneBit ? Encoding::OneBit : Encoding::Binary;
            }
        };

        switch (p.role) {
            case Role::Vector:
                // Norms, biases, rope factors: F32, as llama.cpp keeps them. Integer or undecodable
                // vectors are copied.
                if (s.gguf && !quant::can_dequantize(s.type)) {
                    p.encoding = Encoding::Copy;
                    p.type = s.type;
                } else {
                    p.encoding = Encoding::Plain;
                    p.type = TensorType::F32;
                }
                break;
            case Role::Other:
                if (s.gguf) {
                    p.encoding = Encoding::Copy;
                    p.type = s.type;
                    p.note = "not a known weight of the graph: copied unchanged";
                } else {
                    p.encoding = Encoding::Plain;
                    p.type = TensorType::F32;
                }
                break;
            case Role::TokenEmbd:
                if (o.keep.token_embd) {
                    use_choice(embd_choice);
                } else if (!plain_target || target_type == TensorType::I2_S) {
                    use_choice(embd_choice);
                    p.note = "token embeddings are a lookup table, not a matrix product: kept";
                } else {
                    use_target();
                }
                break;
            case Role::Output:
                if (o.keep.output)
                    use_choice(output_choice);
                else
                    use_target();
                break;
            case Role::Linear: {
                bool keep = false;
                for (const auto& k : o.keep.linear_kinds) keep = keep || k == kind;
                if (o.keep.first_block && layer == 0) keep = true;
                if (o.keep.last_block && layer == n_blocks - 1) keep = true;
                if (keep)
                    use_choice(keep_choice);
                else
                    use_target();
                break;
            }
        }

        // Fallbacks for shapes the chosen encoding cannot hold.
        const int64_t ne0 = s.ne0();
        if (p.encoding == Encoding::OneBit || p.encoding == Encoding::Binary) {
            if (ne0 % 8 != 0) {
                p.note = "row length " + std::to_string(ne0) +
                         " is not a multiple of 8 (packed signs): stored as f16";
                p.encoding = Encoding::Plain;
                p.type = TensorType::F16;
                p.is_target = false;
            }
        } else if (p.encoding == Encoding::Plain && !s.is_vector() && !fits(p.type, ne0)) {
            const TensorType wanted = p.type;
            TensorType fb = TensorType::F16;
            const char* why = "";
            if (is_ternary(wanted) && fits(TensorType::Q4_0, ne0)) {
                fb = TensorType::Q4_0;
                why = " (llama.cpp's fallback for ternary types)";
            }
            p.note = "row length " + std::to_string(ne0) + " is not a multiple of " +
                     std::to_string(row_multiple(wanted)) + " (" + std::string(type_name(wanted)) +
                     " blocks): stored as " + std::string(type_name(fb)) + why;
            p.type = fb;
            p.is_target = false;
        }
        // The same type as a GGUF source: copy the bytes (no second rounding).
        if (p.encoding == Encoding::Plain && s.gguf && s.type == p.type && !s.ternarize &&
            s.permute_heads == 0)
            p.encoding = Encoding::Copy;
        if (p.encoding == Encoding::Plain && !quant::can_quantize(p.type))
            throw UnsupportedError("cannot write tensor '" + s.name + "' as " +
                                   std::string(type_name(p.type)));
        if (p.encoding != Encoding::Copy && s.gguf && !quant::can_dequantize(s.type))
            throw UnsupportedError(
                "tensor '" + s.name + "' has type " + s.type_label +
                ", which this converter cannot decode; keep it with --embd-type/--output-type source");
        p.out_bytes = planned_bytes(p);
        if (!p.note.empty()) notes.push_back(s.name + ": " + p.note);
        plan.push_back(std::move(p));
    }
    return plan;
}

}  // namespace lowbit::conv
