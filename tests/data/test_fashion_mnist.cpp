#include <doctest/doctest.h>
#include <zlib.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "data/fashion_mnist_reference.h"
#include "io/temp_dir.h"
#include "muse/data/fashion_mnist.h"
#include "muse/io/file.h"
#include "muse/ops.h"

using namespace muse;
using doctest::Contains;
namespace fs = std::filesystem;

namespace {

// The byte a pixel came from: pixel = byte / 255 in float32, so round(pixel * 255) is exact.
int64_t byte_of(float pixel) { return std::lround(pixel * 255.0); }

void check_split(const data::FashionMnist& d, const fashion_mnist_reference::Split& ref, int64_t per_class) {
  REQUIRE(d.images.shape() == Shape{ref.count, 1, 28, 28});
  REQUIRE(d.labels.shape() == Shape{ref.count});
  CHECK(d.images.dtype() == kFloat32);
  CHECK(d.labels.dtype() == kInt64);
  const float* pixels = d.images.data_ptr<float>();
  const int64_t* labels = d.labels.data_ptr<int64_t>();
  int64_t sum = 0;
  for (int64_t i = 0; i < d.images.numel(); ++i) sum += byte_of(pixels[i]);
  CHECK(sum == ref.pixel_sum);
  CHECK(d.images.min().item() == 0.0);
  CHECK(d.images.max().item() == 1.0);
  for (int64_t i = 0; i < 10; ++i) CHECK(labels[i] == ref.first_labels[i]);
  std::vector<int64_t> counts(10, 0);
  for (int64_t i = 0; i < ref.count; ++i) counts.at(labels[i]) += 1;
  CHECK(counts == std::vector<int64_t>(10, per_class));
  for (const auto& image : ref.images) {
    CAPTURE(image.index);
    const float* p = pixels + image.index * 784;
    int64_t image_sum = 0, weighted = 0;
    for (int64_t k = 0; k < 784; ++k) image_sum += byte_of(p[k]), weighted += (k + 1) * byte_of(p[k]);
    CHECK(labels[image.index] == image.label);
    CHECK(image_sum == image.pixel_sum);
    CHECK(weighted == image.weighted_sum);
    CHECK(byte_of(p[14 * 28 + 14]) == image.center);
  }
}

}  // namespace

TEST_CASE("Fashion-MNIST: Debian's files, checked against Python's gzip") {
  check_split(data::load_fashion_mnist(), fashion_mnist_reference::kTrain, 6000);
  check_split(data::load_fashion_mnist({.train = false}), fashion_mnist_reference::kTest, 1000);
  CHECK(data::kFashionMnistClasses[0] == "T-shirt/top");
  CHECK(data::kFashionMnistClasses[9] == "Ankle boot");
}

namespace {

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

// An IDX file: magic, dimension sizes, then `payload` bytes counting 0, 1, 2, ... (mod 256).
std::string idx(uint32_t magic, const std::vector<uint32_t>& dims, size_t payload) {
  std::string out = be32(magic);
  for (uint32_t d : dims) out += be32(d);
  for (size_t i = 0; i < payload; ++i) out.push_back(static_cast<char>(i % 256));
  return out;
}

std::string gzip(const std::string& bytes) {
  testing::TempDir dir;
  gzFile f = gzopen((dir / "x.gz").c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  return io::read_file(dir / "x.gz");
}

// A test split of 3 images in a temporary directory, whose files tests then spoil one at a time.
struct Split {
  testing::TempDir dir;
  fs::path images = dir / "t10k-images-idx3-ubyte.gz", labels = dir / "t10k-labels-idx1-ubyte.gz";

  Split() {
    write(images, gzip(idx(0x803, {3, 28, 28}, 3 * 784)));
    write(labels, gzip(idx(0x801, {3}, 3)));
  }
  static void write(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  data::FashionMnist load() const { return data::load_fashion_mnist({.train = false, .dir = dir.path()}); }
};

#define CHECK_LOAD_FAILS(split, expected) CHECK_THROWS_WITH_AS(split.load(), Contains(expected), Error)

}  // namespace

TEST_CASE("Fashion-MNIST: a small valid split loads with the right values") {
  Split s;
  data::FashionMnist d = s.load();
  CHECK(d.images.shape() == Shape{3, 1, 28, 28});
  CHECK(d.labels.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2});
  CHECK(d.images.data_ptr<float>()[1000] == (1000 % 256) / 255.0f);
}

TEST_CASE("Fashion-MNIST: corrupt and truncated files name the file and the problem") {
  {
    Split s;
    Split::write(s.images, gzip(idx(0x804, {3, 28, 28}, 3 * 784)));
    CHECK_LOAD_FAILS(s, "t10k-images-idx3-ubyte.gz': bad magic number 0x00000804, expected 0x00000803");
  }
  {
    Split s;
    Split::write(s.labels, gzip(idx(0x803, {3}, 3)));
    CHECK_LOAD_FAILS(s, "t10k-labels-idx1-ubyte.gz': bad magic number 0x00000803, expected 0x00000801");
  }
  {
    Split s;
    Split::write(s.images, gzip(idx(0x803, {3, 28, 28}, 2 * 784 + 100)));
    CHECK_LOAD_FAILS(s, "images-idx3-ubyte.gz': the data ends after 1668 of 2352 bytes (truncated file)");
  }
  {
    Split s;
    Split::write(s.images, gzip(idx(0x803, {3, 28, 28}, 3 * 784 + 1)));
    CHECK_LOAD_FAILS(s, "images-idx3-ubyte.gz': trailing data after the 2352 bytes the header announces");
  }
  {
    Split s;
    Split::write(s.labels, gzip(idx(0x801, {4}, 4)));
    CHECK_LOAD_FAILS(s, "labels-idx1-ubyte.gz': 4 labels for the 3 images of '");
  }
  {
    Split s;
    Split::write(s.images, gzip(idx(0x803, {3, 27, 28}, 3 * 27 * 28)));
    CHECK_LOAD_FAILS(s, "images are 27x28, expected 28x28");
  }
  {
    Split s;
    Split::write(s.labels, gzip(idx(0x801, {3}, 0) + std::string("\1\12\2", 3)));
    CHECK_LOAD_FAILS(s, "labels-idx1-ubyte.gz': label 10 of image 1 is not in 0..9");
  }
  {
    Split s;
    Split::write(s.labels, gzip(be32(0x801).substr(0, 3)));
    CHECK_LOAD_FAILS(s, "labels-idx1-ubyte.gz': the file ends inside the magic number");
  }
  {
    Split s;
    Split::write(s.images, gzip(be32(0x803) + be32(3)));
    CHECK_LOAD_FAILS(s, "the file ends inside the dimension sizes");
  }
}

TEST_CASE("Fashion-MNIST: broken gzip streams") {
  {
    Split s;
    Split::write(s.labels, idx(0x801, {3}, 3));
    CHECK_LOAD_FAILS(s, "labels-idx1-ubyte.gz': not a gzip file");
  }
  {
    Split s;
    std::string gz = gzip(idx(0x803, {3, 28, 28}, 3 * 784));
    for (size_t cut : {size_t{10}, gz.size() / 2, gz.size() - 4}) {
      CAPTURE(cut);
      Split::write(s.images, gz.substr(0, cut));
      CHECK_LOAD_FAILS(s, "images-idx3-ubyte.gz': the gzip data is truncated");
    }
  }
  {
    Split s;
    std::string gz = gzip(idx(0x803, {3, 28, 28}, 3 * 784));
    gz[gz.size() - 6] ^= 0x55;  // the CRC-32 of the uncompressed data
    Split::write(s.images, gz);
    CHECK_LOAD_FAILS(s, "images-idx3-ubyte.gz': corrupt gzip data (zlib: incorrect data check)");
  }
}

TEST_CASE("Fashion-MNIST: a missing file prints the command that installs it") {
  testing::TempDir dir;
  CHECK_THROWS_WITH_AS(
      data::load_fashion_mnist({.dir = dir.path()}),
      Contains("train-images-idx3-ubyte.gz': no such file; Debian installs Fashion-MNIST in "
               "/usr/share/datasets/fashion-mnist with: apt-get install dataset-fashion-mnist"),
      Error);
}
