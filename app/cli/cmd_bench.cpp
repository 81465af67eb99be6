// lowbit bench (-m MODEL | --dummy SHAPE --type TYPE) [-p 64] [-n 32] [-r 3] [-t THREADS]
//             [--device D] [--onebit-int8] [--bandwidth] [--json]
// Prefill and decode tokens/s, weight/KV bytes, peak RSS; with --bandwidth also the measured
// memory copy bandwidth and how close decode comes to the bound it sets. --dummy builds a
// random model of a real shape in memory (see lowbit/dummy_model.h; --list-shapes lists them).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "lowbit/bench.h"
#include "lowbit/dummy_model.h"
#include "lowbit/error.h"
#include "lowbit/system_info.h"

namespace lowbit::cli {

int cmd_bench(Args& args) {
    if (args.flag({"--list-shapes"})) {
        args.finish();
        for (const auto& s : dummy_shapes()) std::printf("%-6s %s\n", s.name.c_str(), s.description.c_str());
        return 0;
    }
    const auto model_path = args.value({"-m", "--model"});
    const auto dummy = args.value({"--dummy"});
    DummyOptions dopt;
    auto parse_type = [](const std::string& name) {
        auto t = type_from_name(name);
        if (!t) throw UsageError("unknown tensor type '" + name + "'");
        return *t;
    };
    dopt.type = parse_type(args.value_or({"--type"}, "f16"));
    dopt.embd_type = parse_type(args.value_or({"--embd-type"}, "f16"));
    dopt.output_type = parse_type(args.value_or({"--output-type"}, "f16"));
    if (model_path.has_value() == dummy.has_value())
        throw UsageError("give either -m MODEL or --dummy SHAPE");
    // --save PATH also writes the random model to a GGUF file (to run other engines on it).
    const auto save_path = args.value({"--save"});
    if (save_path && !dummy) throw UsageError("--save needs --dummy");
    BenchOptions bo;
    bo.n_prompt = args.int_or({"-p", "--n-prompt"}, 64);
    bo.n_gen = args.int_or({"-n", "--n-gen"}, 32);
    bo.repetitions = args.int_or({"-r", "--repetitions"}, 3);
    const bool json = args.flag({"--json"});
    const bool bandwidth = args.flag({"--bandwidth"});
    RunnerOptions ro = runner_options(args);
    args.finish();
    if (bo.n_prompt < 0 || bo.n_gen < 0 || bo.repetitions < 1)
        throw UsageError("-p/-n must be >= 0 and -r >= 1");
    if (ro.n_ctx == 0) ro.n_ctx = std::max(16, bo.n_prompt + bo.n_gen + 1);

    std::unique_ptr<Model> loaded;
    std::unique_ptr<DummyModel> built;
    std::string path;
    if (model_path) {
        path = *model_path;
        loaded = load_model(path);
    } else {
        auto shape = find_dummy_shape(*dummy);
        if (!shape) throw UsageError("unknown shape '" + *dummy + "' (see --list-shapes)");
        path = "dummy:" + shape->name + ":" + std::string(type_name(dopt.type));
        std::fprintf(stderr, "building a random %s model in %s (%.0f MiB)...\n", shape->name.c_str(),
                     std::string(type_name(dopt.type)).c_str(),
                     static_cast<double>(dummy_model_bytes(*shape, dopt)) / (1 << 20));
        built = DummyModel::create(*shape, dopt);
        if (save_path) {
            DummyModel::write(*save_path, *shape, dopt);
            std::fprintf(stderr, "wrote %s\n", save_path->c_str());
        }
    }
    const Model& model = loaded ? *loaded : built->model();
    auto runner = create_runner(model, ro);
    report_fallback(*runner);
    const BenchResult r = run_bench(*runner, bo);
    const int threads = ro.n_threads > 0 ? ro.n_threads : 0;
    const double bw = bandwidth ? measure_memory_bandwidth(threads > 0 ? threads : 1) : 0.0;
    const double achieved = r.decode_tps * static_cast<double>(r.decode_bytes_per_token);

    if (json) {
        nlohmann::json j = {{"model", path},
                            {"device", r.device},
                            {"onebit_int8", ro.onebit_int8},
                            {"n_prompt", bo.n_prompt},
                            {"n_gen", bo.n_gen},
                            {"repetitions", bo.repetitions},
                            {"prefill_tps", r.prefill_tps},
                            {"prefill_tps_stddev", r.prefill_tps_stddev},
                            {"decode_tps", r.decode_tps},
                            {"decode_tps_stddev", r.decode_tps_stddev},
                            {"weight_bytes", r.weight_bytes},
                            {"kv_bytes", r.kv_bytes},
                            {"peak_rss_bytes", r.peak_rss_bytes},
                            {"device_bytes", r.device_bytes},
                            {"decode_bytes_per_token", r.decode_bytes_per_token},
                            {"decode_bytes_per_second", achieved}};
        if (bandwidth) {
            j["memory_copy_bandwidth"] = bw;
            j["decode_fraction_of_bandwidth"] = bw > 0 ? achieved / bw : 0.0;
        }
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("model:    %s\n", path.c_str());
    std::printf("device:   %s\n", r.device.c_str());
    std::printf("prefill:  %8.2f tok/s (+/- %.2f)  [%d tokens, %d runs]\n", r.prefill_tps,
                r.prefill_tps_stddev, bo.n_prompt, bo.repetitions);
    std::printf("decode:   %8.2f tok/s (+/- %.2f)  [%d tokens, %d runs]\n", r.decode_tps, r.decode_tps_stddev,
                bo.n_gen, bo.repetitions);
    std::printf("weights:  %s   KV cache: %s   peak RSS: %s\n",
                human_bytes(static_cast<double>(r.weight_bytes)).c_str(),
                human_bytes(static_cast<double>(r.kv_bytes)).c_str(),
                human_bytes(static_cast<double>(r.peak_rss_bytes)).c_str());
    std::printf("decode reads %s per token = %s/s\n",
                human_bytes(static_cast<double>(r.decode_bytes_per_token)).c_str(),
                human_bytes(achieved).c_str());
    if (bandwidth)
        std::printf("memory copy bandwidth: %s/s -> decode at %.1f%% of the bound\n", human_bytes(bw).c_str(),
                    bw > 0 ? 100.0 * achieved / bw : 0.0);
    return 0;
}

}  // namespace lowbit::cli
