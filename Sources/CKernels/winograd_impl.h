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
    if (n >= LANES) return NAME(ld)(p);
#if MASKED_STORES
    return (vf)_mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
#else
    float t[LANES] = {0};
    for (int i = 0; i < n; i++) t[i] = p[i];
    return NAME(ld)(t);
#endif
}

/// Stores the first `n` ≤ 16 lanes.
static inline __attribute__((always_inline)) void NAME(st_n)(float *p, vf v, int n) {
    if (n >= LANES) { NAME(st)(p, v); return; }
    if (n <= 0) return;
#if MASKED_STORES
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)v);
#else
    float t[LANES];
    NAME(st)(t, v);
    for (int i = 0; i < n; i++) p[i] = t[i];
#endif
}

/// Four quads of 16 floats (4 tiles × 4 pixels each) split by phase: q[j][4k + l] = quad k's
/// element 4l + j.
static inline __attribute__((always_inline)) void NAME(deinterleave4)(vf a, vf b, vf c, vf d, vf q[4]) {
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

/// The inverse: r[k][4l + j] = o[j][4k + l], one quad of 4 tiles per r[k].
static inline __attribute__((always_inline)) void NAME(interleave4)(const vf o[4], vf r[4]) {
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

/// B m (6 → 6), the adjoint of the data transform.
static inline __attribute__((always_inline)) void NAME(dataT6)(const vf m[6], vf r[6]) {
    r[0] = 4.0f * m[0];
    r[1] = 4.0f * (m[2] - m[1]) + 2.0f * (m[4] - m[3]) + 4.0f * m[5];
    r[2] = -5.0f * m[0] - 4.0f * (m[1] + m[2]) - (m[3] + m[4]);
    r[3] = (m[1] - m[2]) + 2.0f * (m[3] - m[4]) - 5.0f * m[5];
    r[4] = m[0] + m[1] + m[2] + m[3] + m[4];
    r[5] = m[5];
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

// MARK: - Plane buffers

/// The source index along an axis of length n for index i, padded by `before`/`after` in
/// `mode` (0 zero, 1 reflect, 2 replicate); −1 for a zero (zero padding, or beyond the padding).
static inline __attribute__((always_inline)) int NAME(source)(int i, int n, int before, int after, int mode) {
    if (i >= 0 && i < n) return i;
    if (mode == 0 || i < -before || i >= n + after) return -1;
    if (mode == 1) return i < 0 ? -i : 2 * (n - 1) - i;
    return i < 0 ? 0 : n - 1;
}

/// Copies rows [firstRow, firstRow + rows) of `plane` (h × w), padded as `pad` says, into
/// `dst` (row stride `span`), each as positions [−pad.left, span − pad.left).
static void NAME(fill_rows)(const float *plane, int h, int w, int firstRow, int rows, i2i_padding pad, int span,
                            float *dst) {
    for (int r = 0; r < rows; r++, dst += span) {
        int iy = NAME(source)(firstRow + r, h, pad.top, pad.bottom, pad.mode);
        if (iy < 0) {
            __builtin_memset(dst, 0, (size_t)span * sizeof(float));
            continue;
        }
        const float *src = plane + (long)iy * w;
        int lo = pad.left < span ? pad.left : span;
        for (int q = 0; q < lo; q++) {
            int ix = NAME(source)(q - pad.left, w, pad.left, pad.right, pad.mode);
            dst[q] = ix < 0 ? 0.0f : src[ix];
        }
        int n = w < span - lo ? w : span - lo;
        __builtin_memcpy(dst + lo, src, (size_t)n * sizeof(float));
        for (int q = lo + n; q < span; q++) {
            int ix = NAME(source)(q - pad.left, w, pad.left, pad.right, pad.mode);
            dst[q] = ix < 0 ? 0.0f : src[ix];
        }
    }
}

/// The tile rows that groups [groupBegin, groupEnd) touch.
static inline __attribute__((always_inline)) void NAME(group_rows)(int tilesXp, int groupBegin, int groupEnd,
                                                                   int *first, int *last) {
    *first = (LANES * groupBegin) / tilesXp;
    *last = (LANES * groupEnd - 1) / tilesXp;
}

// MARK: - Kernels

static void NAME(input)(const float *x, int c, int h, int w, i2i_padding pad, int tilesXp,
                        int groupBegin, int groupEnd, float *v, long ld, long ps) {
    int first, last;
    NAME(group_rows)(tilesXp, groupBegin, groupEnd, &first, &last);
    int span = 4 * tilesXp + 16, rows = 4 * (last - first) + 6;
    float *buf = (float *)aligned_alloc(64, (size_t)rows * span * sizeof(float) + 64);
    for (int ch = 0; ch < c; ch++) {
        NAME(fill_rows)(x + (long)ch * h * w, h, w, 4 * first - pad.top, rows, pad, span, buf);
        for (int gi = groupBegin; gi < groupEnd; gi++) {
            const float *quad[4];  // each quad's top-left input position
            for (int q = 0; q < 4; q++) {
                int t = LANES * gi + 4 * q, ty = t / tilesXp, tx = t % tilesXp;
                quad[q] = buf + (long)(4 * (ty - first)) * span + 4 * tx;
            }
            vf e[6][6];  // e[i][k]: input row i after the horizontal transform
            for (int i = 0; i < 6; i++) {
                vf a[6], q[4], q4[4];
                long off = (long)i * span;
                NAME(deinterleave4)(NAME(ld)(quad[0] + off), NAME(ld)(quad[1] + off), NAME(ld)(quad[2] + off),
                                    NAME(ld)(quad[3] + off), q);
                NAME(deinterleave4)(NAME(ld)(quad[0] + off + 4), NAME(ld)(quad[1] + off + 4),
                                    NAME(ld)(quad[2] + off + 4), NAME(ld)(quad[3] + off + 4), q4);
                a[0] = q[0]; a[1] = q[1]; a[2] = q[2]; a[3] = q[3]; a[4] = q4[0]; a[5] = q4[1];
                NAME(data6)(a, e[i]);
            }
            float *dst = v + (long)ch * ld + (long)gi * LANES;
            for (int k = 0; k < 6; k++) {
                vf col[6], r[6];
                for (int i = 0; i < 6; i++) col[i] = e[i][k];
                NAME(data6)(col, r);
                for (int l = 0; l < 6; l++) NAME(st)(dst + (long)(l * 6 + k) * ps, r[l]);
            }
        }
    }
    free(buf);
}

static void NAME(output)(const float *z, int co, int ho, int wo, int tilesXp, int groupBegin, int groupEnd,
                         long ld, long ps, const float *bias, float *y) {
    for (int ch = 0; ch < co; ch++) {
        float *plane = y + (long)ch * ho * wo;
        float b = bias ? bias[ch] : 0.0f;
        for (int gi = groupBegin; gi < groupEnd; gi++) {
            const float *src = z + (long)ch * ld + (long)gi * LANES;
            vf t[6][4];  // t[l][i]: column l after the vertical transform
            for (int l = 0; l < 6; l++) {
                vf m[6];
                for (int k = 0; k < 6; k++) m[k] = NAME(ld)(src + (long)(k * 6 + l) * ps);
                NAME(out4)(m, t[l]);
            }
            for (int i = 0; i < 4; i++) {
                vf row[6], o[4], r[4];
                for (int l = 0; l < 6; l++) row[l] = t[l][i];
                NAME(out4)(row, o);
                for (int j = 0; j < 4; j++) o[j] = o[j] + b;
                NAME(interleave4)(o, r);
                for (int q = 0; q < 4; q++) {
                    int tile = LANES * gi + 4 * q, ty = tile / tilesXp, x0 = 4 * (tile % tilesXp);
                    int oy = 4 * ty + i;
                    if (oy < ho && x0 < wo) NAME(st_n)(plane + (long)oy * wo + x0, r[q], wo - x0);
                }
            }
        }
    }
}

static void NAME(grad_output)(const float *dy, int co, int ho, int wo, int tilesXp, int groupBegin, int groupEnd,
                              float *g, long ld, long ps) {
    int first, last;
    NAME(group_rows)(tilesXp, groupBegin, groupEnd, &first, &last);
    int span = 4 * tilesXp + 16, rows = 4 * (last - first) + 4;
    float *buf = (float *)aligned_alloc(64, (size_t)rows * span * sizeof(float) + 64);
    for (int ch = 0; ch < co; ch++) {
        i2i_padding none = {0, 0, 0, 0, 0};
        NAME(fill_rows)(dy + (long)ch * ho * wo, ho, wo, 4 * first, rows, none, span, buf);
        for (int gi = groupBegin; gi < groupEnd; gi++) {
            const float *quad[4];
            for (int q = 0; q < 4; q++) {
                int t = LANES * gi + 4 * q, ty = t / tilesXp, tx = t % tilesXp;
                quad[q] = buf + (long)(4 * (ty - first)) * span + 4 * tx;
            }
            vf e[4][6];
            for (int i = 0; i < 4; i++) {
                vf q[4];
                long off = (long)i * span;
                NAME(deinterleave4)(NAME(ld)(quad[0] + off), NAME(ld)(quad[1] + off), NAME(ld)(quad[2] + off),
                                    NAME(ld)(quad[3] + off), q);
                NAME(grad6)(q, e[i]);
            }
            float *dst = g + (long)ch * ld + (long)gi * LANES;
            for (int k = 0; k < 6; k++) {
                vf col[4], r[6];
                for (int i = 0; i < 4; i++) col[i] = e[i][k];
                NAME(grad6)(col, r);
                for (int l = 0; l < 6; l++) NAME(st)(dst + (long)(l * 6 + k) * ps, r[l]);
            }
        }
    }
    free(buf);
}

/// Adds the padding's gradient in buf (padded coordinates, row stride `span`) into the
/// positions it was read from: rows first (whole width), then columns of the interior rows.
static void NAME(fold_padding)(float *buf, int h, int w, i2i_padding pad, int span) {
    for (int i = -pad.top; i < h + pad.bottom; i++) {
        if (i >= 0 && i < h) continue;
        int s = NAME(source)(i, h, pad.top, pad.bottom, pad.mode);
        float *from = buf + (long)(i + pad.top) * span, *to = buf + (long)(s + pad.top) * span;
        for (int q = 0; q < span; q++) to[q] += from[q];
    }
    for (int i = 0; i < h; i++) {
        float *row = buf + (long)(i + pad.top) * span;
        for (int x = -pad.left; x < 0; x++) row[NAME(source)(x, w, pad.left, pad.right, pad.mode) + pad.left] += row[x + pad.left];
        for (int x = w; x < w + pad.right; x++)
            row[NAME(source)(x, w, pad.left, pad.right, pad.mode) + pad.left] += row[x + pad.left];
    }
}

/// The adjoint of the input transform: dx [c][h][w] ← Σ over tiles of B z Bᵀ, each tile's 6×6
/// block added at its input position (blocks of neighbouring tiles overlap by 2), the padding's
/// share folded back for reflect and replicate padding, for channels [chBegin, chEnd); dx is
/// overwritten.
static void NAME(data_grad)(const float *z, int c, int h, int w, i2i_padding pad, int tilesXp, int groups,
                            int chBegin, int chEnd, long ld, long ps, float *dx) {
    int padTop = pad.top, padLeft = pad.left;
    int tileRows = (LANES * groups + tilesXp - 1) / tilesXp;
    int rows = 4 * tileRows + 2, span = 4 * tilesXp + 16;
    if (rows < h + padTop + pad.bottom) rows = h + padTop + pad.bottom;
    if (span < w + padLeft + pad.right + 16) span = w + padLeft + pad.right + 16;
    float *buf = (float *)aligned_alloc(64, (size_t)rows * span * sizeof(float) + 64);
    vf zero = {0};
    for (int ch = chBegin; ch < chEnd; ch++) {
        __builtin_memset(buf, 0, (size_t)rows * span * sizeof(float));
        for (int gi = 0; gi < groups; gi++) {
            const float *src = z + (long)ch * ld + (long)gi * LANES;
            vf t[6][6];  // t[i][k]: column-frequency k after the vertical adjoint, input row i
            for (int k = 0; k < 6; k++) {
                vf m[6], r[6];
                for (int l = 0; l < 6; l++) m[l] = NAME(ld)(src + (long)(l * 6 + k) * ps);
                NAME(dataT6)(m, r);
                for (int i = 0; i < 6; i++) t[i][k] = r[i];
            }
            float *quad[4];
            for (int q = 0; q < 4; q++) {
                int tile = LANES * gi + 4 * q, ty = tile / tilesXp, tx = tile % tilesXp;
                quad[q] = buf + (long)(4 * ty) * span + 4 * tx;
            }
            for (int i = 0; i < 6; i++) {
                vf d[6], main[4], extra[4];
                NAME(dataT6)(t[i], d);
                vf head[4] = {d[0], d[1], d[2], d[3]}, tail[4] = {d[4], d[5], zero, zero};
                NAME(interleave4)(head, main);
                NAME(interleave4)(tail, extra);
                // Quad q adds main[q] at x₀ … x₀+15 and extra[q] at x₀+4 … x₀+19. The last 4 of
                // extra ride into the next quad when it continues the row, so that no load reads
                // a just-stored, partly overlapping vector (a store-forwarding stall).
                vf carry = zero;
                for (int q = 0; q < 4; q++) {
                    float *row = quad[q] + (long)i * span;
                    vf shifted = __builtin_shufflevector(zero, extra[q], 0, 1, 2, 3, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                                                         25, 26, 27);
                    NAME(st)(row, NAME(ld)(row) + main[q] + shifted + carry);
                    vf tail = __builtin_shufflevector(extra[q], zero, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16,
                                                      16, 16, 16, 16);
                    if (q < 3 && quad[q + 1] == quad[q] + 16) {
                        carry = tail;
                    } else {
                        carry = zero;
                        for (int k = 0; k < 4; k++) row[16 + k] += tail[k];
                    }
                }
            }
        }
        if (pad.mode != 0) NAME(fold_padding)(buf, h, w, pad, span);
        float *plane = dx + (long)ch * h * w;
        for (int iy = 0; iy < h; iy++) __builtin_memcpy(plane + (long)iy * w, buf + (long)(iy + padTop) * span + padLeft,
                                                       (size_t)w * sizeof(float));
    }
    free(buf);
}

/// u[p][row][col] for rows [rowBegin, rowEnd): the 3×3 filter of (row, col) is at
/// w + row·rowStride + col·colStride, read rotated by 180° when `flip`.
static void NAME(weights)(const float *w, int rows, int cols, long rowStride, long colStride, int flip,
                          int rowBegin, int rowEnd, float *u) {
    long ps = (long)rows * cols;
    for (int r = rowBegin; r < rowEnd; r++) {
        for (int c0 = 0; c0 < cols; c0 += LANES) {
            int n = cols - c0 < LANES ? cols - c0 : LANES;
            vf taps[9];  // taps[k][lane]: tap k of filter (r, c0 + lane)
            const float *f0 = w + r * rowStride + (long)c0 * colStride;
#if MASKED_STORES
            __m512i index = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                               _mm512_set1_epi32((int)colStride));
            __mmask16 mask = (__mmask16)(n >= LANES ? 0xFFFF : (1u << n) - 1);
            for (int k = 0; k < 9; k++)
                taps[k] = (vf)_mm512_mask_i32gather_ps(_mm512_setzero_ps(), mask, index, f0 + (flip ? 8 - k : k), 4);
#else
            {
                float t[9][LANES];
                for (int lane = 0; lane < LANES; lane++) {
                    const float *f = f0 + (long)(lane < n ? lane : 0) * colStride;
                    for (int k = 0; k < 9; k++) t[k][lane] = f[flip ? 8 - k : k];
                }
                for (int k = 0; k < 9; k++) taps[k] = NAME(ld)(t[k]);
            }
#endif
            vf e[3][6];  // e[ky][p]: kernel row ky after the horizontal transform
            for (int ky = 0; ky < 3; ky++) {
                vf g[3] = {taps[ky * 3], taps[ky * 3 + 1], taps[ky * 3 + 2]};
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
