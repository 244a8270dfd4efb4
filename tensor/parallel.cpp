#include "tensor/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "muse/error.h"
#include "muse/threads.h"

namespace muse::parallel {
namespace {

thread_local bool t_in_region = false;
constexpr auto kSpin = std::chrono::microseconds(50);

class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }
  ~Pool() { stop(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    std::lock_guard<std::mutex> job_lock(job_mutex_);  // no job in flight while the workers change
    stop();
    stopping_ = false;
    // New workers start from the current generation, so they never rerun a finished job.
    uint64_t now = generation_.load();
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i, now] { work(i, now); });
  }

  void run(int64_t n, RangeFn fn) {
    std::unique_lock<std::mutex> job_lock(job_mutex_);  // one job at a time
    n_ = n;
    fn_ = &fn;
    error_ = nullptr;
    pending_.store(size() - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    run_chunk(0);
    while (pending_.load(std::memory_order_acquire) != 0) {
      std::this_thread::yield();
    }
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_chunk(int index) {
    int parts = size();
    int64_t begin = n_ * index / parts, end = n_ * (index + 1) / parts;
    if (begin >= end) return;
    t_in_region = true;
    try {
      (*fn_)(begin, end);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    t_in_region = false;
  }

  void work(int index, uint64_t seen) {
    for (;;) {
      // Spin for a short while, since kernels often come back to back, then sleep.
      auto until = std::chrono::steady_clock::now() + kSpin;
      while (generation_.load(std::memory_order_acquire) == seen && !stopping_ &&
             std::chrono::steady_clock::now() < until) {
      }
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load() != seen || stopping_; });
        if (stopping_) return;
        seen = generation_.load();
      }
      run_chunk(index);
      pending_.fetch_sub(1, std::memory_order_release);
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex job_mutex_, mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
  int64_t n_ = 0;
  RangeFn* fn_ = nullptr;
  std::exception_ptr error_;
};

// MUSE_NUM_THREADS when set, else the number of CPUs.
int default_threads() {
  const char* env = std::getenv("MUSE_NUM_THREADS");
  if (env == nullptr || *env == '\0') return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  char* end = nullptr;
  long n = std::strtol(env, &end, 10);
  check(*end == '\0' && n >= 1 && n <= 1024, "MUSE_NUM_THREADS: expected a number of threads from 1 to 1024, got '",
        env, "'");
  return static_cast<int>(n);
}

Pool& pool() {
  static Pool* p = new Pool(default_threads());
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(std::max(1, n)); }
bool in_parallel_region() { return t_in_region; }
void run(int64_t n, RangeFn fn) { pool().run(n, fn); }

}  // namespace muse::parallel

namespace muse {

int get_num_threads() { return parallel::num_threads(); }

void set_num_threads(int n) {
  check(n >= 1, "set_num_threads: expected at least 1 thread, got ", n);
  parallel::set_num_threads(n);
}

}  // namespace muse
