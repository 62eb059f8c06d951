// CImageCodecs: a thin C layer over libjpeg(-turbo) and libpng for the Datasets module.
//
// Everything here works on memory buffers and never aborts the process: libjpeg's error exit
// and libpng's error callback are turned into an error return with a message, corrupt-data
// warnings count as errors, and an image whose header announces more than `max_pixels` pixels
// is refused before any pixel buffer is allocated. Decoded pixels are malloc'd by this layer
// and released with i2i_codecs_free.
#ifndef I2I_CIMAGECODECS_H
#define I2I_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

/// A decoded image: 8-bit samples, rows top to bottom, channels interleaved.
typedef struct {
    int32_t width;
    int32_t height;
    /// 3 (RGB) for colour decoding, 1 for label maps.
    int32_t channels;
    /// EXIF orientation tag (1...8; 1 when absent). Not yet applied to `pixels`.
    int32_t orientation;
    /// width * height * channels bytes, or NULL on failure.
    uint8_t *pixels;
} i2i_bitmap;

/// Return codes of the decoders and the encoder.
enum {
    I2I_CODEC_OK = 0,
    /// Corrupt, truncated or unsupported data (the message says which).
    I2I_CODEC_CORRUPT = 1,
    /// The header announces more pixels than allowed.
    I2I_CODEC_TOO_LARGE = 2,
    /// malloc failed.
    I2I_CODEC_NO_MEMORY = 3,
};

/// How a PNG is decoded.
enum {
    /// RGB: grey and palette expanded, 16 bits reduced to the high byte, alpha composited over white.
    I2I_PNG_COLOR = 0,
    /// One channel of class ids: the palette index or the grey value (8 bits or fewer, no alpha).
    I2I_PNG_LABELS = 1,
};

/// Decodes a JPEG (baseline, progressive or arithmetic; grey, YCbCr, RGB, CMYK or YCCK) to RGB.
int i2i_decode_jpeg(const uint8_t *data, size_t size, int64_t max_pixels, i2i_bitmap *out,
                    char *message, size_t message_size);

/// Decodes a PNG of any colour type and bit depth, as `mode` says (I2I_PNG_COLOR or I2I_PNG_LABELS).
int i2i_decode_png(const uint8_t *data, size_t size, int mode, int64_t max_pixels, i2i_bitmap *out,
                   char *message, size_t message_size);

/// Encodes 8-bit pixels (1 = grey, 3 = RGB, 4 = RGBA channels) as a PNG; *out is malloc'd.
int i2i_encode_png(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels,
                   int compression_level, uint8_t **out, size_t *out_size,
                   char *message, size_t message_size);

/// Encodes 8-bit pixels (1 = grey, 3 = RGB channels) as a baseline JPEG of `quality` 1...100
/// (4:2:0 chroma subsampling for colour); *out is malloc'd.
int i2i_encode_jpeg(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels, int quality,
                    uint8_t **out, size_t *out_size, char *message, size_t message_size);

/// Releases memory returned by this library (pixels or encoded bytes).
void i2i_codecs_free(void *pointer);

#endif
