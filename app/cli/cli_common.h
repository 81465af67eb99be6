#pragma once
// Pieces shared by the `lowbit` commands: model loading, runner options from the usual flags,
// reading text files, and JSON/number formatting.
#include <memory>
#include <string>

#include "args.h"
#include "lowbit/model.h"
#include "lowbit/runner.h"

namespace lowbit::cli {

// -t/--threads, -c/--ctx-size, -b/--batch-size, --device.
RunnerOptions runner_options(Args& args, int default_ctx = 0);
// Loads the model and prints a one-line note to stderr when the runner fell back to the CPU.
std::unique_ptr<Model> load_model(const std::string& path);
void report_fallback(const Runner& runner);
// The prompt from -p TEXT or -f FILE (one is required).
std::string prompt_text(Args& args);
std::string read_text_file(const std::string& path);
// "1.23 GiB" style sizes for people.
std::string human_bytes(double bytes);

}  // namespace lowbit::cli
