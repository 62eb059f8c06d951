// Which instruction-set variant of the kernels to run, decided once.
#include "cpu.h"
#if defined(__x86_64__)
#include <cpuid.h>
#endif

int i2i_kernels_use_avx512(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) {
        unsigned a, b, c, d;
        int ok = 0;
        if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27)) && (c & (1u << 12))) {  // OSXSAVE, FMA
            unsigned lo, hi;
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            if ((lo & 0xE6) == 0xE6 && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
                const unsigned need = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);  // F DQ BW VL
                ok = (b & need) == need;
            }
        }
        cached = ok;
    }
    return cached;
#else
    return 0;
#endif
}
