// `lowbit`: the engine on the command line (info, tokenize, generate, perplexity, bench, ...).
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"
#include "lowbit/error.h"

namespace {

void print_help() {
    std::fprintf(stdout, "usage: lowbit COMMAND [options]\n\ncommands:\n");
    for (const auto& c : lowbit::cli::commands()) std::fprintf(stdout, "  %-11s %s\n", c.name, c.summary);
    std::fprintf(stdout, "\n'lowbit COMMAND --help' shows a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        print_help();
        return argc < 2 ? 2 : 0;
    }
    const std::string name = argv[1];
    for (const auto& c : lowbit::cli::commands()) {
        if (name != c.name) continue;
        std::vector<std::string> rest(argv + 2, argv + argc);
        for (const auto& a : rest) {
            if (a == "--help" || a == "-h") {
                std::fprintf(stdout, "usage: lowbit %s\n%s\n", c.usage, c.summary);
                return 0;
            }
        }
        lowbit::cli::Args args(std::move(rest));
        try {
            return c.run(args);
        } catch (const lowbit::cli::UsageError& e) {
            std::fprintf(stderr, "lowbit %s: %s\nusage: lowbit %s\n", c.name, e.what(), c.usage);
            return 2;
        } catch (const lowbit::CancelledError&) {
            std::fprintf(stderr, "lowbit %s: cancelled\n", c.name);
            return 130;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "lowbit %s: error: %s\n", c.name, e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "lowbit: unknown command '%s' (see lowbit --help)\n", name.c_str());
    return 2;
}
