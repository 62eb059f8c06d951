#!/usr/bin/env python3
"""Writes the codec and resampling fixtures the DatasetsTests read (Pillow is the reference).

Run with Python 3.11.7, Pillow 13.0.0, numpy 2.4.6 (no torch: the references are Pillow's).
Regenerate (from anywhere; `launch/make-fixtures` runs every generator):
    python3 Tests/DatasetsTests/Fixtures/make_fixtures.py [--out DIR]
It rewrites the files next to this file, or in DIR. Tests read only the files written here, so
CI needs neither Pillow nor numpy. Of launch/reference/i2i_reference/ it uses only the fixture
helpers (which import no torch).

manifest.json lists the cases:
  decode:  {"file", "mode": "color"|"labels", "expected", "width", "height", "channels",
            "max_diff", "min_fraction"}   (expected: raw uint8 rows, channels interleaved)
  error:   {"file", "mode", "kind"}       (kind: ImageError.Kind raw value)
  resize:  {"source", "source_width", "source_height", "channels", "filter", "width",
            "height", "expected"}
Reference choices where Pillow has none:
  - transparency is composited over white (Pillow's alpha_composite over an opaque white image);
  - 16-bit samples keep their high byte (Pillow clips 16-bit grey when converting to RGB, so the
    reference is computed with numpy as value >> 8).
"""
import json
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "launch", "reference"))

import numpy as np  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from i2i_reference.fixture_io import output_folder, versions  # noqa: E402

# Every file is written to and read from the output folder under its bare name.
os.chdir(output_folder(HERE, "Writes the DatasetsTests fixtures."))
print(versions())
rng = np.random.default_rng(20240601)
manifest = {"decode": [], "error": [], "resize": []}


def pattern(width, height):
    """A colourful test card: gradients, a disc, a bar and a little noise (RGB uint8)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255 * x / max(1, width - 1)
    g = 255 * y / max(1, height - 1)
    b = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 4.0)
    disc = (x - width * 0.6) ** 2 + (y - height * 0.4) ** 2 < (min(width, height) * 0.25) ** 2
    r[disc], g[disc], b[disc] = 250, 240, 20
    bar = (x > width * 0.15) & (x < width * 0.3)
    r[bar], g[bar], b[bar] = 10, 30, 200
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 6, (height, width, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def save_raw(name, array):
    with open(name, "wb") as f:
        f.write(np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def add_decode(file, expected, mode="color", max_diff=0, min_fraction=1.0):
    expected = np.asarray(expected, dtype=np.uint8)
    if expected.ndim == 2:
        expected = expected[:, :, None]
    raw = file.rsplit(".", 1)[0] + ".expected.raw"
    save_raw(raw, expected)
    h, w, c = expected.shape
    manifest["decode"].append({"file": file, "mode": mode, "expected": raw, "width": w, "height": h,
                               "channels": c, "max_diff": max_diff, "min_fraction": min_fraction})


def pillow_rgb(file):
    return np.asarray(ImageOps.exif_transpose(Image.open(file)).convert("RGB"))


def over_white(rgba):
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, rgba.convert("RGBA")).convert("RGB"))


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(array, bit_depth, color_type, interlaced=False):
    """A PNG written by hand (Pillow cannot write 16-bit RGB or Adam7), filter 0 on every row."""
    h, w = array.shape[:2]
    def scanlines(a):
        if a.shape[0] == 0 or a.shape[1] == 0:
            return b""
        data = a.astype(">u2" if bit_depth == 16 else np.uint8).tobytes()
        row = len(data) // a.shape[0]
        return b"".join(b"\x00" + data[i * row:(i + 1) * row] for i in range(a.shape[0]))
    if interlaced:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        body = b"".join(scanlines(array[y0::dy, x0::dx]) for x0, y0, dx, dy in passes)
    else:
        body = scanlines(array)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlaced else 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(body, 9))
            + png_chunk(b"IEND", b""))


base = pattern(40, 32)
image = Image.fromarray(base)

# JPEG: libjpeg-turbo versions may differ in the last bit of the IDCT, hence a small tolerance.
lossy = dict(max_diff=2, min_fraction=0.99)
image.save("jpeg_baseline.jpg", quality=90)
add_decode("jpeg_baseline.jpg", pillow_rgb("jpeg_baseline.jpg"), **lossy)
image.save("jpeg_progressive.jpg", quality=85, progressive=True)
add_decode("jpeg_progressive.jpg", pillow_rgb("jpeg_progressive.jpg"), **lossy)
image.save("jpeg_444.jpg", quality=95, subsampling=0)
add_decode("jpeg_444.jpg", pillow_rgb("jpeg_444.jpg"), **lossy)
image.convert("L").save("jpeg_grey.jpg", quality=90)
add_decode("jpeg_grey.jpg", pillow_rgb("jpeg_grey.jpg"), **lossy)
image.convert("CMYK").save("jpeg_cmyk.jpg", quality=95)
add_decode("jpeg_cmyk.jpg", pillow_rgb("jpeg_cmyk.jpg"), max_diff=3, min_fraction=0.99)
small = Image.fromarray(pattern(12, 8))
for tag in range(2, 9):
    exif = Image.Exif()
    exif[0x0112] = tag
    name = f"jpeg_exif_{tag}.jpg"
    small.save(name, quality=95, exif=exif.tobytes())
    add_decode(name, pillow_rgb(name), **lossy)

# PNG, colour.
image.save("png_rgb8.png")
add_decode("png_rgb8.png", pillow_rgb("png_rgb8.png"))
alpha = np.clip(np.arange(40)[None, :] * 7 + np.arange(32)[:, None] * 3, 0, 255).astype(np.uint8)
rgba = Image.fromarray(np.dstack([base, alpha]), "RGBA")
rgba.save("png_rgba8.png")
add_decode("png_rgba8.png", over_white(rgba), max_diff=1)
image.convert("L").save("png_grey8.png")
add_decode("png_grey8.png", pillow_rgb("png_grey8.png"))
image.convert("L").convert("1").save("png_grey1.png")
add_decode("png_grey1.png", pillow_rgb("png_grey1.png"))
la = Image.fromarray(np.dstack([np.asarray(image.convert("L")), alpha]), "LA")
la.save("png_grey_alpha.png")
add_decode("png_grey_alpha.png", over_white(la), max_diff=1)
palette = image.quantize(colors=16)
palette.save("png_palette.png", transparency=3)
add_decode("png_palette.png", over_white(Image.open("png_palette.png").convert("RGBA")), max_diff=1)
grey16 = (np.arange(40 * 32).reshape(32, 40) * 51 % 65536).astype(np.uint16)
with open("png_grey16.png", "wb") as f:
    f.write(raw_png(grey16, 16, 0))
add_decode("png_grey16.png", np.repeat((grey16 >> 8)[:, :, None], 3, axis=2).astype(np.uint8))
rgb16 = (base.astype(np.uint16) * 257 + rng.integers(0, 256, base.shape)).astype(np.uint16)
with open("png_rgb16.png", "wb") as f:
    f.write(raw_png(rgb16, 16, 2))
add_decode("png_rgb16.png", (rgb16 >> 8).astype(np.uint8))
with open("png_interlaced.png", "wb") as f:
    f.write(raw_png(base, 8, 2, interlaced=True))
add_decode("png_interlaced.png", pillow_rgb("png_interlaced.png"))
assert (pillow_rgb("png_interlaced.png") == base).all()

# PNG label maps: palette indices and grey values, never colours.
labels = (np.arange(20)[None, :] // 4 + np.arange(15)[:, None] // 5 * 5).astype(np.uint8)
label_image = Image.fromarray(labels, "P")
label_image.putpalette(list(rng.integers(0, 256, 768).astype(np.uint8)))
label_image.save("labels_palette.png")
add_decode("labels_palette.png", np.asarray(Image.open("labels_palette.png")), mode="labels")
Image.fromarray(labels * 3, "L").save("labels_grey.png")
add_decode("labels_grey.png", labels * 3, mode="labels")

# The error zoo (the truncated, zero-byte, directory and unreadable cases are made by the tests).
png = bytearray(open("png_rgb8.png", "rb").read())
idat = png.index(b"IDAT")
length = struct.unpack(">I", png[idat - 4:idat])[0]
png[idat + 4 + length] ^= 0xFF  # first byte of the IDAT CRC
open("png_bad_crc.png", "wb").write(png)
manifest["error"].append({"file": "png_bad_crc.png", "mode": "color", "kind": "corrupt"})
huge = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
open("png_huge.png", "wb").write(huge + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))
manifest["error"].append({"file": "png_huge.png", "mode": "color", "kind": "tooLarge"})
jpeg = bytearray(open("jpeg_baseline.jpg", "rb").read())
sof = jpeg.index(b"\xff\xc0")
jpeg[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)
open("jpeg_huge.jpg", "wb").write(jpeg)
manifest["error"].append({"file": "jpeg_huge.jpg", "mode": "color", "kind": "tooLarge"})
open("not_an_image.jpg", "wb").write(b"GIF89a this is not a JPEG at all\n")
manifest["error"].append({"file": "not_an_image.jpg", "mode": "color", "kind": "notAnImage"})
manifest["error"].append({"file": "png_rgb8.png", "mode": "labels", "kind": "corrupt"})
manifest["error"].append({"file": "jpeg_baseline.jpg", "mode": "labels", "kind": "corrupt"})

# Resampling: Pillow's resize(BICUBIC) on RGB, resize(NEAREST) on label maps.
save_raw("resize_source.raw", base)
for w, h in [(17, 13), (23, 32), (57, 45), (45, 36), (8, 8), (40, 20), (90, 11), (3, 70), (47, 6)]:
    out = f"resize_bicubic_{w}x{h}.raw"
    save_raw(out, np.asarray(image.resize((w, h), Image.BICUBIC)))
    manifest["resize"].append({"source": "resize_source.raw", "source_width": 40, "source_height": 32,
                               "channels": 3, "filter": "bicubic", "width": w, "height": h, "expected": out})
save_raw("resize_labels.raw", labels)
for w, h in [(37, 29), (9, 7), (20, 40)]:
    out = f"resize_nearest_{w}x{h}.raw"
    save_raw(out, np.asarray(Image.fromarray(labels, "L").resize((w, h), Image.NEAREST)))
    manifest["resize"].append({"source": "resize_labels.raw", "source_width": 20, "source_height": 15,
                               "channels": 1, "filter": "nearest", "width": w, "height": h, "expected": out})

# Nearest on ramps (pixel value = its column or row): the source index of every output pixel; the
# first four sizes are ones where Pillow's running sum x_in = int(a·0.5 + a + … + a), a = in/out, and
# the closed form int((x + 0.5)·in/out) pick different pixels at ties.
for n_in, n_out in [(20, 15), (20, 37), (64, 48), (100, 75), (13, 39), (255, 97)]:
    ramp = np.arange(n_in, dtype=np.uint8)
    for axis, (sw, sh, w, h) in [("row", (n_in, 1, n_out, 1)), ("column", (1, n_in, 1, n_out))]:
        source = f"ramp_{axis}_{n_in}.raw"
        save_raw(source, ramp.reshape(sh, sw))
        out = f"resize_nearest_{axis}_{n_in}to{n_out}.raw"
        save_raw(out, np.asarray(Image.fromarray(ramp.reshape(sh, sw), "L").resize((w, h), Image.NEAREST)))
        manifest["resize"].append({"source": source, "source_width": sw, "source_height": sh,
                                   "channels": 1, "filter": "nearest", "width": w, "height": h, "expected": out})

with open("manifest.json", "w") as f:
    json.dump(manifest, f, indent=1)
    f.write("\n")
