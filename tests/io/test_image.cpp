#include <doctest/doctest.h>
#include <stb/stb_image.h>  // the decoder from the same Debian package: an independent check of our grids

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/temp_dir.h"
#include "muse/io/file.h"
#include "muse/io/image.h"
#include "muse/ops.h"

using namespace muse;
using doctest::Contains;

namespace {

uint32_t big_endian(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) v = v << 8 | static_cast<unsigned char>(s[i]);
  return v;
}

struct Decoded {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // (height, width, channels)
  int at(int y, int x, int c) const { return pixels[(y * width + x) * channels + c]; }
};

Decoded decode(const std::string& png) {
  Decoded d;
  std::unique_ptr<stbi_uc, void (*)(void*)> data(
      stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(png.data()), static_cast<int>(png.size()),
                            &d.width, &d.height, &d.channels, 0),
      stbi_image_free);
  REQUIRE(data != nullptr);
  d.pixels.assign(data.get(), data.get() + d.width * d.height * d.channels);
  return d;
}

}  // namespace

TEST_CASE("image_grid_png: grayscale grid layout, header and values") {
  // Two 3x4 images side by side: 2 * (4 + 2) + 2 = 14 wide, (3 + 2) + 2 = 7 high.
  Tensor images = zeros({2, 1, 3, 4});
  images.select(0, 0).fill_(-1);                // lo -> 0
  images.select(0, 1).fill_(1);                 // hi -> 255
  images.data_ptr<float>()[0] = 0;              // the middle -> 127.5 rounds up to 128
  images.data_ptr<float>()[1] = 5;              // above hi clamps to 255
  images.data_ptr<float>()[2] = std::nanf("");  // NaN -> 0
  std::string png = io::image_grid_png(images);
  CHECK(png.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  CHECK(png.substr(12, 4) == "IHDR");
  CHECK(big_endian(png, 16) == 14);  // width
  CHECK(big_endian(png, 20) == 7);   // height
  CHECK(png[24] == 8);               // bits per sample
  CHECK(png[25] == 0);               // color type: grayscale

  Decoded d = decode(png);
  REQUIRE(d.channels == 1);
  CHECK(d.at(0, 0, 0) == 0);     // padding
  CHECK(d.at(2, 2, 0) == 128);   // image 0, (0, 0)
  CHECK(d.at(2, 3, 0) == 255);   // image 0, (0, 1)
  CHECK(d.at(2, 4, 0) == 0);     // image 0, (0, 2): NaN
  CHECK(d.at(4, 5, 0) == 0);     // image 0, (2, 3)
  CHECK(d.at(4, 6, 0) == 0);     // padding between images
  CHECK(d.at(2, 8, 0) == 255);   // image 1, (0, 0)
  CHECK(d.at(4, 11, 0) == 255);  // image 1, (2, 3)
  CHECK(d.at(4, 12, 0) == 0);    // right padding
  CHECK(d.at(5, 8, 0) == 0);     // bottom padding
}

TEST_CASE("image_grid_png: RGB rows of nrow, float64, custom range") {
  // Five 2x2 images, nrow 2, padding 1: 2 * 3 + 1 = 7 wide, 3 * 3 + 1 = 10 high.
  Tensor images = arange(5 * 3 * 4, {.dtype = kFloat64}).reshape({5, 3, 2, 2});  // values 0..59
  Decoded d = decode(io::image_grid_png(images, 2, 1, 0, 59));
  REQUIRE(d.width == 7);
  REQUIRE(d.height == 10);
  REQUIRE(d.channels == 3);
  // Image 4 sits in row 2, column 0: top-left pixel (7, 1); its values are 48 + 4 c + 2 y + x.
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) {
        double v = 48 + 4 * c + 2 * y + x;
        CHECK(d.at(7 + y, 1 + x, c) == static_cast<int>(v / 59 * 255 + 0.5));
      }
  CHECK(d.at(7, 4, 0) == 0);  // no image 5: black
}

TEST_CASE("save_image_grid writes the PNG atomically") {
  testing::TempDir dir;
  Tensor images = rand({3, 3, 8, 8});
  io::save_image_grid(images, dir / "grid.png", 8, 2, 0, 1);
  CHECK(io::read_file(dir / "grid.png") == io::image_grid_png(images, 8, 2, 0, 1));
  CHECK_THROWS_WITH_AS(io::save_image_grid(images, dir / "none/grid.png"), Contains("grid.png"), Error);
}

TEST_CASE("image grid errors name the function and the shape") {
  CHECK_THROWS_WITH_AS(
      io::image_grid_png(zeros({1, 28, 28})),
      Contains("image_grid_png: images must be (N, C, H, W) with C 1 or 3 and N, H, W > 0, got "
               "shape (1, 28, 28)"),
      Error);
  CHECK_THROWS_WITH_AS(io::save_image_grid(zeros({4, 2, 8, 8}), "x.png"),
                       Contains("save_image_grid: images must be (N, C, H, W) with C 1 or 3"), Error);
  CHECK_THROWS_WITH_AS(io::image_grid_png(zeros({0, 1, 8, 8})), Contains("got shape (0, 1, 8, 8)"), Error);
  CHECK_THROWS_WITH_AS(io::image_grid_png(zeros({1, 1, 8, 8}, {.dtype = kInt64})),
                       Contains("image_grid_png: images must be float32 or float64, got int64"), Error);
  CHECK_THROWS_WITH_AS(io::image_grid_png(zeros({1, 1, 8, 8}), 0),
                       Contains("nrow must be positive and padding in [0, 65535], got nrow 0"), Error);
  CHECK_THROWS_WITH_AS(io::image_grid_png(zeros({1, 1, 8, 8}), 8, 2, 1, 1),
                       Contains("image_grid_png: the value range [1, 1] is empty"), Error);
}
