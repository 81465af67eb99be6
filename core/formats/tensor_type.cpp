#include "lowbit/tensor_type.h"

#include <array>
#include <cctype>

#include "lowbit/error.h"

namespace lowbit {
namespace {

// Block sizes and byte counts are facts of the GGUF/ggml formats.
constexpr std::array<TypeTraits, 36> kTraits{{
    {TensorType::F32, "f32", 1, 4, false},
    {TensorType::F16, "f16", 1, 2, false},
    {TensorType::Q4_0, "q4_0", 32, 18, true},
    {TensorType::Q4_1, "q4_1", 32, 20, true},
    {TensorType::Q5_0, "q5_0", 32, 22, true},
    {TensorType::Q5_1, "q5_1", 32, 24, true},
    {TensorType::Q8_0, "q8_0", 32, 34, true},
    {TensorType::Q8_1, "q8_1", 32, 36, true},
    {TensorType::Q2_K, "q2_K", 256, 84, true},
    {TensorType::Q3_K, "q3_K", 256, 110, true},
    {TensorType::Q4_K, "q4_K", 256, 144, true},
    {TensorType::Q5_K, "q5_K", 256, 176, true},
    {TensorType::Q6_K, "q6_K", 256, 210, true},
    {TensorType::Q8_K, "q8_K", 256, 292, true},
    {TensorType::IQ2_XXS, "iq2_xxs", 256, 66, true},
    {TensorType::IQ2_XS, "iq2_xs", 256, 74, true},
    {TensorType::IQ3_XXS, "iq3_xxs", 256, 98, true},
    {TensorType::IQ1_S, "iq1_s", 256, 50, true},
    {TensorType::IQ4_NL, "iq4_nl", 32, 18, true},
    {TensorType::IQ3_S, "iq3_s", 256, 110, true},
    {TensorType::IQ2_S, "iq2_s", 256, 82, true},
    {TensorType::IQ4_XS, "iq4_xs", 256, 136, true},
    {TensorType::I8, "i8", 1, 1, false},
    {TensorType::I16, "i16", 1, 2, false},
    {TensorType::I32, "i32", 1, 4, false},
    {TensorType::I64, "i64", 1, 8, false},
    {TensorType::F64, "f64", 1, 8, false},
    {TensorType::IQ1_M, "iq1_m", 256, 56, true},
    {TensorType::BF16, "bf16", 1, 2, false},
    {TensorType::TQ1_0, "tq1_0", 256, 54, true},
    {TensorType::TQ2_0, "tq2_0", 256, 66, true},
    // I2_S: 4 codes per byte; the per-tensor scale lives after the codes (see tensor_bytes).
    {TensorType::I2_S, "i2_s", 4, 1, true},
    {TensorType::MXFP4, "mxfp4", 32, 17, true},
    {TensorType::NVFP4, "nvfp4", 64, 36, true},
    {TensorType::Q1_0, "q1_0", 128, 18, true},
    {TensorType::Q2_0, "q2_0", 64, 18, true},
}};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

}  // namespace

const TypeTraits* find_type_traits(uint32_t type_id) {
    for (const auto& t : kTraits) {
        if (static_cast<uint32_t>(t.type) == type_id) return &t;
    }
    return nullptr;
}

const TypeTraits& type_traits(TensorType type) {
    const TypeTraits* t = find_type_traits(static_cast<uint32_t>(type));
    if (!t) throw Error("unknown tensor type id " + std::to_string(static_cast<uint32_t>(type)));
    return *t;
}

std::string_view type_name(TensorType type) {
    const TypeTraits* t = find_type_traits(static_cast<uint32_t>(type));
    return t ? t->name : std::string_view("unknown");
}

std::optional<TensorType> type_from_name(std::string_view name) {
    for (const auto& t : kTraits) {
        if (iequals(t.name, name)) return t.type;
    }
    return std::nullopt;
}

size_t row_bytes(TensorType type, int64_t ne0) {
    const TypeTraits& t = type_traits(type);
    return static_cast<size_t>(ne0 / t.block_size) * t.block_bytes;
}

size_t tensor_bytes(TensorType type, int64_t ne0, int64_t n_elements) {
    if (type == TensorType::I2_S) return static_cast<size_t>(n_elements) / 4 + 32;
    if (ne0 <= 0) return 0;
    return row_bytes(type, ne0) * static_cast<size_t>(n_elements / ne0);
}

double bits_per_weight(TensorType type, int64_t ne0, int64_t n_elements) {
    if (n_elements <= 0) return 0.0;
    return 8.0 * static_cast<double>(tensor_bytes(type, ne0, n_elements)) / static_cast<double>(n_elements);
}

}  // namespace lowbit
