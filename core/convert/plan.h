#pragma once
// The storage decision for every tensor: target type, kept high precision, or a fallback when
// the row length does not fit the target's blocks.
#include <cstdint>
#include <string>
#include <vector>

#include "convert/source_model.h"
#include "lowbit/convert.h"

namespace lowbit::conv {

enum class Role { TokenEmbd, Output, Linear, Vector, Other };

enum class Encoding {
    Copy,    // the source bytes as they are (GGUF source, same type)
    Plain,   // one tensor of `type`
    OneBit,  // packed signs + g + h (three tensors)
    Binary,  // packed signs + beta (two tensors)
};

struct PlannedTensor {
    const SourceTensor* src = nullptr;
    Role role = Role::Other;
    Encoding encoding = Encoding::Plain;
    TensorType type = TensorType::F32;  // Copy / Plain
    bool kept = false;                  // high precision by policy
    bool is_target = false;             // stored in the target's encoding
    std::string note;
    uint64_t out_bytes = 0;  // data bytes of all tensors it writes

    std::string type_label() const;  // "tq2_0", "onebit", ...
};

// The type a target stores plain tensors in (OneBit/Binary: none).
bool target_plain_type(ConvertTarget t, TensorType& out);

std::vector<PlannedTensor> plan_tensors(const SourceModel& m, const ConvertOptions& o,
                                        std::vector<std::string>& notes);

// Stored bytes of a plain tensor, a OneBit or a binary matrix.
uint64_t planned_bytes(const PlannedTensor& p);

}  // namespace lowbit::conv
