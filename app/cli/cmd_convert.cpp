// lowbit convert -m INPUT -o OUTPUT --type TYPE [...]: a GGUF model or a Hugging Face model folder
// to a low-bit GGUF file (see lowbit/convert.h). Progress and notes go to stderr, the summary to
// stdout (one JSON object with --json). Ctrl-C cancels cleanly: no output file is left behind.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "lowbit/convert.h"
#include "lowbit/error.h"

namespace lowbit::cli {
namespace {

// Set by SIGINT/SIGTERM while a conversion runs; a signal handler can only reach a static.
std::atomic<bool> g_cancel{false};

extern "C" void on_signal(int) {
    g_cancel.store(true);
}

// Installs the handlers for the lifetime of the object and restores the previous ones.
class CancelOnSignal {
  public:
    CancelOnSignal() {
        g_cancel.store(false);
        old_int_ = std::signal(SIGINT, on_signal);
        old_term_ = std::signal(SIGTERM, on_signal);
    }
    ~CancelOnSignal() {
        std::signal(SIGINT, old_int_);
        std::signal(SIGTERM, old_term_);
    }
    CancelOnSignal(const CancelOnSignal&) = delete;
    CancelOnSignal& operator=(const CancelOnSignal&) = delete;

  private:
    void (*old_int_)(int) = SIG_DFL;
    void (*old_term_)(int) = SIG_DFL;
};

std::string shape_str(const std::vector<int64_t>& ne) {
    std::string s = "[";
    for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

nlohmann::json tensors_json(const std::vector<ConvertedTensor>& ts) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& t : ts) {
        nlohmann::json j = {{"name", t.name},
                            {"source_type", t.source_type},
                            {"type", t.type},
                            {"shape", t.shape},
                            {"bytes", t.bytes},
                            {"bits_per_weight", t.bits_per_weight},
                            {"kept_high_precision", t.kept_high_precision}};
        if (!t.note.empty()) j["note"] = t.note;
        a.push_back(std::move(j));
    }
    return a;
}

nlohmann::json ppl_json(const std::optional<PerplexityFigure>& f) {
    if (!f) return nullptr;
    return {{"ppl", f->ppl},
            {"error", f->error},
            {"n_tokens", f->n_tokens},
            {"n_chunks", f->n_chunks},
            {"seconds", f->seconds}};
}

void print_table(const std::vector<ConvertedTensor>& ts) {
    std::fprintf(stdout, "%-34s %-8s %-8s %-20s %12s %8s\n", "tensor", "source", "type", "shape", "bytes",
                 "bpw");
    for (const auto& t : ts) {
        std::fprintf(stdout, "%-34s %-8s %-8s %-20s %12llu %8.4f%s%s\n", t.name.c_str(),
                     t.source_type.c_str(), t.type.c_str(), shape_str(t.shape).c_str(),
                     static_cast<unsigned long long>(t.bytes), t.bits_per_weight, t.note.empty() ? "" : "  ",
                     t.note.c_str());
    }
}

}  // namespace

int cmd_convert(Args& args) {
    ConvertOptions o;
    o.input = args.required({"-m", "--model"}, "input model (.gguf file or Hugging Face folder)");
    const auto output = args.value({"-o", "--output"});
    const std::string type = args.required({"--type"}, "target type");
    const auto target = convert_target_from_name(type);
    if (!target) {
        std::string names;
        for (const auto& i : convert_targets()) names += (names.empty() ? "" : ", ") + std::string(i.name);
        throw UsageError("unknown --type '" + type + "' (use one of: " + names + ")");
    }
    o.target = *target;
    try {
        if (auto p = args.value({"--keep-high-precision", "--keep"})) o.keep = HighPrecisionPolicy::parse(*p);
        if (auto t = args.value({"--embd-type"})) o.embd_type = TypeChoice::parse(*t);
        if (auto t = args.value({"--output-type"})) o.output_type = TypeChoice::parse(*t);
        if (auto t = args.value({"--keep-type"})) o.keep_type = TypeChoice::parse(*t);
    } catch (const Error& e) {
        throw UsageError(e.what());
    }
    const std::string rule = args.value_or({"--ternary-rule"}, "absmean");
    if (rule == "absmean")
        o.ternary_rule = quant::TernaryRule::AbsMeanTensor;
    else if (rule == "llama" || rule == "absmax")
        o.ternary_rule = quant::TernaryRule::AbsMaxBlock;
    else
        throw UsageError("--ternary-rule must be absmean or llama");
    const std::string method = args.value_or({"--onebit-method"}, "nmf");
    if (method == "nmf")
        o.svid.method = onebit::SvidMethod::Nmf;
    else if (method == "power")
        o.svid.method = onebit::SvidMethod::PowerIteration;
    else
        throw UsageError("--onebit-method must be nmf or power");
    o.svid.max_iterations = args.int_or({"--iterations"}, o.svid.max_iterations);
    if (o.svid.max_iterations < 1) throw UsageError("--iterations must be at least 1");
    const auto calibration = args.value({"--calibration"});
    o.calibration_ctx = args.int_or({"-c", "--ctx-size"}, 512);
    o.calibration_max_chunks = args.int_or({"--chunks"}, -1);
    o.threads = args.int_or({"-t", "--threads"}, 0);
    if (o.threads < 0) throw UsageError("--threads must be positive");
    o.overwrite = args.flag({"--force"});
    const bool dry_run = args.flag({"--dry-run"});
    const bool json = args.flag({"--json"});
    const bool quiet = args.flag({"--quiet", "-q"});
    const bool table = args.flag({"--tensors"});
    args.finish();
    if (!output && !dry_run) throw UsageError("missing output file (-o OUTPUT)");
    o.output = output.value_or("");
    if (!dry_run && !o.overwrite && ::access(o.output.c_str(), F_OK) == 0)
        throw Error("'" + o.output + "' exists (add --force to replace it)");
    if (calibration) o.calibration_text = read_text_file(*calibration);
    if (calibration && o.calibration_ctx < 8)
        throw UsageError("the calibration context (-c) must be at least 8");

    o.on_message = [&](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); };

    if (dry_run) {
        const ConvertPlan plan = plan_conversion(o);
        if (json) {
            nlohmann::json j = {{"source_format", plan.source_format},
                                {"architecture", plan.architecture},
                                {"model_name", plan.model_name},
                                {"tokenizer", plan.tokenizer},
                                {"source_bytes", plan.source_bytes},
                                {"expected_output_bytes", plan.expected_output_bytes},
                                {"n_params", plan.n_params},
                                {"output_bits_per_weight", plan.output_bits_per_weight},
                                {"target_params", plan.target_params},
                                {"target_bits_per_weight", plan.target_bits_per_weight},
                                {"warnings", plan.warnings},
                                {"tensors", tensors_json(plan.tensors)}};
            std::printf("%s\n", j.dump(2).c_str());
        } else {
            for (const auto& w : plan.warnings) std::fprintf(stderr, "note: %s\n", w.c_str());
            print_table(plan.tensors);
            std::printf("%s (%s) -> %s: %s, %.4f bits per weight (%.4f in the converted tensors)\n",
                        plan.model_name.c_str(), plan.architecture.c_str(),
                        std::string(convert_target_info(o.target).name).c_str(),
                        human_bytes(static_cast<double>(plan.expected_output_bytes)).c_str(),
                        plan.output_bits_per_weight, plan.target_bits_per_weight);
        }
        return 0;
    }

    const bool tty = ::isatty(STDERR_FILENO) != 0;
    int last_tensor = -1;
    int last_percent = -1;
    ConvertStage last_stage = ConvertStage::Done;
    o.on_progress = [&](const ConvertProgress& p) {
        if (quiet) return;
        const int percent = static_cast<int>(p.fraction * 100.0);
        if (p.stage == ConvertStage::Converting) {
            if (p.tensor_index >= p.n_tensors) return;
            if (tty) {
                if (percent == last_percent && p.tensor_index == last_tensor) return;
                std::fprintf(stderr, "\r[%4d/%4d] %3d%% %-40s", p.tensor_index + 1, p.n_tensors, percent,
                             p.tensor_name.c_str());
            } else if (p.tensor_index != last_tensor) {
                std::fprintf(stderr, "[%4d/%4d] %3d%% %s\n", p.tensor_index + 1, p.n_tensors, percent,
                             p.tensor_name.c_str());
            }
            last_tensor = p.tensor_index;
            last_percent = percent;
        } else if (p.stage == ConvertStage::MeasuringSource || p.stage == ConvertStage::MeasuringResult) {
            if (p.stage != last_stage && tty) std::fprintf(stderr, "\n");
            if (tty || p.ppl_chunk == p.ppl_chunks || p.stage != last_stage)
                std::fprintf(stderr, tty ? "\r%s: window %d/%d   " : "%s: window %d/%d\n",
                             std::string(convert_stage_name(p.stage)).c_str(), p.ppl_chunk, p.ppl_chunks);
        } else if (p.stage == ConvertStage::Done && tty) {
            std::fprintf(stderr, "\n");
        }
        last_stage = p.stage;
        std::fflush(stderr);
    };
    CancelOnSignal signals;
    o.cancel = &g_cancel;
    const ConvertSummary s = convert_model(o);

    if (json) {
        nlohmann::json j = {{"input", s.input},
                            {"output", s.output},
                            {"source_format", s.source_format},
                            {"architecture", s.architecture},
                            {"model_name", s.model_name},
                            {"tokenizer", s.tokenizer},
                            {"target", std::string(convert_target_info(s.target).name)},
                            {"method", s.method},
                            {"native_ternary_source", s.native_ternary_source},
                            {"source_bytes", s.source_bytes},
                            {"output_bytes", s.output_bytes},
                            {"n_params", s.n_params},
                            {"source_bits_per_weight", s.source_bits_per_weight},
                            {"output_bits_per_weight", s.output_bits_per_weight},
                            {"target_params", s.target_params},
                            {"target_bits_per_weight", s.target_bits_per_weight},
                            {"calibration_ctx", s.calibration_ctx},
                            {"ppl_source", ppl_json(s.ppl_source)},
                            {"ppl_output", ppl_json(s.ppl_output)},
                            {"ppl_note", s.ppl_note},
                            {"seconds_convert", s.seconds_convert},
                            {"seconds_total", s.seconds_total},
                            {"warnings", s.warnings},
                            {"tensors", tensors_json(s.tensors)}};
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    if (table) print_table(s.tensors);
    std::printf("converted   %s (%s, %s) -> %s\n", s.model_name.c_str(), s.architecture.c_str(),
                s.source_format.c_str(), s.output.c_str());
    std::printf("method      %s\n", s.method.c_str());
    if (!s.tokenizer.empty()) std::printf("tokenizer   %s\n", s.tokenizer.c_str());
    std::printf("size        %s -> %s\n", human_bytes(static_cast<double>(s.source_bytes)).c_str(),
                human_bytes(static_cast<double>(s.output_bytes)).c_str());
    std::printf("bits/weight %.4f -> %.4f (all tensors); %.4f over the %lld weights converted to %s\n",
                s.source_bits_per_weight, s.output_bits_per_weight, s.target_bits_per_weight,
                static_cast<long long>(s.target_params),
                std::string(convert_target_info(s.target).name).c_str());
    if (s.ppl_source || s.ppl_output) {
        std::printf("perplexity  (windows of %d tokens)", s.calibration_ctx);
        if (s.ppl_source) std::printf("  source %.4f +/- %.4f", s.ppl_source->ppl, s.ppl_source->error);
        if (s.ppl_output) std::printf("  result %.4f +/- %.4f", s.ppl_output->ppl, s.ppl_output->error);
        if (s.ppl_source && s.ppl_output)
            std::printf("  (%+.2f%%)", 100.0 * (s.ppl_output->ppl / s.ppl_source->ppl - 1.0));
        std::printf("\n");
    }
    if (!s.ppl_note.empty()) std::printf("note        %s\n", s.ppl_note.c_str());
    std::printf("time        %.2f s converting, %.2f s in total\n", s.seconds_convert, s.seconds_total);
    return 0;
}

}  // namespace lowbit::cli
