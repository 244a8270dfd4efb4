// Datasets and the DataLoader, after torch.utils.data:
//   DataLoader loader(TensorDataset({images, labels}), {.batch_size = 64, .shuffle = true, .seed = 1});
//   for (int64_t epoch = 0; epoch < 10; ++epoch) {
//     loader.set_epoch(epoch);
//     for (Batch& batch : loader) step(batch[0], batch[1]);  // (64, 1, 28, 28), (64,)
//   }
// The order of an epoch is a permutation drawn by Philox from (seed, epoch) alone, so a run that stopped
// after batch k of epoch e resumes bit-identically with set_epoch(e) and begin_at(k + 1). With prefetch,
// a background thread gathers batch k + 1 while the caller computes on batch k.
#pragma once

#include <concepts>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <vector>

#include "muse/tensor.h"

namespace muse::data {

// One tensor per dataset field, each with the batch as its first dimension: (B, ...).
using Batch = std::vector<Tensor>;

// A source of samples numbered 0..size()-1. get_batch may run on the loader's background thread, so it
// must only read shared state.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // The samples at `indices`, stacked along a new first dimension.
  virtual Batch get_batch(std::span<const int64_t> indices) const = 0;
};

// Samples are the rows (first dimension) of CPU tensors with equal first dimensions, like
// torch.utils.data.TensorDataset: sample i is (tensors[0][i], tensors[1][i], ...).
class TensorDataset : public Dataset {
 public:
  explicit TensorDataset(std::vector<Tensor> tensors);
  int64_t size() const override { return size_; }
  Batch get_batch(std::span<const int64_t> indices) const override;
  const std::vector<Tensor>& tensors() const { return tensors_; }

 private:
  std::vector<Tensor> tensors_;  // detached and contiguous
  int64_t size_ = 0;
};

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;    // a new permutation every epoch (else 0, 1, 2, ...)
  uint64_t seed = 0;       // with the epoch, fixes the permutation
  bool drop_last = false;  // skip the last batch when it would be smaller than batch_size
  bool prefetch = true;    // gather the next batch on a background thread
};

class DataLoader {
 public:
  class Iterator;

  template <class D>
  requires std::derived_from<D, Dataset> DataLoader(D dataset, DataLoaderOptions options = {})
      : DataLoader(std::make_shared<const D>(std::move(dataset)), options) {}
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});

  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }
  int64_t size() const;  // batches per epoch, like len(loader)
  void set_epoch(int64_t epoch);
  int64_t epoch() const { return epoch_; }
  // The sample order of the current epoch (every index once).
  std::vector<int64_t> order() const;

  // The batches of the current epoch, from the first or from batch `first` (0 <= first <= size()).
  Iterator begin() const;
  Iterator begin_at(int64_t first) const;
  std::default_sentinel_t end() const { return {}; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  int64_t epoch_ = 0;
};

// An input iterator over one epoch. Stopping early (break, an exception, destruction) stops the
// background thread cleanly; an exception thrown while gathering a batch reaches the caller when it
// advances to that batch.
class DataLoader::Iterator {
 public:
  using value_type = Batch;
  using difference_type = std::ptrdiff_t;

  Iterator(Iterator&&) noexcept;
  Iterator& operator=(Iterator&&) noexcept;
  ~Iterator();

  Batch& operator*() { return batch_; }
  Batch* operator->() { return &batch_; }
  Iterator& operator++();
  bool operator==(std::default_sentinel_t) const { return index_ >= end_; }
  int64_t index() const { return index_; }  // the current batch's number in the epoch

 private:
  friend class DataLoader;
  struct Prefetcher;  // the background thread and its queue
  Iterator(const DataLoader& loader, int64_t first);
  void fetch();  // fills batch_ with batch index_

  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<const std::vector<int64_t>> order_;
  int64_t batch_size_ = 1, index_ = 0, end_ = 0;
  Batch batch_;
  std::unique_ptr<Prefetcher> prefetcher_;
};

}  // namespace muse::data
