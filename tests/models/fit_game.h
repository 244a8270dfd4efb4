// The "overfits one batch" check of a GAN, in two halves: D alone learns to tell one real batch from
// one fixed batch of G's output, then, D fixed (eval mode: no dropout), G alone learns to fool it on
// the same z. Both halves must work for the game's training step to be able to learn.
#pragma once

#include "muse/models/gan.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"

namespace muse::testing {

struct GameFit {
  double loss_d;   // D's loss after d_steps, from about 2 log 2 = 1.39
  double g_first;  // G's loss (BCE against "real") before its first step...
  double g_last;   // ...and after g_steps
};

inline GameFit fit_game(models::Gan& gan, const Tensor& real, const Tensor& z, int d_steps, int g_steps) {
  namespace F = nn::functional;
  const int64_t n = real.size(0);
  Tensor ones = muse::ones({n, 1}), zeros = muse::zeros({n, 1});
  Tensor fake;
  {
    NoGradGuard no_grad;
    fake = (*gan.G)(z);
  }
  GameFit fit{};
  for (int step = 0; step < d_steps; ++step) {
    Tensor l = F::binary_cross_entropy_with_logits((*gan.D)(real), ones) +
               F::binary_cross_entropy_with_logits((*gan.D)(fake), zeros);
    gan.opt_d.zero_grad();
    l.backward();
    gan.opt_d.step();
    fit.loss_d = l.item();
  }
  gan.D->eval();
  for (int step = 0; step < g_steps; ++step) {
    Tensor l = F::binary_cross_entropy_with_logits((*gan.D)((*gan.G)(z)), ones);
    gan.opt_g.zero_grad();
    l.backward();
    gan.opt_g.step();
    (step == 0 ? fit.g_first : fit.g_last) = l.item();
  }
  return fit;
}

}  // namespace muse::testing
