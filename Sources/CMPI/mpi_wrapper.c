// CMPI: a few dozen lines of C over MPI (OpenMPI, found with pkg-config through the COpenMPI
// system-library target). See include/CMPI.h for the contract.
#include "CMPI.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>

// A posted request. The vector collectives keep their count and displacement arrays here
// (MPI reads them until the request completes), and an in-place reduce-scatter moves this
// rank's block from the start of the buffer to its own place once complete.
struct i2i_mpi_request {
    MPI_Request handle;
    float *move_from, *move_to;
    size_t move_count;
    int *counts, *displacements;
};

static i2i_mpi_request *new_request(void) { return calloc(1, sizeof(i2i_mpi_request)); }

static void free_request(i2i_mpi_request *request) {
    free(request->counts);
    free(request->displacements);
    free(request);
}

// Completes a request: the deferred move, then the box.
static void complete(i2i_mpi_request *request) {
    if (request->move_count > 0 && request->move_from != request->move_to)
        memmove(request->move_to, request->move_from, request->move_count * sizeof(float));
    free_request(request);
}

// The side-band communicator for notices, and the notices still being sent.
static MPI_Comm notices = MPI_COMM_NULL;
enum { NOTICE_TAG = 7, MAX_SENDING = 256 };
static struct { int in_use; MPI_Request request; char bytes[I2I_MPI_NOTICE_BYTES]; } sending[MAX_SENDING];

static int thread_level(int level) {
    static const int levels[] = {MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED,
                                 MPI_THREAD_MULTIPLE};
    return levels[level < 0 ? 0 : (level > 3 ? 3 : level)];
}

int i2i_mpi_init(int requested, int *provided) {
    // Open MPI's non-blocking all-reduce (libnbc) falls back to a binomial tree (reduce to
    // rank 0, then broadcast) for in-place calls and fewer than 4 ranks, 2-3x slower than
    // Rabenseifner's reduce-scatter + all-gather for gradient-sized messages. Choose the latter
    // unless the user set the parameter (environment or mpirun --mca); other MPIs ignore it.
    setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3", 0);
    int got = MPI_THREAD_SINGLE;
    int rc = MPI_Init_thread(NULL, NULL, thread_level(requested), &got);
    if (rc != MPI_SUCCESS) return rc;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    rc = MPI_Comm_dup(MPI_COMM_WORLD, &notices);
    if (rc != MPI_SUCCESS) return rc;
    *provided = got == MPI_THREAD_MULTIPLE ? 3 : got == MPI_THREAD_SERIALIZED ? 2
              : got == MPI_THREAD_FUNNELED ? 1 : 0;
    return got < thread_level(requested) ? I2I_MPI_ERR_THREAD_LEVEL : 0;
}

int i2i_mpi_is_initialized(void) { int flag = 0; MPI_Initialized(&flag); return flag; }
int i2i_mpi_is_finalized(void) { int flag = 0; MPI_Finalized(&flag); return flag; }

int i2i_mpi_world(int *rank, int *size) {
    int rc = MPI_Comm_rank(MPI_COMM_WORLD, rank);
    return rc != MPI_SUCCESS ? rc : MPI_Comm_size(MPI_COMM_WORLD, size);
}

int i2i_mpi_node(int *local_rank, int *local_size) {
    MPI_Comm node;
    int rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    if (rc != MPI_SUCCESS) return rc;
    rc = MPI_Comm_rank(node, local_rank);
    if (rc == MPI_SUCCESS) rc = MPI_Comm_size(node, local_size);
    MPI_Comm_free(&node);
    return rc;
}

static int datatype(int type, MPI_Datatype *out) {
    switch (type) {
    case I2I_MPI_FLOAT32: *out = MPI_FLOAT; return 0;
    case I2I_MPI_FLOAT64: *out = MPI_DOUBLE; return 0;
    case I2I_MPI_INT32: *out = MPI_INT32_T; return 0;
    case I2I_MPI_INT64: *out = MPI_INT64_T; return 0;
    default: return I2I_MPI_ERR_COUNT;
    }
}

static int operation(int op, MPI_Op *out) {
    switch (op) {
    case I2I_MPI_SUM: *out = MPI_SUM; return 0;
    case I2I_MPI_MAX: *out = MPI_MAX; return 0;
    case I2I_MPI_MIN: *out = MPI_MIN; return 0;
    default: return I2I_MPI_ERR_COUNT;
    }
}

// Allocates a request box; on failure of the posting call the box is freed again.
static int post(int rc, i2i_mpi_request *box, i2i_mpi_request **request) {
    if (rc != MPI_SUCCESS) { free_request(box); return rc; }
    *request = box;
    return 0;
}

int i2i_mpi_allreduce(void *data, int64_t count, int type, int op) {
    MPI_Datatype t; MPI_Op o;
    if (count < 0 || count > INT_MAX || datatype(type, &t) || operation(op, &o)) return I2I_MPI_ERR_COUNT;
    return MPI_Allreduce(MPI_IN_PLACE, data, (int)count, t, o, MPI_COMM_WORLD);
}

int i2i_mpi_iallreduce(void *data, int64_t count, int type, int op, i2i_mpi_request **request) {
    MPI_Datatype t; MPI_Op o;
    if (count < 0 || count > INT_MAX || datatype(type, &t) || operation(op, &o)) return I2I_MPI_ERR_COUNT;
    i2i_mpi_request *box = new_request();
    if (!box) return I2I_MPI_ERR_NO_MEMORY;
    return post(MPI_Iallreduce(MPI_IN_PLACE, data, (int)count, t, o, MPI_COMM_WORLD, &box->handle), box, request);
}

int i2i_mpi_ibcast(void *bytes, int64_t count, int root, i2i_mpi_request **request) {
    if (count < 0 || count > INT_MAX) return I2I_MPI_ERR_COUNT;
    i2i_mpi_request *box = new_request();
    if (!box) return I2I_MPI_ERR_NO_MEMORY;
    return post(MPI_Ibcast(bytes, (int)count, MPI_BYTE, root, MPI_COMM_WORLD, &box->handle), box, request);
}

int i2i_mpi_iallgather(const void *send, int64_t count, void *receive, i2i_mpi_request **request) {
    if (count < 0 || count > INT_MAX) return I2I_MPI_ERR_COUNT;
    i2i_mpi_request *box = new_request();
    if (!box) return I2I_MPI_ERR_NO_MEMORY;
    return post(MPI_Iallgather(send, (int)count, MPI_BYTE, receive, (int)count, MPI_BYTE, MPI_COMM_WORLD,
                               &box->handle), box, request);
}

// Copies `counts` (one per rank) into the box as MPI ints with their prefix sums, checking that
// every count and offset fits an int. Returns the world size, or a negative I2I_MPI_ERR_*.
static int vector_layout(const int64_t *counts, i2i_mpi_request *box) {
    int size = 0, rank = 0;
    if (MPI_Comm_size(MPI_COMM_WORLD, &size) != MPI_SUCCESS || MPI_Comm_rank(MPI_COMM_WORLD, &rank) != MPI_SUCCESS)
        return I2I_MPI_ERR_COUNT;
    box->counts = malloc(sizeof(int) * (size_t)size);
    box->displacements = malloc(sizeof(int) * (size_t)size);
    if (!box->counts || !box->displacements) return I2I_MPI_ERR_NO_MEMORY;
    int64_t offset = 0;
    for (int r = 0; r < size; r++) {
        if (counts[r] < 0 || counts[r] > INT_MAX || offset > INT_MAX) return I2I_MPI_ERR_COUNT;
        box->counts[r] = (int)counts[r];
        box->displacements[r] = (int)offset;
        offset += counts[r];
    }
    return size;
}

int i2i_mpi_ireduce_scatter_float(float *data, const int64_t *counts, int op, i2i_mpi_request **request) {
    MPI_Op o;
    if (operation(op, &o)) return I2I_MPI_ERR_COUNT;
    i2i_mpi_request *box = new_request();
    if (!box) return I2I_MPI_ERR_NO_MEMORY;
    int rc = vector_layout(counts, box), rank = 0;
    if (rc < 0) { free_request(box); return rc; }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    // In place, MPI leaves this rank's reduced block at the start of `data`; move it home on
    // completion.
    box->move_from = data;
    box->move_to = data + box->displacements[rank];
    box->move_count = (size_t)box->counts[rank];
    return post(MPI_Ireduce_scatter(MPI_IN_PLACE, data, box->counts, MPI_FLOAT, o, MPI_COMM_WORLD, &box->handle),
                box, request);
}

int i2i_mpi_iallgatherv_float(float *data, const int64_t *counts, i2i_mpi_request **request) {
    i2i_mpi_request *box = new_request();
    if (!box) return I2I_MPI_ERR_NO_MEMORY;
    int rc = vector_layout(counts, box);
    if (rc < 0) { free_request(box); return rc; }
    return post(MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, box->counts, box->displacements, MPI_FLOAT,
                                MPI_COMM_WORLD, &box->handle), box, request);
}

int i2i_mpi_igatherv_float(float *data, const int64_t *counts, int root, i2i_mpi_request **request) {
    i2i_mpi_request *box = new_request();
    if (!box) return I2I_MPI_ERR_NO_MEMORY;
    int rc = vector_layout(counts, box), rank = 0;
    if (rc < 0) { free_request(box); return rc; }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    rc = rank == root
        ? MPI_Igatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, box->counts, box->displacements, MPI_FLOAT, root,
                       MPI_COMM_WORLD, &box->handle)
        : MPI_Igatherv(data, box->counts[rank], MPI_FLOAT, NULL, NULL, NULL, MPI_FLOAT, root, MPI_COMM_WORLD,
                       &box->handle);
    return post(rc, box, request);
}

int i2i_mpi_iscatterv_float(float *data, const int64_t *counts, int root, i2i_mpi_request **request) {
    i2i_mpi_request *box = new_request();
    if (!box) return I2I_MPI_ERR_NO_MEMORY;
    int rc = vector_layout(counts, box), rank = 0;
    if (rc < 0) { free_request(box); return rc; }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    rc = rank == root
        ? MPI_Iscatterv(data, box->counts, box->displacements, MPI_FLOAT, MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, root,
                        MPI_COMM_WORLD, &box->handle)
        : MPI_Iscatterv(NULL, NULL, NULL, MPI_FLOAT, data, box->counts[rank], MPI_FLOAT, root, MPI_COMM_WORLD,
                        &box->handle);
    return post(rc, box, request);
}

int i2i_mpi_ibarrier(i2i_mpi_request **request) {
    i2i_mpi_request *box = new_request();
    if (!box) return I2I_MPI_ERR_NO_MEMORY;
    return post(MPI_Ibarrier(MPI_COMM_WORLD, &box->handle), box, request);
}

int i2i_mpi_test(i2i_mpi_request *request, int *done) {
    int rc = MPI_Test(&request->handle, done, MPI_STATUS_IGNORE);
    if (rc == MPI_SUCCESS && *done) complete(request);
    return rc;
}

int i2i_mpi_wait(i2i_mpi_request *request) {
    int rc = MPI_Wait(&request->handle, MPI_STATUS_IGNORE);
    if (rc == MPI_SUCCESS) complete(request);
    else free_request(request);
    return rc;
}

int i2i_mpi_notice_send(int destination, const void *bytes, int count) {
    if (count < 0 || count > I2I_MPI_NOTICE_BYTES) return I2I_MPI_ERR_COUNT;
    // Free the slots whose sends completed and take the first free one: the caller's buffer
    // need not outlive the call, and a slot's bytes stay put while its send is in flight.
    int slot = -1;
    for (int i = 0; i < MAX_SENDING; i++) {
        if (sending[i].in_use) {
            int done = 0;
            MPI_Test(&sending[i].request, &done, MPI_STATUS_IGNORE);
            if (done) sending[i].in_use = 0;
        }
        if (!sending[i].in_use && slot < 0) slot = i;
    }
    if (slot < 0) return I2I_MPI_ERR_NO_MEMORY;
    memcpy(sending[slot].bytes, bytes, (size_t)count);
    int rc = MPI_Isend(sending[slot].bytes, count, MPI_BYTE, destination, NOTICE_TAG, notices, &sending[slot].request);
    if (rc == MPI_SUCCESS) sending[slot].in_use = 1;
    return rc;
}

int i2i_mpi_notice_receive(void *bytes, int *source, int *count) {
    int flag = 0;
    MPI_Status status;
    *count = -1;
    int rc = MPI_Iprobe(MPI_ANY_SOURCE, NOTICE_TAG, notices, &flag, &status);
    if (rc != MPI_SUCCESS || !flag) return rc;
    int n = 0;
    MPI_Get_count(&status, MPI_BYTE, &n);
    if (n > I2I_MPI_NOTICE_BYTES) return I2I_MPI_ERR_COUNT;
    rc = MPI_Recv(bytes, n, MPI_BYTE, status.MPI_SOURCE, NOTICE_TAG, notices, MPI_STATUS_IGNORE);
    if (rc == MPI_SUCCESS) { *source = status.MPI_SOURCE; *count = n; }
    return rc;
}

void i2i_mpi_abort(int code) {
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code); // MPI_Abort does not return; this keeps the contract if an MPI library's does
}

int i2i_mpi_finalize(void) {
    // Unfinished notice sends (to ranks that never looked) are abandoned.
    for (int i = 0; i < MAX_SENDING; i++) {
        if (sending[i].in_use) { MPI_Cancel(&sending[i].request); MPI_Request_free(&sending[i].request); }
        sending[i].in_use = 0;
    }
    if (notices != MPI_COMM_NULL) MPI_Comm_free(&notices);
    return MPI_Finalize();
}

void i2i_mpi_error_string(int code, char *buffer, int length) {
    if (length <= 0) return;
    switch (code) {
    case I2I_MPI_ERR_THREAD_LEVEL: snprintf(buffer, length, "MPI does not provide the requested thread level"); return;
    case I2I_MPI_ERR_COUNT: snprintf(buffer, length, "count larger than MPI supports, or unknown type/operation"); return;
    case I2I_MPI_ERR_NO_MEMORY: snprintf(buffer, length, "out of memory for an MPI request"); return;
    }
    char text[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(code, text, &n) != MPI_SUCCESS) snprintf(buffer, length, "MPI error %d", code);
    else snprintf(buffer, length, "%s", text);
}
