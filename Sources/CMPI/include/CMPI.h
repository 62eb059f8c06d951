// CMPI: the thin C wrapper over MPI that Swift sees. Nothing else of MPI reaches Swift: this
// header does not include <mpi.h>; requests are opaque, data types and operations are small
// enums, and every call works on MPI_COMM_WORLD (or the node-local split at start-up).
//
// Return values: 0 on success, an MPI error code (describe it with i2i_mpi_error_string), or
// one of the I2I_MPI_ERR_* codes below. MPI_COMM_WORLD is switched to MPI_ERRORS_RETURN, so
// failures come back to the caller instead of ending the process inside MPI.
#ifndef I2I_CMPI_H
#define I2I_CMPI_H

#include <stdint.h>

/// Thread support levels (MPI_THREAD_SINGLE … MPI_THREAD_MULTIPLE, in increasing order).
enum {
    I2I_MPI_THREAD_SINGLE = 0,
    I2I_MPI_THREAD_FUNNELED = 1,
    I2I_MPI_THREAD_SERIALIZED = 2,
    I2I_MPI_THREAD_MULTIPLE = 3,
};

/// Element types of reductions.
enum { I2I_MPI_FLOAT32 = 0, I2I_MPI_FLOAT64 = 1, I2I_MPI_INT32 = 2, I2I_MPI_INT64 = 3 };

/// Reduction operations.
enum { I2I_MPI_SUM = 0, I2I_MPI_MAX = 1, I2I_MPI_MIN = 2 };

/// Wrapper-level errors (MPI's own error codes are positive).
enum {
    I2I_MPI_ERR_THREAD_LEVEL = -1, ///< MPI initialised, but below the requested thread level
    I2I_MPI_ERR_COUNT = -2,        ///< count does not fit MPI's int, or an unknown type/op
    I2I_MPI_ERR_NO_MEMORY = -3,
};

/// An outstanding non-blocking collective. i2i_mpi_test (once done) and i2i_mpi_wait free it.
typedef struct i2i_mpi_request i2i_mpi_request;

/// Initialises MPI with `requested` thread support; `*provided` receives what MPI gives.
int i2i_mpi_init(int requested, int *provided);
/// 1 after MPI_Init, else 0 (safe to call at any time).
int i2i_mpi_is_initialized(void);
/// 1 after MPI_Finalize, else 0.
int i2i_mpi_is_finalized(void);
/// Rank and size in MPI_COMM_WORLD.
int i2i_mpi_world(int *rank, int *size);
/// Rank and size among the processes sharing this node (MPI_COMM_TYPE_SHARED split).
int i2i_mpi_node(int *local_rank, int *local_size);

/// Blocking in-place all-reduce of `count` elements.
int i2i_mpi_allreduce(void *data, int64_t count, int type, int op);
/// Non-blocking in-place all-reduce of `count` elements; `data` must stay valid until done.
int i2i_mpi_iallreduce(void *data, int64_t count, int type, int op, i2i_mpi_request **request);
/// Non-blocking broadcast of `count` bytes from `root`.
int i2i_mpi_ibcast(void *bytes, int64_t count, int root, i2i_mpi_request **request);
/// Non-blocking all-gather: `count` bytes from every rank land in `receive` (size × count bytes,
/// in rank order).
int i2i_mpi_iallgather(const void *send, int64_t count, void *receive, i2i_mpi_request **request);
/// Vector collectives of float32 over a buffer laid out by rank: `counts` holds one element
/// count per rank (its length is the world size), rank r's block starting at the sum of the
/// counts before it. Every count and offset must fit an int. The arrays are copied.
///
/// Non-blocking in-place reduce-scatter: `data` holds every block on every rank; on completion
/// this rank's block (in its own place) holds the reduction over ranks, the rest is undefined.
int i2i_mpi_ireduce_scatter_float(float *data, const int64_t *counts, int op, i2i_mpi_request **request);
/// Non-blocking in-place all-gather: each rank's own block of `data` is sent; on completion
/// every block holds its owner's values.
int i2i_mpi_iallgatherv_float(float *data, const int64_t *counts, i2i_mpi_request **request);
/// Non-blocking gather to `root`: on the root `data` is the whole buffer (its own block in
/// place, the others received); on every other rank `data` is just its own block, sent.
int i2i_mpi_igatherv_float(float *data, const int64_t *counts, int root, i2i_mpi_request **request);
/// Non-blocking scatter from `root`: on the root `data` is the whole buffer (its own block
/// stays in place); on every other rank `data` is just its own block, received.
int i2i_mpi_iscatterv_float(float *data, const int64_t *counts, int root, i2i_mpi_request **request);
/// Non-blocking barrier.
int i2i_mpi_ibarrier(i2i_mpi_request **request);

/// Drives progress and sets `*done` to 1 when the request completed (and frees it).
int i2i_mpi_test(i2i_mpi_request *request, int *done);
/// Blocks until the request completed, then frees it.
int i2i_mpi_wait(i2i_mpi_request *request);

/// Side-band notices (a private duplicate of MPI_COMM_WORLD, so they never match a
/// collective): small messages a waiting rank sends to say which collective it waits in.
/// Sends a notice of `count` bytes (at most I2I_MPI_NOTICE_BYTES) without blocking.
int i2i_mpi_notice_send(int destination, const void *bytes, int count);
/// Receives one pending notice into `bytes` (I2I_MPI_NOTICE_BYTES of room); `*count` is -1
/// when none is pending.
int i2i_mpi_notice_receive(void *bytes, int *source, int *count);
enum { I2I_MPI_NOTICE_BYTES = 256 };

/// Ends every process of the job with `code` (MPI_Abort on MPI_COMM_WORLD). Does not return.
void i2i_mpi_abort(int code);
/// Shuts MPI down (MPI_Finalize).
int i2i_mpi_finalize(void);
/// A readable description of an error code returned by this wrapper.
void i2i_mpi_error_string(int code, char *buffer, int length);

#endif
