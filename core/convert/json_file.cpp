#include "convert/json_file.h"

#include <filesystem>
#include <fstream>

#include "lowbit/error.h"

namespace lowbit::conv {

std::string read_text_file(const std::string& path, size_t limit) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw Error("cannot read '" + path + "': " + ec.message());
    if (size > limit)
        throw FormatError("'" + path + "' is implausibly large (" + std::to_string(size) + " bytes)");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open '" + path + "'");
    std::string s(static_cast<size_t>(size), '\0');
    in.read(s.data(), static_cast<std::streamsize>(size));
    if (!in) throw Error("cannot read '" + path + "'");
    return s;
}

std::optional<nlohmann::json> read_json_file(const std::string& path, size_t limit) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    const std::string text = read_text_file(path, limit);
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError("'" + path + "' is not valid JSON: " + e.what());
    }
}

std::optional<int64_t> json_int(const nlohmann::json& obj, const char* key, const std::string& file) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (it->is_number_unsigned()) {
        const uint64_t u = it->get<uint64_t>();
        if (u > static_cast<uint64_t>(INT64_MAX))
            throw FormatError("'" + file + "': " + key + " is too large");
        return static_cast<int64_t>(u);
    }
    if (it->is_number_integer()) return it->get<int64_t>();
    // Some configs write integers as floats ("max_position_embeddings": 2048.0).
    if (it->is_number_float()) {
        const double d = it->get<double>();
        if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
    }
    throw FormatError("'" + file + "': " + key + " is not an integer");
}

std::optional<double> json_number(const nlohmann::json& obj, const char* key, const std::string& file) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) throw FormatError("'" + file + "': " + key + " is not a number");
    return it->get<double>();
}

std::optional<std::string> json_string(const nlohmann::json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

std::optional<bool> json_bool(const nlohmann::json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_boolean()) return std::nullopt;
    return it->get<bool>();
}

}  // namespace lowbit::conv
