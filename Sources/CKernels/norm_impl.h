// Instance normalisation kernels, written once over 16-lane vectors and compiled twice by
// norm.c (AVX-512 and baseline); NAME(x) gives each copy its own symbols. Statistics are
// accumulated in double, in 16 lanes, then summed across lanes.

static inline __attribute__((always_inline)) vf NAME(nld)(const float *p) {
    vf v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
static inline __attribute__((always_inline)) void NAME(nst)(float *p, vf v) { __builtin_memcpy(p, &v, sizeof v); }

/// Adds the 16 floats of v, widened to double, into two 8-lane accumulators.
static inline __attribute__((always_inline)) void NAME(acc2)(vf v, vd *lo, vd *hi) {
    typedef float vf8 __attribute__((vector_size(32)));
    vf8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
    vf8 b = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    *lo += __builtin_convertvector(a, vd);
    *hi += __builtin_convertvector(b, vd);
}

static inline __attribute__((always_inline)) double NAME(hsum)(vd a, vd b) {
    vd s = a + b;
    double t = 0;
    for (int i = 0; i < 8; i++) t += s[i];
    return t;
}

typedef int vi __attribute__((vector_size(64)));

/// Lanes of `a` where `mask` is all ones, of `b` elsewhere.
static inline __attribute__((always_inline)) vf NAME(sel)(vi mask, vf a, vf b) {
    return (vf)(((vi)a & mask) | ((vi)b & ~mask));
}

/// The activation's derivative for an output value y: 1 where y > 0, else 0 (ReLU) or slope.
static inline __attribute__((always_inline)) vf NAME(act_factor)(vf y, int activation, float slope) {
    vf zero = {0};
    return NAME(sel)(y > zero, zero + 1.0f, activation == 1 ? zero : zero + slope);
}

static void NAME(inorm_forward)(const float *x, long m, int channels, int planeBegin, int planeEnd, const float *gamma,
                                const float *beta, float eps, int activation, float slope, float *out, float *mean,
                                float *rstd) {
    for (int p = planeBegin; p < planeEnd; p++) {
        const float *src = x + (long)p * m;
        float *dst = out + (long)p * m;
        long vm = m / LANES * LANES;
        vd lo = {0}, hi = {0};
        for (long i = 0; i < vm; i += LANES) NAME(acc2)(NAME(nld)(src + i), &lo, &hi);
        double sum = NAME(hsum)(lo, hi);
        for (long i = vm; i < m; i++) sum += (double)src[i];
        double mu = sum / (double)m;
        vd sqlo = {0}, sqhi = {0};
        typedef float vf8 __attribute__((vector_size(32)));
        for (long i = 0; i < vm; i += LANES) {
            vf v = NAME(nld)(src + i);
            vf8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
            vf8 b = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
            vd da = __builtin_convertvector(a, vd) - mu, db = __builtin_convertvector(b, vd) - mu;
            sqlo += da * da;
            sqhi += db * db;
        }
        double sq = NAME(hsum)(sqlo, sqhi);
        for (long i = vm; i < m; i++) { double d = (double)src[i] - mu; sq += d * d; }
        double r = 1.0 / __builtin_sqrt(sq / (double)m + (double)eps);
        mean[p] = (float)mu;
        rstd[p] = (float)r;
        int ch = p % channels;
        float scale = (float)r * (gamma ? gamma[ch] : 1.0f);
        float shift = (beta ? beta[ch] : 0.0f) - (float)mu * scale;
        vf vs = (vf){0} + scale, vsh = (vf){0} + shift, zero = {0}, vslope = (vf){0} + slope;
        for (long i = 0; i < vm; i += LANES) {
            vf y = NAME(nld)(src + i) * vs + vsh;
            // y ≤ 0 selects the negative branch, so NaN passes through as in the unfused ops.
            if (activation == 1) y = NAME(sel)(y <= zero, zero, y);
            else if (activation == 2) y = NAME(sel)(y <= zero, y * vslope, y);
            NAME(nst)(dst + i, y);
        }
        for (long i = vm; i < m; i++) {
            float y = src[i] * scale + shift;
            if (activation == 1) y = y <= 0 ? 0 : y;
            else if (activation == 2) y = y <= 0 ? y * slope : y;
            dst[i] = y;
        }
    }
}
/// Per plane p in [planeBegin, planeEnd), in double: sumDXhat[p] = Σ d·x̂ and sumD[p] = Σ d, with
/// d = dy times the activation's derivative (read from the output y when an activation was
/// fused) and x̂ = (x − mean[p])·rstd[p].
static void NAME(plane_norm_sums)(const float *x, const float *y, const float *dy, long m, long planeBegin,
                                  long planeEnd, const float *mean, const float *rstd, int activation, float slope,
                                  double *sumDXhat, double *sumD) {
    long vm = m / LANES * LANES;
    for (long p = planeBegin; p < planeEnd; p++) {
        const float *src = x + p * m, *g = dy + p * m, *out = y ? y + p * m : 0;
        float mu = mean[p], r = rstd[p];
        vf vmu = (vf){0} + mu, vr = (vf){0} + r;
        vd alo = {0}, ahi = {0}, blo = {0}, bhi = {0};
        for (long i = 0; i < vm; i += LANES) {
            vf d = NAME(nld)(g + i);
            if (activation) d = d * NAME(act_factor)(NAME(nld)(out + i), activation, slope);
            vf xhat = (NAME(nld)(src + i) - vmu) * vr;
            NAME(acc2)(d * xhat, &alo, &ahi);
            NAME(acc2)(d, &blo, &bhi);
        }
        double a = NAME(hsum)(alo, ahi), b = NAME(hsum)(blo, bhi);
        for (long i = vm; i < m; i++) {
            float d = g[i];
            if (activation) d = out[i] > 0 ? d : (activation == 1 ? 0.0f : d * slope);
            a += (double)(d * ((src[i] - mu) * r));
            b += (double)d;
        }
        sumDXhat[p] = a;
        sumD[p] = b;
    }
}


static void NAME(inorm_backward)(const float *x, const float *y, const float *dy, long m, int channels, int planeBegin,
                                 int planeEnd, const float *gamma, const float *mean, const float *rstd, int activation,
                                 float slope, float *dx, float *sumDyXhat, float *sumDy) {
    for (int p = planeBegin; p < planeEnd; p++) {
        const float *src = x + (long)p * m, *g = dy + (long)p * m, *out = y ? y + (long)p * m : 0;
        long vm = m / LANES * LANES;
        float mu = mean[p], r = rstd[p];
        vf vmu = (vf){0} + mu, vr = (vf){0} + r;
        double a, b;
        NAME(plane_norm_sums)(src, out, g, m, 0, 1, mean + p, rstd + p, activation, slope, &a, &b);
        sumDyXhat[p] = (float)a;
        sumDy[p] = (float)b;
        if (!dx) continue;
        // dx = γ·rstd/m · (m·dy − Σdy − x̂·Σ(dy·x̂))
        float k = (gamma ? gamma[p % channels] : 1.0f) * r / (float)m, mf = (float)m;
        float fa = (float)a, fb = (float)b;
        vf vk = (vf){0} + k, vmf = (vf){0} + mf, va = (vf){0} + fa, vb = (vf){0} + fb;
        float *dst = dx + (long)p * m;
        for (long i = 0; i < vm; i += LANES) {
            vf d = NAME(nld)(g + i);
            if (activation) d = d * NAME(act_factor)(NAME(nld)(out + i), activation, slope);
            vf xhat = (NAME(nld)(src + i) - vmu) * vr;
            NAME(nst)(dst + i, vk * (vmf * d - vb - xhat * va));
        }
        for (long i = vm; i < m; i++) {
            float d = g[i];
            if (activation) d = out[i] > 0 ? d : (activation == 1 ? 0.0f : d * slope);
            float xhat = (src[i] - mu) * r;
            dst[i] = k * (mf * d - fb - xhat * fa);
        }
    }
}

/// out[p] = Σ x[p·m ..< (p+1)·m] in double, planes [planeBegin, planeEnd).
static void NAME(plane_sums)(const float *x, long m, long planeBegin, long planeEnd, double *out) {
    long vm = m / LANES * LANES;
    for (long p = planeBegin; p < planeEnd; p++) {
        const float *src = x + p * m;
        vd lo = {0}, hi = {0};
        for (long i = 0; i < vm; i += LANES) NAME(acc2)(NAME(nld)(src + i), &lo, &hi);
        double s = NAME(hsum)(lo, hi);
        for (long i = vm; i < m; i++) s += (double)src[i];
        out[p] = s;
    }
}

/// out[p] = Σ (x − mean[p])² over plane p, in double, planes [planeBegin, planeEnd).
static void NAME(plane_centered_squares)(const float *x, long m, long planeBegin, long planeEnd, const double *mean,
                                         double *out) {
    long vm = m / LANES * LANES;
    typedef float vf8 __attribute__((vector_size(32)));
    for (long p = planeBegin; p < planeEnd; p++) {
        const float *src = x + p * m;
        double mu = mean[p];
        vd lo = {0}, hi = {0};
        for (long i = 0; i < vm; i += LANES) {
            vf v = NAME(nld)(src + i);
            vf8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
            vf8 b = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
            vd da = __builtin_convertvector(a, vd) - mu, db = __builtin_convertvector(b, vd) - mu;
            lo += da * da;
            hi += db * db;
        }
        double s = NAME(hsum)(lo, hi);
        for (long i = vm; i < m; i++) { double d = (double)src[i] - mu; s += d * d; }
        out[p] = s;
    }
}

/// out = x·scale[p] + shift[p] over plane p, then the activation, planes [planeBegin, planeEnd).
static void NAME(plane_affine)(const float *x, long m, long planeBegin, long planeEnd, const float *scale,
                               const float *shift, int activation, float slope, float *out) {
    long vm = m / LANES * LANES;
    for (long p = planeBegin; p < planeEnd; p++) {
        const float *src = x + p * m;
        float *dst = out + p * m;
        vf vs = (vf){0} + scale[p], vsh = (vf){0} + shift[p], zero = {0}, vslope = (vf){0} + slope;
        for (long i = 0; i < vm; i += LANES) {
            vf y = NAME(nld)(src + i) * vs + vsh;
            if (activation == 1) y = NAME(sel)(y <= zero, zero, y);
            else if (activation == 2) y = NAME(sel)(y <= zero, y * vslope, y);
            NAME(nst)(dst + i, y);
        }
        for (long i = vm; i < m; i++) {
            float y = src[i] * scale[p] + shift[p];
            if (activation == 1) y = y <= 0 ? 0 : y;
            else if (activation == 2) y = y <= 0 ? y * slope : y;
            dst[i] = y;
        }
    }
}

/// dx = scale[p]·d − b[p] − x̂·a[p] over plane p, with d = dy times the activation's
/// derivative (read from the output y, when an activation was fused) and
/// x̂ = (x − mean[p])·rstd[p], planes [planeBegin, planeEnd).
static void NAME(plane_norm_dx)(const float *x, const float *y, const float *dy, long m, long planeBegin, long planeEnd,
                                const float *mean, const float *rstd, const float *scale, const float *b, const float *a,
                                int activation, float slope, float *dx) {
    long vm = m / LANES * LANES;
    for (long p = planeBegin; p < planeEnd; p++) {
        const float *src = x + p * m, *g = dy + p * m, *out = y ? y + p * m : 0;
        float *dst = dx + p * m;
        vf vmu = (vf){0} + mean[p], vr = (vf){0} + rstd[p], vk = (vf){0} + scale[p], vb = (vf){0} + b[p],
           va = (vf){0} + a[p];
        for (long i = 0; i < vm; i += LANES) {
            vf d = NAME(nld)(g + i);
            if (activation) d = d * NAME(act_factor)(NAME(nld)(out + i), activation, slope);
            vf xhat = (NAME(nld)(src + i) - vmu) * vr;
            NAME(nst)(dst + i, vk * d - vb - xhat * va);
        }
        for (long i = vm; i < m; i++) {
            float d = g[i];
            if (activation) d = out[i] > 0 ? d : (activation == 1 ? 0.0f : d * slope);
            float xhat = (src[i] - mean[p]) * rstd[p];
            dst[i] = scale[p] * d - b[p] - xhat * a[p];
        }
    }
}
