#include "lowbit/bench.h"

#include <chrono>
#include <cmath>
#include <random>
#include <vector>

#include "lowbit/error.h"
#include "lowbit/model.h"
#include "lowbit/system_info.h"

namespace lowbit {
namespace {

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0 : s / static_cast<double>(v.size());
}
double stddev(const std::vector<double>& v) {
    if (v.size() < 2) return 0;
    const double m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size() - 1));
}

size_t decode_bytes(const Model& m) {
    size_t b = m.output().bytes();
    for (const auto& L : m.layers()) {
        for (const Weight* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.ffn_gate, &L.ffn_up, &L.ffn_down}) b += w->bytes();
    }
    return b;
}

}  // namespace

BenchResult run_bench(Runner& runner, const BenchOptions& opt) {
    if (opt.n_prompt < 0 || opt.n_gen < 0 || opt.repetitions < 1) throw Error("bench: invalid options");
    if (opt.n_prompt + opt.n_gen > runner.n_ctx())
        throw Error("bench: " + std::to_string(opt.n_prompt + opt.n_gen) + " tokens do not fit the context of " +
                    std::to_string(runner.n_ctx()));
    const Model& model = runner.model();
    const int64_t n_vocab = model.hparams().n_vocab;
    std::mt19937 rng(opt.seed);
    std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(n_vocab - 1));
    std::vector<float> logits(static_cast<size_t>(n_vocab));
    using Clock = std::chrono::steady_clock;

    // Warm-up: touch every weight page and build caches so the first repetition is not special.
    {
        const int32_t t = pick(rng);
        runner.truncate(0);
        runner.eval(std::span<const int32_t>(&t, 1), 1, logits.data());
    }
    std::vector<double> pp, tg;
    for (int rep = 0; rep < opt.repetitions; ++rep) {
        runner.truncate(0);
        if (opt.n_prompt > 0) {
            std::vector<int32_t> prompt(static_cast<size_t>(opt.n_prompt));
            for (auto& t : prompt) t = pick(rng);
            const auto t0 = Clock::now();
            runner.eval(prompt, 1, logits.data());
            pp.push_back(opt.n_prompt / std::chrono::duration<double>(Clock::now() - t0).count());
        }
        if (opt.n_gen > 0) {
            // Decode continues after the prompt, as in a real generation.
            const auto t0 = Clock::now();
            for (int i = 0; i < opt.n_gen; ++i) {
                const int32_t t = pick(rng);
                runner.eval(std::span<const int32_t>(&t, 1), 1, logits.data());
            }
            tg.push_back(opt.n_gen / std::chrono::duration<double>(Clock::now() - t0).count());
        }
    }
    runner.truncate(0);

    BenchResult r;
    r.prefill_tps = mean(pp);
    r.prefill_tps_stddev = stddev(pp);
    r.decode_tps = mean(tg);
    r.decode_tps_stddev = stddev(tg);
    const MemoryStats m = runner.memory();
    r.weight_bytes = m.weight_bytes;
    r.kv_bytes = m.kv_bytes;
    r.device_bytes = m.device_bytes;
    r.peak_rss_bytes = peak_rss_bytes();
    r.decode_bytes_per_token = decode_bytes(model);
    r.device = runner.device_name();
    return r;
}

}  // namespace lowbit
