// PNG decoding and encoding through libpng, made safe for untrusted files.
//
// libpng reports errors by calling our error function, which longjmps back to the entry point
// (png_jmpbuf); reading past the end of the buffer is such an error, so truncated files fail
// cleanly, and so does a bad CRC on a critical chunk (libpng's default). The size limit is
// checked right after the header, before the pixel buffer exists.
//
// Colour decoding matches what Pillow gives for `Image.open(f).convert("RGB")` on 8-bit files,
// except that transparency is composited over white (Pillow drops it) and 16-bit samples keep
// their high byte (Pillow's RGB;16B unpacking does the same for colour; it clips 16-bit grey).
#include "CImageCodecs.h"
#include "internal.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
} memory_reader;

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
} memory_writer;

typedef struct {
    char *message;
    size_t message_size;
} error_context;

static void on_error(png_structp png, png_const_charp text) {
    error_context *context = (error_context *)png_get_error_ptr(png);
    i2i_set_message(context->message, context->message_size, "%s", text);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void read_from_memory(png_structp png, png_bytep destination, size_t length) {
    memory_reader *reader = (memory_reader *)png_get_io_ptr(png);
    if (length > reader->size - reader->position) png_error(png, "file is truncated");
    memcpy(destination, reader->data + reader->position, length);
    reader->position += length;
}

/// Composites interleaved RGBA over opaque white into RGB, in place (round((c·a + 255·(255 − a)) / 255)).
static void composite_over_white(uint8_t *pixels, size_t count) {
    for (size_t i = 0; i < count; i++) {
        unsigned a = pixels[4 * i + 3];
        for (int c = 0; c < 3; c++) {
            unsigned v = pixels[4 * i + c] * a + 255u * (255u - a);
            pixels[3 * i + c] = (uint8_t)((v + 127) / 255);
        }
    }
}

/// Sets the libpng transformations for `mode`; returns 0 when a label map has the wrong format.
static int configure_transforms(png_structp png, png_infop info, int mode, char *message, size_t message_size) {
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (mode == I2I_PNG_LABELS) {
        if ((color_type != PNG_COLOR_TYPE_GRAY && color_type != PNG_COLOR_TYPE_PALETTE) || bit_depth > 8) {
            i2i_set_message(message, message_size,
                            "a label map must be an 8-bit (or fewer) greyscale or palette PNG, not colour type %d with %d bits",
                            color_type, bit_depth);
            return 0;
        }
        if (bit_depth < 8) png_set_packing(png);
        return 1;
    }
    if (bit_depth == 16) png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    return 1;
}

static int orientation_from_exif(png_structp png, png_infop info) {
#ifdef PNG_eXIf_SUPPORTED
    png_uint_32 length = 0;
    png_bytep exif = NULL;
    if (png_get_eXIf_1(png, info, &length, &exif) && exif != NULL) return i2i_exif_orientation(exif, length);
#endif
    (void)png;
    (void)info;
    return 1;
}

int i2i_decode_png(const uint8_t *data, size_t size, int mode, int64_t max_pixels, i2i_bitmap *out,
                   char *message, size_t message_size) {
    memset(out, 0, sizeof(*out));
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        i2i_set_message(message, message_size, "not a PNG file (bad signature)");
        return I2I_CODEC_CORRUPT;
    }
    error_context context = {message, message_size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    if (png == NULL) return I2I_CODEC_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return I2I_CODEC_NO_MEMORY;
    }
    memory_reader reader = {data, size, 0};
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = I2I_CODEC_CORRUPT;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return status;
    }
    png_set_read_fn(png, &reader, read_from_memory);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    if (!i2i_dimensions_allowed(width, height, max_pixels)) {
        i2i_set_message(message, message_size, "image of %ux%u pixels is larger than the limit of %lld pixels",
                        (unsigned)width, (unsigned)height, (long long)max_pixels);
        status = I2I_CODEC_TOO_LARGE;
        png_longjmp(png, 1);
    }
    if (!configure_transforms(png, info, mode, message, message_size)) png_longjmp(png, 1);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != (size_t)width * channels) png_error(png, "unexpected row layout after transformations");
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        i2i_set_message(message, message_size, "out of memory for a %ux%u image", (unsigned)width, (unsigned)height);
        status = I2I_CODEC_NO_MEMORY;
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, info);
    int orientation = mode == I2I_PNG_COLOR ? orientation_from_exif(png, info) : 1;
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);

    if (mode == I2I_PNG_COLOR && channels == 4) {
        composite_over_white(pixels, (size_t)width * height);
        channels = 3;
    }
    out->width = (int32_t)width;
    out->height = (int32_t)height;
    out->channels = (int32_t)channels;
    out->orientation = orientation;
    out->pixels = pixels;
    return I2I_CODEC_OK;
}

// MARK: - Encoding

static void write_to_memory(png_structp png, png_bytep source, size_t length) {
    memory_writer *writer = (memory_writer *)png_get_io_ptr(png);
    if (writer->size + length > writer->capacity) {
        size_t capacity = writer->capacity * 2 + length + 4096;
        uint8_t *grown = realloc(writer->data, capacity);
        if (grown == NULL) {
            writer->failed = 1;
            png_error(png, "out of memory while encoding");
        }
        writer->data = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->data + writer->size, source, length);
    writer->size += length;
}

static void flush_memory(png_structp png) { (void)png; }

int i2i_encode_png(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels,
                   int compression_level, uint8_t **out, size_t *out_size,
                   char *message, size_t message_size) {
    *out = NULL;
    *out_size = 0;
    int color_type;
    switch (channels) {
    case 1: color_type = PNG_COLOR_TYPE_GRAY; break;
    case 3: color_type = PNG_COLOR_TYPE_RGB; break;
    case 4: color_type = PNG_COLOR_TYPE_RGB_ALPHA; break;
    default:
        i2i_set_message(message, message_size, "cannot encode %d channels as PNG", channels);
        return I2I_CODEC_CORRUPT;
    }
    if (width <= 0 || height <= 0) {
        i2i_set_message(message, message_size, "cannot encode an empty %dx%d image", width, height);
        return I2I_CODEC_CORRUPT;
    }
    error_context context = {message, message_size};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    if (png == NULL) return I2I_CODEC_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        return I2I_CODEC_NO_MEMORY;
    }
    // On the heap, so that its contents are well defined after a longjmp.
    memory_writer *writer = calloc(1, sizeof(memory_writer));
    if (writer == NULL) {
        png_destroy_write_struct(&png, &info);
        return I2I_CODEC_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        int status = writer->failed ? I2I_CODEC_NO_MEMORY : I2I_CODEC_CORRUPT;
        free(writer->data);
        free(writer);
        return status;
    }
    png_set_write_fn(png, writer, write_to_memory, flush_memory);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t row_bytes = (size_t)width * (size_t)channels;
    for (int32_t y = 0; y < height; y++) png_write_row(png, pixels + (size_t)y * row_bytes);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *out = writer->data;
    *out_size = writer->size;
    free(writer);
    return I2I_CODEC_OK;
}
