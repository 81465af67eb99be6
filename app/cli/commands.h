#pragma once
// The `lowbit` subcommands. Each lives in its own cmd_<name>.cpp and returns the exit status.
// Output contract: results on stdout, diagnostics and errors on stderr, non-zero status on error.
#include "args.h"

namespace lowbit::cli {

struct Command {
    const char* name;
    const char* usage;    // one line of synopsis
    const char* summary;  // what it does
    int (*run)(Args& args);
};

// All commands, in the order `lowbit --help` lists them.
const std::vector<Command>& commands();

int cmd_info(Args& args);
int cmd_tokenize(Args& args);
int cmd_generate(Args& args);
int cmd_perplexity(Args& args);
int cmd_bench(Args& args);
int cmd_devices(Args& args);
int cmd_compare(Args& args);
int cmd_pull(Args& args);
int cmd_convert(Args& args);

}  // namespace lowbit::cli
