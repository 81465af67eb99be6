// Rank-1 approximations for OneBit's Sign-Value-Independent Decomposition. |W| is never
// materialized: every pass takes absolute values on the fly, so memory stays O(rows + cols) and
// each iteration costs two streaming passes over W (O(rows * cols)).
#include <algorithm>
#include <cmath>
#include <string>

#include "lowbit/error.h"
#include "lowbit/onebit.h"

namespace lowbit::onebit {
namespace {

void check_matrix(const float* w, int64_t rows, int64_t cols) {
    if (rows <= 0 || cols <= 0) {
        throw Error("SVID: empty matrix [" + std::to_string(rows) + " x " + std::to_string(cols) + "]");
    }
    for (int64_t i = 0; i < rows * cols; ++i) {
        if (!std::isfinite(w[i])) throw Error("SVID: element " + std::to_string(i) + " is not finite");
    }
}

// Dot product of one row (absolute values or not) with x; 8 independent float lanes let the
// compiler vectorize, the lanes are summed in double.
template <bool Abs>
double row_dot(const float* r, const float* x, int64_t n) {
    float lane[8] = {};
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        for (int l = 0; l < 8; ++l) lane[l] += (Abs ? std::fabs(r[j + l]) : r[j + l]) * x[j + l];
    }
    double s = 0.0;
    for (int l = 0; l < 8; ++l) s += lane[l];
    for (; j < n; ++j) s += static_cast<double>(Abs ? std::fabs(r[j]) : r[j]) * x[j];
    return s;
}

// y = M x (rows), M = |W| or W.
template <bool Abs>
void matvec(const float* w, int64_t rows, int64_t cols, const float* x, std::vector<float>& y) {
    for (int64_t i = 0; i < rows; ++i) y[i] = static_cast<float>(row_dot<Abs>(w + i * cols, x, cols));
}

// y = Mᵀ x (cols).
template <bool Abs>
void matvec_t(const float* w, int64_t rows, int64_t cols, const float* x, std::vector<float>& y) {
    std::fill(y.begin(), y.end(), 0.0f);
    for (int64_t i = 0; i < rows; ++i) {
        const float xi = x[i];
        if (xi == 0.0f) continue;
        const float* r = w + i * cols;
        float* out = y.data();
        for (int64_t j = 0; j < cols; ++j) out[j] += (Abs ? std::fabs(r[j]) : r[j]) * xi;
    }
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0.0;
    for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
    return s;
}

void scale(std::vector<float>& v, double f) {
    for (auto& x : v) x = static_cast<float>(x * f);
}

// Row and column means of |W| in one pass.
void abs_means(const float* w, int64_t rows, int64_t cols, std::vector<float>& row_mean,
               std::vector<float>& col_mean, double& mean) {
    std::vector<double> col(static_cast<size_t>(cols), 0.0);
    double total = 0.0;
    for (int64_t i = 0; i < rows; ++i) {
        const float* r = w + i * cols;
        double s = 0.0;
        for (int64_t j = 0; j < cols; ++j) {
            const double a = std::fabs(r[j]);
            s += a;
            col[j] += a;
        }
        row_mean[i] = static_cast<float>(s / static_cast<double>(cols));
        total += s;
    }
    for (int64_t j = 0; j < cols; ++j) col_mean[j] = static_cast<float>(col[j] / static_cast<double>(rows));
    mean = total / (static_cast<double>(rows) * static_cast<double>(cols));
}

// Makes mean(a) == mean(b) without changing a bᵀ.
void balance(Rank1& r) {
    double ma = 0.0, mb = 0.0;
    for (float x : r.a) ma += x;
    for (float x : r.b) mb += x;
    ma /= static_cast<double>(r.a.size());
    mb /= static_cast<double>(r.b.size());
    if (ma <= 0.0 || mb <= 0.0) return;
    const double c = std::sqrt(mb / ma);
    scale(r.a, c);
    scale(r.b, 1.0 / c);
}

Rank1 nmf(const float* w, int64_t rows, int64_t cols, const SvidOptions& o) {
    Rank1 r;
    r.a.resize(static_cast<size_t>(rows));
    r.b.resize(static_cast<size_t>(cols));
    double mean = 0.0;
    abs_means(w, rows, cols, r.a, r.b, mean);
    if (mean == 0.0) return r;  // |W| = 0: a = b = 0 is exact
    // Start from the independence model a_i b_j = rowmean_i * colmean_j / mean.
    scale(r.b, 1.0 / mean);
    std::vector<float> vb(static_cast<size_t>(rows)), vta(static_cast<size_t>(cols));
    double prev_fit = 0.0;
    for (int it = 0; it < o.max_iterations; ++it) {
        matvec<true>(w, rows, cols, r.b.data(), vb);
        const double bb = dot(r.b, r.b);
        for (int64_t i = 0; i < rows; ++i) {
            const double denom = static_cast<double>(r.a[i]) * bb;
            r.a[i] = denom > 0.0 ? static_cast<float>(r.a[i] * static_cast<double>(vb[i]) / denom) : 0.0f;
        }
        matvec_t<true>(w, rows, cols, r.a.data(), vta);
        const double aa = dot(r.a, r.a);
        for (int64_t j = 0; j < cols; ++j) {
            const double denom = static_cast<double>(r.b[j]) * aa;
            r.b[j] = denom > 0.0 ? static_cast<float>(r.b[j] * static_cast<double>(vta[j]) / denom) : 0.0f;
        }
        r.iterations = it + 1;
        // 2 aᵀ|W|b − |a|²|b|² = ‖|W|‖² − ‖|W| − abᵀ‖²: larger is a better fit.
        const double fit = 2.0 * dot(r.b, vta) - aa * dot(r.b, r.b);
        if (it > 0 && std::fabs(fit - prev_fit) <= o.tolerance * std::fabs(fit)) break;
        prev_fit = fit;
    }
    return r;
}

template <bool Abs>
Rank1 power(const float* w, int64_t rows, int64_t cols, std::vector<float> v, int max_iterations,
            double tolerance) {
    Rank1 r;
    std::vector<float> u(static_cast<size_t>(rows));
    const double nv = std::sqrt(dot(v, v));
    if (nv == 0.0) {
        r.a.assign(static_cast<size_t>(rows), 0.0f);
        r.b.assign(static_cast<size_t>(cols), 0.0f);
        return r;
    }
    scale(v, 1.0 / nv);
    double sigma = 0.0, prev = 0.0;
    for (int it = 0; it < max_iterations; ++it) {
        matvec<Abs>(w, rows, cols, v.data(), u);
        const double nu = std::sqrt(dot(u, u));
        if (nu == 0.0) break;
        scale(u, 1.0 / nu);
        matvec_t<Abs>(w, rows, cols, u.data(), v);
        sigma = std::sqrt(dot(v, v));
        if (sigma == 0.0) break;
        scale(v, 1.0 / sigma);
        r.iterations = it + 1;
        if (it > 0 && std::fabs(sigma - prev) <= tolerance * sigma) break;
        prev = sigma;
    }
    const double s = std::sqrt(sigma);
    r.a = std::move(u);
    r.b = std::move(v);
    scale(r.a, s);
    scale(r.b, s);
    return r;
}

}  // namespace

Rank1 rank1_abs(const float* w, int64_t rows, int64_t cols, const SvidOptions& options) {
    check_matrix(w, rows, cols);
    if (options.max_iterations < 1) throw Error("SVID: at least one iteration is needed");
    Rank1 r;
    if (options.method == SvidMethod::Nmf) {
        r = nmf(w, rows, cols, options);
    } else {
        std::vector<float> row_mean(static_cast<size_t>(rows)), col_mean(static_cast<size_t>(cols));
        double mean = 0.0;
        abs_means(w, rows, cols, row_mean, col_mean, mean);
        r = power<true>(w, rows, cols, std::move(col_mean), options.max_iterations, options.tolerance);
        // The Perron vectors of a non-negative matrix are non-negative; fabs removes the sign
        // ambiguity of a singular pair (u, v) ~ (−u, −v) and rounding noise around zero.
        for (auto& x : r.a) x = std::fabs(x);
        for (auto& x : r.b) x = std::fabs(x);
    }
    balance(r);
    return r;
}

Rank1 rank1_signed(const float* w, int64_t rows, int64_t cols, int max_iterations) {
    check_matrix(w, rows, cols);
    // A fixed, non-constant start so it is not orthogonal to the leading singular vector of
    // matrices whose columns sum to about zero.
    std::vector<float> v(static_cast<size_t>(cols));
    for (int64_t j = 0; j < cols; ++j) v[j] = 1.0f + static_cast<float>((j * 7919) % 13) / 13.0f;
    return power<false>(w, rows, cols, std::move(v), std::max(1, max_iterations), 1e-12);
}

}  // namespace lowbit::onebit
