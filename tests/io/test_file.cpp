#include <doctest/doctest.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/temp_dir.h"
#include "muse/error.h"
#include "muse/io/file.h"

using muse::io::read_file;
using muse::io::write_file_atomic;
using muse::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// The names in dir, to see that no temporary file was left behind.
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Lowers the largest file this process may write (RLIMIT_FSIZE) for its lifetime, so that a write fails
// half-way with EFBIG, as on a full disk. SIGXFSZ is ignored meanwhile (its default kills the process).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit lower = saved_;
    lower.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lower);
    saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, saved_handler_);
  }

 private:
  rlimit saved_{};
  void (*saved_handler_)(int) = nullptr;
};

}  // namespace

TEST_CASE("write_file_atomic creates and replaces files, and read_file reads them back") {
  TempDir dir;
  fs::path path = dir / "data.bin";
  std::string bytes("a\0b\xff", 4);
  write_file_atomic(path, bytes);
  CHECK(read_file(path) == bytes);
  write_file_atomic(path, "second, longer contents");
  CHECK(read_file(path) == "second, longer contents");
  write_file_atomic(path, "");
  CHECK(read_file(path).empty());
  CHECK(names_in(dir.path()) == std::vector<std::string>{"data.bin"});  // no temporary left
}

TEST_CASE("read_file errors name the file and the reason") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(read_file(dir / "missing"), doctest::Contains("missing': No such file or directory"),
                       muse::Error);
  CHECK_THROWS_WITH_AS(read_file(dir.path()), doctest::Contains("Is a directory"), muse::Error);
}

TEST_CASE("write_file_atomic into a missing directory names the path") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(write_file_atomic(dir / "no/such/file", "x"),
                       doctest::Contains("write_file_atomic: cannot create a temporary file for"),
                       muse::Error);
  CHECK_THROWS_WITH_AS(write_file_atomic(dir / "no/such/file", "x"),
                       doctest::Contains("no/such/file': No such file or directory"), muse::Error);
}

TEST_CASE("a failed rename leaves the target as it was and removes the temporary file") {
  TempDir dir;
  fs::create_directory(dir / "target");
  std::ofstream(dir / "target" / "inside") << "kept";
  CHECK_THROWS_WITH_AS(write_file_atomic(dir / "target", "new"), doctest::Contains("target': Is a directory"),
                       muse::Error);
  CHECK(fs::is_directory(dir / "target"));
  CHECK(read_file(dir / "target" / "inside") == "kept");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"target"});
}

TEST_CASE("a write that fails half-way leaves the previous file intact") {
  TempDir dir;
  fs::path path = dir / "checkpoint";
  write_file_atomic(path, "old contents");
  {
    FileSizeLimit limit(1000);
    CHECK_THROWS_WITH_AS(write_file_atomic(path, std::string(100000, 'x')),
                         doctest::Contains("checkpoint': File too large"), muse::Error);
  }
  CHECK(read_file(path) == "old contents");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"checkpoint"});
}
