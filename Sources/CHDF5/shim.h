// CHDF5: HDF5's C API plus accessors for what does not import into Swift
// (its global type ids are macros that call H5open()).
#ifndef I2I_CHDF5_SHIM_H
#define I2I_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t i2i_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t i2i_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t i2i_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t i2i_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t i2i_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t i2i_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t i2i_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t i2i_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t i2i_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t i2i_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t i2i_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t i2i_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t i2i_h5s_all(void) { return H5S_ALL; }
static inline hsize_t i2i_h5s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t i2i_h5t_variable(void) { return H5T_VARIABLE; }
#endif
