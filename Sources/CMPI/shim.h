// CMPI: placeholder; the thin MPI wrapper lands with the distributed runtime.
#ifndef I2I_CMPI_SHIM_H
#define I2I_CMPI_SHIM_H
#include <mpi.h>
#endif
