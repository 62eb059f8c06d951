// Instance normalisation with an optional fused ReLU or leaky ReLU (see norm_impl.h), compiled
// for AVX-512 and for the baseline instruction set.
#include "CKernels.h"
#include "cpu.h"

#if HAVE_AVX512_VARIANT
AVX512_BEGIN
#define NAME(x) avx512_##x
#include "norm_impl.h"
#undef NAME
AVX512_END
#endif

#define NAME(x) generic_##x
#include "norm_impl.h"
#undef NAME

void i2i_instance_norm_forward(const float *x, long m, int channels, int planeBegin, int planeEnd, const float *gamma,
                               const float *beta, float eps, int activation, float slope, float *out, float *mean,
                               float *rstd) {
    DISPATCH(inorm_forward, x, m, channels, planeBegin, planeEnd, gamma, beta, eps, activation, slope, out, mean, rstd);
}

void i2i_instance_norm_backward(const float *x, const float *y, const float *dy, long m, int channels, int planeBegin,
                                int planeEnd, const float *gamma, const float *mean, const float *rstd, int activation,
                                float slope, float *dx, float *sumDyXhat, float *sumDy) {
    DISPATCH(inorm_backward, x, y, dy, m, channels, planeBegin, planeEnd, gamma, mean, rstd, activation, slope, dx,
             sumDyXhat, sumDy);
}

void i2i_plane_sums(const float *x, long m, long planeBegin, long planeEnd, double *out) {
    DISPATCH(plane_sums, x, m, planeBegin, planeEnd, out);
}

void i2i_plane_centered_squares(const float *x, long m, long planeBegin, long planeEnd, const double *mean,
                                double *out) {
    DISPATCH(plane_centered_squares, x, m, planeBegin, planeEnd, mean, out);
}

void i2i_plane_affine(const float *x, long m, long planeBegin, long planeEnd, const float *scale, const float *shift,
                      int activation, float slope, float *out) {
    DISPATCH(plane_affine, x, m, planeBegin, planeEnd, scale, shift, activation, slope, out);
}

void i2i_plane_norm_dx(const float *x, const float *y, const float *dy, long m, long planeBegin, long planeEnd,
                       const float *mean, const float *rstd, const float *scale, const float *b, const float *a,
                       int activation, float slope, float *dx) {
    DISPATCH(plane_norm_dx, x, y, dy, m, planeBegin, planeEnd, mean, rstd, scale, b, a, activation, slope, dx);
}

void i2i_plane_norm_sums(const float *x, const float *y, const float *dy, long m, long planeBegin, long planeEnd,
                         const float *mean, const float *rstd, int activation, float slope, double *sumDXhat,
                         double *sumD) {
    DISPATCH(plane_norm_sums, x, y, dy, m, planeBegin, planeEnd, mean, rstd, activation, slope, sumDXhat, sumD);
}
