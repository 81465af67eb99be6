#include "cli_common.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "lowbit/error.h"

namespace lowbit::cli {

RunnerOptions runner_options(Args& args, int default_ctx) {
    RunnerOptions o;
    o.n_threads = args.int_or({"-t", "--threads"}, 0);
    if (o.n_threads < 0) throw UsageError("--threads must be positive");
    o.n_ctx = args.int_or({"-c", "--ctx-size"}, default_ctx);
    if (o.n_ctx < 0) throw UsageError("--ctx-size must be positive");
    o.n_batch = args.int_or({"-b", "--batch-size"}, 256);
    if (o.n_batch <= 0) throw UsageError("--batch-size must be positive");
    o.device = args.value_or({"--device", "-d"}, "cpu");
    o.onebit_int8 = args.flag({"--onebit-int8"});
    if (o.onebit_int8 && o.device != "cpu")
        std::fprintf(stderr,
                     "note: --onebit-int8 applies to the CPU backend; Vulkan runs 1-bit layers with float "
                     "activations\n");
    return o;
}

std::unique_ptr<Model> load_model(const std::string& path) {
    return Model::load(path);
}

void report_fallback(const Runner& runner) {
    const std::string why = runner.fallback_reason();
    if (!why.empty()) std::fprintf(stderr, "note: using the CPU instead of the GPU: %s\n", why.c_str());
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read '" + path + "'");
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

std::string prompt_text(Args& args) {
    auto p = args.value({"-p", "--prompt"});
    auto f = args.value({"-f", "--file"});
    if (p && f) throw UsageError("give either -p TEXT or -f FILE, not both");
    if (p) return *p;
    if (f) return read_text_file(*f);
    throw UsageError("missing text (-p TEXT or -f FILE)");
}

std::string human_bytes(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024.0 && u < 4) {
        b /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", b, units[u]);
    return buf;
}

}  // namespace lowbit::cli
