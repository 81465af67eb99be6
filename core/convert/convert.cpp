// convert_model / plan_conversion: open the source, plan every tensor, check the disk, stream
// the tensors into an atomically committed GGUF file, and optionally measure perplexity of source
// and result on a calibration text.
#include "lowbit/convert.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <thread>

#include "convert/plan.h"
#include "convert/source_model.h"
#include "convert/tensor_writer.h"
#include "lowbit/error.h"
#include "lowbit/gguf.h"
#include "lowbit/model.h"
#include "lowbit/perplexity.h"
#include "lowbit/runner.h"

namespace lowbit {

namespace fs = std::filesystem;
using conv::Encoding;
using conv::PlannedTensor;

// ---------------------------------------------------------------------------------------------
// Small public helpers.

const std::vector<ConvertTargetInfo>& convert_targets() {
    static const std::vector<ConvertTargetInfo> kTargets = {
        {ConvertTarget::F32, "f32", "32-bit float (no quantization)", false, false, true},
        {ConvertTarget::F16, "f16", "16-bit float", false, false, true},
        {ConvertTarget::BF16, "bf16", "bfloat16", false, false, true},
        {ConvertTarget::Q8_0, "q8_0", "8-bit blocks of 32 (llama.cpp rule), 8.5 bpw", false, false, true},
        {ConvertTarget::Q4_0, "q4_0", "4-bit blocks of 32 (llama.cpp rule), 4.5 bpw", false, false, true},
        {ConvertTarget::TQ1_0, "tq1_0", "ternary, base-3 packed (llama.cpp), 1.69 bpw", true, false, true},
        {ConvertTarget::TQ2_0, "tq2_0", "ternary, 2-bit packed (llama.cpp), 2.06 bpw", true, false, true},
        {ConvertTarget::I2_S, "i2_s", "ternary, 2-bit with one scale per tensor (bitnet.cpp), 2 bpw", true,
         false, false},
        {ConvertTarget::OneBit, "onebit", "OneBit: sign matrix + FP16 value vectors (SVID), ~1 bpw", false,
         true, false},
        {ConvertTarget::Binary, "binary", "BitNet v1 binary: sign(W - mean) and one scale, 1 bpw", false,
         true, false},
    };
    return kTargets;
}

const ConvertTargetInfo& convert_target_info(ConvertTarget t) {
    for (const auto& i : convert_targets())
        if (i.target == t) return i;
    return convert_targets().front();
}

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

}  // namespace

std::optional<ConvertTarget> convert_target_from_name(std::string_view name) {
    const std::string n = lower(trim(name));
    for (const auto& i : convert_targets())
        if (i.name == n) return i.target;
    if (n == "1bit" || n == "one-bit") return ConvertTarget::OneBit;
    return std::nullopt;
}

TypeChoice TypeChoice::parse(std::string_view text) {
    const std::string n = lower(trim(text));
    if (n == "source") return source();
    for (TensorType t :
         {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q8_0, TensorType::Q4_0})
        if (type_name(t) == n) return of(t);
    throw Error("'" + std::string(text) +
                "' is not a high-precision type (use f32, f16, bf16, q8_0, q4_0 or source)");
}

std::string TypeChoice::name() const {
    return keep_source ? "source" : std::string(type_name(type));
}

HighPrecisionPolicy HighPrecisionPolicy::parse(std::string_view text) {
    HighPrecisionPolicy p;
    const std::string all = lower(trim(text));
    if (all.empty() || all == "default") return p;
    p.token_embd = false;
    p.output = false;
    if (all == "none") return p;
    std::stringstream ss(all);
    std::string word;
    const char* const kinds[] = {"attn_q",   "attn_k", "attn_v",  "attn_output",
                                 "ffn_gate", "ffn_up", "ffn_down"};
    auto add = [&](const std::string& k) {
        if (std::find(p.linear_kinds.begin(), p.linear_kinds.end(), k) == p.linear_kinds.end())
            p.linear_kinds.push_back(k);
    };
    while (std::getline(ss, word, ',')) {
        word = trim(word);
        if (word.empty()) continue;
        if (word == "embd" || word == "token_embd") {
            p.token_embd = true;
        } else if (word == "output") {
            p.output = true;
        } else if (word == "default") {
            p.token_embd = p.output = true;
        } else if (word == "first") {
            p.first_block = true;
        } else if (word == "last") {
            p.last_block = true;
        } else if (word == "attn") {
            for (int i = 0; i < 4; ++i) add(kinds[i]);
        } else if (word == "ffn") {
            for (int i = 4; i < 7; ++i) add(kinds[i]);
        } else if (std::find(std::begin(kinds), std::end(kinds), word) != std::end(kinds)) {
            add(word);
        } else {
            throw Error(
                "unknown high-precision policy word '" + word +
                "' (use default, none, or a list of embd, output, attn_q, attn_k, attn_v, attn_output, "
                "ffn_gate, ffn_up, ffn_down, attn, ffn, first, last)");
        }
    }
    return p;
}

std::string HighPrecisionPolicy::to_string() const {
    std::vector<std::string> w;
    if (token_embd) w.push_back("embd");
    if (output) w.push_back("output");
    for (const auto& k : linear_kinds) w.push_back(k);
    if (first_block) w.push_back("first");
    if (last_block) w.push_back("last");
    if (w.empty()) return "none";
    if (w.size() == 2 && token_embd && output) return "default";
    std::string s;
    for (const auto& x : w) s += (s.empty() ? "" : ",") + x;
    return s;
}

std::string_view convert_stage_name(ConvertStage s) {
    switch (s) {
        case ConvertStage::Preparing:
            return "preparing";
        case ConvertStage::Converting:
            return "converting";
        case ConvertStage::MeasuringSource:
            return "measuring source";
        case ConvertStage::MeasuringResult:
            return "measuring result";
        case ConvertStage::Done:
            return "done";
    }
    return "?";
}

// ---------------------------------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

void validate(const ConvertOptions& o) {
    if (o.input.empty()) throw Error("no input model given");
    if (o.output.empty()) throw Error("no output file given");
    if (o.ternary_rule == quant::TernaryRule::AbsMaxBlock && o.target == ConvertTarget::I2_S)
        throw Error(
            "the llama.cpp ternary rule (per-block absmax) exists for tq1_0/tq2_0 only; i2_s has one scale "
            "per tensor (use the absmean rule)");
    if (o.svid.max_iterations < 1 || o.svid.max_iterations > 100000)
        throw Error("SVID iterations must be 1..100000");
    for (const auto* c : {&o.embd_type, &o.output_type, &o.keep_type}) {
        if (!*c || (*c)->keep_source) continue;
        const TensorType t = (*c)->type;
        if (t != TensorType::F32 && t != TensorType::F16 && t != TensorType::BF16 && t != TensorType::Q8_0 &&
            t != TensorType::Q4_0)
            throw Error("a high-precision type must be f32, f16, bf16, q8_0, q4_0 or source");
    }
    if (!o.calibration_text.empty() && o.calibration_ctx < 8)
        throw Error("the calibration context must be >= 8 tokens");
}

std::string method_of(const ConvertOptions& o) {
    const std::string name(convert_target_info(o.target).name);
    switch (o.target) {
        case ConvertTarget::Q8_0:
        case ConvertTarget::Q4_0:
            return name + ", llama.cpp's reference rule";
        case ConvertTarget::TQ1_0:
        case ConvertTarget::TQ2_0:
        case ConvertTarget::I2_S:
            return name + (o.ternary_rule == quant::TernaryRule::AbsMeanTensor
                               ? ", BitNet b1.58 absmean (one scale per tensor)"
                               : ", llama.cpp per-block absmax");
        case ConvertTarget::OneBit:
            return name + ", SVID by " +
                   (o.svid.method == onebit::SvidMethod::Nmf ? std::string("NMF")
                                                             : std::string("power iteration")) +
                   " (up to " + std::to_string(o.svid.max_iterations) + " iterations)";
        case ConvertTarget::Binary:
            return name + ", sign(W - mean W) with scale mean|W - mean W|";
        default:
            return name;
    }
}

int64_t file_type_of(ConvertTarget t) {
    switch (t) {
        case ConvertTarget::F32:
            return 0;
        case ConvertTarget::F16:
            return 1;
        case ConvertTarget::Q4_0:
            return 2;
        case ConvertTarget::Q8_0:
            return 7;
        case ConvertTarget::BF16:
            return 32;
        case ConvertTarget::TQ1_0:
            return 36;
        case ConvertTarget::TQ2_0:
            return 37;
        default:
            return -1;  // no llama_ftype
    }
}

std::string human_bytes(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024.0 && u < 4) {
        b /= 1024.0;
        ++u;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", b, units[u]);
    return buf;
}

std::string parent_dir(const std::string& path) {
    fs::path p = fs::absolute(fs::path(path)).parent_path();
    return p.string();
}

uint64_t free_bytes(const std::string& dir) {
    struct statvfs st {};
    if (::statvfs(dir.c_str(), &st) != 0) return UINT64_MAX;  // unknown: let the writer report
    return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

int resolve_threads(int t) {
    if (t > 0) return t;
    const unsigned h = std::thread::hardware_concurrency();
    return h > 0 ? static_cast<int>(h) : 1;
}

// One target's output planned against an opened source (plan_conversion, plan_conversions).
struct PlannedOutput {
    std::vector<PlannedTensor> plan;
    std::vector<std::string> notes;
    std::unique_ptr<GgufWriter> writer;  // declared, not begun
};

// Everything a conversion needs, built once.
struct Prepared : PlannedOutput {
    std::unique_ptr<conv::SourceModel> src;
};

void fill_metadata(GgufWriter& w, const conv::SourceModel& src, const std::vector<PlannedTensor>& plan,
                   const ConvertOptions& o) {
    for (const auto& [k, v] : src.metadata) w.set(k, v);
    const int64_t ft = file_type_of(o.target);
    if (ft >= 0) w.set("general.file_type", GgufValue::u32(static_cast<uint32_t>(ft)));
    bool quantized = false, onebit_used = false, binary_used = false;
    for (const auto& p : plan) {
        if (p.encoding == Encoding::OneBit) onebit_used = true;
        if (p.encoding == Encoding::Binary) binary_used = true;
        if ((p.encoding == Encoding::Plain || p.encoding == Encoding::Copy) && type_traits(p.type).quantized)
            quantized = true;
    }
    if (quantized) w.set("general.quantization_version", GgufValue::u32(2));
    if (onebit_used) onebit::set_metadata(w, onebit::PackedKind::OneBit);
    if (binary_used) onebit::set_metadata(w, onebit::PackedKind::Binary);
    w.set("lowbit.convert.target", GgufValue::make_string(std::string(convert_target_info(o.target).name)));
    w.set("lowbit.convert.method", GgufValue::make_string(method_of(o)));
    w.set("lowbit.convert.high_precision", GgufValue::make_string(o.keep.to_string()));
    w.set("lowbit.convert.source", GgufValue::make_string(fs::path(src.path).filename().string()));
}

// `o` must have passed validate().
PlannedOutput plan_output(const conv::SourceModel& src, const ConvertOptions& o,
                          const std::string& output_path) {
    PlannedOutput out;
    out.plan = conv::plan_tensors(src, o, out.notes);
    out.writer = std::make_unique<GgufWriter>(output_path);
    fill_metadata(*out.writer, src, out.plan, o);
    for (const auto& t : out.plan) conv::declare_planned(*out.writer, t);
    return out;
}

Prepared prepare(const ConvertOptions& o, const std::string& output_path) {
    validate(o);
    Prepared p;
    p.src = conv::open_source(o.input);
    static_cast<PlannedOutput&>(p) = plan_output(*p.src, o, output_path);
    return p;
}

ConvertedTensor describe(const PlannedTensor& p) {
    ConvertedTensor c;
    c.name = p.src->name;
    c.source_type = p.src->type_label;
    c.type = p.type_label();
    c.shape = p.src->ne;
    c.bytes = p.out_bytes;
    const int64_t n = p.src->n_elements();
    c.bits_per_weight = n > 0 ? 8.0 * static_cast<double>(p.out_bytes) / static_cast<double>(n) : 0;
    c.kept_high_precision = p.kept;
    c.note = p.note;
    return c;
}

struct Totals {
    int64_t n_params = 0, target_params = 0;
    uint64_t src_bytes = 0, out_bytes = 0, target_bytes = 0;
};

Totals totals_of(const std::vector<PlannedTensor>& plan) {
    Totals t;
    for (const auto& p : plan) {
        if (p.src->name == "rope_freqs.weight" && !p.src->owned.empty()) continue;  // generated, not a weight
        const int64_t n = p.src->n_elements();
        t.n_params += n;
        t.src_bytes += p.src->nbytes;
        t.out_bytes += p.out_bytes;
        if (p.is_target) {
            t.target_params += n;
            t.target_bytes += p.out_bytes;
        }
    }
    return t;
}

double bpw(uint64_t bytes, int64_t n) {
    return n > 0 ? 8.0 * static_cast<double>(bytes) / static_cast<double>(n) : 0;
}

// Removes a file when it goes out of scope (unless released).
struct FileRemover {
    std::string path;
    ~FileRemover() {
        if (!path.empty()) {
            std::error_code ec;
            fs::remove(path, ec);
        }
    }
};

PerplexityFigure measure(const std::string& path, const ConvertOptions& o, ConvertStage stage,
                         const std::function<void(ConvertStage, int, int)>& progress) {
    auto model = Model::load(path);
    RunnerOptions ro;
    ro.n_threads = o.threads;
    ro.n_ctx = o.calibration_ctx;
    auto runner = create_runner(*model, ro);
    PerplexityOptions po;
    po.n_ctx = o.calibration_ctx;
    po.max_chunks = o.calibration_max_chunks;
    po.cancel = o.cancel;
    po.on_chunk = [&](const PerplexityProgress& pp) {
        progress(stage, pp.chunk, pp.n_chunks);
        return true;
    };
    const PerplexityResult r = perplexity_text(*runner, o.calibration_text, po);
    PerplexityFigure f;
    f.ppl = r.ppl;
    f.error = r.error;
    f.n_tokens = r.n_tokens;
    f.n_chunks = r.n_chunks;
    f.seconds = r.seconds;
    return f;
}

}  // namespace

namespace {

ConvertPlan plan_for(const conv::SourceModel& src, const ConvertOptions& options) {
    const PlannedOutput p =
        plan_output(src, options, options.output.empty() ? std::string("plan.gguf") : options.output);
    ConvertPlan plan;
    plan.source_format = src.format;
    plan.architecture = src.arch;
    plan.model_name = src.name;
    plan.tokenizer = src.tokenizer_summary;
    plan.native_ternary_source = src.native_ternary;
    plan.source_bytes = src.file_bytes;
    plan.expected_output_bytes = p.writer->expected_file_size();
    const Totals t = totals_of(p.plan);
    plan.n_params = t.n_params;
    plan.output_bits_per_weight = bpw(t.out_bytes, t.n_params);
    plan.target_params = t.target_params;
    plan.target_bits_per_weight = bpw(t.target_bytes, t.target_params);
    for (const auto& pt : p.plan) plan.tensors.push_back(describe(pt));
    plan.warnings = src.warnings;
    for (auto& n : p.notes) plan.warnings.push_back(n);
    return plan;
}

}  // namespace

ConvertPlan plan_conversion(const ConvertOptions& options) {
    validate(options);
    return plan_for(*conv::open_source(options.input), options);
}

std::vector<TargetPlan> plan_conversions(const ConvertOptions& options,
                                         const std::vector<ConvertTarget>& targets) {
    const std::unique_ptr<conv::SourceModel> src = conv::open_source(options.input);
    std::vector<TargetPlan> out;
    for (const ConvertTarget target : targets) {
        ConvertOptions o = options;
        o.target = target;
        TargetPlan tp{target, std::nullopt, {}};
        try {
            validate(o);  // per target: a target the options rule out carries its error
            tp.plan = plan_for(*src, o);
        } catch (const Error& e) {
            tp.error = e.what();
        }
        out.push_back(std::move(tp));
    }
    return out;
}

ConvertSummary convert_model(const ConvertOptions& o_in) {
    const auto t0 = Clock::now();
    ConvertOptions o = o_in;
    o.threads = resolve_threads(o.threads);
    auto message = [&](const std::string& m) {
        if (o.on_message) o.on_message(m);
    };
    const bool calibrate = !o.calibration_text.empty();
    ConvertProgress prog;
    auto emit = [&]() {
        prog.seconds = seconds_since(t0);
        if (o.on_progress) o.on_progress(prog);
    };
    auto check_cancel = [&]() {
        if (o.cancel && o.cancel->load()) throw CancelledError();
    };

    // Paths.
    std::error_code ec;
    if (fs::exists(o.output, ec)) {
        if (fs::is_directory(o.output, ec)) throw Error("the output '" + o.output + "' is a folder");
        if (fs::equivalent(o.output, o.input, ec))
            throw Error("the output would overwrite the input '" + o.input + "'");
        if (!o.overwrite) throw Error("'" + o.output + "' exists (allow overwriting to replace it)");
    }
    const std::string out_dir = parent_dir(o.output);
    if (!fs::is_directory(out_dir, ec)) throw Error("the output folder '" + out_dir + "' does not exist");

    prog.stage = ConvertStage::Preparing;
    emit();
    Prepared p = prepare(o, o.output);
    conv::SourceModel& src = *p.src;
    ConvertSummary s;
    s.input = o.input;
    s.output = o.output;
    s.source_format = src.format;
    s.architecture = src.arch;
    s.model_name = src.name;
    s.tokenizer = src.tokenizer_summary;
    s.target = o.target;
    s.method = method_of(o);
    s.native_ternary_source = src.native_ternary;
    s.source_bytes = src.file_bytes;
    s.calibration_ctx = calibrate ? o.calibration_ctx : 0;
    for (const auto& w : src.warnings) {
        s.warnings.push_back(w);
        message("warning: " + w);
    }
    for (const auto& n : p.notes) {
        s.warnings.push_back(n);
        message("note: " + n);
    }
    if (src.native_ternary && !convert_target_info(o.target).ternary && o.target != ConvertTarget::F16 &&
        o.target != ConvertTarget::BF16 && o.target != ConvertTarget::F32) {
        const std::string w =
            "this is a native ternary (BitNet b1.58) model: tq1_0, tq2_0 or i2_s store it losslessly";
        s.warnings.push_back(w);
        message("note: " + w);
    }

    // Disk space: the output, plus a temporary F16 copy of a Hugging Face source to measure it.
    const uint64_t expected = p.writer->expected_file_size();
    const uint64_t margin = uint64_t(4) << 20;
    uint64_t free_space = free_bytes(out_dir);
    if (free_space < expected + margin)
        throw Error("not enough disk space in '" + out_dir + "': the output needs " +
                    human_bytes(static_cast<double>(expected)) + " (" + std::to_string(expected) +
                    " bytes), " + human_bytes(static_cast<double>(free_space)) + " are free");

    // Stage weights for the overall fraction.
    const bool measure_source = calibrate && !o.source_ppl;  // a given figure is reused as-is
    const double w_conv = calibrate ? (measure_source ? 0.6 : 0.8) : 1.0, w_src = measure_source ? 0.2 : 0.0;
    const Totals totals = totals_of(p.plan);
    uint64_t total_src_bytes = 0;
    for (const auto& t : p.plan) total_src_bytes += std::max<uint64_t>(t.src->nbytes, 1);
    prog.n_tensors = static_cast<int>(p.plan.size());
    prog.bytes_total = total_src_bytes;

    // Convert.
    const auto tc0 = Clock::now();
    {
        GgufWriter& w = *p.writer;
        w.begin();
        conv::WriteContext ctx(w);
        ctx.threads = o.threads;
        ctx.cancel = o.cancel;
        ctx.ternary_rule = o.ternary_rule;
        ctx.svid = o.svid;
        uint64_t done = 0;
        prog.stage = ConvertStage::Converting;
        for (size_t i = 0; i < p.plan.size(); ++i) {
            const PlannedTensor& pt = p.plan[i];
            const uint64_t tb = std::max<uint64_t>(pt.src->nbytes, 1);
            prog.tensor_index = static_cast<int>(i);
            prog.tensor_name = pt.src->name;
            auto last = Clock::now();
            ctx.on_tensor_progress = [&](double f) {
                // Throttle: at most ~20 reports a second within a tensor.
                const auto now = Clock::now();
                if (f < 1.0 && now - last < std::chrono::milliseconds(50)) return;
                last = now;
                prog.bytes_done = done + static_cast<uint64_t>(f * static_cast<double>(tb));
                prog.fraction =
                    w_conv * static_cast<double>(prog.bytes_done) / static_cast<double>(total_src_bytes);
                emit();
            };
            prog.bytes_done = done;
            prog.fraction = w_conv * static_cast<double>(done) / static_cast<double>(total_src_bytes);
            emit();
            conv::write_planned(pt, ctx);
            done += tb;
        }
        prog.tensor_index = static_cast<int>(p.plan.size());
        prog.bytes_done = total_src_bytes;
        prog.fraction = w_conv;
        emit();
        check_cancel();
        w.commit();
    }
    s.seconds_convert = seconds_since(tc0);
    FileRemover remove_output_on_failure{o.output};  // cancellation while measuring leaves nothing

    s.output_bytes = fs::file_size(o.output, ec);
    s.n_params = totals.n_params;
    s.source_bits_per_weight = bpw(totals.src_bytes, totals.n_params);
    s.output_bits_per_weight = bpw(totals.out_bytes, totals.n_params);
    s.target_params = totals.target_params;
    s.target_bits_per_weight = bpw(totals.target_bytes, totals.target_params);
    for (const auto& pt : p.plan) s.tensors.push_back(describe(pt));
    const std::string source_path = src.path;
    const bool hf_source = src.format == "safetensors";
    p.writer.reset();
    p.src.reset();  // unmap the source before measuring

    if (calibrate) {
        auto progress = [&](ConvertStage stage, int chunk, int n) {
            prog.stage = stage;
            prog.ppl_chunk = chunk;
            prog.ppl_chunks = n;
            const double f = n > 0 ? static_cast<double>(chunk) / n : 0.0;
            const double w_res = calibrate ? 0.2 : 0.0;
            prog.fraction =
                stage == ConvertStage::MeasuringSource ? w_conv + w_src * f : w_conv + w_src + w_res * f;
            emit();
        };
        std::vector<std::string> notes;
        // Source.
        if (o.source_ppl) {
            s.ppl_source = *o.source_ppl;  // measured for another target: reused as-is
        } else {
            try {
                std::string measured = source_path;
                FileRemover temp;
                if (hf_source) {
                    // Our engine reads GGUF: measure the folder through a temporary F16 conversion.
                    ConvertOptions f16 = o;
                    f16.input = source_path;
                    f16.output = o.output + ".calibration-source.gguf";
                    f16.target = ConvertTarget::F16;
                    f16.keep = HighPrecisionPolicy{};
                    f16.embd_type = f16.output_type = f16.keep_type = std::nullopt;
                    f16.calibration_text.clear();
                    f16.on_progress = nullptr;
                    f16.on_message = nullptr;
                    f16.overwrite = true;
                    const ConvertPlan fp = plan_conversion(f16);
                    free_space = free_bytes(out_dir);
                    if (free_space < fp.expected_output_bytes + margin) {
                        throw Error(
                            "not enough disk space for the temporary F16 copy used to measure the source (" +
                            human_bytes(static_cast<double>(fp.expected_output_bytes)) + " needed)");
                    }
                    prog.stage = ConvertStage::MeasuringSource;
                    emit();
                    temp.path = f16.output;
                    convert_model(f16);
                    measured = f16.output;
                }
                s.ppl_source = measure(measured, o, ConvertStage::MeasuringSource, progress);
            } catch (const CancelledError&) {
                throw;
            } catch (const Error& e) {
                notes.push_back(std::string("source not measured: ") + e.what());
            }
        }
        check_cancel();
        // Result.
        try {
            s.ppl_output = measure(o.output, o, ConvertStage::MeasuringResult, progress);
        } catch (const CancelledError&) {
            throw;
        } catch (const Error& e) {
            notes.push_back(std::string("result not measured: ") + e.what());
        }
        for (const auto& n : notes) s.ppl_note += (s.ppl_note.empty() ? "" : "; ") + n;
        if (!s.ppl_note.empty()) message("note: " + s.ppl_note);
    }
    remove_output_on_failure.path.clear();
    s.seconds_total = seconds_since(t0);
    prog.stage = ConvertStage::Done;
    prog.fraction = 1.0;
    emit();
    return s;
}

}  // namespace lowbit
