// Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017; https://github.com/zalandoresearch/fashion-mnist):
// 70,000 grayscale 28x28 images of clothing in 10 classes, 6,000 per class for training and 1,000 for
// testing. Read from Debian's package dataset-fashion-mnist: gzipped IDX files, whose header is a
// big-endian magic number (0x803 for images, 0x801 for labels) and the dimension sizes, then raw bytes.
#pragma once

#include <array>
#include <filesystem>
#include <string_view>

#include "muse/tensor.h"

namespace muse::data {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Class names by label.
inline constexpr std::array<std::string_view, 10> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

struct FashionMnist {
  Tensor images;  // (N, 1, 28, 28) float32, pixel / 255 in [0, 1]
  Tensor labels;  // (N,) int64 in 0..9
};

struct FashionMnistOptions {
  bool train = true;                             // train-* (60,000 images) or t10k-* (10,000)
  std::filesystem::path dir = kFashionMnistDir;  // where the four .gz files are
};

// Reads and checks one split: a missing, truncated or corrupt file is a muse::Error naming the file and
// the problem (a missing one also names the apt-get command that installs it).
FashionMnist load_fashion_mnist(const FashionMnistOptions& options = {});

}  // namespace muse::data
