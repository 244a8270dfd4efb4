// The muse half of tests/io/torch_interop.py, which runs it:
//   safetensors_interop write PATH   saves sample_tensors() and metadata {"producer": "muse"}
//   safetensors_interop check PATH   loads a file PyTorch wrote and compares it with sample_tensors(),
//                                    expecting the header order PyTorch used: the list reversed
// Exits 0 when everything matches, 1 with the differences on stderr otherwise.
#include <algorithm>
#include <iostream>
#include <string>

#include "io/sample_tensors.h"

using namespace muse;

namespace {

int check_file(const std::string& path) {
  io::SafeTensors loaded = io::load_safetensors(path);
  io::NamedTensors expected = testing::sample_tensors();
  std::reverse(expected.begin(), expected.end());
  int failures = 0;
  auto fail = [&](const std::string& what) {
    std::cerr << "safetensors_interop: " << what << "\n";
    ++failures;
  };
  if (loaded.tensors.size() != expected.size()) {
    fail(str(loaded.tensors.size(), " tensors, expected ", expected.size()));
  }
  for (size_t i = 0; i < std::min(loaded.tensors.size(), expected.size()); ++i) {
    const auto& [name, t] = loaded.tensors[i];
    const auto& [expected_name, e] = expected[i];
    if (name != expected_name) {
      fail(str("tensor ", i, " is '", name, "', expected '", expected_name, "'"));
    } else if (t.dtype() != e.dtype() || !(t.shape() == e.shape()) || !equal(t, e)) {
      fail(str("'", name, "' is ", t, ", expected ", e));
    }
  }
  if (loaded.metadata != std::map<std::string, std::string>{{"producer", "torch"}}) fail("metadata differs");
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc == 3 ? argv[1] : "";
  if (mode != "write" && mode != "check") {
    std::cerr << "usage: safetensors_interop write|check PATH\n";
    return 2;
  }
  try {
    if (mode == "check") return check_file(argv[2]);
    io::save_safetensors(argv[2], testing::sample_tensors(), {{"producer", "muse"}});
    return 0;
  } catch (const Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
