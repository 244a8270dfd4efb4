// matmul: hand values, float64 recomputation on sizes that take the threaded paths, torch.matmul's
// 1-D and batched broadcasting rules, transposed and sliced operands, gradients, and user errors.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <vector>

#include "muse/muse.h"

using namespace muse;
using doctest::Contains;

namespace {

std::vector<double> vals(const Tensor& t) { return t.to(kFloat64).to_vector<double>(); }

// (M, K) x (K, N) in float64 from the operands' values (any strides).
std::vector<double> reference(const Tensor& a, const Tensor& b) {
  std::vector<double> av = vals(a), bv = vals(b);
  int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  std::vector<double> c(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += av[i * k + p] * bv[p * n + j];
  return c;
}

bool close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(got[i] - want[i]) <= tol * (1 + std::abs(want[i])))) return false;
  return true;
}

}  // namespace

TEST_CASE("matmul of small matrices by hand") {
  Tensor a = tensor({{1, 2}, {3, 4}}), b = tensor({{5, 6}, {7, 8}});
  CHECK(vals(matmul(a, b)) == std::vector<double>{19, 22, 43, 50});
  CHECK(vals(a.matmul(b.t())) == std::vector<double>{17, 23, 39, 53});
  CHECK(vals(matmul(a.t(), b)) == std::vector<double>{26, 30, 38, 44});
  CHECK(vals(matmul(a.t(), b.t())) == std::vector<double>{23, 31, 34, 46});
  Tensor c = tensor({{1, 2, 3}, {4, 5, 6}}, {.dtype = kFloat64});
  Tensor y = matmul(c, c.t());
  CHECK(y.dtype() == kFloat64);
  CHECK(vals(y) == std::vector<double>{14, 32, 32, 77});
}

TEST_CASE("matmul matches float64 on shapes that split across threads") {
  Generator g(21);
  // (M, K, N): wide outputs split by columns, tall ones by rows, tiny ones stay on one thread, K = 1.
  for (auto [m, k, n] : std::vector<std::array<int64_t, 3>>{
           {64, 100, 256}, {300, 70, 5}, {3, 4, 5}, {64, 256, 1}, {1, 300, 700}, {130, 1, 40}, {97, 131, 67}}) {
    for (DType dt : {kFloat32, kFloat64}) {
      Tensor a = randn({m, k}, {.dtype = dt}, g), b = randn({k, n}, {.dtype = dt}, g);
      double tol = dt == kFloat32 ? 1e-4 : 1e-12;
      std::vector<double> want = reference(a, b);
      CHECK(close(vals(matmul(a, b)), want, tol));
      // The same product from transposed storage (trans flags) and from a strided slice (a copy).
      Tensor at = a.t().contiguous().t(), bt = b.t().contiguous().t();
      CHECK(close(vals(matmul(at, bt)), want, tol));
      Tensor wide = randn({m, 2 * k}, {.dtype = dt}, g);
      Tensor sliced = wide.slice(1, 0, std::nullopt, 2);
      CHECK(close(vals(matmul(sliced, b)), reference(sliced, b), tol));
    }
  }
}

TEST_CASE("matmul follows torch.matmul for 1-D operands") {
  Tensor v = tensor({1, 2, 3}), w = tensor({4, 5, 6});
  Tensor dot = matmul(v, w);
  CHECK(dot.shape() == Shape{});
  CHECK(dot.item() == 32);
  Tensor m = tensor({{1, 0, 2}, {0, 1, 1}});  // (2, 3)
  Tensor mv = matmul(m, v);
  CHECK(mv.shape() == Shape{2});
  CHECK(vals(mv) == std::vector<double>{7, 5});
  Tensor vm = matmul(tensor({1, 2}), m);
  CHECK(vm.shape() == Shape{3});
  CHECK(vals(vm) == std::vector<double>{1, 2, 4});
  // 1-D with a batch: (3,) x (2, 3, 4) -> (2, 4); (2, 4, 3) x (3,) -> (2, 4).
  Tensor b = arange(24).reshape({2, 3, 4});
  CHECK(matmul(v, b).shape() == Shape{2, 4});
  CHECK(vals(matmul(v, b).select(0, 1)) == vals(matmul(v, b.select(0, 1))));
  CHECK(matmul(b.transpose(1, 2), v).shape() == Shape{2, 4});
}

TEST_CASE("batched matmul broadcasts batch dims") {
  Generator g(4);
  Tensor a = randn({2, 1, 3, 4}, {}, g), b = randn({5, 4, 2}, {}, g);
  Tensor y = matmul(a, b);
  CHECK(y.shape() == Shape{2, 5, 3, 2});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j)
      CHECK(close(vals(y.select(0, i).select(0, j)), reference(a.select(0, i).select(0, 0), b.select(0, j)), 1e-5));
  // A batch times one matrix (one folded product), and one matrix times a batch.
  Tensor x = randn({3, 4, 5}, {}, g), w = randn({5, 6}, {}, g);
  Tensor xw = matmul(x, w);
  CHECK(xw.shape() == Shape{3, 4, 6});
  for (int64_t i = 0; i < 3; ++i) CHECK(close(vals(xw.select(0, i)), reference(x.select(0, i), w), 1e-5));
  Tensor wx = matmul(w.t(), x.transpose(1, 2));  // (6, 5) x (3, 5, 4), both transposed storage
  CHECK(wx.shape() == Shape{3, 6, 4});
  for (int64_t i = 0; i < 3; ++i)
    CHECK(close(vals(wx.select(0, i)), reference(w.t(), x.select(0, i).t()), 1e-5));
  // Large batches are shared out by batch index.
  Tensor p = randn({16, 20, 30}, {}, g), q = randn({16, 30, 10}, {}, g);
  Tensor pq = matmul(p, q);
  for (int64_t i = 0; i < 16; i += 5)
    CHECK(close(vals(pq.select(0, i)), reference(p.select(0, i), q.select(0, i)), 1e-5));
}

TEST_CASE("float32 matmul on the AVX-512 GEMM's sizes: batches, broadcast, transposed and sliced operands") {
  Generator g(8);
  // (M, K, N) large enough for tensor/cpu/sgemm.cpp, off its 6 x 64 tile grid and past one K block.
  int64_t m = 65, k = 257, n = 127;
  for (int64_t batch : {1, 3}) {
    CAPTURE(batch);
    Tensor a = randn({batch, m, k}, {}, g), b = randn({batch, k, n}, {}, g);
    Tensor at = a.transpose(1, 2).contiguous().transpose(1, 2);  // stored (K, M): a trans flag
    Tensor bt = b.transpose(1, 2).contiguous().transpose(1, 2);
    Tensor wide = randn({batch, m, 2 * k}, {}, g);
    Tensor sliced = wide.slice(2, 0, std::nullopt, 2);  // every other column: copied contiguous
    for (const Tensor& x : {a, at, sliced})
      for (const Tensor& y : {b, bt}) {
        Tensor xy = matmul(x, y);
        CHECK(xy.shape() == Shape{batch, m, n});
        for (int64_t i = 0; i < batch; ++i)
          CHECK(close(vals(xy.select(0, i)), reference(x.select(0, i), y.select(0, i)), 1e-4));
      }
  }
  // Broadcast batch: one (M, K) matrix against three (K, N), and the other way round.
  Tensor a = randn({m, k}, {}, g), b = randn({3, k, n}, {}, g);
  Tensor ab = matmul(a, b);
  for (int64_t i = 0; i < 3; ++i) CHECK(close(vals(ab.select(0, i)), reference(a, b.select(0, i)), 1e-4));
  Tensor c = randn({3, m, k}, {}, g), d = randn({n, k}, {}, g).t();
  Tensor cd = matmul(c, d);
  for (int64_t i = 0; i < 3; ++i) CHECK(close(vals(cd.select(0, i)), reference(c.select(0, i), d), 1e-4));
}

// linear adds its bias inside the product (tensor/cpu/matmul.cpp): a (out,) bias as a row repeated, one
// of the output's shape as a matrix; other broadcasts by a kernel call after it. Each against float64
// on the paths the product can take: sgemm's dot-product path (few rows, K >= 128), its blocked path,
// and Eigen (float64, or fewer than 4 rows).
TEST_CASE("linear adds a bias of shape (out,), of the output's shape, or broadcast, on every GEMM path") {
  Generator g(9);
  struct Case {
    int64_t rows, in, out;
    DType dtype;
  };
  for (const Case& c : {Case{7, 130, 33, kFloat32}, Case{300, 130, 65, kFloat32}, Case{3, 130, 70, kFloat32},
                        Case{9, 20, 11, kFloat64}}) {
    CAPTURE(c.rows);
    CAPTURE(c.in);
    Tensor x = randn({c.rows, c.in}, {.dtype = c.dtype}, g), w = randn({c.out, c.in}, {.dtype = c.dtype}, g);
    std::vector<double> xw = reference(x, w.t());
    Tensor row = randn({c.out}, {.dtype = c.dtype}, g), full = randn({c.rows, c.out}, {.dtype = c.dtype}, g);
    Tensor column = randn({c.rows, 1}, {.dtype = c.dtype}, g);  // broadcast along out: not fused
    std::vector<double> rv = vals(row), fv = vals(full), cv = vals(column), want_row = xw, want_full = xw,
                        want_column = xw;
    for (int64_t i = 0; i < c.rows; ++i)
      for (int64_t j = 0; j < c.out; ++j) {
        want_row[i * c.out + j] += rv[j];
        want_full[i * c.out + j] += fv[i * c.out + j];
        want_column[i * c.out + j] += cv[i];
      }
    CHECK(close(vals(linear(x, w, row)), want_row, 1e-4));
    CHECK(close(vals(linear(x, w, full)), want_full, 1e-4));
    CHECK(close(vals(linear(x, w, column)), want_column, 1e-4));
    CHECK(close(vals(linear(x, w)), xw, 1e-4));
  }
  // A bias of the output's shape on a 3-D input, and one that is a non-contiguous view.
  Tensor x = randn({2, 3, 140}, {}, g), w = randn({16, 140}, {}, g), full = randn({16, 3, 2}, {}, g).permute({2, 1, 0});
  CHECK(close(vals(linear(x, w, full)), vals(linear(x, w) + full), 1e-5));
}

TEST_CASE("matmul with empty dims") {
  CHECK(vals(matmul(zeros({2, 0}), zeros({0, 3}))) == std::vector<double>(6, 0.0));  // K = 0: zeros
  CHECK(matmul(zeros({0, 4}), zeros({4, 3})).shape() == Shape{0, 3});
  CHECK(matmul(zeros({0, 2, 4}), zeros({4, 3})).shape() == Shape{0, 2, 3});
}

TEST_CASE("matmul gradients: dA = dY B^T, dB = A^T dY, only where needed") {
  Tensor a = tensor({{1, 2}, {3, 4}}, {.requires_grad = true});
  Tensor b = tensor({{5, 6}, {7, 8}}, {.requires_grad = true});
  Tensor dy = tensor({{1, 0}, {2, 1}});
  matmul(a, b).backward(dy);
  CHECK(vals(a.grad()) == std::vector<double>{5, 7, 16, 22});   // dY B^T
  CHECK(vals(b.grad()) == std::vector<double>{7, 3, 10, 4});    // A^T dY

  Tensor c = tensor({{1, 2}, {3, 4}});
  Tensor d = tensor({{1, 1}, {1, 1}}, {.requires_grad = true});
  matmul(c, d).sum().backward();
  CHECK(!c.grad().defined());
  CHECK(vals(d.grad()) == std::vector<double>{4, 4, 6, 6});

  // A shared matrix gets the sum over the batch.
  Tensor x = ones({3, 2, 2}), w = tensor({{1, 2}, {3, 4}}, {.requires_grad = true});
  matmul(x, w).sum().backward();
  CHECK(vals(w.grad()) == std::vector<double>{6, 6, 6, 6});
  // Dot product: d(v . u)/dv = u.
  Tensor v = tensor({1, 2, 3}, {.requires_grad = true}), u = tensor({4, 5, 6});
  matmul(v, u).backward();
  CHECK(vals(v.grad()) == std::vector<double>{4, 5, 6});
}

TEST_CASE("matmul errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(matmul(zeros({3, 4}), zeros({5, 6})),
                       Contains("matmul: cannot multiply (3, 4) by (5, 6): 4 != 5"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({3}), zeros({4})), Contains("matmul: cannot multiply (3,) by (4,): 3 != 4"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 3, 4}), zeros({3})),
                       Contains("matmul: cannot multiply (2, 3, 4) by (3,): 4 != 3"), Error);
  CHECK_THROWS_WITH_AS(matmul(scalar_tensor(2), zeros({3})),
                       Contains("matmul: both arguments need at least one dimension, got shapes () and (3,)"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 2}), zeros({2, 2}, {.dtype = kFloat64})),
                       Contains("matmul: dtype mismatch, float32 (2, 2) and float64 (2, 2)"), Error);
  Tensor i = zeros({2, 2}, {.dtype = kInt64});
  CHECK_THROWS_WITH_AS(matmul(i, i), Contains("matmul: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 3, 4}), zeros({3, 4, 5})),
                       Contains("matmul: shapes (2,) and (3,) do not broadcast"), Error);
}
