// Image grids as PNG files, like torchvision.utils.save_image: a batch of images laid out in rows of
// nrow, with `padding` black pixels around and between them. Values in [lo, hi] map linearly to 0..255
// (values outside are clamped, NaN becomes 0). One channel gives a grayscale PNG, three an RGB one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "muse/tensor.h"

namespace muse::io {

// The PNG file's bytes for a grid of images (N, C, H, W), C 1 or 3, floating point (on any device):
// min(N, nrow) images across and ceil(N / nrow) down.
std::string image_grid_png(const Tensor& images, int64_t nrow = 8, int64_t padding = 2, double lo = -1,
                           double hi = 1);

// Writes image_grid_png(...) to path atomically (see write_file_atomic).
void save_image_grid(const Tensor& images, const std::filesystem::path& path, int64_t nrow = 8,
                     int64_t padding = 2, double lo = -1, double hi = 1);

}  // namespace muse::io
