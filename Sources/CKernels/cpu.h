// Shared by the kernel files: the run-time choice between the AVX-512 and baseline copies of
// each kernel, and the 16-lane vector type both copies are written in.
#ifndef I2I_CKERNELS_CPU_H
#define I2I_CKERNELS_CPU_H

/// 1 when the CPU and OS support AVX-512 F, DQ, BW, VL and FMA.
int i2i_kernels_use_avx512(void);

typedef float vf __attribute__((vector_size(64)));
typedef double vd __attribute__((vector_size(64)));
#define LANES 16

#if defined(__x86_64__) && defined(__clang__)
#define HAVE_AVX512_VARIANT 1
#define AVX512_BEGIN _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx512dq,avx512bw,avx512vl,fma\"))), apply_to = function)")
#define AVX512_END _Pragma("clang attribute pop")
#define DISPATCH(fn, ...) (i2i_kernels_use_avx512() ? avx512_##fn(__VA_ARGS__) : generic_##fn(__VA_ARGS__))
#else
#define HAVE_AVX512_VARIANT 0
#define DISPATCH(fn, ...) generic_##fn(__VA_ARGS__)
#endif

// The baseline copy passes 16-lane vectors between helpers that are always inlined.
#pragma clang diagnostic ignored "-Wpsabi"

#endif
