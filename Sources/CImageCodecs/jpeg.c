// JPEG decoding through libjpeg(-turbo), made safe for untrusted files, and baseline encoding.
//
// libjpeg reports fatal errors through error_exit, which must not return: it longjmps back to
// i2i_decode_jpeg, which releases everything and returns the message. Warnings that mean the
// data is corrupt or truncated (libjpeg would otherwise fill the rest of the image with grey)
// take the same path. A progress monitor caps the number of progressive scans, so a hostile
// file cannot keep the decoder busy for minutes. Orientation comes from the EXIF APP1 marker.
#include "CImageCodecs.h"
#include "internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/// Progressive JPEGs rarely have more than a dozen scans; thousands means a hostile file.
#define I2I_MAX_JPEG_SCANS 1000

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t message_size;
} error_manager;

typedef struct {
    struct jpeg_progress_mgr base;
    j_decompress_ptr cinfo;
} progress_manager;

static void fail_with_current_message(j_common_ptr cinfo) {
    error_manager *errors = (error_manager *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    i2i_set_message(errors->message, errors->message_size, "%s", buffer);
    longjmp(errors->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo) { fail_with_current_message(cinfo); }

/// Warnings (level -1) that mean lost or garbled image data become errors; the rest are ignored.
static void on_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
        fail_with_current_message(cinfo);
        break;
    default:
        break;
    }
}

static void on_progress(j_common_ptr cinfo) {
    progress_manager *progress = (progress_manager *)cinfo->progress;
    if (progress->cinfo->input_scan_number > I2I_MAX_JPEG_SCANS) {
        error_manager *errors = (error_manager *)cinfo->err;
        i2i_set_message(errors->message, errors->message_size,
                        "more than %d progressive scans (hostile or corrupt file)", I2I_MAX_JPEG_SCANS);
        longjmp(errors->jump, 1);
    }
}

/// The orientation from the first APP1 marker that holds EXIF data.
static int orientation_from_markers(j_decompress_ptr cinfo) {
    for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker != NULL; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 14) continue;
        if (memcmp(marker->data, "Exif\0\0", 6) != 0) continue;
        return i2i_exif_orientation(marker->data + 6, marker->data_length - 6);
    }
    return 1;
}

/// Converts one row of CMYK to RGB as Pillow does (R = (255 − C)(255 − K)/255). Adobe files
/// store the inks inverted, so there R = C·K/255 on the stored values.
static void cmyk_row_to_rgb(const JSAMPLE *cmyk, uint8_t *rgb, JDIMENSION width, int inverted) {
    for (JDIMENSION x = 0; x < width; x++) {
        unsigned c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        rgb[3 * x] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

int i2i_decode_jpeg(const uint8_t *data, size_t size, int64_t max_pixels, i2i_bitmap *out,
                    char *message, size_t message_size) {
    memset(out, 0, sizeof(*out));
    struct jpeg_decompress_struct cinfo;
    error_manager errors;
    progress_manager progress;
    // Written after setjmp and read after longjmp, so they must be volatile.
    uint8_t *volatile pixels = NULL;
    JSAMPLE *volatile cmyk_row = NULL;
    volatile int status = I2I_CODEC_CORRUPT;

    cinfo.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = on_error_exit;
    errors.base.emit_message = on_message;
    errors.message = message;
    errors.message_size = message_size;
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(cmyk_row);
        return status;
    }
    jpeg_create_decompress(&cinfo);
    progress.base.progress_monitor = on_progress;
    progress.cinfo = &cinfo;
    cinfo.progress = &progress.base;
    jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);

    if (!i2i_dimensions_allowed(cinfo.image_width, cinfo.image_height, max_pixels)) {
        i2i_set_message(message, message_size, "image of %ux%u pixels is larger than the limit of %lld pixels",
                        cinfo.image_width, cinfo.image_height, (long long)max_pixels);
        status = I2I_CODEC_TOO_LARGE;
        longjmp(errors.jump, 1);
    }
    int is_cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = is_cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);

    JDIMENSION width = cinfo.output_width, height = cinfo.output_height;
    size_t row_bytes = (size_t)width * 3;
    pixels = malloc(row_bytes * height);
    if (is_cmyk) cmyk_row = malloc((size_t)width * 4);
    if (pixels == NULL || (is_cmyk && cmyk_row == NULL)) {
        i2i_set_message(message, message_size, "out of memory for a %ux%u image", width, height);
        status = I2I_CODEC_NO_MEMORY;
        longjmp(errors.jump, 1);
    }
    while (cinfo.output_scanline < height) {
        JDIMENSION y = cinfo.output_scanline;
        if (is_cmyk) {
            JSAMPROW row = cmyk_row;
            jpeg_read_scanlines(&cinfo, &row, 1);
            cmyk_row_to_rgb(cmyk_row, pixels + y * row_bytes, width, cinfo.saw_Adobe_marker);
        } else {
            JSAMPROW row = pixels + y * row_bytes;
            jpeg_read_scanlines(&cinfo, &row, 1);
        }
    }
    int orientation = orientation_from_markers(&cinfo);
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(cmyk_row);

    out->width = (int32_t)width;
    out->height = (int32_t)height;
    out->channels = 3;
    out->orientation = orientation;
    out->pixels = pixels;
    return I2I_CODEC_OK;
}

// MARK: - Encoding

int i2i_encode_jpeg(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels, int quality,
                    uint8_t **out, size_t *out_size, char *message, size_t message_size) {
    *out = NULL;
    *out_size = 0;
    if ((channels != 1 && channels != 3) || width <= 0 || height <= 0 || width > 65500 || height > 65500) {
        i2i_set_message(message, message_size, "cannot encode a %dx%d image of %d channels as JPEG", width, height, channels);
        return I2I_CODEC_CORRUPT;
    }
    struct jpeg_compress_struct cinfo;
    error_manager errors;
    // libjpeg (re)allocates the output buffer; it is read after a longjmp, so it lives in a
    // volatile-free heap cell.
    unsigned char **buffer = calloc(1, sizeof(unsigned char *));
    unsigned long *size = calloc(1, sizeof(unsigned long));
    if (buffer == NULL || size == NULL) {
        free(buffer);
        free(size);
        return I2I_CODEC_NO_MEMORY;
    }
    cinfo.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = on_error_exit;
    errors.message = message;
    errors.message_size = message_size;
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(*buffer);
        free(buffer);
        free(size);
        return I2I_CODEC_CORRUPT;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, buffer, size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t row_bytes = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row_bytes);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = *buffer;
    *out_size = *size;
    free(buffer);
    free(size);
    return I2I_CODEC_OK;
}
