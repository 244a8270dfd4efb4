// Grid layout as torchvision.utils.make_grid: cells of (H + padding) x (W + padding) with one more
// padding on the right and bottom edges; then stb_image_write encodes the PNG into memory.
#include "muse/io/image.h"

#include <stb/stb_image_write.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "muse/io/file.h"

namespace muse::io {
namespace {

// (x - lo) / (hi - lo) in [0, 1] to a byte, rounding as torchvision does (x * 255 + 0.5).
uint8_t to_byte(double x, double lo, double hi) {
  double u = (x - lo) / (hi - lo);
  u = u >= 0 ? (u <= 1 ? u : 1) : 0;  // also sends NaN to 0
  return static_cast<uint8_t>(u * 255 + 0.5);
}

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

// The PNG bytes; errors name `op`, the public function called.
std::string encode_grid(const char* op, const Tensor& images, int64_t nrow, int64_t padding, double lo,
                        double hi) {
  check(images.defined(), op, ": the images tensor is undefined");
  const Shape& s = images.shape();
  check(s.size() == 4 && (s[1] == 1 || s[1] == 3) && s[0] > 0 && s[2] > 0 && s[3] > 0, op,
        ": images must be (N, C, H, W) with C 1 or 3 and N, H, W > 0, got shape ", s);
  check(images.is_floating_point(), op, ": images must be float32 or float64, got ", images.dtype());
  check(nrow > 0 && padding >= 0 && padding <= 65535, op,
        ": nrow must be positive and padding in [0, 65535], got nrow ", nrow, " and padding ", padding);
  check(lo < hi, op, ": the value range [", lo, ", ", hi, "] is empty");
  int64_t n = s[0], c = s[1], h = s[2], w = s[3];
  int64_t cols = std::min(n, nrow), rows = (n + cols - 1) / cols;
  int64_t width = cols * (w + padding) + padding, height = rows * (h + padding) + padding;
  check(width * c <= INT_MAX / height, op, ": a grid of ", width, "x", height,
        " pixels is too large for a PNG");

  Tensor x = images.detach().cpu().to(kFloat64).contiguous();  // (N, C, H, W), copied back from a GPU
  const double* p = x.data_ptr<double>();
  std::vector<uint8_t> grid(static_cast<size_t>(width * height * c), 0);  // (height, width, C), black
  for (int64_t i = 0; i < n; ++i) {
    int64_t top = (i / cols) * (h + padding) + padding, left = (i % cols) * (w + padding) + padding;
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t xx = 0; xx < w; ++xx)
          grid[((top + y) * width + left + xx) * c + ch] =
              to_byte(p[((i * c + ch) * h + y) * w + xx], lo, hi);
  }
  std::string png;
  int ok = stbi_write_png_to_func(append_bytes, &png, static_cast<int>(width), static_cast<int>(height),
                                  static_cast<int>(c), grid.data(), static_cast<int>(width * c));
  check(ok != 0, op, ": the PNG encoder failed on a ", width, "x", height, " grid");
  return png;
}

}  // namespace

std::string image_grid_png(const Tensor& images, int64_t nrow, int64_t padding, double lo, double hi) {
  return encode_grid("image_grid_png", images, nrow, padding, lo, hi);
}

void save_image_grid(const Tensor& images, const std::filesystem::path& path, int64_t nrow, int64_t padding,
                     double lo, double hi) {
  write_file_atomic(path, encode_grid("save_image_grid", images, nrow, padding, lo, hi));
}

}  // namespace muse::io
