// Helpers shared by the JPEG and PNG halves of CImageCodecs (not part of the public header).
#ifndef I2I_CODECS_INTERNAL_H
#define I2I_CODECS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/// Copies a formatted message into a caller's buffer (always NUL-terminated, never overflows).
void i2i_set_message(char *message, size_t message_size, const char *format, ...);

/// The orientation tag (1...8) of a TIFF-structured EXIF block, or 1 when absent or malformed.
int i2i_exif_orientation(const uint8_t *tiff, size_t size);

/// Whether width * height fits the caller's limit (and the sizes are positive).
int i2i_dimensions_allowed(int64_t width, int64_t height, int64_t max_pixels);

#endif
