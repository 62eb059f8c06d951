// Loads OpenBLAS at run time after choosing its kernel family; see CBLAS.h.
#define _GNU_SOURCE
#include "CBLAS.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cpuid.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char *(*corename_fn)(void);

static sgemm_fn p_sgemm;
static set_threads_fn p_set_threads;
static get_threads_fn p_get_threads;
static corename_fn p_corename;
static char load_error[512];
static char requested_core[32];
static pthread_once_t once = PTHREAD_ONCE_INIT;

// cblas enum values (cblas.h): RowMajor 101, NoTrans 111, Trans 112.
enum { kRowMajor = 101, kNoTrans = 111, kTrans = 112 };

int i2i_cpu_has_avx512(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xE6) != 0xE6) return 0;  // XMM, YMM, opmask, ZMM state enabled
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const unsigned need = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);  // F DQ BW VL
    return (b & need) == need;
}

static void load_once(void) {
    const char *user = getenv("OPENBLAS_CORETYPE");
    if ((user == NULL || user[0] == 0) && i2i_cpu_has_avx512()) {
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
        strcpy(requested_core, "SkylakeX");
    }
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", NULL};
    void *handle = NULL;
    for (int i = 0; names[i] != NULL && handle == NULL; i++) handle = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    if (handle == NULL) {
        snprintf(load_error, sizeof load_error,
                 "cannot load OpenBLAS (libopenblas.so.0): %s; install libopenblas-dev", dlerror());
        return;
    }
    p_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    p_set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    p_get_threads = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
    p_corename = (corename_fn)dlsym(handle, "openblas_get_corename");
    if (p_sgemm == NULL || p_set_threads == NULL || p_get_threads == NULL) {
        snprintf(load_error, sizeof load_error, "OpenBLAS was loaded but lacks cblas_sgemm or its thread controls");
        p_sgemm = NULL;
    }
}

int i2i_blas_load(char *error, int error_length) {
    pthread_once(&once, load_once);
    if (p_sgemm != NULL) return 0;
    if (error != NULL && error_length > 0) snprintf(error, (size_t)error_length, "%s", load_error);
    return 1;
}

void i2i_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
               const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    p_sgemm(kRowMajor, trans_a ? kTrans : kNoTrans, trans_b ? kTrans : kNoTrans, m, n, k, alpha, a, lda, b,
            ldb, beta, c, ldc);
}

void i2i_blas_set_threads(int count) { if (p_set_threads) p_set_threads(count); }
int i2i_blas_threads(void) { return p_get_threads ? p_get_threads() : 0; }
const char *i2i_blas_core_name(void) { return p_corename ? p_corename() : "unknown"; }
const char *i2i_blas_requested_core(void) { return requested_core; }
