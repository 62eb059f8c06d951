// HDF5Kit module: placeholder until its issue lands.
