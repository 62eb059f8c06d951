// CKernels: the compute kernels of TensorCore that are written in C — a fork-join thread
// pool, the Winograd F(4×4, 3×3) transforms and instance normalisation. Implementation
// details, not API.
#ifndef I2I_CKERNELS_H
#define I2I_CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Thread pool

/// A task: `fn(context, index)`.
typedef void (*i2i_task_fn)(void *context, long index);

/// Sets the number of threads that run tasks, the caller included (at least 1). Starts or
/// parks workers as needed; must not be called while tasks run.
void i2i_pool_set_threads(int threads);
/// Threads that run tasks, the caller included.
int i2i_pool_threads(void);
/// Runs `fn(context, i)` for every i in [0, count) on the pool and the calling thread, and
/// returns when all have finished. From inside a task (nested), or while another thread uses
/// the pool, the tasks run on the calling thread in order.
void i2i_pool_run(long count, i2i_task_fn fn, void *context);
/// 1 on a pool worker or inside a task run by `i2i_pool_run`, else 0.
int i2i_pool_in_task(void);

// MARK: - Winograd F(4×4, 3×3)
//
// Tiles of 4×4 outputs read 6×6 inputs. Tiles are numbered row by row on a grid padded to
// `tilesXp` (a multiple of 4) tiles per row, and each sample's tile count is padded to a
// multiple of 16, so that 16 consecutive tiles always form four runs of 4 neighbouring tiles
// (the kernels' vector lanes); callers offset array pointers to a sample's first tile, and
// kernels work on "groups" of 16 tiles. Padding tiles hold junk in the input transform and
// zeros in the output-gradient transform, so they add nothing to a weight gradient.
// A transformed array holds 36 matrices ("positions"), each [channels][tiles] row-major with
// row stride `ld` (all samples' tiles), position p starting at p · positionStride.

/// Padding of a conv's input: amounts per side and how the border is filled (0 zeros,
/// 1 reflection without repeating the edge, 2 replication of the edge).
typedef struct {
    int top, bottom, left, right, mode;
} i2i_padding;

/// Forward weights: w [co][c][3][3] → u [36][co][c] (the GEMM's left operand, M × K), rows
/// (output channels) [rowBegin, rowEnd).
void i2i_wino_weights(const float *w, int co, int c, int rowBegin, int rowEnd, float *u);

/// Input transform: x [c][h][w], read with `pad` around it and zeros beyond, for tile groups
/// [groupBegin, groupEnd) → v[p][ch][tile].
void i2i_wino_input(const float *x, int c, int h, int w, i2i_padding pad, int tilesXp, int groupBegin, int groupEnd,
                    float *v, long ld, long positionStride);

/// Output transform: z[p][ch][tile] → y [co][ho][wo] (+ bias[ch] when not NULL), tile groups
/// [groupBegin, groupEnd); outputs past ho × wo are dropped.
void i2i_wino_output(const float *z, int co, int ho, int wo, int tilesXp, int groupBegin, int groupEnd,
                     long ld, long positionStride, const float *bias, float *y);

/// Weight-gradient transform of the output gradient (the "filter" side of F(3×3, 4×4)):
/// dy [co][ho][wo] (zeros past its end) → g[p][ch][tile], tile groups [groupBegin, groupEnd).
void i2i_wino_grad_output(const float *dy, int co, int ho, int wo, int tilesXp, int groupBegin, int groupEnd,
                          float *g, long ld, long positionStride);

/// Backward-data output transform, the adjoint of `i2i_wino_input` for one sample: z[p][ch][tile]
/// → dx [c][h][w], each tile's 6×6 block (B z Bᵀ) added at its input position; positions in a
/// zero padding are dropped, those in a reflect or replicate padding added where they were read
/// from. Channels [chBegin, chEnd), all `groups` groups; dx is overwritten.
void i2i_wino_data_grad(const float *z, int c, int h, int w, i2i_padding pad, int tilesXp, int groups, int chBegin,
                        int chEnd, long ld, long positionStride, float *dx);

/// Weight-gradient output transform: m [36][co][c] → dw [co][c][3][3] (added when
/// `accumulate`), output channels [coBegin, coEnd).
void i2i_wino_weight_grad(const float *m, int co, int c, int coBegin, int coEnd, float *dw, int accumulate);

// MARK: - Instance and layer normalisation

/// Per plane p in [planeBegin, planeEnd) of x [planes][m] (channel p mod channels): mean and
/// 1/√(biased variance + eps), accumulated in double; out = x̂·γ + β (γ, β may be NULL), then
/// `activation` 0 none, 1 ReLU, 2 leaky ReLU with `slope`.
void i2i_instance_norm_forward(const float *x, long m, int channels, int planeBegin, int planeEnd, const float *gamma,
                               const float *beta, float eps, int activation, float slope, float *out, float *mean,
                               float *rstd);

/// The backward of `i2i_instance_norm_forward`: with d = dy times the activation's derivative
/// (read from the forward's output y), Σ d·x̂ and Σ d per plane, and — when dx is not NULL —
/// dx = γ·rstd/m · (m·d − Σd − x̂·Σ(d·x̂)).
void i2i_instance_norm_backward(const float *x, const float *y, const float *dy, long m, int channels, int planeBegin,
                                int planeEnd, const float *gamma, const float *mean, const float *rstd, int activation,
                                float slope, float *dx, float *sumDyXhat, float *sumDy);

/// out[p] = Σ of x[p·m ..< (p + 1)·m], accumulated in double, for planes [planeBegin, planeEnd).
void i2i_plane_sums(const float *x, long m, long planeBegin, long planeEnd, double *out);

/// out[p] = Σ (x − mean[p])² over plane p, accumulated in double, planes [planeBegin, planeEnd).
void i2i_plane_centered_squares(const float *x, long m, long planeBegin, long planeEnd, const double *mean,
                                double *out);

/// out = x·scale[p] + shift[p] over plane p, then `activation` (0 none, 1 ReLU, 2 leaky ReLU
/// with `slope`), planes [planeBegin, planeEnd).
void i2i_plane_affine(const float *x, long m, long planeBegin, long planeEnd, const float *scale, const float *shift,
                      int activation, float slope, float *out);

/// Per plane p in [planeBegin, planeEnd), accumulated and returned in double: Σ d·x̂ and Σ d, with
/// d = dy times the activation's derivative (read from y; NULL when `activation` is 0) and
/// x̂ = (x − mean[p])·rstd[p].
void i2i_plane_norm_sums(const float *x, const float *y, const float *dy, long m, long planeBegin, long planeEnd,
                         const float *mean, const float *rstd, int activation, float slope, double *sumDXhat,
                         double *sumD);

/// dx = scale[p]·d − b[p] − x̂·a[p] over plane p, where d = dy times the activation's derivative
/// (read from the forward's output y; y may be NULL when `activation` is 0) and
/// x̂ = (x − mean[p])·rstd[p], planes [planeBegin, planeEnd).
void i2i_plane_norm_dx(const float *x, const float *y, const float *dy, long m, long planeBegin, long planeEnd,
                       const float *mean, const float *rstd, const float *scale, const float *b, const float *a,
                       int activation, float slope, float *dx);

#ifdef __cplusplus
}
#endif
#endif
