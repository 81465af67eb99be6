// lowbit generate -m MODEL -p TEXT [-n N] [--temp T] [--seed S] [-t THREADS] [--device D]:
// prints the prompt, then streams the continuation; speed figures go to stderr.
#include <csignal>
#include <cstdio>

#include "cli_common.h"
#include "commands.h"
#include "lowbit/session.h"

namespace lowbit::cli {
namespace {
// Ctrl+C stops generation cleanly (the text so far stays printed).
std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) {
    g_interrupted.store(true);
}
}  // namespace

int cmd_generate(Args& args) {
    const std::string path = args.required({"-m", "--model"}, "model file");
    const std::string prompt = prompt_text(args);
    GenerateParams gp;
    gp.max_tokens = args.int_or({"-n", "--n-predict"}, 128);
    gp.sampling.temperature = static_cast<float>(args.number_or({"--temp", "--temperature"}, 0.8));
    gp.sampling.top_k = args.int_or({"--top-k"}, 40);
    gp.sampling.top_p = static_cast<float>(args.number_or({"--top-p"}, 0.95));
    gp.sampling.min_p = static_cast<float>(args.number_or({"--min-p"}, 0.05));
    gp.sampling.repeat_penalty = static_cast<float>(args.number_or({"--repeat-penalty"}, 1.0));
    gp.sampling.repeat_last_n = args.int_or({"--repeat-last-n"}, 64);
    gp.sampling.seed = static_cast<uint64_t>(args.number_or({"-s", "--seed"}, 0xFFFFFFFF));
    while (auto stop = args.value({"--stop"})) gp.stop_strings.push_back(*stop);
    const bool quiet_prompt = args.flag({"--no-echo"});
    RunnerOptions ro = runner_options(args);
    args.finish();
    if (gp.max_tokens < 0) throw UsageError("-n must not be negative");

    auto model = load_model(path);
    auto runner = create_runner(*model, ro);
    report_fallback(*runner);
    Session session(*runner);

    std::signal(SIGINT, on_sigint);
    if (!quiet_prompt) {
        std::fputs(prompt.c_str(), stdout);
        std::fflush(stdout);
    }
    const GenerateStats st = session.generate(
        prompt, gp,
        [](const std::string& piece, int32_t) {
            std::fputs(piece.c_str(), stdout);
            std::fflush(stdout);
            return true;
        },
        &g_interrupted);
    std::signal(SIGINT, SIG_DFL);
    std::fputs("\n", stdout);
    std::fprintf(stderr, "\n%s | prompt %d tokens, %.1f tok/s | generated %d tokens, %.1f tok/s | stop: %s\n",
                 runner->device_name().c_str(), st.prompt_tokens, st.prefill_tps(), st.generated_tokens,
                 st.decode_tps(), stop_reason_name(st.stop));
    return 0;
}

}  // namespace lowbit::cli
