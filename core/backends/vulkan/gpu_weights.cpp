#include "backends/vulkan/gpu_weights.h"

#include <algorithm>
#include <cstring>

#include "lowbit/error.h"
#include "lowbit/fp16.h"

namespace lowbit::vulkan {

namespace {

constexpr GpuLayout kLayouts[] = {
    // type           block src payload d_off matmul shader  get_rows shader   float ablk kmul
    {TensorType::F32, 1, 4, 4, -1, "matmul_f32", "get_rows_f32", true, 0, 4},
    {TensorType::F16, 1, 2, 2, -1, "matmul_f16", "get_rows_f16", true, 0, 8},
    {TensorType::BF16, 1, 2, 2, -1, "matmul_bf16", "get_rows_bf16", true, 0, 8},
    {TensorType::Q8_0, 32, 34, 32, 0, "matmul_q8_0", "get_rows_q8_0", false, 32, 32},
    {TensorType::Q4_0, 32, 18, 16, 0, "matmul_q4_0", "get_rows_q4_0", false, 32, 32},
    {TensorType::TQ1_0, 256, 54, 52, 52, "matmul_tq1_0", "get_rows_tq1_0", false, 256, 256},
    {TensorType::TQ2_0, 256, 66, 64, 64, "matmul_tq2_0", "get_rows_tq2_0", false, 256, 256},
    {TensorType::Q4_K, 256, 144, 144, -1, "matmul_q4_k", "get_rows_q4_k", false, 256, 256},
    {TensorType::Q6_K, 256, 210, 208, 208, "matmul_q6_k", "get_rows_q6_k", false, 256, 256},
    // I2_S: 128-element blocks of codes; the tensor scale is Weight::scale (the output scale).
    {TensorType::I2_S, 128, 32, 32, -1, "matmul_i2_s", nullptr, false, 256, 256},
};

// Packed signs of OneBit / binary weights (stored as I8 tensors): 32 weights per word.
constexpr GpuLayout kSignLayout = {TensorType::I8, 32, 4, 4, -1, "matmul_sign", nullptr, true, 0, 32};

size_t align_up(size_t v, size_t a) {
    return (v + a - 1) / a * a;
}

}  // namespace

const GpuLayout* gpu_layout(TensorType t) {
    for (const GpuLayout& l : kLayouts)
        if (l.type == t) return &l;
    if (t == TensorType::I8) return &kSignLayout;
    return nullptr;
}

std::string gpu_unsupported_reason(const Weight& w) {
    const std::string name = w.tensor ? w.tensor->name : std::string("weight");
    if (w.kind != WeightKind::Plain) {
        if (w.ne0 % 32) return "'" + name + "': 1-bit rows must be a multiple of 32 weights on the GPU";
        if (w.kind == WeightKind::OneBit && (!w.in_scale || !w.out_scale))
            return "'" + name + "' is a OneBit weight without its value vectors";
        return {};
    }
    const GpuLayout* l = gpu_layout(w.type);
    if (!l)
        return "'" + name + "' has type " + std::string(type_name(w.type)) + ", which has no Vulkan kernel";
    if (w.ne0 % l->k_multiple)
        return "'" + name + "' has rows of " + std::to_string(w.ne0) + " elements, not a multiple of " +
               std::to_string(l->k_multiple) + " as the Vulkan " + std::string(type_name(w.type)) +
               " kernel needs";
    return {};
}

GpuMatrix upload_matrix(Context& ctx, TensorType type, int64_t ne0, int64_t rows, const uint8_t* data,
                        size_t row_stride, const std::string& name) {
    const GpuLayout* l = gpu_layout(type);
    if (!l)
        throw UnsupportedError("tensor '" + name + "' has type " + std::string(type_name(type)) +
                               ", which has no Vulkan kernel");
    if (ne0 <= 0 || rows <= 0 || ne0 % l->k_multiple)
        throw UnsupportedError("tensor '" + name + "' has rows of " + std::to_string(ne0) +
                               " elements; the Vulkan kernel needs a multiple of " +
                               std::to_string(l->k_multiple));
    const int64_t bpr = ne0 / l->block;
    const size_t row_payload = static_cast<size_t>(bpr) * l->payload_bytes;
    const size_t row_scales = l->d_offset >= 0 ? static_cast<size_t>(bpr) * 2 : 0;
    const size_t align = ctx.storage_alignment();
    const uint64_t max_bind = ctx.max_binding_bytes();
    if (row_payload > max_bind)
        throw UnsupportedError("tensor '" + name + "': one row exceeds a shader binding");

    GpuMatrix m;
    m.layout = l;
    m.type = type;
    m.ne0 = ne0;
    m.rows = rows;
    m.name = name;
    // Rows per chunk: as many as fit one binding, for the payload and the scales alike.
    int64_t chunk_rows = static_cast<int64_t>(max_bind / row_payload);
    if (row_scales) chunk_rows = std::min<int64_t>(chunk_rows, static_cast<int64_t>(max_bind / row_scales));
    chunk_rows = std::max<int64_t>(1, std::min(chunk_rows, rows));
    for (int64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
        const int64_t nr = std::min(chunk_rows, rows - r0);
        const size_t payload_bytes = static_cast<size_t>(nr) * row_payload;
        const size_t scale_bytes = align_up(static_cast<size_t>(nr) * row_scales, 4);
        const size_t scales_at = align_up(payload_bytes, align);
        Allocation a = ctx.memory().allocate(scales_at + scale_bytes, MemoryKind::Device, name);
        GpuMatrix::Chunk c;
        c.row0 = r0;
        c.rows = nr;
        c.payload = a.range().sub(0, payload_bytes);
        c.scales = scale_bytes ? a.range().sub(scales_at, scale_bytes) : ctx.dummy();
        // Repack while copying: the payload of every block, then the scales.
        const uint8_t* src0 = data + static_cast<size_t>(r0) * row_stride;
        ctx.upload(a.range(), scales_at + scale_bytes, [&](uint8_t* out, size_t off, size_t n) {
            // Produce bytes [off, off+n) of the chunk image row by row (rows are small).
            std::vector<uint8_t> row(std::max(row_payload, row_scales));
            size_t pos = off;
            const size_t end = off + n;
            while (pos < end) {
                if (pos < payload_bytes) {
                    const size_t r = pos / row_payload, in_row = pos % row_payload;
                    const uint8_t* src = src0 + r * row_stride;
                    if (l->d_offset < 0) {
                        std::memcpy(row.data(), src, row_payload);
                    } else {
                        const size_t skip_lo = l->d_offset == 0 ? 2 : 0;
                        for (int64_t b = 0; b < bpr; ++b)
                            std::memcpy(row.data() + b * l->payload_bytes,
                                        src + b * l->src_block_bytes + skip_lo, l->payload_bytes);
                    }
                    const size_t take = std::min(row_payload - in_row, end - pos);
                    std::memcpy(out + (pos - off), row.data() + in_row, take);
                    pos += take;
                } else if (pos < scales_at) {
                    const size_t take = std::min(scales_at, end) - pos;
                    std::memset(out + (pos - off), 0, take);
                    pos += take;
                } else {
                    const size_t s = pos - scales_at;
                    if (s >= static_cast<size_t>(nr) * row_scales) {  // padding to a word
                        const size_t take = end - pos;
                        std::memset(out + (pos - off), 0, take);
                        pos += take;
                        continue;
                    }
                    const size_t r = s / row_scales, in_row = s % row_scales;
                    const uint8_t* src = src0 + r * row_stride;
                    for (int64_t b = 0; b < bpr; ++b)
                        std::memcpy(row.data() + 2 * b, src + b * l->src_block_bytes + l->d_offset, 2);
                    const size_t take = std::min(row_scales - in_row, end - pos);
                    std::memcpy(out + (pos - off), row.data() + in_row, take);
                    pos += take;
                }
            }
        });
        m.device_bytes += a.size();
        m.chunks.push_back(c);
        m.allocations.push_back(std::move(a));
    }
    return m;
}

namespace {

std::vector<float> f16_or_f32_floats(const GgufTensorInfo& t, int64_t n) {
    std::vector<float> f(static_cast<size_t>(n));
    if (t.n_elements() != n) throw FormatError("tensor '" + t.name + "' has the wrong length");
    if (t.type == TensorType::F32) {
        std::memcpy(f.data(), t.data, f.size() * sizeof(float));
    } else if (t.type == TensorType::F16) {
        const auto* hv = reinterpret_cast<const uint16_t*>(t.data);
        for (int64_t i = 0; i < n; ++i) f[static_cast<size_t>(i)] = fp16_to_fp32(hv[i]);
    } else {
        throw UnsupportedError("tensor '" + t.name + "' has type " + std::string(type_name(t.type)));
    }
    return f;
}

}  // namespace

GpuMatrix upload_sign_matrix(Context& ctx, int64_t k, int64_t rows, const uint8_t* signs, size_t row_stride,
                             const float* g, const float* h, float scale, const std::string& name) {
    if (k <= 0 || k % 32)
        throw UnsupportedError("1-bit weight '" + name + "': rows must be a multiple of 32 weights");
    // The sign bytes are the payload as stored (weight c in bit c % 8 of byte c / 8, so in bit
    // c % 32 of little-endian word c / 32).
    GpuMatrix m = upload_matrix(ctx, TensorType::I8, k, rows, signs, row_stride, name);
    m.scale = scale;
    if (g) {
        Allocation a = ctx.memory().allocate(static_cast<size_t>(k) * 4, MemoryKind::Device, name + " g");
        ctx.upload(a.range(), g, static_cast<size_t>(k) * 4);
        m.g = a.range();
        m.device_bytes += a.size();
        m.allocations.push_back(std::move(a));
    }
    if (h) {
        Allocation a = ctx.memory().allocate(static_cast<size_t>(rows) * 4, MemoryKind::Device, name + " h");
        ctx.upload(a.range(), h, static_cast<size_t>(rows) * 4);
        m.h = a.range();
        m.device_bytes += a.size();
        m.allocations.push_back(std::move(a));
    }
    return m;
}

GpuMatrix upload_matrix(Context& ctx, const Weight& w) {
    const std::string name = w.tensor ? w.tensor->name : std::string("weight");
    if (w.kind != WeightKind::Plain) {
        const std::string why = gpu_unsupported_reason(w);
        if (!why.empty()) throw UnsupportedError(why);
        std::vector<float> g, h;
        if (w.kind == WeightKind::OneBit) {
            g = f16_or_f32_floats(*w.in_scale, w.ne0);
            h = f16_or_f32_floats(*w.out_scale, w.rows);
        }
        return upload_sign_matrix(ctx, w.ne0, w.rows, w.data, w.row_stride, g.empty() ? nullptr : g.data(),
                                  h.empty() ? nullptr : h.data(), w.scale, name);
    }
    if (w.type == TensorType::I8)
        throw UnsupportedError("tensor '" + name + "' has type i8, which is no weight type");
    GpuMatrix m = upload_matrix(ctx, w.type, w.ne0, w.rows, w.data, w.row_stride, name);
    m.scale = w.scale;
    return m;
}

GpuVector upload_floats(Context& ctx, const float* data, int64_t n, const std::string& name) {
    GpuVector v;
    v.n = n;
    v.alloc = ctx.memory().allocate(static_cast<size_t>(n) * sizeof(float), MemoryKind::Device, name);
    ctx.upload(v.alloc.range(), data, static_cast<size_t>(n) * sizeof(float));
    return v;
}

GpuVector upload_vector(Context& ctx, const Weight& w) {
    if (!w) return {};
    const std::string name = w.tensor ? w.tensor->name : std::string("vector");
    const int64_t n = w.n_elements();
    std::vector<float> f(static_cast<size_t>(n));
    if (w.type == TensorType::F32) {
        std::memcpy(f.data(), w.data, f.size() * sizeof(float));
    } else if (w.type == TensorType::F16) {
        const auto* h = reinterpret_cast<const uint16_t*>(w.data);
        for (int64_t i = 0; i < n; ++i) f[static_cast<size_t>(i)] = fp16_to_fp32(h[i]);
    } else {
        throw UnsupportedError("vector '" + name + "' has type " + std::string(type_name(w.type)));
    }
    return upload_floats(ctx, f.data(), n, name);
}

}  // namespace lowbit::vulkan
