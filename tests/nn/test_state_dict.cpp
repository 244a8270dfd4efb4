// state_dict and load_state_dict: PyTorch's keys and order, storage sharing, round trips, and the
// strict / non-strict error messages (PyTorch's wording).
#include <doctest/doctest.h>

#include "muse/muse.h"
#include "muse/nn/layers.h"

using namespace muse;
using namespace muse::nn;

namespace {

std::shared_ptr<Sequential> mlp(uint64_t seed) {
  Generator g(seed);
  return std::make_shared<Sequential>(std::make_shared<Linear>(4, 3, true, g), std::make_shared<BatchNorm1d>(3),
                                      std::make_shared<ReLU>(), std::make_shared<Linear>(3, 2, true, g));
}

std::vector<std::string> keys(const Module::StateDict& state) {
  std::vector<std::string> out;
  for (const auto& entry : state) out.push_back(entry.first);
  return out;
}

}  // namespace

TEST_CASE("state_dict: PyTorch's keys in PyTorch's order") {
  // list(nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2)).state_dict()) in PyTorch 1.13
  CHECK(keys(mlp(0)->state_dict()) == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias",
                                                                "1.running_mean", "1.running_var",
                                                                "1.num_batches_tracked", "3.weight", "3.bias"});
  auto state = mlp(0)->state_dict();
  CHECK(state[6].second.dtype() == kInt64);
  CHECK(state[6].second.dim() == 0);
  CHECK(state[0].second.shape() == Shape{3, 4});
}

TEST_CASE("state_dict: entries are detached and share storage with the module") {
  auto net = mlp(0);
  auto state = net->state_dict();
  CHECK_FALSE(state[0].second.requires_grad());
  state[0].second.fill_(7);
  CHECK(net->at<Linear>(0)->weight.detach().sum().item() == 7 * 12);
}

TEST_CASE("load_state_dict: round trip copies values into the module's own tensors") {
  auto source = mlp(1), target = mlp(2);
  source->train();
  source->forward(randn({5, 4}));  // moves the running statistics and num_batches_tracked
  Tensor held = target->at<Linear>(0)->weight;
  CHECK_FALSE(equal(held.detach(), source->at<Linear>(0)->weight.detach()));
  target->load_state_dict(source->state_dict());
  auto a = source->state_dict(), b = target->state_dict();
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(a[i].first);
    CHECK(equal(a[i].second, b[i].second));
  }
  CHECK(held.impl() == target->at<Linear>(0)->weight.impl());  // copied in place, not replaced
  CHECK(held.requires_grad());
  CHECK(target->at<BatchNorm1d>(1)->num_batches_tracked.item() == 1);
  Tensor x = randn({3, 4});
  source->eval();
  target->eval();
  CHECK(allclose(source->forward(x), target->forward(x)));
}

TEST_CASE("load_state_dict: strict mode lists missing and unexpected keys, as PyTorch does") {
  auto net = mlp(0);
  auto state = net->state_dict();
  state.erase(state.begin() + 1);  // 0.bias
  state.pop_back();                // 3.bias
  state.emplace_back("extra.weight", zeros({2}));
  CHECK_THROWS_WITH_AS(net->load_state_dict(state),
                       "Error(s) in loading state_dict for Sequential:\n"
                       "\tMissing key(s) in state_dict: \"0.bias\", \"3.bias\".\n"
                       "\tUnexpected key(s) in state_dict: \"extra.weight\".",
                       Error);
  // Non-strict loads what matches and ignores the rest.
  state[0].second.fill_(0.5);
  auto fresh = mlp(3);
  fresh->load_state_dict(state, false);
  CHECK(fresh->at<Linear>(0)->weight.detach().mean().item() == 0.5);
}

TEST_CASE("load_state_dict: size and dtype mismatches are errors even when not strict, and nothing is copied") {
  Sequential net(std::make_shared<Linear>(4, 4));
  Sequential small(std::make_shared<Linear>(4, 3));
  auto state = small.state_dict();
  std::string expected =
      "Error(s) in loading state_dict for Sequential:\n"
      "\tsize mismatch for 0.weight: copying a param with shape [3, 4] from checkpoint, the shape in current model is "
      "[4, 4].\n"
      "\tsize mismatch for 0.bias: copying a param with shape [3] from checkpoint, the shape in current model is [4].";
  CHECK_THROWS_WITH_AS(net.load_state_dict(state), expected.c_str(), Error);
  CHECK_THROWS_WITH_AS(net.load_state_dict(state, false), expected.c_str(), Error);

  // One good entry and one bad one: the good one is not copied either.
  Tensor before = net.at<Linear>(0)->weight.detach().clone();
  Module::StateDict mixed{{"0.weight", zeros({4, 4})}, {"0.bias", zeros({4}, {.dtype = kFloat64})}};
  CHECK_THROWS_WITH_AS(net.load_state_dict(mixed),
                       "Error(s) in loading state_dict for Sequential:\n"
                       "\tdtype mismatch for 0.bias: copying a param of dtype float64 from checkpoint, the dtype in "
                       "current model is float32.",
                       Error);
  CHECK(equal(net.at<Linear>(0)->weight.detach(), before));

  Module::StateDict twice{{"0.weight", zeros({4, 4})}, {"0.bias", zeros({4})}, {"0.bias", zeros({4})}};
  CHECK_THROWS_WITH_AS(net.load_state_dict(twice), doctest::Contains("Duplicate key(s) in state_dict: \"0.bias\"."),
                       Error);
  Module::StateDict undefined{{"0.weight", zeros({4, 4})}, {"0.bias", Tensor()}};
  CHECK_THROWS_WITH_AS(net.load_state_dict(undefined),
                       doctest::Contains("undefined tensor for 0.bias in the checkpoint."), Error);
}

TEST_CASE("load_state_dict: works while parameters require grad and records no graph") {
  auto net = mlp(0);
  Tensor w = net->at<Linear>(3)->weight;
  net->load_state_dict(mlp(5)->state_dict());
  CHECK(w.is_leaf());
  CHECK(w.requires_grad());
  CHECK(equal(w.detach(), mlp(5)->at<Linear>(3)->weight.detach()));
}
