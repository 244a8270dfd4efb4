#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "muse/error.h"
#include "muse/threads.h"
#include "tensor/parallel.h"

using namespace muse;

TEST_CASE("parallel_for: covers every index exactly once") {
  for (int64_t n : {1, 7, 1000, 100003}) {
    std::vector<int> hits(n, 0);
    parallel::parallel_for(n, 10, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[i] += 1;
    });
    bool once = true;
    for (int h : hits) once = once && h == 1;
    CHECK(once);
  }
}

TEST_CASE("parallel_for: nested calls run inline and exceptions reach the caller") {
  std::atomic<int64_t> total{0};
  parallel::parallel_for(100, 1, [&](int64_t b, int64_t e) {
    parallel::parallel_for(e - b, 1, [&](int64_t b2, int64_t e2) { total += e2 - b2; });
  });
  CHECK(total == 100);
  CHECK_THROWS_AS(parallel::parallel_for(1000, 1, [](int64_t, int64_t) { throw std::runtime_error("boom"); }),
                  std::runtime_error);
  // The pool still works afterwards.
  std::atomic<int64_t> after{0};
  parallel::parallel_for(1000, 1, [&](int64_t b, int64_t e) { after += e - b; });
  CHECK(after == 1000);
}

TEST_CASE("set_num_threads / get_num_threads, as torch's") {
  int before = get_num_threads();
  CHECK(before >= 1);
  set_num_threads(1);
  CHECK(get_num_threads() == 1);
  std::vector<int64_t> seen;  // with one thread the whole range runs on the caller, in one call
  parallel::parallel_for(1000, 1, [&](int64_t b, int64_t e) { seen.push_back(b), seen.push_back(e); });
  CHECK(seen == std::vector<int64_t>{0, 1000});
  set_num_threads(before);
  CHECK(get_num_threads() == before);
  CHECK_THROWS_WITH_AS(set_num_threads(0), doctest::Contains("set_num_threads: expected at least 1 thread, got 0"),
                       Error);
}
