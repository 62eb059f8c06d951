// Shared pieces of CImageCodecs: messages, the size limit, freeing, and EXIF orientation.
#include "CImageCodecs.h"
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void i2i_codecs_free(void *pointer) { free(pointer); }

void i2i_set_message(char *message, size_t message_size, const char *format, ...) {
    if (message == NULL || message_size == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(message, message_size, format, args);
    va_end(args);
}

int i2i_dimensions_allowed(int64_t width, int64_t height, int64_t max_pixels) {
    if (width <= 0 || height <= 0) return 0;
    if (width > 1000000 || height > 1000000) return 0;
    return width * height <= max_pixels;
}

static uint32_t read16(const uint8_t *p, int big_endian) {
    return big_endian ? ((uint32_t)p[0] << 8 | p[1]) : ((uint32_t)p[1] << 8 | p[0]);
}

static uint32_t read32(const uint8_t *p, int big_endian) {
    return big_endian ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
                      : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

// TIFF layout: "II*\0" or "MM\0*", then the offset of IFD0; an IFD is a 16-bit entry count and
// 12-byte entries (tag, type, count, value). Orientation is tag 0x0112, type SHORT.
int i2i_exif_orientation(const uint8_t *tiff, size_t size) {
    if (tiff == NULL || size < 8) return 1;
    int big_endian;
    if (tiff[0] == 'I' && tiff[1] == 'I') big_endian = 0;
    else if (tiff[0] == 'M' && tiff[1] == 'M') big_endian = 1;
    else return 1;
    if (read16(tiff + 2, big_endian) != 42) return 1;
    uint32_t ifd = read32(tiff + 4, big_endian);
    if ((size_t)ifd + 2 > size) return 1;
    uint32_t entries = read16(tiff + ifd, big_endian);
    for (uint32_t i = 0; i < entries; i++) {
        size_t at = (size_t)ifd + 2 + (size_t)i * 12;
        if (at + 12 > size) return 1;
        if (read16(tiff + at, big_endian) != 0x0112) continue;
        if (read16(tiff + at + 2, big_endian) != 3) return 1;
        uint32_t value = read16(tiff + at + 8, big_endian);
        return (value >= 1 && value <= 8) ? (int)value : 1;
    }
    return 1;
}
