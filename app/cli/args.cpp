#include "args.h"

#include <cstdlib>

namespace lowbit::cli {

Args::Args(std::vector<std::string> args) {
    for (auto& a : args) items_.push_back({std::move(a), false});
}

std::optional<std::string> Args::value(std::initializer_list<std::string_view> names) {
    for (size_t i = 0; i < items_.size(); ++i) {
        if (items_[i].used) continue;
        const std::string& t = items_[i].text;
        for (std::string_view n : names) {
            if (t == n) {
                if (i + 1 >= items_.size()) throw UsageError("option " + t + " needs a value");
                items_[i].used = items_[i + 1].used = true;
                return items_[i + 1].text;
            }
            if (t.size() > n.size() && t.compare(0, n.size(), n) == 0 && t[n.size()] == '=') {
                items_[i].used = true;
                return t.substr(n.size() + 1);
            }
        }
    }
    return std::nullopt;
}

std::string Args::value_or(std::initializer_list<std::string_view> names, const std::string& fallback) {
    auto v = value(names);
    return v ? *v : fallback;
}

std::string Args::required(std::initializer_list<std::string_view> names, const char* what) {
    auto v = value(names);
    if (!v) throw UsageError(std::string("missing ") + what + " (" + std::string(*names.begin()) + ")");
    return *v;
}

int Args::int_or(std::initializer_list<std::string_view> names, int fallback) {
    auto v = value(names);
    if (!v) return fallback;
    char* end = nullptr;
    const long x = std::strtol(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0') throw UsageError("'" + *v + "' is not an integer");
    return static_cast<int>(x);
}

double Args::number_or(std::initializer_list<std::string_view> names, double fallback) {
    auto v = value(names);
    if (!v) return fallback;
    char* end = nullptr;
    const double x = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0') throw UsageError("'" + *v + "' is not a number");
    return x;
}

bool Args::flag(std::initializer_list<std::string_view> names) {
    bool found = false;
    for (auto& it : items_) {
        if (it.used) continue;
        for (std::string_view n : names) {
            if (it.text == n) {
                it.used = true;
                found = true;
            }
        }
    }
    return found;
}

std::vector<std::string> Args::positionals() {
    std::vector<std::string> out;
    for (auto& it : items_) {
        if (it.used) continue;
        if (it.text.size() > 1 && it.text[0] == '-') continue;  // left for finish() to report
        it.used = true;
        out.push_back(it.text);
    }
    return out;
}

void Args::finish() {
    for (const auto& it : items_) {
        if (!it.used) throw UsageError("unknown option or argument '" + it.text + "'");
    }
}

}  // namespace lowbit::cli
