// lowbit perplexity -m MODEL -f FILE [-c CTX] [-t THREADS] [--device D] [--json] [--chunks N]:
// llama.cpp's method (see lowbit/perplexity.h). Prints the running value per window and a
// last line "PPL = value +/- error"; with --json one object {"ppl": ..., ...}.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "lowbit/perplexity.h"

namespace lowbit::cli {

int cmd_perplexity(Args& args) {
    const std::string path = args.required({"-m", "--model"}, "model file");
    const std::string text_path = args.required({"-f", "--file"}, "text file");
    const bool json = args.flag({"--json"});
    PerplexityOptions po;
    po.n_ctx = args.int_or({"-c", "--ctx-size"}, 512);
    po.max_chunks = args.int_or({"--chunks"}, -1);
    RunnerOptions ro = runner_options(args, po.n_ctx);
    args.finish();
    if (po.n_ctx < 4) throw UsageError("the context (-c) must be at least 4 tokens");
    ro.n_ctx = po.n_ctx;

    const std::string text = read_text_file(text_path);
    auto model = load_model(path);
    auto runner = create_runner(*model, ro);
    report_fallback(*runner);
    if (!json) {
        po.on_chunk = [](const PerplexityProgress& p) {
            std::printf("[%d/%d] %.4f\n", p.chunk, p.n_chunks, p.ppl);
            std::fflush(stdout);
            return true;
        };
    }
    const PerplexityResult r = perplexity_text(*runner, text, po);
    if (json) {
        nlohmann::json j = {{"ppl", r.ppl},           {"error", r.error},
                            {"n_ctx", po.n_ctx},      {"n_chunks", r.n_chunks},
                            {"n_tokens", r.n_tokens}, {"tokens_scored", r.tokens_scored},
                            {"seconds", r.seconds},   {"running_ppl", r.running_ppl},
                            {"model", path},          {"device", runner->device_name()}};
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf("PPL = %.4f +/- %.5f\n", r.ppl, r.error);
        std::fprintf(stderr, "%d windows of %d tokens, %d tokens scored, %.2f s on %s\n", r.n_chunks,
                     po.n_ctx, r.tokens_scored, r.seconds, runner->device_name().c_str());
    }
    return 0;
}

}  // namespace lowbit::cli
