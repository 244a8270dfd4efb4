// DataLoader: the epoch's permutation, batch gathering, and the one-thread prefetcher. Each batch is a
// fresh tensor (after the first few, the caching allocator hands back a recycled block), so a batch the
// caller keeps, or that autograd saved for backward, is never overwritten by a later one.
#include "muse/data/dataloader.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <numeric>
#include <thread>

#include "muse/io/bytes.h"
#include "muse/ops.h"

namespace muse::data {
namespace {

// Epoch e draws its permutation from Philox counters [e * 2^40, (e + 1) * 2^40): epochs never share
// random numbers (randperm of n uses n / 2 counters), and 2^24 epochs fit in the 64-bit counter.
constexpr int kEpochShift = 40;
constexpr int64_t kMaxEpochs = int64_t{1} << (64 - kEpochShift);

// Batch `index` of an epoch: the samples order[index * B, min((index + 1) * B, n)).
Batch gather(const Dataset& dataset, const std::vector<int64_t>& order, int64_t batch_size, int64_t index) {
  size_t begin = static_cast<size_t>(index * batch_size);
  size_t count = std::min(order.size() - begin, static_cast<size_t>(batch_size));
  return dataset.get_batch(std::span<const int64_t>(order).subspan(begin, count));
}

}  // namespace

TensorDataset::TensorDataset(std::vector<Tensor> tensors) {
  check(!tensors.empty(), "TensorDataset: needs at least one tensor");
  for (const Tensor& t : tensors) {
    check(t.defined(), "TensorDataset: tensor ", tensors_.size(), " is undefined");
    check(t.dim() >= 1, "TensorDataset: tensors need a first (sample) dimension, got a 0-dim tensor");
    check(t.device() == kCPU, "TensorDataset: tensors must be on the CPU, got ", t.device());
    check(t.size(0) == tensors[0].size(0), "TensorDataset: every tensor needs the same first dimension, got ",
          tensors[0].shape(), " and ", t.shape());
    tensors_.push_back(t.detach().contiguous());
  }
  size_ = tensors[0].size(0);
}

// Copies the rows at `indices` of each tensor, one memcpy per row.
Batch TensorDataset::get_batch(std::span<const int64_t> indices) const {
  for (int64_t i : indices) {
    check(i >= 0 && i < size_, "TensorDataset: sample index ", i, " is out of range for ", size_, " samples");
  }
  Batch batch;
  for (const Tensor& t : tensors_) {
    Shape shape = t.shape();
    shape[0] = static_cast<int64_t>(indices.size());
    Tensor out = empty(shape, {.dtype = t.dtype()});  // (B, ...)
    std::span<const std::byte> src = io::tensor_bytes(t);
    std::span<std::byte> dst = io::tensor_bytes(out);
    size_t row = src.size() / static_cast<size_t>(size_);  // indices is empty when size_ is 0
    for (size_t i = 0; i < indices.size(); ++i) {
      std::memcpy(dst.data() + i * row, src.data() + static_cast<size_t>(indices[i]) * row, row);
    }
    batch.push_back(out);
  }
  return batch;
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  check(dataset_ != nullptr, "DataLoader: the dataset is null");
  check(options_.batch_size > 0, "DataLoader: batch_size must be positive, got ", options_.batch_size);
}

int64_t DataLoader::size() const {
  int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void DataLoader::set_epoch(int64_t epoch) {
  check(epoch >= 0 && epoch < kMaxEpochs, "DataLoader: epoch must be in [0, 2^24), got ", epoch);
  epoch_ = epoch;
}

std::vector<int64_t> DataLoader::order() const {
  int64_t n = dataset_->size();
  if (!options_.shuffle) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), int64_t{0});
    return order;
  }
  Generator gen(options_.seed);
  gen.set_offset(static_cast<uint64_t>(epoch_) << kEpochShift);
  return randperm(n, {.dtype = kInt64}, gen).to_vector<int64_t>();
}

DataLoader::Iterator DataLoader::begin() const { return Iterator(*this, 0); }

DataLoader::Iterator DataLoader::begin_at(int64_t first) const {
  check(first >= 0 && first <= size(), "DataLoader: begin_at(", first, ") is outside the epoch's ", size(),
        " batches");
  return Iterator(*this, first);
}

// ---- the prefetcher ----

// A background thread calls make(k) for k = first, first + 1, ... < end, keeping at most kDepth finished
// batches waiting (plus the one it holds while the queue is full). The first error stops it; pop()
// delivers the batches made before it, then rethrows it.
struct DataLoader::Iterator::Prefetcher {
  static constexpr size_t kDepth = 1;

  Prefetcher(int64_t first, int64_t end, std::function<Batch(int64_t)> make)
      : worker([this, first, end, make = std::move(make)] { run(first, end, make); }) {}

  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    changed.notify_all();
    worker.join();
  }

  void run(int64_t first, int64_t end, const std::function<Batch(int64_t)>& make) {
    for (int64_t k = first; k < end; ++k) {
      Batch batch;
      try {
        batch = make(k);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        error = std::current_exception();
        changed.notify_all();
        return;
      }
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return stop || ready.size() < kDepth; });
      if (stop) return;
      ready.push_back(std::move(batch));
      changed.notify_all();
    }
  }

  Batch pop() {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return !ready.empty() || error; });
    if (ready.empty()) std::rethrow_exception(error);
    Batch batch = std::move(ready.front());
    ready.pop_front();
    changed.notify_all();
    return batch;
  }

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Batch> ready;
  std::exception_ptr error;
  bool stop = false;
  std::thread worker;  // last: starts once the members above exist
};

// ---- the iterator ----

DataLoader::Iterator::Iterator(const DataLoader& loader, int64_t first)
    : dataset_(loader.dataset_),
      order_(std::make_shared<const std::vector<int64_t>>(loader.order())),
      batch_size_(loader.options_.batch_size),
      index_(first),
      end_(loader.size()) {
  if (loader.options_.prefetch && first < end_) {
    prefetcher_ = std::make_unique<Prefetcher>(
        first, end_, [d = dataset_, o = order_, b = batch_size_](int64_t k) { return gather(*d, *o, b, k); });
  }
  fetch();
}

DataLoader::Iterator::Iterator(Iterator&&) noexcept = default;
DataLoader::Iterator& DataLoader::Iterator::operator=(Iterator&&) noexcept = default;
DataLoader::Iterator::~Iterator() = default;

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++index_;
  fetch();
  return *this;
}

void DataLoader::Iterator::fetch() {
  if (index_ >= end_) {
    batch_.clear();
    prefetcher_.reset();  // its thread has finished: joins at once
    return;
  }
  batch_ = prefetcher_ ? prefetcher_->pop() : gather(*dataset_, *order_, batch_size_, index_);
}

}  // namespace muse::data
