// CHDF5: HDF5's C API plus accessors for what does not import into Swift
// (its global type ids and flags are macros that call H5open()).
#ifndef I2I_CHDF5_SHIM_H
#define I2I_CHDF5_SHIM_H
#include <hdf5.h>

// Native (in-memory) types.
static inline hid_t i2i_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t i2i_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t i2i_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t i2i_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t i2i_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t i2i_h5t_c_s1(void) { return H5T_C_S1; }

// File (stored) types: little-endian standard types, as h5py and PyTorch tools write them.
static inline hid_t i2i_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t i2i_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t i2i_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t i2i_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t i2i_h5t_std_u8le(void) { return H5T_STD_U8LE; }

// Property list classes and defaults.
static inline hid_t i2i_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t i2i_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t i2i_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t i2i_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t i2i_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t i2i_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t i2i_h5s_all(void) { return H5S_ALL; }
static inline hsize_t i2i_h5s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t i2i_h5t_variable(void) { return H5T_VARIABLE; }

// File access flags.
static inline unsigned i2i_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned i2i_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned i2i_h5f_acc_excl(void) { return H5F_ACC_EXCL; }

// Turns HDF5's automatic error-stack printing off for the calling thread, once per thread.
// (This build of the library is thread-safe, which makes the setting per thread.)
// The first call also stops HDF5 from installing its exit handler (H5dont_atexit, which only
// works before the library initialises): HDF5 1.10 leaves the ids of objects whose close
// failed (a full disk) registered but freed, and its exit handler closing them again crashed
// the process after the error was printed. HDF5Kit closes every file it opens itself.
static inline void i2i_h5_silence_errors(void) {
    static _Thread_local int silenced = 0;
    if (!silenced) {
        (void)H5dont_atexit();
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        silenced = 1;
    }
}
#endif
