// COpenMPI: the system MPI headers, found with pkg-config (`ompi-c`). Only the C wrapper in
// CMPI includes this; Swift code never imports it.
#ifndef I2I_COPENMPI_H
#define I2I_COPENMPI_H
#include <mpi.h>
#endif
