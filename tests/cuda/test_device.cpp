// The CUDA device query. Skipped (exit 77) on machines without a GPU.
#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>

#include "muse/cuda.h"
#include "muse/error.h"

namespace {
// Runs before doctest's main: without a GPU there is nothing to test here.
const bool skip = [] {
  if (!muse::cuda::is_available()) {
    std::cout << "no CUDA device (built with CUDA: " << (muse::cuda::built_with_cuda() ? "yes" : "no")
              << "); skipping\n";
    std::exit(77);
  }
  return false;
}();
}  // namespace

TEST_CASE("cuda: a device answers with a name") {
  CHECK(muse::cuda::device_count() >= 1);
  std::string name = muse::cuda::device_name(0);
  CHECK(!name.empty());
  std::cout << "device 0: " << name << "\n";
  CHECK_THROWS_AS(muse::cuda::device_name(muse::cuda::device_count()), muse::Error);
}
