// Streaming tensor conversion. A chunk of rows is decoded (source type, permutation, BitNet
// ternarization) and encoded by several threads, then appended to the file; memory is two chunk
// buffers whatever the model size. A per-tensor ternary scale (absmean) takes one extra read
// pass first. OneBit and binary need the whole matrix for their decomposition.
#include "convert/tensor_writer.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "lowbit/error.h"
#include "lowbit/onebit.h"
#include "lowbit/quant.h"

namespace lowbit::conv {

namespace {

void check_cancel(const WriteContext& ctx) {
    if (ctx.cancel && ctx.cancel->load(std::memory_order_relaxed)) throw CancelledError();
}

// Runs f(begin, end) over [0, n) split into at most `threads` contiguous parts.
void parallel_for(int64_t n, int threads, const std::function<void(int64_t, int64_t)>& f) {
    const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, n));
    if (parts == 1) {
        if (n > 0) f(0, n);
        return;
    }
    std::vector<std::thread> pool;
    std::exception_ptr error;
    std::mutex m;
    for (int64_t i = 0; i < parts; ++i) {
        const int64_t b = n * i / parts, e = n * (i + 1) / parts;
        pool.emplace_back([&, b, e] {
            try {
                if (e > b) f(b, e);
            } catch (...) {
                std::lock_guard<std::mutex> lock(m);
                if (!error) error = std::current_exception();
            }
        });
    }
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
}

bool needs_tensor_scale(TensorType t, quant::TernaryRule rule) {
    return (t == TensorType::TQ1_0 || t == TensorType::TQ2_0 || t == TensorType::I2_S) &&
           rule == quant::TernaryRule::AbsMeanTensor;
}

void write_copy(const PlannedTensor& p, WriteContext& ctx) {
    const SourceTensor& s = *p.src;
    const size_t step = size_t(16) << 20;
    for (size_t off = 0; off < s.nbytes; off += step) {
        check_cancel(ctx);
        const size_t n = std::min(step, s.nbytes - off);
        ctx.writer.write_data(s.data + off, n);
        release_mapped_pages(s.data + off, n);
        if (ctx.on_tensor_progress)
            ctx.on_tensor_progress(static_cast<double>(off + n) / static_cast<double>(s.nbytes));
    }
}

void write_plain(const PlannedTensor& p, WriteContext& ctx) {
    const SourceTensor& s = *p.src;
    const RowReader reader(s);
    const bool vec = s.is_vector();
    const int64_t ne0 = vec ? s.n_elements() : s.ne0();
    const int64_t rows = vec ? 1 : s.rows();
    const TensorType type = p.type;
    const bool i2s = type == TensorType::I2_S;
    const size_t out_row = i2s ? static_cast<size_t>(ne0 / 4) : row_bytes(type, ne0);
    const int64_t chunk_rows = std::clamp<int64_t>(kChunkFloats / std::max<int64_t>(ne0, 1), 1, rows);
    std::vector<float> in(static_cast<size_t>(chunk_rows * ne0));
    std::vector<uint8_t> out(static_cast<size_t>(chunk_rows) * out_row);

    quant::QuantizeOptions qo;
    qo.ternary_rule = ctx.ternary_rule;
    auto read_chunk = [&](int64_t r0, int64_t n) {
        parallel_for(n, ctx.threads,
                     [&](int64_t b, int64_t e) { reader.read(r0 + b, e - b, in.data() + b * ne0); });
    };
    const bool two_pass = needs_tensor_scale(type, ctx.ternary_rule);
    const double passes = two_pass ? 2.0 : 1.0;
    if (two_pass) {
        quant::TernaryScale ts;
        for (int64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
            check_cancel(ctx);
            const int64_t n = std::min(chunk_rows, rows - r0);
            read_chunk(r0, n);
            reader.release_rows(r0, n);
            ts.add(in.data(), n * ne0);
            if (ctx.on_tensor_progress)
                ctx.on_tensor_progress(static_cast<double>(r0 + n) / static_cast<double>(rows) / passes);
        }
        qo.tensor_scale = ts.scale();
    }
    for (int64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
        check_cancel(ctx);
        const int64_t n = std::min(chunk_rows, rows - r0);
        parallel_for(n, ctx.threads, [&](int64_t b, int64_t e) {
            float* src = in.data() + b * ne0;
            uint8_t* dst = out.data() + static_cast<size_t>(b) * out_row;
            reader.read(r0 + b, e - b, src);
            if (i2s) {
                for (int64_t r = 0; r < e - b; ++r)
                    quant::quantize_row(type, src + r * ne0, dst + static_cast<size_t>(r) * out_row, ne0, qo);
            } else {
                quant::quantize_tensor(type, src, dst, ne0, e - b, qo);
            }
        });
        ctx.writer.write_data(out.data(), static_cast<size_t>(n) * out_row);
        reader.release_rows(r0, n);
        if (ctx.on_tensor_progress)
            ctx.on_tensor_progress((static_cast<double>(r0 + n) / static_cast<double>(rows) + passes - 1.0) /
                                   passes);
    }
    if (i2s) {
        uint8_t trailer[32];
        quant::write_i2s_trailer(trailer, qo.tensor_scale);
        ctx.writer.write_data(trailer, sizeof trailer);
    }
    reader.release();
}

void write_packed(const PlannedTensor& p, WriteContext& ctx) {
    const SourceTensor& s = *p.src;
    const RowReader reader(s);
    const int64_t rows = s.rows(), cols = s.ne0();
    // The decomposition works on the whole matrix; read it in chunks so cancellation stays quick.
    std::vector<float> w(static_cast<size_t>(rows * cols));
    const int64_t chunk_rows = std::clamp<int64_t>(kChunkFloats / cols, 1, rows);
    for (int64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
        check_cancel(ctx);
        const int64_t n = std::min(chunk_rows, rows - r0);
        parallel_for(n, ctx.threads,
                     [&](int64_t b, int64_t e) { reader.read(r0 + b, e - b, w.data() + (r0 + b) * cols); });
        reader.release_rows(r0, n);
    }
    reader.release();
    check_cancel(ctx);
    if (ctx.on_tensor_progress) ctx.on_tensor_progress(0.1);
    if (p.encoding == Encoding::OneBit) {
        const onebit::OnebitLayer layer = onebit::onebit_quantize(w.data(), rows, cols, ctx.svid);
        std::vector<float>().swap(w);
        check_cancel(ctx);
        ctx.writer.write_data(layer.signs.data(), layer.signs.size());
        ctx.writer.write_data(layer.g.data(), layer.g.size() * sizeof(uint16_t));
        ctx.writer.write_data(layer.h.data(), layer.h.size() * sizeof(uint16_t));
    } else {
        const onebit::BinaryLayer layer = onebit::binary_quantize(w.data(), rows, cols);
        std::vector<float>().swap(w);
        check_cancel(ctx);
        ctx.writer.write_data(layer.signs.data(), layer.signs.size());
        ctx.writer.write_data(&layer.beta, sizeof layer.beta);
    }
    if (ctx.on_tensor_progress) ctx.on_tensor_progress(1.0);
}

}  // namespace

void declare_planned(GgufWriter& w, const PlannedTensor& p) {
    const SourceTensor& s = *p.src;
    switch (p.encoding) {
        case Encoding::Copy:
        case Encoding::Plain:
            w.add_tensor(s.name, p.type, s.ne);
            return;
        case Encoding::OneBit:
            onebit::declare_onebit_weight(w, s.name, s.rows(), s.ne0());
            return;
        case Encoding::Binary:
            onebit::declare_binary_weight(w, s.name, s.rows(), s.ne0());
            return;
    }
}

void write_planned(const PlannedTensor& p, WriteContext& ctx) {
    check_cancel(ctx);
    switch (p.encoding) {
        case Encoding::Copy:
            write_copy(p, ctx);
            return;
        case Encoding::Plain:
            write_plain(p, ctx);
            return;
        case Encoding::OneBit:
        case Encoding::Binary:
            write_packed(p, ctx);
            return;
    }
}

}  // namespace lowbit::conv
