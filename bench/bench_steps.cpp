// End-to-end steps of the reference workloads (WORKLOADS.md), float32 on random data, the way models/
// and `muse train` run them:
//   mlp_gan/train   models::Gan::step on a real batch (64, 784) in [-1, 1]: one D update on real and
//                   fake.detach(), one G update (non-saturating loss), the four losses read back
//   mlp_gan/infer   G forward of z (64, 100) in eval mode under NoGradGuard
//   mlp_vae/train   Vae forward + vae_loss + zero_grad + backward + Adam step on x (128, 784) in [0, 1],
//                   the loss read back (as tools/jobs.cpp)
//   mlp_vae/infer   Vae forward of x (128, 784) under NoGradGuard (mu, logvar, sample, logits)
//   dcgan/train     models::dcgan()'s Gan::step on a real batch (64, 1, 32, 32) in [-1, 1]
//   dcgan/infer     the DCGAN's G forward of z (64, 100, 1, 1) in eval mode under NoGradGuard
//   lstm_lm/train   models::CharLstm (vocabulary 4000, embedding 256, 2 x LSTM 512) on tokens (32, 65):
//                   lm_loss over the 64 next-token positions, backward, clip_grad_norm_(1.0), Adam step
//   lstm_lm/infer   its forward of (32, 64) tokens under NoGradGuard
//   seq2seq_attn/train  models::Seq2Seq with one layer, dot attention, no dropout (the workload's shape):
//                   teacher-forced forward of source (64, 16) and target (64, 16), loss, backward, Adam
//   seq2seq_attn/infer  the same forward under NoGradGuard
//   gpt/train       models::Gpt (4 layers, d_model 256, 4 heads, MLP 1024, context 128, vocabulary 4000) on
//                   tokens (16, 129): lm_loss over the 128 positions, backward, clip_grad_norm_(1.0), AdamW
//                   (3e-4, weight decay 0.1 on matrices and embeddings) step, as tools/char_lm_jobs.cpp
//   gpt/infer       its forward of (16, 128) tokens under NoGradGuard
//   gpt2_124m/...   the same for the GPT-2 124M shape (12 layers, d_model 768, context 1024, vocabulary
//                   50257) on (8, 1025) tokens: registered only under MUSE_BENCH_DEVICE=cuda
// MUSE_BENCH_DEVICE=cuda runs them on the GPU (models and inputs moved there; every timed step ends with
// cuda::synchronize()). Each benchmark warms up, then times every step on its own; the counter ms_per_step
// is the median step (ms_min the fastest, ms_max the slowest). The gpt workloads also report
// model_flop_per_step and tflop_per_s, their model FLOPs over the median step (gpt_model_flop below).
// bench/torch/steps.py times the same workloads in PyTorch; bench/compare.py (`make bench-compare`) runs
// both, interleaved, and prints the table.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include "muse/cuda.h"
#include "muse/models/char_lstm.h"
#include "muse/models/dcgan.h"
#include "muse/models/gpt.h"
#include "muse/models/mlp_gan.h"
#include "muse/models/mlp_vae.h"
#include "muse/models/seq2seq.h"
#include "muse/muse.h"
#include "muse/nn/utils.h"
#include "muse/optim/adam.h"

namespace {

using namespace muse;

constexpr int kWarmup = 10;  // fills the caching allocator and Adam's state; no fresh pages afterwards
constexpr int kSteps = 50;   // timed steps; the median is reported

// The device of every benchmark: MUSE_BENCH_DEVICE=cuda or cpu (the default).
Device bench_device() {
  const char* d = std::getenv("MUSE_BENCH_DEVICE");
  return d && std::string(d) == "cuda" ? kCUDA : kCPU;
}

// Runs `step` kWarmup times untimed, then once per benchmark iteration, timing each call.
void time_steps(benchmark::State& state, const std::function<void()>& step) {
  const bool gpu = bench_device() == kCUDA;
  for (int i = 0; i < kWarmup; ++i) step();
  if (gpu) cuda::synchronize();
  std::vector<double> ms;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    step();
    if (gpu) cuda::synchronize();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  state.counters["ms_per_step"] = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  state.counters["ms_min"] = ms.front();
  state.counters["ms_max"] = ms.back();
}

void mlp_gan_train(benchmark::State& state) {
  manual_seed(0);
  models::Gan gan;
  gan.G->to(bench_device()), gan.D->to(bench_device());
  Tensor real = (rand({64, 784}) * 2.0 - 1.0).to(bench_device());  // (N, 784) in [-1, 1], like the scaled images
  time_steps(state, [&] { benchmark::DoNotOptimize(gan.step(real)); });
}

void mlp_gan_infer(benchmark::State& state) {
  manual_seed(0);
  models::Gan gan;
  gan.G->to(bench_device());
  gan.G->eval();
  Tensor z = randn({64, gan.options().latent}).to(bench_device());  // (N, 100)
  time_steps(state, [&] {
    NoGradGuard no_grad;
    Tensor images = (*gan.G)(z);  // (N, 784)
    benchmark::DoNotOptimize(images.data_ptr<float>());
  });
}

void mlp_vae_train(benchmark::State& state) {
  manual_seed(0);
  auto vae = std::make_shared<models::Vae>();
  vae->to(bench_device());
  optim::Adam opt(vae->parameters(), {.lr = 1e-3});
  Tensor x = rand({128, 784}).to(bench_device());  // (N, 784) pixels in [0, 1]
  vae->train();
  time_steps(state, [&] {
    Tensor loss = models::vae_loss(vae->forward(x, default_generator()), x);
    opt.zero_grad();
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.item());
  });
}

void mlp_vae_infer(benchmark::State& state) {
  manual_seed(0);
  auto vae = std::make_shared<models::Vae>();
  vae->to(bench_device());
  Tensor x = rand({128, 784}).to(bench_device());
  time_steps(state, [&] {
    NoGradGuard no_grad;
    models::VaeOutput out = vae->forward(x, default_generator());
    benchmark::DoNotOptimize(out.logits.data_ptr<float>());
  });
}

void dcgan_train(benchmark::State& state) {
  manual_seed(0);
  models::Gan gan = models::dcgan();
  gan.G->to(bench_device()), gan.D->to(bench_device());
  Tensor real = (rand({64, 1, 32, 32}) * 2.0 - 1.0).to(bench_device());  // (N, 1, 32, 32) in [-1, 1]
  time_steps(state, [&] { benchmark::DoNotOptimize(gan.step(real)); });
}

void dcgan_infer(benchmark::State& state) {
  manual_seed(0);
  models::Gan gan = models::dcgan();
  gan.G->to(bench_device());
  gan.G->eval();
  Tensor z = randn({64, gan.options().latent, 1, 1}).to(bench_device());  // (N, 100, 1, 1)
  time_steps(state, [&] {
    NoGradGuard no_grad;
    Tensor images = (*gan.G)(z);  // (N, 1, 32, 32)
    benchmark::DoNotOptimize(images.data_ptr<float>());
  });
}

void lstm_lm_train(benchmark::State& state) {
  manual_seed(0);
  auto lm = std::make_shared<models::CharLstm>(models::CharLstmOptions{.vocab_size = 4000});
  lm->to(bench_device());
  optim::Adam opt(lm->parameters(), {.lr = 1e-3});
  Tensor windows = randint(0, 4000, {32, 65}).to(bench_device());  // (B, T + 1)
  Tensor x = windows.narrow(1, 0, 64), y = windows.narrow(1, 1, 64);
  time_steps(state, [&] {
    Tensor loss = models::lm_loss(lm->forward(x).logits, y);
    opt.zero_grad();
    loss.backward();
    nn::utils::clip_grad_norm_(lm->parameters(), 1.0);
    opt.step();
    benchmark::DoNotOptimize(loss.item());
  });
}

void lstm_lm_infer(benchmark::State& state) {
  manual_seed(0);
  auto lm = std::make_shared<models::CharLstm>(models::CharLstmOptions{.vocab_size = 4000});
  lm->to(bench_device());
  lm->eval();
  Tensor x = randint(0, 4000, {32, 64}).to(bench_device());
  time_steps(state, [&] {
    NoGradGuard no_grad;
    Tensor logits = lm->forward(x).logits;  // (B, T, V)
    benchmark::DoNotOptimize(logits.data_ptr<float>());
  });
}

std::shared_ptr<models::Seq2Seq> seq2seq_workload() {
  manual_seed(0);
  auto net = std::make_shared<models::Seq2Seq>(models::Seq2SeqOptions{.num_layers = 1, .dropout = 0});
  net->to(bench_device());
  return net;
}

void seq2seq_attn_train(benchmark::State& state) {
  auto net = seq2seq_workload();
  optim::Adam opt(net->parameters(), {.lr = 1e-3});
  Tensor src = randint(4, 4000, {64, 16}).to(bench_device()), lengths = full({64}, 16, {.dtype = kInt64});
  Tensor tgt = randint(4, 4000, {64, 17}).to(bench_device());  // <bos> y_1..y_15 -> y_1..y_16
  Tensor tgt_in = tgt.narrow(1, 0, 16), tgt_out = tgt.narrow(1, 1, 16);
  time_steps(state, [&] {
    Tensor loss = models::seq2seq_loss(net->forward(src, lengths, tgt_in), tgt_out);
    opt.zero_grad();
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.item());
  });
}

void seq2seq_attn_infer(benchmark::State& state) {
  auto net = seq2seq_workload();
  net->eval();
  Tensor src = randint(4, 4000, {64, 16}).to(bench_device()), lengths = full({64}, 16, {.dtype = kInt64});
  Tensor tgt_in = randint(4, 4000, {64, 16}).to(bench_device());
  time_steps(state, [&] {
    NoGradGuard no_grad;
    Tensor logits = net->forward(src, lengths, tgt_in);  // (B, T, V)
    benchmark::DoNotOptimize(logits.data_ptr<float>());
  });
}

models::GptConfig gpt_config(bool large) {
  if (!large) return {};
  return {.vocab_size = 50257, .context = 1024, .n_layer = 12, .n_head = 12, .d_model = 768, .d_ff = 3072};
}

// Model FLOPs of one step over B x T tokens, as PaLM (Chowdhery et al. 2022, appendix B) and Chinchilla
// (Hoffmann et al. 2022) count them, per token:
//   inference (forward)             2 N + 4 L T C
//   training (forward + backward)   6 N + 12 L T C     (the backward costs twice the forward)
// N: the elements of the weight matrices that multiply activations, 2 FLOPs (multiply, add) each per
// token: every block's attn.c_attn, attn.c_proj, mlp.c_fc and mlp.c_proj, and the output layer wte^T
// (V C, a matmul over the vocabulary; the embedding lookup that shares it is free), read from the
// parameters' shapes. wpe (a lookup), biases, LayerNorm, GELU, softmax, the loss, clipping and AdamW are
// not counted. Attention, per token and layer: the scores Q K^T against T keys (2 T C over all heads) and
// the weighted sum of T values (2 T C). Convention: the causal mask is not discounted (all T x T scores
// count, as in PaLM's 12 L T C, though half are masked), and T is the step's sequence length.
double gpt_model_flop(const models::Gpt& net, int64_t B, int64_t T, bool training) {
  const models::GptConfig& c = net.config();
  double n = 0;  // N
  for (const auto& [name, p] : net.named_parameters())
    if (p.dim() == 2 && name != "wpe.weight") n += static_cast<double>(p.numel());
  const double forward = 2 * n + 4.0 * c.n_layer * T * c.d_model;  // per token
  return static_cast<double>(B * T) * (training ? 3 * forward : forward);
}

// The counters model_flop_per_step and tflop_per_s (model FLOPs over the median step): MFU is the
// latter over the device's peak (bench/compare.py --peak-tflops).
void report_model_flop(benchmark::State& state, double flop_per_step) {
  state.counters["model_flop_per_step"] = flop_per_step;
  state.counters["tflop_per_s"] = flop_per_step / (state.counters["ms_per_step"] * 1e-3) / 1e12;
}

void gpt_train(benchmark::State& state, bool large) {
  manual_seed(0);
  const models::GptConfig config = gpt_config(large);
  auto net = std::make_shared<models::Gpt>(config);
  net->to(bench_device());
  std::vector<Tensor> decay, rest;
  for (const Tensor& p : net->parameters()) (p.dim() >= 2 ? decay : rest).push_back(p);
  optim::AdamW opt({{.params = decay, .weight_decay = 0.1}, {.params = rest, .weight_decay = 0.0}}, {.lr = 3e-4});
  const int64_t B = large ? 8 : 16, T = config.context;
  Tensor windows = randint(0, config.vocab_size, {B, T + 1}).to(bench_device());  // (B, T + 1)
  Tensor x = windows.narrow(1, 0, T), y = windows.narrow(1, 1, T);
  time_steps(state, [&] {
    Tensor loss = models::lm_loss(net->forward(x), y);
    opt.zero_grad();
    loss.backward();
    nn::utils::clip_grad_norm_(net->parameters(), 1.0);
    opt.step();
    benchmark::DoNotOptimize(loss.item());
  });
  report_model_flop(state, gpt_model_flop(*net, B, T, true));
}

void gpt_infer(benchmark::State& state, bool large) {
  manual_seed(0);
  const models::GptConfig config = gpt_config(large);
  auto net = std::make_shared<models::Gpt>(config);
  net->to(bench_device());
  net->eval();
  const int64_t B = large ? 8 : 16, T = config.context;
  Tensor x = randint(0, config.vocab_size, {B, T}).to(bench_device());
  time_steps(state, [&] {
    NoGradGuard no_grad;
    Tensor logits = net->forward(x);  // (B, T, V)
    benchmark::DoNotOptimize(logits.data_ptr<float>());
  });
  report_model_flop(state, gpt_model_flop(*net, B, T, false));
}

BENCHMARK(mlp_gan_train)->Name("steps/mlp_gan/train")->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(mlp_gan_infer)->Name("steps/mlp_gan/infer")->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(mlp_vae_train)->Name("steps/mlp_vae/train")->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(mlp_vae_infer)->Name("steps/mlp_vae/infer")->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(dcgan_train)->Name("steps/dcgan/train")->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(dcgan_infer)->Name("steps/dcgan/infer")->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(lstm_lm_train)->Name("steps/lstm_lm/train")->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(lstm_lm_infer)->Name("steps/lstm_lm/infer")->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(seq2seq_attn_train)->Name("steps/seq2seq_attn/train")->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(seq2seq_attn_infer)->Name("steps/seq2seq_attn/infer")->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);

// Registered at start-up so that the GPT-2 shape exists only where it can run in reasonable time.
const bool kGptRegistered = [] {
  for (bool large : {false, true}) {
    if (large && bench_device() != kCUDA) continue;
    const std::string name = large ? "steps/gpt2_124m/" : "steps/gpt/";
    benchmark::RegisterBenchmark((name + "train").c_str(), gpt_train, large)
        ->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((name + "infer").c_str(), gpt_infer, large)
        ->Iterations(kSteps)->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
