// The demo: a two-layer MLP fits a noisy sine curve with plain SGD, written with tensors and autograd
// the way PyTorch's "learning with tensors" tutorial is (the Linear layers of nn/ are these lines).
//
//   h = tanh(x W1^T + b1)      x: (N, 1), W1: (64, 1)
//   y_hat = h W2^T + b2        W2: (1, 64)
//   loss = mean((y_hat - y)^2)
//   p <- p - lr * dloss/dp     for every parameter p (optim::SGD)
#include <cmath>
#include <cstdio>
#include <vector>

#include "muse/muse.h"
#include "muse/nn/init.h"
#include "muse/optim/sgd.h"

using namespace muse;

namespace {

// PyTorch's default Linear init: kaiming_uniform_(a = sqrt 5) for the weight (out, in), which is
// uniform in +-1/sqrt(in), and the same bound for the bias.
std::pair<Tensor, Tensor> linear_params(int64_t in, int64_t out) {
  Tensor w = empty({out, in}, {.requires_grad = true}), b = empty({out}, {.requires_grad = true});
  nn::init::kaiming_uniform_(w, std::sqrt(5.0));
  double bound = 1.0 / std::sqrt(static_cast<double>(in));
  nn::init::uniform_(b, -bound, bound);
  return {w, b};
}

Tensor forward(const Tensor& x, const Tensor& w1, const Tensor& b1, const Tensor& w2, const Tensor& b2) {
  return matmul(tanh(matmul(x, w1.t()) + b1), w2.t()) + b2;
}

}  // namespace

int main() {
  manual_seed(0);
  const int64_t n = 256, hidden = 64, steps = 3000;
  const double lr = 0.03;

  Tensor x = linspace(-M_PI, M_PI, n).unsqueeze(1);  // (N, 1)
  Tensor y = sin(x) + 0.1 * randn({n, 1});           // (N, 1): the noisy targets
  auto [w1, b1] = linear_params(1, hidden);
  auto [w2, b2] = linear_params(hidden, 1);
  optim::SGD opt({w1, b1, w2, b2}, {.lr = lr});

  std::printf("fitting sin(x) + noise (N = %lld) with a 1-%lld-1 tanh MLP and SGD (lr %.2f)\n",
              static_cast<long long>(n), static_cast<long long>(hidden), lr);
  for (int64_t step = 0; step <= steps; ++step) {
    Tensor loss = mean(pow(forward(x, w1, b1, w2, b2) - y, 2));
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (step % 300 == 0) std::printf("step %5lld  loss %.5f\n", static_cast<long long>(step), loss.item());
  }

  // The fit at a few points, beside the noiseless curve.
  NoGradGuard no_grad;
  Tensor probe = linspace(-3, 3, 7).unsqueeze(1);
  Tensor fit = forward(probe, w1, b1, w2, b2);
  std::printf("\n     x   sin(x)   model\n");
  for (int64_t i = 0; i < 7; ++i)
    std::printf("%6.2f  %7.3f  %6.3f\n", probe[i].item(), std::sin(probe[i].item()), fit[i].item());
  std::printf("\nthe noise alone has mean squared error 0.01, so a loss near 0.01 is a good fit\n");
  return 0;
}
