// IDX reading through zlib's gz* functions. Nothing in a file's header is trusted: the payload is read in
// chunks into a growing buffer, so a header that claims billions of images fails at the end of the real
// data instead of allocating for them.
#include "muse/data/fashion_mnist.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "muse/ops.h"

namespace muse::data {
namespace fs = std::filesystem;
namespace {

constexpr uint32_t kImagesMagic = 0x803;  // unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x801;  // unsigned bytes, 1 dimension
constexpr int64_t kSide = 28;
constexpr int64_t kClasses = 10;

template <class... Args>
[[noreturn]] void fail(const fs::path& path, const Args&... what) {
  throw Error(str("load_fashion_mnist: '", path.string(), "': ", what...));
}

// A gzip file open for reading, closed by the destructor.
class GzFile {
 public:
  explicit GzFile(const fs::path& path) : path_(path) {
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr && errno == ENOENT) {
      fail(path, "no such file; Debian installs Fashion-MNIST in ", kFashionMnistDir,
           " with: apt-get install dataset-fashion-mnist");
    }
    if (file_ == nullptr) fail(path, "cannot open: ", errno ? std::strerror(errno) : "out of memory");
  }
  ~GzFile() { gzclose(file_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Reads up to n bytes; fewer only at the end of the data. Corrupt or truncated gzip data is an error.
  size_t read(void* dst, size_t n) {
    char* out = static_cast<char*>(dst);
    size_t total = 0;
    while (total < n) {
      int got = gzread(file_, out + total, static_cast<unsigned>(std::min<size_t>(n - total, 1 << 20)));
      if (got < 0) fail(path_, "corrupt gzip data (zlib: ", message(), ")");
      if (got == 0) break;
      total += static_cast<size_t>(got);
    }
    int code = Z_OK;
    gzerror(file_, &code);
    if (code == Z_BUF_ERROR) fail(path_, "the gzip data is truncated");
    if (code != Z_OK) fail(path_, "cannot read (zlib: ", message(), ")");
    if (gzdirect(file_)) fail(path_, "not a gzip file");
    return total;
  }

  // Reads exactly n bytes of the header named `what`.
  void read_exactly(void* dst, size_t n, const char* what) {
    if (read(dst, n) != n) fail(path_, "the file ends inside the ", what);
  }

 private:
  // zlib's last error, without the "path: " it puts in front.
  std::string message() {
    int code = Z_OK;
    std::string m = gzerror(file_, &code);
    if (code == Z_ERRNO) return std::strerror(errno);
    std::string prefix = path_.string() + ": ";
    return m.starts_with(prefix) ? m.substr(prefix.size()) : m;
  }

  fs::path path_;
  gzFile file_ = nullptr;
};

std::string hex(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

uint32_t big_endian(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// One IDX file of unsigned bytes: its dimension sizes and its payload, checked to be complete and
// followed by nothing.
struct Idx {
  std::vector<int64_t> dims;
  std::vector<unsigned char> payload;
};

Idx read_idx(const fs::path& path, uint32_t magic) {
  GzFile file(path);
  unsigned char word[4];
  file.read_exactly(word, 4, "magic number");
  if (big_endian(word) != magic) {
    fail(path, "bad magic number ", hex(big_endian(word)), ", expected ", hex(magic),
         " (an IDX file of unsigned bytes with ", magic & 0xff, " dimensions)");
  }
  Idx idx;
  uint64_t count = 1;
  for (uint32_t d = 0; d < (magic & 0xff); ++d) {
    file.read_exactly(word, 4, "dimension sizes");
    idx.dims.push_back(big_endian(word));
    if (__builtin_mul_overflow(count, big_endian(word), &count)) fail(path, "the dimension sizes overflow");
  }
  unsigned char chunk[1 << 16];
  for (size_t got = 1; got > 0 && idx.payload.size() < count;) {
    got = file.read(chunk, std::min<uint64_t>(sizeof chunk, count - idx.payload.size()));
    idx.payload.insert(idx.payload.end(), chunk, chunk + got);
  }
  if (idx.payload.size() < count) {
    fail(path, "the data ends after ", idx.payload.size(), " of ", count, " bytes (truncated file)");
  }
  if (file.read(chunk, 1) != 0) fail(path, "trailing data after the ", count, " bytes the header announces");
  return idx;
}

}  // namespace

FashionMnist load_fashion_mnist(const FashionMnistOptions& options) {
  std::string prefix = options.train ? "train" : "t10k";
  fs::path images_path = options.dir / (prefix + "-images-idx3-ubyte.gz");
  fs::path labels_path = options.dir / (prefix + "-labels-idx1-ubyte.gz");
  Idx images = read_idx(images_path, kImagesMagic);
  if (images.dims[1] != kSide || images.dims[2] != kSide) {
    fail(images_path, "images are ", images.dims[1], "x", images.dims[2], ", expected 28x28");
  }
  Idx labels = read_idx(labels_path, kLabelsMagic);
  if (labels.dims[0] != images.dims[0]) {
    fail(labels_path, labels.dims[0], " labels for the ", images.dims[0], " images of '",
         images_path.string(), "'");
  }
  int64_t n = images.dims[0];
  FashionMnist out{.images = empty({n, 1, kSide, kSide}), .labels = empty({n}, {.dtype = kInt64})};
  float* pixels = out.images.data_ptr<float>();
  for (size_t i = 0; i < images.payload.size(); ++i) pixels[i] = images.payload[i] / 255.0f;
  int64_t* classes = out.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    classes[i] = labels.payload[i];
    if (classes[i] >= kClasses) fail(labels_path, "label ", classes[i], " of image ", i, " is not in 0..9");
  }
  return out;
}

}  // namespace muse::data
