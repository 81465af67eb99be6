#pragma once
// A small command-line option parser: options are looked up by their names as each command
// reads them, and finish() reports whatever was left unread as an unknown option.
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lowbit::cli {

// A mistake in the command line: reported with the command's usage and exit status 2.
class UsageError : public std::runtime_error {
public:
    explicit UsageError(const std::string& m) : std::runtime_error(m) {}
};

class Args {
public:
    explicit Args(std::vector<std::string> args);

    // Value of the first option present among `names` ("-m", "--model"); the value may be the
    // next argument or follow "=".
    std::optional<std::string> value(std::initializer_list<std::string_view> names);
    std::string value_or(std::initializer_list<std::string_view> names, const std::string& fallback);
    std::string required(std::initializer_list<std::string_view> names, const char* what);
    int int_or(std::initializer_list<std::string_view> names, int fallback);
    double number_or(std::initializer_list<std::string_view> names, double fallback);
    bool flag(std::initializer_list<std::string_view> names);  // present without a value
    // Arguments that are not options, in order (read after all options).
    std::vector<std::string> positionals();
    // Throws UsageError naming any option that no lookup consumed.
    void finish();

private:
    struct Item {
        std::string text;
        bool used = false;
    };
    std::vector<Item> items_;
};

}  // namespace lowbit::cli
