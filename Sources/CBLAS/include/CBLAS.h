// CBLAS: a thin loader over OpenBLAS's cblas interface.
//
// OpenBLAS reads OPENBLAS_CORETYPE once, when the library is loaded. Debian's OpenBLAS 0.3.21
// picks slow kernels on recent AVX-512 CPUs (Haswell or even Prescott), so i2i does not link
// OpenBLAS at start-up: i2i_blas_load() chooses the core type first (SkylakeX on AVX-512 CPUs,
// unless the user set OPENBLAS_CORETYPE) and then dlopen()s the library.
#ifndef I2I_CBLAS_H
#define I2I_CBLAS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Loads OpenBLAS (idempotent). Returns 0 on success; otherwise writes a message into `error`.
int i2i_blas_load(char *error, int error_length);

/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C.
/// `trans_a`/`trans_b` are 0 (no transpose) or 1 (transpose).
void i2i_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
               const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/// Sets OpenBLAS's thread count.
void i2i_blas_set_threads(int count);
/// OpenBLAS's thread count.
int i2i_blas_threads(void);
/// The kernel family OpenBLAS selected, e.g. "SkylakeX".
const char *i2i_blas_core_name(void);
/// The core type i2i asked for ("" when it left the choice to OpenBLAS or the user).
const char *i2i_blas_requested_core(void);
/// 1 when the CPU and OS support AVX-512 F, BW, DQ and VL.
int i2i_cpu_has_avx512(void);

#ifdef __cplusplus
}
#endif
#endif
