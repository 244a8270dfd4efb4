// The cuda suite's main: without a GPU (or without CUDA in this build) there is nothing to test, and
// the program exits 77, which meson reports as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iostream>

#include "muse/cuda.h"

int main(int argc, char** argv) {
  if (!muse::cuda::is_available()) {
    std::cout << "no CUDA device (built with CUDA: " << (muse::cuda::built_with_cuda() ? "yes" : "no")
              << "); skipping\n";
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
