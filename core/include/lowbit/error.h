#pragma once
// Errors raised by the engine on bad input (files, arguments) or resource exhaustion.
// The engine never aborts on user data: every failure becomes a lowbit::Error that the
// caller (CLI, app) turns into a message.
#include <stdexcept>
#include <string>

namespace lowbit {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Thrown when a file is not what it claims to be (bad magic, truncated, out-of-range offsets).
class FormatError : public Error {
public:
    explicit FormatError(const std::string& message) : Error(message) {}
};

// Thrown when a file is valid but uses something this engine does not implement.
class UnsupportedError : public Error {
public:
    explicit UnsupportedError(const std::string& message) : Error(message) {}
};

// Thrown when an operation was cancelled through a cancellation flag.
class CancelledError : public Error {
public:
    CancelledError() : Error("cancelled") {}
};

}  // namespace lowbit
