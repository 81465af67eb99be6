#include "lowbit/compare.h"

#include <chrono>
#include <fstream>

#include "backends/cpu/kernels.h"
#include "lowbit/error.h"
#include "lowbit/model.h"
#include "lowbit/system_info.h"

namespace lowbit {

MachineInfo machine_info() {
    MachineInfo m;
    m.cpu = cpu_model_name();
    m.logical_cpus = logical_cpu_count();
    m.memory_bytes = total_memory_bytes();
    m.simd = cpu::simd_target_name();
    return m;
}

bool reset_peak_rss() {
    std::ofstream f("/proc/self/clear_refs");
    if (!f) return false;
    f << "5";
    return static_cast<bool>(f);
}

std::vector<ModelMeasurement> run_compare(const std::vector<CompareModel>& models, const std::string& text,
                                          const CompareOptions& opt,
                                          const std::function<void(const CompareEvent&)>& on_event,
                                          const std::atomic<bool>* cancel) {
    std::vector<ModelMeasurement> out(models.size());
    for (size_t i = 0; i < models.size(); ++i) {
        if (cancel && cancel->load()) throw CancelledError();
        ModelMeasurement& m = out[i];
        m.path = models[i].path;
        if (on_event) on_event({CompareEvent::ModelStarted, static_cast<int>(i), {}, nullptr});
        try {
            reset_peak_rss();
            const auto t0 = std::chrono::steady_clock::now();
            auto model = Model::load(models[i].path);
            RunnerOptions ro;
            ro.device = models[i].device;
            ro.n_threads = opt.n_threads;
            ro.n_ctx = std::max(opt.n_ctx, opt.bench.n_prompt + opt.bench.n_gen + 1);
            auto runner = create_runner(*model, ro);
            m.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            m.name = model->name();
            m.architecture = model->hparams().arch_key;
            m.n_params = model->stats().n_params;
            m.bits_per_weight = model->stats().bits_per_weight;
            m.device = runner->device_name();
            m.fallback_reason = runner->fallback_reason();

            if (opt.measure_perplexity) {
                PerplexityOptions po;
                po.n_ctx = opt.n_ctx;
                po.max_chunks = opt.max_chunks;
                po.cancel = cancel;
                po.on_chunk = [&](const PerplexityProgress& p) {
                    if (on_event) on_event({CompareEvent::PerplexityWindow, static_cast<int>(i), p, nullptr});
                    return true;
                };
                const PerplexityResult r = perplexity_text(*runner, text, po);
                m.ppl = r.ppl;
                m.ppl_error = r.error;
                m.running_ppl = r.running_ppl;
                m.ppl_tokens_scored = r.tokens_scored;
            }
            if (opt.measure_speed) {
                if (cancel && cancel->load()) throw CancelledError();
                const BenchResult b = run_bench(*runner, opt.bench);
                m.prefill_tps = b.prefill_tps;
                m.decode_tps = b.decode_tps;
            }
            const MemoryStats mem = runner->memory();
            m.weight_bytes = mem.weight_bytes;
            m.kv_bytes = mem.kv_bytes;
            m.device_bytes = mem.device_bytes;
            m.device_budget_bytes = mem.device_budget_bytes;
            m.peak_rss_bytes = peak_rss_bytes();
        } catch (const CancelledError&) {
            throw;
        } catch (const std::exception& e) {
            m.error = e.what();
        }
        if (on_event) on_event({CompareEvent::ModelFinished, static_cast<int>(i), {}, &m});
    }
    return out;
}

}  // namespace lowbit
