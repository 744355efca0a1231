// The one translation unit that compiles stb_image (Debian's libstb-dev header), with its
// functions static to this library: PNG, JPEG and BMP decoding for ImageFolder. A build that
// found no stb_image.h (EMBER_HAVE_STB_IMAGE unset) compiles stand-ins that say so.
#include "ember/data/image_folder.h"
#include "ember/data/stb_image_decode.h"

#ifndef EMBER_HAVE_STB_IMAGE
#define EMBER_HAVE_STB_IMAGE 0
#endif

#if EMBER_HAVE_STB_IMAGE
// The pragmas stay on: GCC reports stb's warnings where its code is inlined, below.
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STB_IMAGE_STATIC
#include <stb_image.h>
#endif

namespace ember::data {

bool image_decoding_available() {
  return EMBER_HAVE_STB_IMAGE != 0;
}

namespace detail {

#if EMBER_HAVE_STB_IMAGE

DecodedImage decode_image(const unsigned char* bytes, size_t size, int desired_channels) {
  DecodedImage out;
  int w = 0, h = 0, c = 0;
  unsigned char* pixels =
      stbi_load_from_memory(bytes, static_cast<int>(size), &w, &h, &c, desired_channels);
  if (pixels == nullptr) {
    out.error = stbi_failure_reason() ? stbi_failure_reason() : "unknown error";
    return out;
  }
  out.width = w;
  out.height = h;
  out.channels = desired_channels ? desired_channels : c;
  out.file_channels = c;
  out.pixels.assign(pixels, pixels + static_cast<size_t>(w) * h * out.channels);
  stbi_image_free(pixels);
  return out;
}

bool image_info(const unsigned char* bytes, size_t size, int* width, int* height, int* channels) {
  return stbi_info_from_memory(bytes, static_cast<int>(size), width, height, channels) != 0;
}

#else

DecodedImage decode_image(const unsigned char*, size_t, int) {
  DecodedImage out;
  out.error = "Ember was built without stb_image";
  return out;
}

bool image_info(const unsigned char*, size_t, int*, int*, int*) {
  return false;
}

#endif

}  // namespace detail
}  // namespace ember::data
