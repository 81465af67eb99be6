#pragma once
// Facts about the running process and machine that benchmarks and the comparison view report.
#include <cstddef>
#include <string>

namespace lowbit {

size_t peak_rss_bytes();     // the process's peak resident set (VmHWM)
size_t current_rss_bytes();  // its current resident set (VmRSS)
size_t total_memory_bytes();  // physical memory of the machine
size_t available_memory_bytes();  // MemAvailable
std::string cpu_model_name();
int logical_cpu_count();

// Measured copy bandwidth of main memory in bytes/s with `threads` threads: the roof for
// memory-bound decode (weight bytes per token / bandwidth = the fastest a token can be).
double measure_memory_bandwidth(int threads, size_t bytes = size_t(256) << 20);

}  // namespace lowbit
