#include "vector_file.h"

#include <sstream>
#include <stdexcept>

#include "test_data.h"

namespace lowbit::test {

namespace {

std::vector<int32_t> parse_ids(const std::string& s) {
    std::vector<int32_t> ids;
    std::string clean;
    for (char c : s) clean.push_back((c == '[' || c == ']' || c == ',') ? ' ' : c);
    std::istringstream in(clean);
    for (long v; in >> v;) ids.push_back(static_cast<int32_t>(v));
    return ids;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::runtime_error("bad hex digit in test vector");
}

std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out.push_back(s[i]);
        } else if (i + 1 < s.size() && s[i + 1] == '\\') {
            out.push_back('\\');
            ++i;
        } else if (i + 3 < s.size() && s[i + 1] == 'x') {
            out.push_back(static_cast<char>(hex_value(s[i + 2]) * 16 + hex_value(s[i + 3])));
            i += 3;
        } else {
            throw std::runtime_error("bad escape in test vector: " + s);
        }
    }
    return out;
}

}  // namespace

std::vector<TokenizerVector> read_ggml_vocab_test(const std::string& inp_path, const std::string& out_path) {
    const std::string raw = read_file(inp_path);
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> inputs;
    for (size_t pos = 0; pos < raw.size();) {
        const size_t next = raw.find(sep, pos);
        if (next == std::string::npos) {
            inputs.push_back(raw.substr(pos));
            break;
        }
        inputs.push_back(raw.substr(pos, next - pos));
        pos = next + sep.size();
    }
    std::istringstream out(read_file(out_path));
    std::vector<TokenizerVector> vectors;
    std::string line;
    for (size_t i = 0; std::getline(out, line); ++i) {
        if (i >= inputs.size()) throw std::runtime_error("more output lines than inputs in " + out_path);
        vectors.push_back({inputs[i], parse_ids(line), false, false, static_cast<int>(i + 1)});
    }
    if (vectors.size() != inputs.size())
        throw std::runtime_error("inputs and outputs differ in count: " + inp_path);
    return vectors;
}

std::vector<TokenizerVector> read_tsv_vectors(const std::string& path) {
    std::istringstream in(read_file(path));
    std::vector<TokenizerVector> vectors;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.empty() || line[0] == '#') continue;
        const size_t t1 = line.find('\t'), t2 = line.rfind('\t');
        if (t1 == std::string::npos || t2 == t1 || t1 < 3)
            throw std::runtime_error("bad vector line in " + path);
        TokenizerVector v;
        v.add_special = line[0] == '1';
        v.parse_special = line[2] == '1';
        v.text = unescape(line.substr(t1 + 1, t2 - t1 - 1));
        v.ids = parse_ids(line.substr(t2 + 1));
        v.line = n;
        vectors.push_back(std::move(v));
    }
    return vectors;
}

std::string escape_for_display(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c < 0x20 || c == 0x7F) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

}  // namespace lowbit::test
