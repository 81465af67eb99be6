// Safetensors reader: validates the whole header before handing out any tensor (see
// lowbit/safetensors.h for the layout and the checks).
#include "lowbit/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "lowbit/error.h"
#include "lowbit/fp16.h"

namespace lowbit {

namespace {

struct DtypeInfo {
    SafetensorsDtype dtype;
    std::string_view name;
    size_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {SafetensorsDtype::BOOL, "BOOL", 1},       {SafetensorsDtype::U8, "U8", 1},
    {SafetensorsDtype::I8, "I8", 1},           {SafetensorsDtype::F8_E4M3, "F8_E4M3", 1},
    {SafetensorsDtype::F8_E5M2, "F8_E5M2", 1}, {SafetensorsDtype::U16, "U16", 2},
    {SafetensorsDtype::I16, "I16", 2},         {SafetensorsDtype::F16, "F16", 2},
    {SafetensorsDtype::BF16, "BF16", 2},       {SafetensorsDtype::U32, "U32", 4},
    {SafetensorsDtype::I32, "I32", 4},         {SafetensorsDtype::F32, "F32", 4},
    {SafetensorsDtype::U64, "U64", 8},         {SafetensorsDtype::I64, "I64", 8},
    {SafetensorsDtype::F64, "F64", 8},
};

// The reference implementation refuses headers above 100 MB; so do we (a real header of a
// model with 100k tensors is a few MB).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// No real dimension comes near this; it keeps every product below 2^63 after a few factors
// and is checked again with overflow tests.
constexpr int64_t kMaxDim = int64_t(1) << 40;

const DtypeInfo& info(SafetensorsDtype d) {
    for (const auto& i : kDtypes)
        if (i.dtype == d) return i;
    return kDtypes[0];
}

}  // namespace

std::string_view safetensors_dtype_name(SafetensorsDtype d) {
    return info(d).name;
}
size_t safetensors_dtype_size(SafetensorsDtype d) {
    return info(d).size;
}

std::optional<SafetensorsDtype> safetensors_dtype_from_name(std::string_view name) {
    for (const auto& i : kDtypes)
        if (i.name == name) return i.dtype;
    return std::nullopt;
}

int64_t SafetensorsTensor::n_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;  // validated not to overflow when the file was opened
    return n;
}

bool SafetensorsTensor::is_float() const {
    return dtype == SafetensorsDtype::F32 || dtype == SafetensorsDtype::F16 ||
           dtype == SafetensorsDtype::BF16;
}

std::string SafetensorsTensor::shape_string() const {
    std::ostringstream os;
    os << "[";
    for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
    os << "]";
    return os.str();
}

void safetensors_to_float(const SafetensorsTensor& t, int64_t first, int64_t n, float* dst) {
    if (first < 0 || n < 0 || first > t.n_elements() - n)
        throw Error("safetensors tensor '" + t.name + "': element range out of bounds");
    const uint8_t* p = t.data + static_cast<size_t>(first) * safetensors_dtype_size(t.dtype);
    switch (t.dtype) {
        case SafetensorsDtype::F32:
            std::memcpy(dst, p, static_cast<size_t>(n) * 4);
            return;
        case SafetensorsDtype::F16:
            for (int64_t i = 0; i < n; ++i) {
                uint16_t h;
                std::memcpy(&h, p + 2 * i, 2);
                dst[i] = fp16_to_fp32(h);
            }
            return;
        case SafetensorsDtype::BF16:
            for (int64_t i = 0; i < n; ++i) {
                uint16_t h;
                std::memcpy(&h, p + 2 * i, 2);
                dst[i] = bf16_to_fp32(h);
            }
            return;
        default:
            throw UnsupportedError("safetensors tensor '" + t.name + "' has dtype " +
                                   std::string(safetensors_dtype_name(t.dtype)) +
                                   "; only F32, F16 and BF16 weights can be converted");
    }
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
    std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
    f->map_ = MappedFile(path);
    f->parse();
    return f;
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
    auto it = index_.find(std::string(name));
    return it == index_.end() ? nullptr : &tensors_[it->second];
}

void SafetensorsFile::parse() {
    const std::string& path = map_.path();
    auto fail = [&](const std::string& what) -> void {
        throw FormatError("'" + path + "' is not a valid safetensors file: " + what);
    };
    const size_t size = map_.size();
    if (size < 8)
        fail("it is " + std::to_string(size) + " bytes long, shorter than the 8-byte header length");
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | map_.data()[i];
    if (header_len > size - 8)
        fail("the header claims " + std::to_string(header_len) + " bytes but the file has only " +
             std::to_string(size - 8) + " after the length (truncated file?)");
    if (header_len > kMaxHeaderBytes) fail("the header is larger than 100 MB");
    if (header_len < 2) fail("the header is empty");
    data_offset_ = 8 + static_cast<size_t>(header_len);
    const uint64_t data_size = size - data_offset_;

    const char* begin = reinterpret_cast<const char*>(map_.data() + 8);
    if (begin[0] != '{') fail("the header does not start with '{' (not a safetensors file?)");
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(begin, begin + header_len);
    } catch (const nlohmann::json::exception& e) {
        fail(std::string("the JSON header does not parse: ") + e.what());
    }
    if (!header.is_object()) fail("the JSON header is not an object");

    auto read_int = [&](const nlohmann::json& v, const std::string& what) -> int64_t {
        if (v.is_number_unsigned()) {
            const uint64_t u = v.get<uint64_t>();
            if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) fail(what + " is too large");
            return static_cast<int64_t>(u);
        }
        if (v.is_number_integer()) {
            const int64_t i = v.get<int64_t>();
            if (i < 0) fail(what + " is negative");
            return i;
        }
        fail(what + " is not an integer");
        return 0;
    };

    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        const nlohmann::json& entry = it.value();
        if (name == "__metadata__") {
            if (!entry.is_object()) fail("__metadata__ is not an object");
            for (auto m = entry.begin(); m != entry.end(); ++m) {
                if (!m.value().is_string()) fail("__metadata__ value of '" + m.key() + "' is not a string");
                metadata_[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        const std::string where = "tensor '" + name + "'";
        if (name.empty()) fail("a tensor has an empty name");
        if (!entry.is_object()) fail(where + " is not described by an object");
        auto dt = entry.find("dtype");
        auto sh = entry.find("shape");
        auto off = entry.find("data_offsets");
        if (dt == entry.end() || !dt->is_string()) fail(where + " has no dtype string");
        if (sh == entry.end() || !sh->is_array()) fail(where + " has no shape array");
        if (off == entry.end() || !off->is_array() || off->size() != 2)
            fail(where + " has no data_offsets pair");

        SafetensorsTensor t;
        t.name = name;
        const std::string dtype_name = dt->get<std::string>();
        auto dtype = safetensors_dtype_from_name(dtype_name);
        if (!dtype) fail(where + " has unknown dtype '" + dtype_name + "'");
        t.dtype = *dtype;
        if (sh->size() > 8) fail(where + " has " + std::to_string(sh->size()) + " dimensions");
        int64_t n = 1;
        for (const auto& d : *sh) {
            const int64_t v = read_int(d, where + " shape entry");
            if (v > kMaxDim) fail(where + " has an absurd dimension " + std::to_string(v));
            if (v != 0 && n > std::numeric_limits<int64_t>::max() / v) fail(where + " has too many elements");
            n *= v;
            t.shape.push_back(v);
        }
        const size_t esize = safetensors_dtype_size(t.dtype);
        if (n > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(esize))
            fail(where + " has too many bytes");
        const uint64_t expected = static_cast<uint64_t>(n) * esize;
        const int64_t b = read_int((*off)[0], where + " data_offsets[0]");
        const int64_t e = read_int((*off)[1], where + " data_offsets[1]");
        if (e < b) fail(where + " ends before it begins");
        if (static_cast<uint64_t>(e) > data_size)
            fail(where + " ends at byte " + std::to_string(e) + " of a data section of " +
                 std::to_string(data_size) + " bytes (truncated file?)");
        if (static_cast<uint64_t>(e - b) != expected)
            fail(where + " of dtype " + dtype_name + " and shape " + t.shape_string() + " needs " +
                 std::to_string(expected) + " bytes but its data_offsets span " + std::to_string(e - b));
        t.offset = static_cast<uint64_t>(b);
        t.nbytes = static_cast<size_t>(expected);
        t.data = map_.data() + data_offset_ + t.offset;
        tensors_.push_back(std::move(t));
    }

    std::sort(tensors_.begin(), tensors_.end(), [](const SafetensorsTensor& a, const SafetensorsTensor& b) {
        return a.offset != b.offset ? a.offset < b.offset : a.nbytes < b.nbytes;
    });
    uint64_t end = 0;
    const SafetensorsTensor* prev = nullptr;
    for (const auto& t : tensors_) {
        if (t.nbytes > 0 && t.offset < end)
            fail("tensors '" + prev->name + "' and '" + t.name + "' overlap in the data section");
        if (t.nbytes > 0) {
            end = t.offset + t.nbytes;
            prev = &t;
        }
    }
    for (size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
}

// ---------------------------------------------------------------------------------------------

namespace {

bool plain_file_name(const std::string& s) {
    return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
           s.find('\\') == std::string::npos && s.find('\0') == std::string::npos;
}

std::string read_small_text_file(const std::filesystem::path& p, size_t limit) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(p, ec);
    if (ec) throw Error("cannot read '" + p.string() + "': " + ec.message());
    if (size > limit)
        throw FormatError("'" + p.string() + "' is implausibly large (" + std::to_string(size) + " bytes)");
    std::ifstream in(p, std::ios::binary);
    if (!in) throw Error("cannot open '" + p.string() + "'");
    std::string s(static_cast<size_t>(size), '\0');
    in.read(s.data(), static_cast<std::streamsize>(size));
    if (!in) throw Error("cannot read '" + p.string() + "'");
    return s;
}

}  // namespace

std::unique_ptr<SafetensorsModel> SafetensorsModel::open_folder(const std::string& dir) {
    namespace fs = std::filesystem;
    std::unique_ptr<SafetensorsModel> m(new SafetensorsModel());
    m->dir_ = dir;
    const fs::path root(dir);
    std::error_code ec;
    if (!fs::is_directory(root, ec)) throw Error("'" + dir + "' is not a folder");

    // shard file name -> tensor names the index expects in it
    std::map<std::string, std::vector<std::string>> expected;
    const fs::path index_path = root / "model.safetensors.index.json";
    std::vector<std::string> shard_names;
    if (fs::exists(index_path, ec)) {
        nlohmann::json index;
        try {
            index = nlohmann::json::parse(read_small_text_file(index_path, 256u << 20));
        } catch (const nlohmann::json::exception& e) {
            throw FormatError("'" + index_path.string() + "' does not parse: " + e.what());
        }
        auto wm = index.is_object() ? index.find("weight_map") : index.end();
        if (wm == index.end() || !wm->is_object() || wm->empty())
            throw FormatError("'" + index_path.string() + "' has no weight_map");
        for (auto it = wm->begin(); it != wm->end(); ++it) {
            if (!it.value().is_string())
                throw FormatError("'" + index_path.string() + "': the shard of '" + it.key() +
                                  "' is not a string");
            const std::string shard = it.value().get<std::string>();
            if (!plain_file_name(shard))
                throw FormatError("'" + index_path.string() + "': shard name '" + shard +
                                  "' is not a plain file name in the model folder");
            if (!expected.count(shard)) shard_names.push_back(shard);
            expected[shard].push_back(it.key());
        }
        std::sort(shard_names.begin(), shard_names.end());
    } else if (fs::exists(root / "model.safetensors", ec)) {
        shard_names.push_back("model.safetensors");
    } else {
        for (const auto& e : fs::directory_iterator(root, ec)) {
            if (e.is_regular_file() && e.path().extension() == ".safetensors")
                shard_names.push_back(e.path().filename().string());
        }
        std::sort(shard_names.begin(), shard_names.end());
        if (shard_names.empty())
            throw Error("'" + dir +
                        "' has no *.safetensors weights (a Hugging Face model folder needs them)");
    }

    for (const auto& name : shard_names) {
        const fs::path p = root / name;
        if (!fs::exists(p, ec))
            throw Error("shard '" + name + "' listed in model.safetensors.index.json is missing from '" +
                        dir + "' (download incomplete?)");
        m->files_.push_back(SafetensorsFile::open(p.string()));
    }
    for (size_t fi = 0; fi < m->files_.size(); ++fi) {
        const SafetensorsFile& f = *m->files_[fi];
        for (const auto& t : f.tensors()) {
            if (!m->index_.emplace(t.name, m->tensors_.size()).second)
                throw FormatError("tensor '" + t.name + "' appears in two shards of '" + dir + "'");
            m->tensors_.push_back(&t);
            m->file_index_.push_back(fi);
        }
        auto ex = expected.find(fs::path(f.path()).filename().string());
        if (ex != expected.end()) {
            for (const auto& tn : ex->second) {
                if (!f.find(tn))
                    throw FormatError("model.safetensors.index.json places tensor '" + tn + "' in '" +
                                      f.path() + "', which does not contain it");
            }
        }
    }
    return m;
}

const SafetensorsTensor* SafetensorsModel::find(std::string_view name) const {
    auto it = index_.find(std::string(name));
    return it == index_.end() ? nullptr : tensors_[it->second];
}

const SafetensorsFile& SafetensorsModel::file_of(const SafetensorsTensor& t) const {
    auto it = index_.find(t.name);
    if (it == index_.end()) throw Error("tensor '" + t.name + "' is not part of this model");
    return *files_[file_index_[it->second]];
}

uint64_t SafetensorsModel::total_bytes() const {
    uint64_t n = 0;
    for (const auto& f : files_) n += f->file_size();
    return n;
}

}  // namespace lowbit
