#pragma once
// Reading the small JSON files of a Hugging Face model folder, with errors that name the file.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace lowbit::conv {

// The whole file as text; lowbit::Error when it cannot be read, FormatError above `limit` bytes.
std::string read_text_file(const std::string& path, size_t limit);
// Parses a JSON file; nullopt when it does not exist, lowbit::FormatError when it does not parse.
std::optional<nlohmann::json> read_json_file(const std::string& path, size_t limit = size_t(64) << 20);

// Typed lookups that name the file and key in their errors.
std::optional<int64_t> json_int(const nlohmann::json& obj, const char* key, const std::string& file);
std::optional<double> json_number(const nlohmann::json& obj, const char* key, const std::string& file);
std::optional<std::string> json_string(const nlohmann::json& obj, const char* key);
std::optional<bool> json_bool(const nlohmann::json& obj, const char* key);

}  // namespace lowbit::conv
