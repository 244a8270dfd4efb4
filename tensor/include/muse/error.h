// muse::Error, the one exception type for user errors, and str(), which builds its messages.
// Every message names the operation first: "matmul: cannot multiply (3, 4) by (5, 6): 4 != 5".
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace muse {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// str("a", 1, shape) concatenates anything that has an operator<<.
template <class... Args>
std::string str(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

// check(cond, "op: ...", values...) throws muse::Error with the concatenated message when cond is false.
template <class... Args>
inline void check(bool condition, const Args&... message) {
  if (!condition) throw Error(str(message...));
}

}  // namespace muse
