// lowbit compare --models A.gguf,B.gguf[,...] --text FILE [-c CTX] [-t N] [--device D[,D...]]
//                [--chunks N] [-p 64] [-n 32] [-r 1] [--json]
// The measurements of the comparison view, headless: perplexity on the same text, speed and
// memory per model; ratios against the first model (the baseline, typically FP16).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_common.h"
#include "commands.h"
#include "lowbit/compare.h"

namespace lowbit::cli {
namespace {
std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (!item.empty()) out.push_back(item);
    }
    return out;
}
}  // namespace

int cmd_compare(Args& args) {
    const auto paths = split_list(args.required({"--models"}, "model list"));
    const std::string text_path = args.required({"--text", "-f"}, "text file");
    const bool json = args.flag({"--json"});
    CompareOptions co;
    co.n_ctx = args.int_or({"-c", "--ctx-size"}, 512);
    co.max_chunks = args.int_or({"--chunks"}, -1);
    co.n_threads = args.int_or({"-t", "--threads"}, 0);
    co.bench.n_prompt = args.int_or({"-p", "--n-prompt"}, 64);
    co.bench.n_gen = args.int_or({"-n", "--n-gen"}, 32);
    co.bench.repetitions = args.int_or({"-r", "--repetitions"}, 1);
    const auto devices = split_list(args.value_or({"--device", "-d"}, "cpu"));
    args.finish();
    if (paths.size() < 2 || paths.size() > 8) throw UsageError("give 2 to 8 models, separated by commas");
    if (devices.size() != 1 && devices.size() != paths.size())
        throw UsageError("give one device for all models or one per model");

    std::vector<CompareModel> models;
    for (size_t i = 0; i < paths.size(); ++i)
        models.push_back({paths[i], devices.size() == 1 ? devices[0] : devices[i]});
    const std::string text = read_text_file(text_path);
    const auto results = run_compare(models, text, co, [&](const CompareEvent& e) {
        if (json) return;
        if (e.kind == CompareEvent::ModelStarted)
            std::fprintf(stderr, "[%d/%zu] %s\n", e.model_index + 1, models.size(),
                         models[e.model_index].path.c_str());
        if (e.kind == CompareEvent::PerplexityWindow)
            std::fprintf(stderr, "  window %d/%d  PPL %.4f\n", e.progress.chunk, e.progress.n_chunks,
                         e.progress.ppl);
    });

    int failures = 0;
    for (const auto& m : results) failures += m.error.empty() ? 0 : 1;
    const ModelMeasurement& base = results.front();
    if (json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& m : results) {
            nlohmann::json j = {{"path", m.path},
                                {"name", m.name},
                                {"architecture", m.architecture},
                                {"device", m.device},
                                {"n_params", m.n_params},
                                {"bits_per_weight", m.bits_per_weight},
                                {"ppl", m.ppl},
                                {"ppl_error", m.ppl_error},
                                {"running_ppl", m.running_ppl},
                                {"prefill_tps", m.prefill_tps},
                                {"decode_tps", m.decode_tps},
                                {"weight_bytes", m.weight_bytes},
                                {"kv_bytes", m.kv_bytes},
                                {"peak_rss_bytes", m.peak_rss_bytes},
                                {"device_bytes", m.device_bytes},
                                {"load_seconds", m.load_seconds}};
            if (!m.fallback_reason.empty()) j["fallback_reason"] = m.fallback_reason;
            if (!m.error.empty()) j["error"] = m.error;
            if (m.error.empty() && base.error.empty() && m.ppl > 0 && base.ppl > 0) {
                j["ppl_ratio_to_baseline"] = m.ppl / base.ppl;
                j["weight_bytes_ratio_to_baseline"] =
                    static_cast<double>(m.weight_bytes) /
                    static_cast<double>(std::max<size_t>(1, base.weight_bytes));
                if (base.decode_tps > 0) j["decode_speedup_vs_baseline"] = m.decode_tps / base.decode_tps;
            }
            arr.push_back(j);
        }
        const MachineInfo mi = machine_info();
        nlohmann::json out = {{"models", arr},
                              {"baseline", 0},
                              {"n_ctx", co.n_ctx},
                              {"text", text_path},
                              {"machine",
                               {{"cpu", mi.cpu},
                                {"logical_cpus", mi.logical_cpus},
                                {"memory_bytes", mi.memory_bytes},
                                {"simd", mi.simd}}}};
        std::printf("%s\n", out.dump(2).c_str());
        return failures ? 1 : 0;
    }
    std::printf("%-40s %8s %14s %10s %10s %12s %12s\n", "model", "bpw", "PPL", "prefill/s", "decode/s",
                "weights", "peak RSS");
    for (const auto& m : results) {
        if (!m.error.empty()) {
            std::printf("%-40s error: %s\n", m.path.c_str(), m.error.c_str());
            continue;
        }
        std::printf("%-40s %8.3f %14.4f %10.1f %10.1f %12s %12s\n", m.name.c_str(), m.bits_per_weight, m.ppl,
                    m.prefill_tps, m.decode_tps, human_bytes(static_cast<double>(m.weight_bytes)).c_str(),
                    human_bytes(static_cast<double>(m.peak_rss_bytes)).c_str());
    }
    if (base.error.empty()) {
        std::printf("\nagainst %s:\n", base.name.c_str());
        for (size_t i = 1; i < results.size(); ++i) {
            const auto& m = results[i];
            if (!m.error.empty() || base.weight_bytes == 0) continue;
            std::printf("  %-38s %.2fx smaller, %.2fx decode speed, PPL x%.3f\n", m.name.c_str(),
                        static_cast<double>(base.weight_bytes) / static_cast<double>(m.weight_bytes),
                        base.decode_tps > 0 ? m.decode_tps / base.decode_tps : 0.0,
                        base.ppl > 0 ? m.ppl / base.ppl : 0.0);
        }
    }
    return failures ? 1 : 0;
}

}  // namespace lowbit::cli
