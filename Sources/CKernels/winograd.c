// Winograd F(4×4, 3×3) transforms (see winograd_impl.h), compiled for AVX-512 and for the
// baseline instruction set, chosen once at run time.
#include "CKernels.h"
#include "cpu.h"
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#if HAVE_AVX512_VARIANT
AVX512_BEGIN
#define NAME(x) avx512_##x
#define MASKED_STORES 1
#include "winograd_impl.h"
#undef MASKED_STORES
#undef NAME
AVX512_END
#endif

#define NAME(x) generic_##x
#define MASKED_STORES 0
#include "winograd_impl.h"
#undef MASKED_STORES
#undef NAME

void i2i_wino_weights(const float *w, int co, int c, int rowBegin, int rowEnd, float *u) {
    // u[p][o][i] = (G w[o][i] Gᵀ)[p]
    DISPATCH(weights, w, co, c, (long)c * 9, 9, 0, rowBegin, rowEnd, u);
}


void i2i_wino_input(const float *x, int c, int h, int w, i2i_padding pad, int tilesXp, int groupBegin, int groupEnd,
                    float *v, long ld, long positionStride) {
    DISPATCH(input, x, c, h, w, pad, tilesXp, groupBegin, groupEnd, v, ld, positionStride);
}

void i2i_wino_output(const float *z, int co, int ho, int wo, int tilesXp, int groupBegin, int groupEnd, long ld,
                     long positionStride, const float *bias, float *y) {
    DISPATCH(output, z, co, ho, wo, tilesXp, groupBegin, groupEnd, ld, positionStride, bias, y);
}

void i2i_wino_grad_output(const float *dy, int co, int ho, int wo, int tilesXp, int groupBegin, int groupEnd,
                          float *g, long ld, long positionStride) {
    DISPATCH(grad_output, dy, co, ho, wo, tilesXp, groupBegin, groupEnd, g, ld, positionStride);
}

void i2i_wino_weight_grad(const float *m, int co, int c, int coBegin, int coEnd, float *dw, int accumulate) {
    DISPATCH(weight_grad, m, co, c, coBegin, coEnd, dw, accumulate);
}

void i2i_wino_data_grad(const float *z, int c, int h, int w, i2i_padding pad, int tilesXp, int groups, int chBegin,
                        int chEnd, long ld, long positionStride, float *dx) {
    DISPATCH(data_grad, z, c, h, w, pad, tilesXp, groups, chBegin, chEnd, ld, positionStride, dx);
}
