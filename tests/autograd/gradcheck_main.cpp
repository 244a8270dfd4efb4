// Runs the gradcheck suite, then checks its coverage: every op name that autograd/ passes to record()
// must have had its backward gradchecked by some test case, or this program fails and names the op.
// (Coverage is only judged when the whole suite runs, i.e. without doctest filters.)
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "muse/gradcheck.h"

namespace {

std::set<std::string> recorded_op_names(const std::filesystem::path& dir) {
  std::set<std::string> names;
  const std::string marker = "record(\"";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".cpp") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    for (size_t at = s.find(marker); at != std::string::npos; at = s.find(marker, at + 1)) {
      size_t begin = at + marker.size(), end = s.find('"', begin);
      if (end != std::string::npos) names.insert(s.substr(begin, end - begin));
    }
  }
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  int status = context.run();
  if (context.shouldExit() || argc > 1) return status;

  const char* root = std::getenv("MUSE_SOURCE_DIR");
  if (root == nullptr) {
    std::cerr << "gradcheck coverage: MUSE_SOURCE_DIR is not set (meson test sets it)\n";
    return 1;
  }
  std::set<std::string> recorded = recorded_op_names(std::filesystem::path(root) / "autograd");
  int missing = 0;
  for (const std::string& name : recorded) {
    if (muse::gradchecked_ops().count(name)) continue;
    std::cerr << "gradcheck coverage: op '" << name << "' records a backward but no gradcheck ran it\n";
    ++missing;
  }
  std::cout << "gradcheck coverage: " << recorded.size() - missing << " of " << recorded.size()
            << " recorded ops gradchecked\n";
  return status != 0 ? status : (missing > 0 || recorded.empty() ? 1 : 0);
}
