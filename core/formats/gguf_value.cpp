#include <sstream>

#include "lowbit/error.h"
#include "lowbit/gguf.h"

namespace lowbit {

std::string_view gguf_type_name(GgufType t) {
    switch (t) {
        case GgufType::UINT8: return "u8";
        case GgufType::INT8: return "i8";
        case GgufType::UINT16: return "u16";
        case GgufType::INT16: return "i16";
        case GgufType::UINT32: return "u32";
        case GgufType::INT32: return "i32";
        case GgufType::FLOAT32: return "f32";
        case GgufType::BOOL: return "bool";
        case GgufType::STRING: return "string";
        case GgufType::ARRAY: return "array";
        case GgufType::UINT64: return "u64";
        case GgufType::INT64: return "i64";
        case GgufType::FLOAT64: return "f64";
    }
    return "invalid";
}

namespace {
bool is_int_type(GgufType t) {
    switch (t) {
        case GgufType::UINT8:
        case GgufType::INT8:
        case GgufType::UINT16:
        case GgufType::INT16:
        case GgufType::UINT32:
        case GgufType::INT32:
        case GgufType::UINT64:
        case GgufType::INT64:
        case GgufType::BOOL: return true;
        default: return false;
    }
}
bool is_float_type(GgufType t) { return t == GgufType::FLOAT32 || t == GgufType::FLOAT64; }

[[noreturn]] void kind_error(const char* wanted, GgufType got) {
    throw FormatError(std::string("metadata value is ") + std::string(gguf_type_name(got)) + ", expected " +
                      wanted);
}
}  // namespace

GgufValue GgufValue::make_int(GgufType type, int64_t v) {
    if (!is_int_type(type)) throw Error("make_int: not an integer type");
    GgufValue r;
    r.type_ = type;
    r.int_ = v;
    return r;
}

GgufValue GgufValue::make_float(GgufType type, double v) {
    if (!is_float_type(type)) throw Error("make_float: not a float type");
    GgufValue r;
    r.type_ = type;
    r.float_ = (type == GgufType::FLOAT32) ? static_cast<double>(static_cast<float>(v)) : v;
    return r;
}

GgufValue GgufValue::make_string(std::string v) {
    GgufValue r;
    r.type_ = GgufType::STRING;
    r.string_ = std::move(v);
    return r;
}

GgufValue GgufValue::make_int_array(GgufType elem_type, std::vector<int64_t> v) {
    if (!is_int_type(elem_type)) throw Error("make_int_array: not an integer type");
    GgufValue r;
    r.type_ = GgufType::ARRAY;
    r.elem_type_ = elem_type;
    r.ints_ = std::move(v);
    return r;
}

GgufValue GgufValue::make_float_array(GgufType elem_type, std::vector<double> v) {
    if (!is_float_type(elem_type)) throw Error("make_float_array: not a float type");
    GgufValue r;
    r.type_ = GgufType::ARRAY;
    r.elem_type_ = elem_type;
    r.floats_ = std::move(v);
    return r;
}

GgufValue GgufValue::make_string_array(std::vector<std::string> v) {
    GgufValue r;
    r.type_ = GgufType::ARRAY;
    r.elem_type_ = GgufType::STRING;
    r.strings_ = std::move(v);
    return r;
}

GgufValue GgufValue::make_nested_array(std::vector<GgufValue> arrays) {
    for (const auto& a : arrays) {
        if (!a.is_array()) throw Error("make_nested_array: element is not an array");
    }
    GgufValue r;
    r.type_ = GgufType::ARRAY;
    r.elem_type_ = GgufType::ARRAY;
    r.arrays_ = std::move(arrays);
    return r;
}

bool GgufValue::is_integer() const { return is_int_type(type_); }

int64_t GgufValue::as_int() const {
    if (!is_integer()) kind_error("an integer", type_);
    return int_;
}

uint64_t GgufValue::as_uint() const {
    if (!is_integer()) kind_error("an integer", type_);
    if (type_ != GgufType::UINT64 && int_ < 0) throw FormatError("metadata value is negative");
    return static_cast<uint64_t>(int_);
}

double GgufValue::as_number() const {
    if (is_float()) return float_;
    if (type_ == GgufType::UINT64) return static_cast<double>(static_cast<uint64_t>(int_));
    if (is_integer()) return static_cast<double>(int_);
    kind_error("a number", type_);
}

bool GgufValue::as_bool() const {
    if (!is_integer()) kind_error("a bool", type_);
    return int_ != 0;
}

const std::string& GgufValue::as_string() const {
    if (!is_string()) kind_error("a string", type_);
    return string_;
}

size_t GgufValue::size() const {
    if (!is_array()) return 0;
    if (elem_type_ == GgufType::STRING) return strings_.size();
    if (elem_type_ == GgufType::ARRAY) return arrays_.size();
    if (is_float_type(elem_type_)) return floats_.size();
    return ints_.size();
}

const std::vector<int64_t>& GgufValue::ints() const {
    if (!is_array() || !is_int_type(elem_type_)) kind_error("an integer array", type_);
    return ints_;
}

const std::vector<double>& GgufValue::floats() const {
    if (!is_array() || !is_float_type(elem_type_)) kind_error("a float array", type_);
    return floats_;
}

const std::vector<std::string>& GgufValue::strings() const {
    if (!is_array() || elem_type_ != GgufType::STRING) kind_error("a string array", type_);
    return strings_;
}

const std::vector<GgufValue>& GgufValue::arrays() const {
    if (!is_array() || elem_type_ != GgufType::ARRAY) kind_error("a nested array", type_);
    return arrays_;
}

std::string GgufValue::to_display_string(size_t max_items) const {
    std::ostringstream os;
    auto quote = [](const std::string& s) {
        std::string out = "\"";
        for (char c : s) {
            if (c == '\n') out += "\\n";
            else if (c == '"') out += "\\\"";
            else out += c;
        }
        return out + "\"";
    };
    if (is_string()) {
        std::string s = string_;
        if (s.size() > 120) s = s.substr(0, 117) + "...";
        return quote(s);
    }
    if (type_ == GgufType::BOOL) return int_ ? "true" : "false";
    if (type_ == GgufType::UINT64) return std::to_string(static_cast<uint64_t>(int_));
    if (is_integer()) return std::to_string(int_);
    if (is_float()) {
        os << float_;
        return os.str();
    }
    const size_t n = size();
    os << gguf_type_name(elem_type_) << "[" << n << "] [";
    for (size_t i = 0; i < n && i < max_items; ++i) {
        if (i) os << ", ";
        if (elem_type_ == GgufType::STRING) os << quote(strings_[i]);
        else if (elem_type_ == GgufType::ARRAY) os << arrays_[i].to_display_string(max_items);
        else if (is_float_type(elem_type_)) os << floats_[i];
        else os << ints_[i];
    }
    if (n > max_items) os << ", ...";
    os << "]";
    return os.str();
}

}  // namespace lowbit
