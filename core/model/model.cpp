// Model loading: finds and validates every tensor the architecture needs, so the forward pass
// can use the weight views without further checks.
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>

#include "lowbit/error.h"
#include "lowbit/model.h"
#include "lowbit/onebit.h"
#include "lowbit/quant.h"
#include "model/model_loader.h"
#include "quant/blocks.h"

namespace lowbit {

size_t Weight::bytes() const {
    size_t n = tensor ? tensor->nbytes : 0;
    if (in_scale) n += in_scale->nbytes;
    if (out_scale) n += out_scale->nbytes;
    if (kind == WeightKind::Binary) n += sizeof(float);  // the β tensor (F32 [1], value in `scale`)
    return n;
}

Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::string& path) { return ModelLoader::load(GgufFile::open(path)); }

std::string Model::name() const {
    if (auto n = file_->get_string("general.name"); n && !n->empty()) return *n;
    return std::filesystem::path(file_->path()).stem().string();
}

std::string Model::chat_template() const {
    auto t = file_->get_string("tokenizer.chat_template");
    return t ? *t : std::string();
}

namespace {

std::string shape_str(const std::vector<int64_t>& ne) {
    std::ostringstream os;
    os << "[";
    for (size_t i = 0; i < ne.size(); ++i) os << (i ? ", " : "") << ne[i];
    os << "]";
    return os.str();
}

// Looks up tensors by name and checks their shapes; errors name the file and the tensor.
class TensorFinder {
public:
    explicit TensorFinder(const GgufFile& f) : f_(f) {}

    [[noreturn]] void fail(const std::string& what) const { throw FormatError("'" + f_.path() + "': " + what); }

    const GgufTensorInfo* find(const std::string& name) const { return f_.find_tensor(name); }

    // A vector of n elements (norm weights, biases), stored as F32 or F16.
    Weight vector(const std::string& name, int64_t n, bool required = true) const {
        const GgufTensorInfo* t = find(name);
        if (!t) {
            if (required) fail("tensor '" + name + "' is missing");
            return {};
        }
        if (t->n_elements() != n || t->ne[0] != n)
            fail("tensor '" + name + "' has shape " + t->shape_string() + ", expected [" + std::to_string(n) + "]");
        if (t->type != TensorType::F32 && t->type != TensorType::F16)
            fail("tensor '" + name + "' has type " + std::string(type_name(t->type)) + ", expected f32 or f16");
        return view(*t, n, 1);
    }

    // A matrix with rows of ne0 elements and `rows` rows: one tensor of any type, or a packed
    // OneBit / binary weight (sign bits plus companion tensors, docs/FORMATS.md).
    Weight matrix(const std::string& name, int64_t ne0, int64_t rows, bool required = true) const {
        const GgufTensorInfo* t = find(name);
        if (!t) {
            if (required) fail("tensor '" + name + "' is missing");
            return {};
        }
        if (auto packed = packed_weight(name)) {
            if (packed->cols != ne0 || packed->rows != rows)
                fail("packed 1-bit tensor '" + name + "' holds a [" + std::to_string(packed->cols) + ", " +
                     std::to_string(packed->rows) + "] matrix, expected " + shape_str({ne0, rows}));
            return packed_view(*packed);
        }
        if (t->ne.size() > 2 || t->ne[0] != ne0 || t->rows() != rows)
            fail("tensor '" + name + "' has shape " + t->shape_string() + ", expected " + shape_str({ne0, rows}));
        Weight w = view(*t, ne0, rows);
        if (t->type == TensorType::I2_S) {
            // bitnet.cpp's layout: rows must start on 128-element blocks, and the tensor's one
            // scale sits after all codes.
            if (ne0 % quant::QK_I2_S != 0)
                fail("I2_S tensor '" + name + "' has rows of " + std::to_string(ne0) +
                     " elements, not a multiple of 128");
            try {
                w.scale = quant::i2s_tensor_scale(t->data, t->nbytes, t->n_elements());
            } catch (const Error& e) {
                fail("I2_S tensor '" + name + "': " + e.what());
            }
        }
        // BitNet models may carry a per-tensor output scale next to the weight.
        const std::string base = name.substr(0, name.size() - std::string(".weight").size());
        if (const GgufTensorInfo* s = find(base + ".scale")) {
            if (s->n_elements() != 1 || s->type != TensorType::F32)
                fail("tensor '" + s->name + "' must be a single f32 value");
            float v;
            std::memcpy(&v, s->data, sizeof v);
            w.scale *= v;
        }
        return w;
    }

private:
    std::optional<onebit::PackedWeight> packed_weight(const std::string& name) const {
        try {
            return onebit::find_packed_weight(f_, name);
        } catch (const Error& e) {
            fail(e.what());
        }
    }

    static Weight packed_view(const onebit::PackedWeight& p) {
        Weight w;
        w.tensor = p.signs;
        w.type = p.signs->type;  // I8: the bytes of the sign bits
        w.ne0 = p.cols;
        w.rows = p.rows;
        w.data = p.signs->data;
        w.row_stride = static_cast<size_t>(p.cols / 8);
        if (p.kind == onebit::PackedKind::OneBit) {
            w.kind = WeightKind::OneBit;
            w.in_scale = p.g;
            w.out_scale = p.h;
        } else {
            w.kind = WeightKind::Binary;
            std::memcpy(&w.scale, p.beta->data, sizeof(float));
        }
        return w;
    }

    Weight view(const GgufTensorInfo& t, int64_t ne0, int64_t rows) const {
        Weight w;
        w.tensor = &t;
        w.type = t.type;
        w.ne0 = ne0;
        w.rows = rows;
        w.data = t.data;
        w.row_stride = t.type == TensorType::I2_S ? static_cast<size_t>(ne0 / 4) : row_bytes(t.type, ne0);
        return w;
    }
    const GgufFile& f_;
};

void add_stat(ModelStats& s, const Weight& w) {
    if (!w) return;
    TensorStat ts;
    ts.name = w.tensor->name;
    ts.type = w.type;
    ts.kind = w.kind;
    // Packed 1-bit weights show their logical shape, not that of the byte tensor.
    ts.shape = w.kind == WeightKind::Plain ? w.tensor->ne : std::vector<int64_t>{w.ne0, w.rows};
    ts.bytes = w.bytes();
    ts.bits_per_weight = w.n_elements() > 0 ? 8.0 * static_cast<double>(ts.bytes) / static_cast<double>(w.n_elements()) : 0;
    s.n_params += w.n_elements();
    s.weight_bytes += ts.bytes;
    s.tensors.push_back(std::move(ts));
}

}  // namespace

std::unique_ptr<Model> ModelLoader::load(std::unique_ptr<GgufFile> file) {
    std::unique_ptr<Model> m(new Model());
    m->hp_ = read_hparams(*file);
    HParams& hp = m->hp_;
    TensorFinder tf(*file);

    const GgufTensorInfo* embd = tf.find("token_embd.weight");
    if (!embd) tf.fail("tensor 'token_embd.weight' is missing");
    if (embd->ne.size() != 2 || embd->ne[0] != hp.n_embd)
        tf.fail("tensor 'token_embd.weight' has shape " + embd->shape_string() + ", expected [" +
                std::to_string(hp.n_embd) + ", n_vocab]");
    hp.n_vocab = embd->ne[1];
    m->token_embd_ = tf.matrix("token_embd.weight", hp.n_embd, hp.n_vocab);
    m->output_norm_ = tf.vector("output_norm.weight", hp.n_embd);
    m->output_ = tf.matrix("output.weight", hp.n_embd, hp.n_vocab, /*required=*/false);
    if (!m->output_) {
        m->output_ = m->token_embd_;
        hp.tied_embeddings = true;
    }

    const int64_t n_q = hp.n_embd_q(), n_kv = hp.n_embd_kv();
    m->layers_.resize(static_cast<size_t>(hp.n_layer));
    for (int64_t il = 0; il < hp.n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        LayerWeights& L = m->layers_[static_cast<size_t>(il)];
        L.attn_norm = tf.vector(p + "attn_norm.weight", hp.n_embd);
        L.wq = tf.matrix(p + "attn_q.weight", hp.n_embd, n_q);
        L.wk = tf.matrix(p + "attn_k.weight", hp.n_embd, n_kv);
        L.wv = tf.matrix(p + "attn_v.weight", hp.n_embd, n_kv);
        L.wo = tf.matrix(p + "attn_output.weight", n_q, hp.n_embd);
        L.bq = tf.vector(p + "attn_q.bias", n_q, hp.has_qkv_bias);
        L.bk = tf.vector(p + "attn_k.bias", n_kv, hp.has_qkv_bias);
        L.bv = tf.vector(p + "attn_v.bias", n_kv, hp.has_qkv_bias);
        L.ffn_norm = tf.vector(p + "ffn_norm.weight", hp.n_embd);
        L.ffn_gate = tf.matrix(p + "ffn_gate.weight", hp.n_embd, hp.n_ff);
        L.ffn_up = tf.matrix(p + "ffn_up.weight", hp.n_embd, hp.n_ff);
        L.ffn_down = tf.matrix(p + "ffn_down.weight", hp.n_ff, hp.n_embd);
        if (hp.has_sub_norms) {
            L.attn_sub_norm = tf.vector(p + "attn_sub_norm.weight", hp.n_embd);
            L.ffn_sub_norm = tf.vector(p + "ffn_sub_norm.weight", hp.n_ff);
        }
    }

    m->tokenizer_ = Tokenizer::from_gguf(*file);
    if (m->tokenizer_->n_vocab() > hp.n_vocab)
        tf.fail("the vocabulary has " + std::to_string(m->tokenizer_->n_vocab()) + " tokens but token_embd only " +
                std::to_string(hp.n_vocab) + " rows");

    // Statistics over the weights the graph uses (tied output counted once).
    ModelStats& s = m->stats_;
    add_stat(s, m->token_embd_);
    if (!hp.tied_embeddings) add_stat(s, m->output_);
    add_stat(s, m->output_norm_);
    for (const auto& L : m->layers_) {
        for (const Weight* w : {&L.attn_norm, &L.wq, &L.wk, &L.wv, &L.wo, &L.bq, &L.bk, &L.bv, &L.attn_sub_norm,
                                &L.ffn_norm, &L.ffn_gate, &L.ffn_up, &L.ffn_down, &L.ffn_sub_norm})
            add_stat(s, *w);
    }
    s.bits_per_weight = s.n_params > 0 ? 8.0 * static_cast<double>(s.weight_bytes) / static_cast<double>(s.n_params) : 0;

    m->file_ = std::move(file);
    return m;
}

}  // namespace lowbit
