#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "muse/data/dataloader.h"
#include "muse/ops.h"

using namespace muse;
using data::Batch;
using data::DataLoader;
using data::TensorDataset;
using doctest::Contains;

namespace {

// Samples 0..n-1 as (x: (n, 2) float32 with x[i] = (i, -i), y: (n,) int64 with y[i] = i).
TensorDataset numbered(int64_t n) {
  Tensor y = arange(n, {.dtype = kInt64});
  Tensor x = stack({arange(n), -arange(n)}, 1);
  return TensorDataset({x, y});
}

// The sample indices of every batch of the current epoch, read back from y.
std::vector<std::vector<int64_t>> epoch(const DataLoader& loader, int64_t first = 0) {
  std::vector<std::vector<int64_t>> batches;
  for (auto it = loader.begin_at(first); it != loader.end(); ++it) {
    Batch& b = *it;
    CHECK(it.index() == first + static_cast<int64_t>(batches.size()));
    REQUIRE(b.size() == 2);
    std::vector<int64_t> ids = b[1].to_vector<int64_t>();
    CHECK(b[0].shape() == Shape{static_cast<int64_t>(ids.size()), 2});
    for (size_t i = 0; i < ids.size(); ++i) {  // x travels with y
      CHECK(b[0].select(0, i).to_vector<float>() == std::vector<float>{float(ids[i]), -float(ids[i])});
    }
    batches.push_back(ids);
  }
  return batches;
}

std::vector<int64_t> flatten(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  return all;
}

}  // namespace

TEST_CASE("DataLoader without shuffle: batches in order, the last one short or dropped") {
  DataLoader loader(numbered(10), {.batch_size = 4});
  CHECK(loader.size() == 3);
  CHECK(epoch(loader) == std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}});
  DataLoader dropping(numbered(10), {.batch_size = 4, .drop_last = true});
  CHECK(dropping.size() == 2);
  CHECK(epoch(dropping) == std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}});
  DataLoader exact(numbered(8), {.batch_size = 4, .drop_last = true});
  CHECK(exact.size() == 2);
  CHECK(DataLoader(numbered(3), {.batch_size = 4, .drop_last = true}).size() == 0);
  CHECK(epoch(DataLoader(numbered(3), {.batch_size = 4, .drop_last = true})).empty());
  CHECK(epoch(DataLoader(numbered(0), {.batch_size = 4})).empty());
}

TEST_CASE("DataLoader with shuffle: every sample once per epoch, fixed by (seed, epoch)") {
  DataLoader loader(numbered(103), {.batch_size = 10, .shuffle = true, .seed = 7});
  std::vector<int64_t> all(103);
  std::iota(all.begin(), all.end(), 0);
  std::vector<std::vector<int64_t>> orders;
  for (int64_t e = 0; e < 3; ++e) {
    loader.set_epoch(e);
    std::vector<int64_t> order = flatten(epoch(loader));
    CHECK(order == loader.order());
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == all);
    CHECK(order != all);
    orders.push_back(order);
  }
  CHECK(orders[0] != orders[1]);
  CHECK(orders[1] != orders[2]);

  DataLoader again(numbered(103), {.batch_size = 10, .shuffle = true, .seed = 7});
  again.set_epoch(1);
  CHECK(flatten(epoch(again)) == orders[1]);
  DataLoader other_seed(numbered(103), {.batch_size = 10, .shuffle = true, .seed = 8});
  other_seed.set_epoch(1);
  CHECK(other_seed.order() != orders[1]);
}

TEST_CASE("DataLoader resumes mid-epoch at batch k with the same batches") {
  DataLoader loader(numbered(50), {.batch_size = 8, .shuffle = true, .seed = 3});
  loader.set_epoch(5);
  std::vector<std::vector<int64_t>> full = epoch(loader);
  REQUIRE(full.size() == 7);
  for (int64_t k : {0, 1, 4, 6, 7}) {
    CAPTURE(k);
    DataLoader resumed(numbered(50), {.batch_size = 8, .shuffle = true, .seed = 3});
    resumed.set_epoch(5);
    CHECK(epoch(resumed, k) == std::vector<std::vector<int64_t>>(full.begin() + k, full.end()));
  }
  CHECK_THROWS_WITH_AS(loader.begin_at(8),
                       Contains("DataLoader: begin_at(8) is outside the epoch's 7 batches"), Error);
}

TEST_CASE("DataLoader: prefetch on and off give identical batches") {
  Tensor x = randn({37, 3, 2});
  Tensor y = randint(0, 10, {37});
  for (bool drop_last : {false, true}) {
    DataLoader with(TensorDataset({x, y}),
                    {.batch_size = 5, .shuffle = true, .seed = 11, .drop_last = drop_last});
    DataLoader without(
        TensorDataset({x, y}),
        {.batch_size = 5, .shuffle = true, .seed = 11, .drop_last = drop_last, .prefetch = false});
    with.set_epoch(2);
    without.set_epoch(2);
    auto a = with.begin();
    auto b = without.begin();
    int64_t count = 0;
    for (; a != with.end() && b != without.end(); ++a, ++b, ++count) {
      CHECK(equal((*a)[0], (*b)[0]));
      CHECK(equal((*a)[1], (*b)[1]));
    }
    CHECK(a == with.end());
    CHECK(b == without.end());
    CHECK(count == with.size());
  }
}

TEST_CASE("DataLoader: batches the caller keeps are never overwritten") {
  DataLoader loader(numbered(40), {.batch_size = 4});
  std::vector<Batch> kept;
  for (Batch& b : loader) kept.push_back(b);
  for (size_t k = 0; k < kept.size(); ++k) {
    CHECK(kept[k][1].to_vector<int64_t>() ==
          std::vector<int64_t>{int64_t(4 * k), int64_t(4 * k + 1), int64_t(4 * k + 2), int64_t(4 * k + 3)});
  }
}

TEST_CASE("DataLoader: stopping early does not hang") {
  DataLoader loader(numbered(1000), {.batch_size = 3, .shuffle = true});
  for (int repeat = 0; repeat < 20; ++repeat) {
    int64_t seen = 0;
    for (Batch& b : loader) {
      CHECK(b[0].size(0) == 3);
      if (++seen == 2) break;  // the worker is blocked on the full queue here
    }
    CHECK(seen == 2);
  }
  { auto it = loader.begin(); }  // destroyed right after the first batch
  auto it = loader.begin();
  it = loader.begin_at(300);  // the first iterator's thread stops on reassignment
  CHECK(it.index() == 300);
}

namespace {

// Fails on any batch holding sample `bad`.
struct FailingDataset : data::Dataset {
  int64_t bad;
  explicit FailingDataset(int64_t bad) : bad(bad) {}
  int64_t size() const override { return 20; }
  Batch get_batch(std::span<const int64_t> indices) const override {
    for (int64_t i : indices) check(i != bad, "FailingDataset: sample ", i, " is unreadable");
    return {from_vector(std::vector<int64_t>(indices.begin(), indices.end()), {int64_t(indices.size())},
                        {.dtype = kInt64})};
  }
};

}  // namespace

TEST_CASE("DataLoader: an error while gathering reaches the caller at that batch") {
  for (bool prefetch : {true, false}) {
    CAPTURE(prefetch);
    DataLoader loader(FailingDataset(13), {.batch_size = 4, .prefetch = prefetch});
    auto it = loader.begin();
    CHECK((*it)[0].to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 3});
    ++it;
    ++it;
    CHECK((*it)[0].to_vector<int64_t>() == std::vector<int64_t>{8, 9, 10, 11});
    CHECK_THROWS_WITH_AS(++it, Contains("FailingDataset: sample 13 is unreadable"), Error);
  }
}

TEST_CASE("TensorDataset and DataLoader errors") {
  CHECK_THROWS_WITH_AS(TensorDataset(std::vector<Tensor>{}),
                       Contains("TensorDataset: needs at least one tensor"), Error);
  CHECK_THROWS_WITH_AS(
      TensorDataset({zeros({3, 2}), zeros({4})}),
      Contains("TensorDataset: every tensor needs the same first dimension, got (3, 2) and (4,)"), Error);
  CHECK_THROWS_WITH_AS(TensorDataset({scalar_tensor(1)}), Contains("got a 0-dim tensor"), Error);
  int64_t bad[] = {3};
  CHECK_THROWS_WITH_AS(numbered(3).get_batch(bad), Contains("sample index 3 is out of range for 3 samples"),
                       Error);
  CHECK_THROWS_WITH_AS(DataLoader(numbered(3), {.batch_size = 0}),
                       Contains("DataLoader: batch_size must be positive, got 0"), Error);
  DataLoader loader(numbered(3));
  CHECK_THROWS_WITH_AS(loader.set_epoch(-1), Contains("DataLoader: epoch must be in [0, 2^24), got -1"),
                       Error);
}

TEST_CASE("TensorDataset gathers non-contiguous and bool tensors") {
  Tensor x = arange(12).reshape({3, 4}).t();  // (4, 3), non-contiguous
  Tensor mask = arange(4) > 1.5;
  DataLoader loader(TensorDataset({x, mask}), {.batch_size = 2, .shuffle = true, .seed = 1});
  std::vector<int64_t> order = loader.order();
  int64_t k = 0;
  for (Batch& b : loader) {
    for (int64_t i = 0; i < 2; ++i, ++k) {
      CHECK(equal(b[0].select(0, i), x.select(0, order[k])));
      CHECK(b[1].select(0, i).item() == (order[k] > 1 ? 1.0 : 0.0));
    }
  }
}
