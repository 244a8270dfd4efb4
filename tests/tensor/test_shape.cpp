#include <doctest/doctest.h>

#include <sstream>

#include "muse/error.h"
#include "muse/shape.h"

using muse::Shape;

TEST_CASE("shape: sizes, numel, printing") {
  Shape s{2, 3, 4};
  CHECK(s.size() == 3);
  CHECK(s.numel() == 24);
  CHECK(Shape().numel() == 1);  // a 0-dim tensor holds one element
  CHECK(Shape{3, 0}.numel() == 0);
  std::ostringstream out;
  out << s << ' ' << Shape{5} << ' ' << Shape();
  CHECK(out.str() == "(2, 3, 4) (5,) ()");
}

TEST_CASE("shape: insert and erase keep order") {
  Shape s{2, 3};
  s.insert(1, 7);
  CHECK(s == Shape{2, 7, 3});
  s.insert(3, 9);
  CHECK(s == Shape{2, 7, 3, 9});
  s.erase(0);
  CHECK(s == Shape{7, 3, 9});
}

TEST_CASE("shape: more than kMaxDims dims is a muse::Error") {
  CHECK_THROWS_WITH_AS(Shape({1, 1, 1, 1, 1, 1, 1, 1, 1}), doctest::Contains("at most 8 dimensions"), muse::Error);
  Shape s{1, 1, 1, 1, 1, 1, 1, 1};
  CHECK_THROWS_AS(s.push_back(1), muse::Error);
}
