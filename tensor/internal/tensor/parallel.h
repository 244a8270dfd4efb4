// The one CPU thread pool. parallel_for(n, grain, f) splits [0, n) into one contiguous range per
// thread and calls f(begin, end) on each; the caller runs the first range itself. Below `grain`
// elements it runs f(0, n) inline, as waking a thread costs microseconds. Idle workers spin briefly
// and then sleep, so the pool never competes for the cores while muse is not computing.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

namespace muse::parallel {

int num_threads();
void set_num_threads(int n);  // 1 turns parallelism off; the default is std::thread::hardware_concurrency

// A non-owning reference to a callable (no allocation per call, unlike std::function).
class RangeFn {
 public:
  template <class F>
  RangeFn(F& f) : obj_(&f), call_([](void* o, int64_t b, int64_t e) { (*static_cast<F*>(o))(b, e); }) {}
  void operator()(int64_t b, int64_t e) const { call_(obj_, b, e); }

 private:
  void* obj_;
  void (*call_)(void*, int64_t, int64_t);
};

void run(int64_t n, RangeFn fn);
bool in_parallel_region();

template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  if (n <= grain || num_threads() == 1 || in_parallel_region()) {
    f(int64_t{0}, n);
    return;
  }
  run(n, RangeFn(f));
}

}  // namespace muse::parallel
