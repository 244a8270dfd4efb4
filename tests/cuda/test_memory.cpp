// Moving tensors between devices (and gradients back), mixed-device errors, printing and item(), the
// copy kernel on every dtype pair and stride pattern, and the caching allocator: reuse, and the
// out-of-memory message.
#include <doctest/doctest.h>

#include <sstream>

#include "compare.h"
#include "tensor/array.h"
#include "tensor/backend.h"

using namespace muse;
using namespace cudatest;
using doctest::Contains;

TEST_CASE("cuda: to(device) copies and sends the gradient back") {
  Tensor x = random({7, 1023}, 1).requires_grad_();
  Tensor y = x.cuda();
  CHECK(y.device() == kCUDA);
  CHECK(y.grad_fn_name() == "to");
  CHECK(x.cuda().cuda().device() == kCUDA);
  CHECK(mismatch(y, x, kExact).empty());
  Tensor loss = (y * y).sum();
  loss.backward();
  CHECK(x.grad().device() == kCPU);
  CHECK(mismatch(x.grad(), 2.0 * x.detach(), kElementwise).empty());
  // And the other way: a GPU leaf, a CPU loss.
  Tensor w = random({5}, 2).cuda().requires_grad_();
  (w.cpu() * 3.0).sum().backward();
  CHECK(w.grad().device() == kCUDA);
  CHECK(mismatch(w.grad(), full({5}, 3.0), kExact).empty());
  // Non-contiguous sources and destinations.
  Tensor t = random({33, 65}, 3);
  CHECK(mismatch(t.t().cuda(), t.t(), kExact).empty());
  CHECK(mismatch(t.cuda().t().cpu(), t.t(), kExact).empty());
  CHECK(mismatch(t.cuda().slice(1, 1, 60, 3).to(kFloat64).cpu(), t.slice(1, 1, 60, 3).to(kFloat64), kExact).empty());
}

TEST_CASE("cuda: item, to_vector, printing and in-place updates") {
  Tensor x = random({7, 1023}, 4);
  Tensor g = x.cuda();
  CHECK(g.sum().item() == doctest::Approx(x.sum().item()).epsilon(1e-5));
  CHECK(g[3][5].item() == x[3][5].item());
  CHECK(g.to_vector<float>() == x.to_vector<float>());
  std::ostringstream a, b;
  a << tensor({{1.5, 2}, {3, 4}}, {.device = kCUDA});
  b << tensor({{1.5, 2}, {3, 4}});
  CHECK(a.str() == b.str().substr(0, b.str().size() - 1) + ", device=cuda)");
  Tensor acc = zeros({7, 1023}, {.device = kCUDA});
  acc.add_(g, 2).mul_(0.5).add_(g);
  CHECK(mismatch(acc, 2.0 * x, kElementwise).empty());
  acc.copy_(g.slice(0, 0, 1));
  CHECK(mismatch(acc, x.slice(0, 0, 1).expand({7, 1023}), kExact).empty());
  acc.uniform_(0, 1);
  CHECK(acc.max().item() < 1);
}

TEST_CASE("cuda: mixing devices is an error naming the op and both devices") {
  Tensor c = ones({2, 3}), g = ones({2, 3}, {.device = kCUDA});
  CHECK_THROWS_WITH_AS(add(c, g), Contains("add: tensors are on different devices, cpu (2, 3) and cuda (2, 3)"), Error);
  CHECK_THROWS_WITH_AS(matmul(g, c.t()),
                       Contains("matmul: tensors are on different devices, cuda (2, 3) and cpu (3, 2)"), Error);
  CHECK_THROWS_WITH_AS(cat({c, g}), Contains("cat: tensors are on different devices"), Error);
  CHECK_THROWS_WITH_AS(where(c > 0.0, g, g), Contains("where: tensors are on different devices"), Error);
  CHECK_THROWS_WITH_AS(g.add_(c), Contains("add_: tensors are on different devices"), Error);
  CHECK_THROWS_WITH_AS(index_select(g, 0, tensor({0}, {.dtype = kInt64})),
                       Contains("index_select: tensors are on different devices"), Error);
  Tensor w = ones({2, 3}, {.device = kCUDA, .requires_grad = true});
  CHECK_THROWS_WITH_AS((w * 2.0).sum().backward(ones({})), Contains("backward: tensors are on different devices"),
                       Error);
}

TEST_CASE("cuda: copy converts every dtype pair through any strides") {
  for (DType from : {kFloat32, kFloat64, kInt64, kBool}) {
    for (DType to : {kFloat32, kFloat64, kInt64, kBool}) {
      Tensor src = (random({33, 65}, 5) * 4.0).to(from);
      INFO(from, " -> ", to);
      CHECK(mismatch(src.cuda().to(to), src.to(to), kExact).empty());
      CHECK(mismatch(src.cuda().t().to(to), src.t().to(to), kExact).empty());
      CHECK(mismatch(src.cuda().slice(0, 1, 30, 4).t().contiguous().to(to),
                     src.slice(0, 1, 30, 4).t().contiguous().to(to), kExact)
                .empty());
    }
  }
  Array a = Array::empty({9, 7}, kFloat32, kCUDA);
  backend(kCUDA).fill(a, 0);
  backend(kCUDA).fill(a.slice(1, 1, 3, 2), 5);  // a strided fill: columns 1, 3, 5
  Tensor host = zeros({9, 7});
  {
    NoGradGuard guard;
    host.slice(1, 1, 7, 2).fill_(5);
  }
  Array back = Array::empty({9, 7}, kFloat32, kCPU);
  copy_across_devices(a, back);
  CHECK(std::equal(back.data<float>(), back.data<float>() + 63, host.data_ptr<float>()));
}

TEST_CASE("cuda: the caching allocator reuses blocks: a repeated step allocates nothing new") {
  Tensor a = random({1024, 1024}, 1).cuda().requires_grad_(), b = random({1024, 1024}, 2).cuda();
  auto step = [&] {
    Tensor loss = softmax(matmul(a, b) + b, 1).sum();
    loss.backward();
    a.mutable_grad() = Tensor();
  };
  step();
  uint64_t before = cuda::memory_stats().device_allocations;
  for (int i = 0; i < 10; ++i) step();
  CHECK(cuda::memory_stats().device_allocations == before);
  CHECK(cuda::memory_stats().cached_bytes > 0);
  size_t in_use = cuda::memory_stats().allocated_bytes;
  cuda::empty_cache();
  CHECK(cuda::memory_stats().cached_bytes == 0);
  CHECK(cuda::memory_stats().allocated_bytes == in_use);
}

TEST_CASE("cuda: out of memory is an error stating the bytes requested, free and cached") {
  Tensor keep = random({1024}, 1).cuda();
  { Tensor cached = zeros({1 << 20}, {.device = kCUDA}); }  // leaves (at least) 4 MiB in the cache
  size_t cached = cuda::memory_stats().cached_bytes;
  CHECK(cached >= (size_t{4} << 20));
  int64_t huge = int64_t{1} << 48;  // 1 PiB of float32
  CHECK_THROWS_WITH_AS(empty({huge}, {.device = kCUDA}),
                       Contains("cuda: out of memory: cannot allocate 1125899906842624 bytes on the GPU ("), Error);
  CHECK(cuda::memory_stats().cached_bytes == 0);  // the cache was freed before the second try
  { Tensor cached_again = zeros({1 << 20}, {.device = kCUDA}); }
  try {
    empty({huge}, {.device = kCUDA});
    FAIL("no error");
  } catch (const Error& e) {
    std::string message = e.what();
    CHECK(message.find("bytes free of") != std::string::npos);
    CHECK(message.find(str(size_t{4} << 20, " bytes cached by muse were freed")) != std::string::npos);
  }
  CHECK(mismatch(keep * 2.0, random({1024}, 1) * 2.0, kExact).empty());  // still usable
}
