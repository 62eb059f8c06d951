// The Winograd F(4×4, 3×3) kernels, written once over 16-lane vectors of tiles and compiled
// twice by winograd.c: for AVX-512 and for the baseline instruction set. NAME(x) gives each
// copy its own symbols. Vectors run along x across 16 neighbouring tiles of one tile row, so
// transformed arrays are [36][channels][tiles] with tiles contiguous and no transposes are
// needed: a row of 64 pixels is split into the 4 phases x mod 4 with two rounds of shuffles.
//
// Matrices (Lavin & Gray 2016, points 0, ±1, ±2, ∞):
//   data   Bᵀ (6×6): rows 4 0 −5 0 1 0 | 0 −4 −4 1 1 0 | 0 4 −4 −1 1 0 | 0 −2 −1 2 1 0 | 0 2 −1 −2 1 0 | 0 4 0 −5 0 1
//   output Aᵀ (4×6): rows 1 1 1 1 1 0 | 0 1 −1 2 −2 0 | 0 1 1 4 4 0 | 0 1 −1 8 −8 1
//   filter G  (6×3): rows 1/4 0 0 | −1/6 −1/6 −1/6 | −1/6 1/6 −1/6 | 1/24 1/12 1/6 | 1/24 −1/12 1/6 | 0 0 1
// F(3×3, 4×4) for weight gradients uses the same Bᵀ, A (6×4) on the output-gradient tile and
// Gᵀ (3×6) as its output transform.

// MARK: - Vectors

static inline __attribute__((always_inline)) vf NAME(ld)(const float *p) { vf v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline __attribute__((always_inline)) void NAME(st)(float *p, vf v) { __builtin_memcpy(p, &v, sizeof v); }
/// Loads `n` ≤ 16 floats; the other lanes are zero.
static inline __attribute__((always_inline)) vf NAME(ld_n)(const float *p, int n) {
    if (n == LANES) return NAME(ld)(p);
    float t[LANES] = {0};
    for (int i = 0; i < n; i++) t[i] = p[i];
    return NAME(ld)(t);
}
/// Stores the first `n` ≤ 16 lanes.
static inline __attribute__((always_inline)) void NAME(st_n)(float *p, vf v, int n) {
    if (n == LANES) { NAME(st)(p, v); return; }
    float t[LANES];
    NAME(st)(t, v);
    for (int i = 0; i < n; i++) p[i] = t[i];
}

/// The 64 floats at p split by phase: q[j][l] = p[4l + j].
static inline __attribute__((always_inline)) void NAME(deinterleave4)(const float *p, vf q[4]) {
    vf a = NAME(ld)(p), b = NAME(ld)(p + 16), c = NAME(ld)(p + 32), d = NAME(ld)(p + 48);
#define PHASE(j)                                                                                              \
    {                                                                                                         \
        vf lo = __builtin_shufflevector(a, b, j, j + 4, j + 8, j + 12, 16 + j, 20 + j, 24 + j, 28 + j,        \
                                        0, 0, 0, 0, 0, 0, 0, 0);                                              \
        vf hi = __builtin_shufflevector(c, d, j, j + 4, j + 8, j + 12, 16 + j, 20 + j, 24 + j, 28 + j,        \
                                        0, 0, 0, 0, 0, 0, 0, 0);                                              \
        q[j] = __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);       \
    }
    PHASE(0) PHASE(1) PHASE(2) PHASE(3)
#undef PHASE
}

/// The inverse: p[4l + j] = o[j][l] for the first `n` ≤ 64 floats.
static inline __attribute__((always_inline)) void NAME(interleave4)(const vf o[4], float *p, int n) {
    vf r[4];
#define QUAD(k)                                                                                               \
    {                                                                                                         \
        vf a = __builtin_shufflevector(o[0], o[1], 4 * k, 16 + 4 * k, 4 * k + 1, 17 + 4 * k, 4 * k + 2,       \
                                       18 + 4 * k, 4 * k + 3, 19 + 4 * k, 0, 0, 0, 0, 0, 0, 0, 0);            \
        vf b = __builtin_shufflevector(o[2], o[3], 4 * k, 16 + 4 * k, 4 * k + 1, 17 + 4 * k, 4 * k + 2,       \
                                       18 + 4 * k, 4 * k + 3, 19 + 4 * k, 0, 0, 0, 0, 0, 0, 0, 0);            \
        r[k] = __builtin_shufflevector(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);         \
    }
    QUAD(0) QUAD(1) QUAD(2) QUAD(3)
#undef QUAD
    if (n >= 64) {
        for (int k = 0; k < 4; k++) NAME(st)(p + 16 * k, r[k]);
        return;
    }
    for (int k = 0; k < 4 && n > 0; k++, n -= 16) NAME(st_n)(p + 16 * k, r[k], n < 16 ? n : 16);
}

// MARK: - One-dimensional transforms

/// Bᵀ a (6 → 6).
static inline __attribute__((always_inline)) void NAME(data6)(const vf a[6], vf r[6]) {
    r[0] = 4.0f * a[0] - 5.0f * a[2] + a[4];
    r[1] = (a[3] + a[4]) - 4.0f * (a[1] + a[2]);
    r[2] = (a[4] - a[3]) + 4.0f * (a[1] - a[2]);
    r[3] = (a[4] - a[2]) + 2.0f * (a[3] - a[1]);
    r[4] = (a[4] - a[2]) - 2.0f * (a[3] - a[1]);
    r[5] = 4.0f * a[1] - 5.0f * a[3] + a[5];
}

/// Aᵀ m (6 → 4).
static inline __attribute__((always_inline)) void NAME(out4)(const vf m[6], vf o[4]) {
    vf s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
    o[0] = m[0] + s12 + s34;
    o[1] = d12 + 2.0f * d34;
    o[2] = s12 + 4.0f * s34;
    o[3] = d12 + 8.0f * d34 + m[5];
}

/// A g (4 → 6), the output-gradient side of F(3×3, 4×4).
static inline __attribute__((always_inline)) void NAME(grad6)(const vf g[4], vf a[6]) {
    vf e = g[0] + g[2], o = g[1] + g[3], e4 = g[0] + 4.0f * g[2], o4 = 2.0f * g[1] + 8.0f * g[3];
    a[0] = g[0];
    a[1] = e + o;
    a[2] = e - o;
    a[3] = e4 + o4;
    a[4] = e4 - o4;
    a[5] = g[3];
}

/// G g (3 → 6).
static inline __attribute__((always_inline)) void NAME(filter6)(const vf g[3], vf u[6]) {
    vf s = g[0] + g[2];
    u[0] = 0.25f * g[0];
    u[1] = (-1.0f / 6.0f) * (s + g[1]);
    u[2] = (-1.0f / 6.0f) * (s - g[1]);
    vf t = (1.0f / 24.0f) * g[0] + (1.0f / 6.0f) * g[2];
    u[3] = t + (1.0f / 12.0f) * g[1];
    u[4] = t - (1.0f / 12.0f) * g[1];
    u[5] = g[2];
}

/// Gᵀ m (6 → 3), the output side of F(3×3, 4×4).
static inline __attribute__((always_inline)) void NAME(wgrad3)(const vf m[6], vf k[3]) {
    vf s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
    k[0] = 0.25f * m[0] - (1.0f / 6.0f) * s12 + (1.0f / 24.0f) * s34;
    k[1] = (-1.0f / 6.0f) * d12 + (1.0f / 12.0f) * d34;
    k[2] = (1.0f / 6.0f) * (s34 - s12) + m[5];
}

// MARK: - Row buffers

/// Copies row `iy` of `plane` (h × w) into `dst` as positions [−padLeft, span − padLeft), zeros
/// outside the plane.
static inline __attribute__((always_inline)) void NAME(fill_row)(const float *plane, int h, int w, int iy, int padLeft, int span, float *dst) {
    if (iy < 0 || iy >= h) {
        for (int i = 0; i < span; i++) dst[i] = 0;
        return;
    }
    const float *src = plane + (long)iy * w;
    int lo = padLeft < span ? padLeft : span;
    for (int i = 0; i < lo; i++) dst[i] = 0;
    int n = w < span - lo ? w : span - lo;
    __builtin_memcpy(dst + lo, src, (size_t)n * sizeof(float));
    for (int i = lo + n; i < span; i++) dst[i] = 0;
}

// MARK: - Kernels

static void NAME(input)(const float *x, int c, int h, int w, int padTop, int padLeft, int tilesX,
                        int rowBegin, int rowEnd, float *v, long ld, long ps) {
    int groups = (tilesX + LANES - 1) / LANES;
    int span = groups * 64 + 16;
    float *rows = (float *)aligned_alloc(64, (size_t)(6 * span) * sizeof(float) + 64);
    for (int ch = 0; ch < c; ch++) {
        const float *plane = x + (long)ch * h * w;
        for (int ty = rowBegin; ty < rowEnd; ty++) {
            for (int i = 0; i < 6; i++) NAME(fill_row)(plane, h, w, ty * 4 + i - padTop, padLeft, span, rows + i * span);
            for (int gi = 0; gi < groups; gi++) {
                int n = tilesX - gi * LANES < LANES ? tilesX - gi * LANES : LANES;
                vf e[6][6];  // e[i][k]: row i after the horizontal transform
                for (int i = 0; i < 6; i++) {
                    const float *base = rows + i * span + gi * 64;
                    vf a[6], q[4], q4[4];
                    NAME(deinterleave4)(base, q);
                    NAME(deinterleave4)(base + 4, q4);
                    a[0] = q[0]; a[1] = q[1]; a[2] = q[2]; a[3] = q[3]; a[4] = q4[0]; a[5] = q4[1];
                    NAME(data6)(a, e[i]);
                }
                float *dst = v + (long)ch * ld + (long)ty * tilesX + gi * LANES;
                for (int k = 0; k < 6; k++) {
                    vf col[6], r[6];
                    for (int i = 0; i < 6; i++) col[i] = e[i][k];
                    NAME(data6)(col, r);
                    for (int l = 0; l < 6; l++) NAME(st_n)(dst + (long)(l * 6 + k) * ps, r[l], n);
                }
            }
        }
    }
    free(rows);
}

static void NAME(output)(const float *z, int co, int ho, int wo, int tilesX, int rowBegin, int rowEnd,
                         long ld, long ps, const float *bias, float *y) {
    int groups = (tilesX + LANES - 1) / LANES;
    for (int ch = 0; ch < co; ch++) {
        float *plane = y + (long)ch * ho * wo;
        float b = bias ? bias[ch] : 0.0f;
        for (int ty = rowBegin; ty < rowEnd; ty++) {
            for (int gi = 0; gi < groups; gi++) {
                int n = tilesX - gi * LANES < LANES ? tilesX - gi * LANES : LANES;
                const float *src = z + (long)ch * ld + (long)ty * tilesX + gi * LANES;
                vf t[6][4];  // t[l][i]: column l after the vertical transform
                for (int l = 0; l < 6; l++) {
                    vf m[6];
                    for (int k = 0; k < 6; k++) m[k] = NAME(ld_n)(src + (long)(k * 6 + l) * ps, n);
                    NAME(out4)(m, t[l]);
                }
                for (int i = 0; i < 4; i++) {
                    int oy = ty * 4 + i;
                    if (oy >= ho) break;
                    vf row[6], o[4];
                    for (int l = 0; l < 6; l++) row[l] = t[l][i];
                    NAME(out4)(row, o);
                    for (int j = 0; j < 4; j++) o[j] = o[j] + b;
                    int x0 = gi * 64;
                    NAME(interleave4)(o, plane + (long)oy * wo + x0, wo - x0);
                }
            }
        }
    }
}

static void NAME(grad_output)(const float *dy, int co, int ho, int wo, int tilesX, int rowBegin, int rowEnd,
                              float *g, long ld, long ps) {
    int groups = (tilesX + LANES - 1) / LANES;
    int span = groups * 64 + 16;
    float *rows = (float *)aligned_alloc(64, (size_t)(4 * span) * sizeof(float) + 64);
    for (int ch = 0; ch < co; ch++) {
        const float *plane = dy + (long)ch * ho * wo;
        for (int ty = rowBegin; ty < rowEnd; ty++) {
            for (int i = 0; i < 4; i++) NAME(fill_row)(plane, ho, wo, ty * 4 + i, 0, span, rows + i * span);
            for (int gi = 0; gi < groups; gi++) {
                int n = tilesX - gi * LANES < LANES ? tilesX - gi * LANES : LANES;
                vf e[4][6];
                for (int i = 0; i < 4; i++) {
                    vf q[4];
                    NAME(deinterleave4)(rows + i * span + gi * 64, q);
                    NAME(grad6)(q, e[i]);
                }
                float *dst = g + (long)ch * ld + (long)ty * tilesX + gi * LANES;
                for (int k = 0; k < 6; k++) {
                    vf col[4], r[6];
                    for (int i = 0; i < 4; i++) col[i] = e[i][k];
                    NAME(grad6)(col, r);
                    for (int l = 0; l < 6; l++) NAME(st_n)(dst + (long)(l * 6 + k) * ps, r[l], n);
                }
            }
        }
    }
    free(rows);
}

/// u[p][row][col] for rows [rowBegin, rowEnd): the 3×3 filter of (row, col) is at
/// w + row·rowStride + col·colStride, read rotated by 180° when `flip`.
static void NAME(weights)(const float *w, int rows, int cols, long rowStride, long colStride, int flip,
                          int rowBegin, int rowEnd, float *u) {
    long ps = (long)rows * cols;
    for (int r = rowBegin; r < rowEnd; r++) {
        for (int c0 = 0; c0 < cols; c0 += LANES) {
            int n = cols - c0 < LANES ? cols - c0 : LANES;
            float t[9][LANES];
            for (int lane = 0; lane < LANES; lane++) {
                const float *f = w + r * rowStride + (long)(c0 + (lane < n ? lane : 0)) * colStride;
                for (int k = 0; k < 9; k++) t[k][lane] = f[flip ? 8 - k : k];
            }
            vf e[3][6];  // e[ky][p]: kernel row ky after the horizontal transform
            for (int ky = 0; ky < 3; ky++) {
                vf g[3] = {NAME(ld)(t[ky * 3]), NAME(ld)(t[ky * 3 + 1]), NAME(ld)(t[ky * 3 + 2])};
                NAME(filter6)(g, e[ky]);
            }
            float *dst = u + (long)r * cols + c0;
            for (int k = 0; k < 6; k++) {
                vf col[3] = {e[0][k], e[1][k], e[2][k]}, out[6];
                NAME(filter6)(col, out);
                for (int l = 0; l < 6; l++) NAME(st_n)(dst + (long)(l * 6 + k) * ps, out[l], n);
            }
        }
    }
}

static void NAME(weight_grad)(const float *m, int co, int c, int coBegin, int coEnd, float *dw, int accumulate) {
    long ps = (long)co * c;
    for (int o = coBegin; o < coEnd; o++) {
        for (int c0 = 0; c0 < c; c0 += LANES) {
            int n = c - c0 < LANES ? c - c0 : LANES;
            const float *src = m + (long)o * c + c0;
            vf e[6][3];  // e[l][ky]: column l after the vertical transform
            for (int l = 0; l < 6; l++) {
                vf col[6];
                for (int k = 0; k < 6; k++) col[k] = NAME(ld_n)(src + (long)(k * 6 + l) * ps, n);
                NAME(wgrad3)(col, e[l]);
            }
            float t[9][LANES];
            for (int ky = 0; ky < 3; ky++) {
                vf row[6], k3[3];
                for (int l = 0; l < 6; l++) row[l] = e[l][ky];
                NAME(wgrad3)(row, k3);
                for (int kx = 0; kx < 3; kx++) NAME(st)(t[ky * 3 + kx], k3[kx]);
            }
            float *dst = dw + ((long)o * c + c0) * 9;
            for (int lane = 0; lane < n; lane++) {
                for (int k = 0; k < 9; k++) {
                    if (accumulate) dst[lane * 9 + k] += t[k][lane];
                    else dst[lane * 9 + k] = t[k][lane];
                }
            }
        }
    }
}
