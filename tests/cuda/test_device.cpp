// The CUDA device query.
#include <doctest/doctest.h>

#include <iostream>

#include "muse/cuda.h"
#include "muse/error.h"

TEST_CASE("cuda: a device answers with a name") {
  CHECK(muse::cuda::device_count() >= 1);
  std::string name = muse::cuda::device_name(0);
  CHECK(!name.empty());
  std::cout << "device 0: " << name << "\n";
  CHECK_THROWS_AS(muse::cuda::device_name(muse::cuda::device_count()), muse::Error);
}
