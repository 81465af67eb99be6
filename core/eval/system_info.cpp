#include "lowbit/system_info.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

namespace lowbit {
namespace {

// Value in kB of a "Key:   123 kB" line of a /proc file, in bytes; 0 when absent.
size_t proc_kb_field(const char* file, const char* key) {
    std::ifstream in(file);
    std::string line;
    const size_t klen = std::strlen(key);
    while (std::getline(in, line)) {
        if (line.compare(0, klen, key) == 0 && line.size() > klen && line[klen] == ':') {
            std::istringstream is(line.substr(klen + 1));
            size_t kb = 0;
            is >> kb;
            return kb * 1024;
        }
    }
    return 0;
}

}  // namespace

size_t peak_rss_bytes() { return proc_kb_field("/proc/self/status", "VmHWM"); }
size_t current_rss_bytes() { return proc_kb_field("/proc/self/status", "VmRSS"); }
size_t total_memory_bytes() { return proc_kb_field("/proc/meminfo", "MemTotal"); }
size_t available_memory_bytes() { return proc_kb_field("/proc/meminfo", "MemAvailable"); }

std::string cpu_model_name() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            const size_t colon = line.find(':');
            if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    }
    return "unknown CPU";
}

int logical_cpu_count() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

double measure_memory_bandwidth(int threads, size_t bytes) {
    threads = std::max(1, threads);
    const size_t per = bytes / static_cast<size_t>(threads) / 64 * 64;
    std::vector<std::unique_ptr<char[]>> src(static_cast<size_t>(threads)), dst(static_cast<size_t>(threads));
    for (int t = 0; t < threads; ++t) {
        src[static_cast<size_t>(t)].reset(new char[per]);
        dst[static_cast<size_t>(t)].reset(new char[per]);
        std::memset(src[static_cast<size_t>(t)].get(), t + 1, per);
        std::memset(dst[static_cast<size_t>(t)].get(), 0, per);
    }
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t)
            pool.emplace_back([&, t] { std::memcpy(dst[static_cast<size_t>(t)].get(), src[static_cast<size_t>(t)].get(), per); });
        for (auto& th : pool) th.join();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        // A copy reads and writes every byte: count both directions, as STREAM's "copy" does.
        best = std::max(best, 2.0 * static_cast<double>(per) * threads / s);
    }
    return best;
}

}  // namespace lowbit
