// libpng's simplified API. Function-like macros and PNG_FORMAT_* constants do not import into Swift,
// so they are re-exported here as prefixed static inline functions / constants.
#ifndef EDGENAS_CPNG_SHIM_H
#define EDGENAS_CPNG_SHIM_H
#include <png.h>
#include <string.h>

static const unsigned int cpng_format_gray = PNG_FORMAT_GRAY;
static const unsigned int cpng_format_gray_alpha = PNG_FORMAT_GA;
static const unsigned int cpng_format_rgb = PNG_FORMAT_RGB;
static const unsigned int cpng_format_rgba = PNG_FORMAT_RGBA;
static const unsigned int cpng_format_flag_alpha = PNG_FORMAT_FLAG_ALPHA;
static const unsigned int cpng_format_flag_color = PNG_FORMAT_FLAG_COLOR;
static const unsigned int cpng_format_flag_linear = PNG_FORMAT_FLAG_LINEAR;
static const unsigned int cpng_image_version = PNG_IMAGE_VERSION;
/// On read: 16-bit images without gAMA/sRGB chunks are taken as sRGB-encoded (v/257), not linear.
static const unsigned int cpng_image_flag_16bit_srgb = PNG_IMAGE_FLAG_16BIT_sRGB;

/// A zeroed png_image with the version set, ready for png_image_begin_read_* or a write.
static inline png_image cpng_image_init(void) {
  png_image image;
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  return image;
}

/// True when the last simplified-API call failed (warnings do not count).
static inline int cpng_image_failed(const png_image *image) {
  return PNG_IMAGE_FAILED(*image);
}

/// Bytes per row of `image` in its current format, with no padding.
static inline size_t cpng_image_row_stride(const png_image *image) {
  return (size_t)PNG_IMAGE_ROW_STRIDE(*image);
}

/// Channels (1–4) of a pixel in `format`.
static inline unsigned int cpng_format_channels(unsigned int format) {
  return PNG_IMAGE_SAMPLE_CHANNELS(format);
}

/// Asks libpng how many bytes `png_image_write_to_memory` needs (0 on failure).
static inline size_t cpng_image_write_size(png_image *image, const void *buffer, png_int_32 row_stride) {
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(image, NULL, &size, 0, buffer, row_stride, NULL)) { return 0; }
  return (size_t)size;
}
#endif
