#pragma once
// Read-only memory mapping of a whole file (RAII). Model weights are used in place from the
// mapping, so loading a model costs page faults, not copies.
#include <cstddef>
#include <cstdint>
#include <string>

namespace lowbit {

class MappedFile {
public:
    MappedFile() = default;
    // Throws lowbit::Error with the OS reason when the file cannot be opened or mapped.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    const std::string& path() const { return path_; }

private:
    void reset() noexcept;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    std::string path_;
};

}  // namespace lowbit
