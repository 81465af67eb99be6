// lowbit info -m MODEL [--json]: metadata, tensor table, parameter count and bits per weight.
// Works on any GGUF file: when the model cannot be loaded for inference (unknown architecture,
// vocabulary-only file) the file-level facts are still shown, with the reason.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "lowbit/error.h"
#include "lowbit/gguf.h"
#include "lowbit/model.h"

namespace lowbit::cli {
namespace {

bool is_bulky_key(const std::string& key) {
    return key == "tokenizer.ggml.tokens" || key == "tokenizer.ggml.scores" ||
           key == "tokenizer.ggml.token_type" || key == "tokenizer.ggml.merges";
}

nlohmann::json value_json(const GgufValue& v) {
    if (v.is_string()) return v.as_string();
    if (v.type() == GgufType::BOOL) return v.as_bool();
    if (v.type() == GgufType::UINT64) return v.as_uint();
    if (v.is_integer()) return v.as_int();
    if (v.is_float()) return v.as_number();
    nlohmann::json a = nlohmann::json::array();
    switch (v.elem_type()) {
        case GgufType::STRING:
            for (const auto& s : v.strings()) a.push_back(s);
            break;
        case GgufType::ARRAY:
            for (const auto& x : v.arrays()) a.push_back(value_json(x));
            break;
        case GgufType::FLOAT32:
        case GgufType::FLOAT64:
            for (double d : v.floats()) a.push_back(d);
            break;
        default:
            for (int64_t i : v.ints()) a.push_back(i);
    }
    return a;
}

}  // namespace

int cmd_info(Args& args) {
    const std::string path = args.required({"-m", "--model"}, "model file");
    const bool json = args.flag({"--json"});
    args.finish();

    auto file = GgufFile::open(path);
    std::unique_ptr<Model> model;
    std::string load_error;
    try {
        model = Model::load(path);
    } catch (const Error& e) {
        load_error = e.what();
    }

    // Per-tensor figures: from the model (knows OneBit/binary groupings) or from the raw file.
    struct Row {
        std::string name, type, shape;
        size_t bytes;
        double bpw;
    };
    std::vector<Row> rows;
    int64_t n_params = 0;
    size_t weight_bytes = 0;
    if (model) {
        for (const auto& t : model->stats().tensors) {
            std::string shape = "[";
            for (size_t i = 0; i < t.shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(t.shape[i]);
            shape += "]";
            std::string type(type_name(t.type));
            if (t.kind == WeightKind::OneBit) type = "onebit";
            if (t.kind == WeightKind::Binary) type = "binary";
            rows.push_back({t.name, type, shape, t.bytes, t.bits_per_weight});
        }
        n_params = model->stats().n_params;
        weight_bytes = model->stats().weight_bytes;
    } else {
        for (const auto& t : file->tensors()) {
            rows.push_back({t.name, std::string(type_name(t.type)), t.shape_string(), t.nbytes,
                            bits_per_weight(t.type, t.ne[0], t.n_elements())});
            n_params += t.n_elements();
            weight_bytes += t.nbytes;
        }
    }
    const double bpw =
        n_params > 0 ? 8.0 * static_cast<double>(weight_bytes) / static_cast<double>(n_params) : 0.0;

    if (json) {
        nlohmann::json j;
        j["path"] = path;
        j["file_bytes"] = file->file_size();
        j["gguf_version"] = file->version();
        j["n_params"] = n_params;
        j["weight_bytes"] = weight_bytes;
        j["bits_per_weight"] = bpw;
        j["loadable"] = model != nullptr;
        if (!load_error.empty()) j["load_error"] = load_error;
        if (model) {
            const HParams& hp = model->hparams();
            j["name"] = model->name();
            j["architecture"] = hp.arch_key;
            j["hparams"] = {{"n_vocab", hp.n_vocab},
                            {"n_embd", hp.n_embd},
                            {"n_layer", hp.n_layer},
                            {"n_head", hp.n_head},
                            {"n_head_kv", hp.n_head_kv},
                            {"n_ff", hp.n_ff},
                            {"head_dim", hp.head_dim},
                            {"n_ctx_train", hp.n_ctx_train},
                            {"rope_freq_base", hp.rope_freq_base},
                            {"norm_eps", hp.norm_eps},
                            {"tied_embeddings", hp.tied_embeddings}};
        }
        nlohmann::json md = nlohmann::json::object();
        for (const auto& [key, v] : file->metadata()) {
            if (is_bulky_key(key)) {
                md[key] = {{"type", "array"}, {"length", v.size()}};
            } else {
                md[key] = value_json(v);
            }
        }
        j["metadata"] = md;
        nlohmann::json ts = nlohmann::json::array();
        for (const auto& r : rows)
            ts.push_back({{"name", r.name},
                          {"type", r.type},
                          {"shape", r.shape},
                          {"bytes", r.bytes},
                          {"bits_per_weight", r.bpw}});
        j["tensors"] = ts;
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }

    std::printf("file:            %s (%s, GGUF v%u)\n", path.c_str(),
                human_bytes(static_cast<double>(file->file_size())).c_str(), file->version());
    if (model) {
        const HParams& hp = model->hparams();
        std::printf("model:           %s\n", model->name().c_str());
        std::printf("architecture:    %s\n", hp.arch_key.c_str());
        std::printf("layers:          %lld, embedding %lld, heads %lld (kv %lld, head dim %lld), ffn %lld\n",
                    static_cast<long long>(hp.n_layer), static_cast<long long>(hp.n_embd),
                    static_cast<long long>(hp.n_head), static_cast<long long>(hp.n_head_kv),
                    static_cast<long long>(hp.head_dim), static_cast<long long>(hp.n_ff));
        std::printf("vocabulary:      %lld tokens, trained context %lld\n",
                    static_cast<long long>(hp.n_vocab), static_cast<long long>(hp.n_ctx_train));
    } else {
        std::printf("note:            not loadable for inference: %s\n", load_error.c_str());
    }
    std::printf("parameters:      %lld (%.3f M)\n", static_cast<long long>(n_params),
                static_cast<double>(n_params) / 1e6);
    std::printf("weights:         %s, %.4f bits per weight\n",
                human_bytes(static_cast<double>(weight_bytes)).c_str(), bpw);
    std::printf("\nmetadata:\n");
    for (const auto& [key, v] : file->metadata())
        std::printf("  %-42s %s\n", key.c_str(), v.to_display_string().c_str());
    std::printf("\n%-36s %-8s %-18s %12s %8s\n", "tensor", "type", "shape", "bytes", "bpw");
    for (const auto& r : rows)
        std::printf("%-36s %-8s %-18s %12zu %8.4f\n", r.name.c_str(), r.type.c_str(), r.shape.c_str(),
                    r.bytes, r.bpw);
    return 0;
}

}  // namespace lowbit::cli
