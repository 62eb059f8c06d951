// A fork-join thread pool: the caller and (threads − 1) workers take task indices from a
// shared counter. Workers spin briefly after a job (the next parallel loop usually follows
// within microseconds) and then sleep on a condition variable. OpenBLAS runs single-threaded
// inside tasks, so this pool is the only source of parallelism and no two spinning pools fight
// over the cores.
//
// A worker *joins* a job before it reads the job's fields; the caller, once it has run out of
// tasks, *closes* the job and waits only for the workers that joined to leave. A worker that
// was descheduled (a busy machine) therefore never holds the caller up unless it holds a task,
// and a late worker can never read a half-written job: it either fails to join the closed job
// or joins the next one, whose fields were written before it opened.
#define _GNU_SOURCE
#include "CKernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

#define MAX_THREADS 256
/// How long an idle worker spins before sleeping, in nanoseconds.
#define SPIN_NS 300000L

static struct {
    pthread_mutex_t lock;          // guards sleeping and waking
    pthread_cond_t wake;
    pthread_mutex_t busy;          // held by the thread that owns the current job
    _Atomic long generation;       // bumped for each job
    _Atomic long next;             // next task index of the current job
    _Atomic long state;            // CLOSED bit | workers that joined the current job
    _Atomic long left;             // workers that left the current job
    long count;
    i2i_task_fn fn;
    void *context;
    int threads;                   // including the caller
    int workers;                   // started workers
    _Atomic int wanted;            // workers that take part: threads − 1
    int sleepers;
} pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .busy = PTHREAD_MUTEX_INITIALIZER,
    .threads = 1,
};

#define CLOSED (1L << 40)

static __thread int in_task = 0;
/// The generation current when each worker was created (no job runs during creation), so a
/// job published before the worker first looks is not missed.
static long start_generation[MAX_THREADS];

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/// Takes indices of the current job until none are left.
static void drain(void) {
    for (;;) {
        long i = atomic_fetch_add_explicit(&pool.next, 1, memory_order_relaxed);
        if (i >= pool.count) return;
        pool.fn(pool.context, i);
    }
}

static void *worker_main(void *arg) {
    int id = (int)(long)arg;  // 1-based
    in_task = 1;
    long seen = start_generation[id];
    for (;;) {
        long start = now_ns();
        long g;
        int spins = 0;
        while ((g = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen) {
            CPU_RELAX();
            if (++spins % 128 == 0 && now_ns() - start > SPIN_NS) {
                pthread_mutex_lock(&pool.lock);
                pool.sleepers++;
                while ((g = atomic_load(&pool.generation)) == seen) pthread_cond_wait(&pool.wake, &pool.lock);
                pool.sleepers--;
                pthread_mutex_unlock(&pool.lock);
                break;
            }
        }
        seen = g;
        if (id > atomic_load_explicit(&pool.wanted, memory_order_relaxed)) continue;  // parked
        long st = atomic_load_explicit(&pool.state, memory_order_relaxed);
        int joined = 0;
        while (!(st & CLOSED)) {
            if (atomic_compare_exchange_weak_explicit(&pool.state, &st, st + 1, memory_order_acquire,
                                                      memory_order_relaxed)) {
                joined = 1;
                break;
            }
        }
        if (!joined) continue;
        drain();
        atomic_fetch_add_explicit(&pool.left, 1, memory_order_release);
    }
    return NULL;
}

void i2i_pool_set_threads(int threads) {
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    pthread_mutex_lock(&pool.busy);
    while (pool.workers < threads - 1) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 8 << 20);
        int id = pool.workers + 1;
        start_generation[id] = atomic_load(&pool.generation);
        int failed = pthread_create(&t, &attr, worker_main, (void *)(long)id);
        pthread_attr_destroy(&attr);
        if (failed) break;
        pthread_detach(t);
        pool.workers = id;
    }
    pool.threads = pool.workers + 1 < threads ? pool.workers + 1 : threads;
    atomic_store(&pool.wanted, pool.threads - 1);
    pthread_mutex_unlock(&pool.busy);
}

int i2i_pool_threads(void) { return pool.threads; }

int i2i_pool_in_task(void) { return in_task; }

void i2i_pool_run(long count, i2i_task_fn fn, void *context) {
    if (count <= 0) return;
    if (count == 1 || in_task || pool.threads <= 1 || pthread_mutex_trylock(&pool.busy) != 0) {
        int saved = in_task;
        in_task = 1;
        for (long i = 0; i < count; i++) fn(context, i);
        in_task = saved;
        return;
    }
    pool.fn = fn;
    pool.context = context;
    pool.count = count;
    atomic_store_explicit(&pool.next, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.left, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.state, 0, memory_order_release);  // open: fields are valid from here
    atomic_fetch_add_explicit(&pool.generation, 1, memory_order_release);
    pthread_mutex_lock(&pool.lock);
    if (pool.sleepers > 0) pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    in_task = 1;
    drain();
    in_task = 0;
    long joined = atomic_fetch_or_explicit(&pool.state, CLOSED, memory_order_acq_rel) & (CLOSED - 1);
    while (atomic_load_explicit(&pool.left, memory_order_acquire) < joined) CPU_RELAX();
    pthread_mutex_unlock(&pool.busy);
}
