#include "train.h"

#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "checkpoint.h"
#include "muse/data/dataloader.h"
#include "muse/io/image.h"
#include "muse/muse.h"
#include "progress.h"
#include "stop.h"

namespace muse::tools {

namespace {

struct Defaults {
  int64_t epochs, batch;
};
Defaults defaults_for(const std::string& model) {
  if (model == "gan") return {15, 64};  // about three minutes on 2 cores (make demo)
  if (model == "dcgan") return {5, 64};
  if (model == "classifier") return {5, 128};
  if (model == "lstm") return {1, 32};     // about 1,100 batches of 32 x 64 characters of poems per epoch
  if (model == "seq2seq") return {30, 64};  // about 100 batches of sentence pairs per epoch
  if (model == "tseq2seq") return {30, 64};
  if (model == "gpt") return {1, 16};       // about 1,300 batches of 16 x 128 characters of poems per epoch
  return {10, 128};  // vae, convvae
}

// The sample grid of an epoch uses its own generator, seeded the same way each time, so successive
// grids show the same z and the training stream of random numbers is untouched.
void write_samples(Job& job, uint64_t seed, const std::string& path) {
  Generator gen(seed + 0x5eed);
  io::save_image_grid(job.sample(64, gen), path, 8, 2, 0.0, 1.0);
}

void append_metrics(std::FILE* f, const Position& pos, const Losses& losses, double seconds) {
  std::fprintf(f, "{\"step\": %lld, \"epoch\": %lld", static_cast<long long>(pos.step),
               static_cast<long long>(pos.epoch));
  for (const auto& [name, v] : losses) std::fprintf(f, ", \"%s\": %.9g", name.c_str(), v);
  std::fprintf(f, ", \"seconds\": %.3f}\n", seconds);
  std::fflush(f);
}

}  // namespace

int train(const TrainConfig& config) {
  require_device("muse train", config.device);
  TrainConfig c = config;
  Defaults d = defaults_for(c.model);
  std::unique_ptr<Job> job = make_job(c.model, {.lr = c.lr, .device = c.device});
  Position pos;
  if (!c.resume.empty()) {
    TrainConfig saved;
    pos = load_checkpoint(*job, c.model, c.resume, &saved);
    check(c.batch == 0 || c.batch == saved.batch, "muse train: --batch ", c.batch, " differs from the checkpoint's ",
          saved.batch, "; resuming needs the same batches");
    c.seed = saved.seed;
    c.batch = saved.batch;
    c.limit = saved.limit;
    c.corpus = saved.corpus;
  } else {
    manual_seed(c.seed);
  }
  if (c.epochs == 0) c.epochs = d.epochs;
  if (c.batch == 0) c.batch = d.batch;
  if (c.out.empty()) c.out = "runs/" + c.model;
  std::filesystem::create_directories(c.out);

  Datasets sets = job->data({.data_dir = c.data_dir, .limit = c.limit, .corpus = c.corpus});
  sets.test = job->to_device(std::move(sets.test));  // the training batches move one at a time
  data::DataLoader loader(data::TensorDataset(sets.train),
                          {.batch_size = c.batch, .shuffle = true, .seed = c.seed, .drop_last = true});
  const int64_t per_epoch = loader.size();
  check(per_epoch > 0, "muse train: ", sets.train[0].size(0), " training samples make no full batch of ", c.batch);
  std::string ckpt = c.out + "/checkpoint.safetensors";
  std::FILE* metrics = std::fopen((c.out + "/metrics.jsonl").c_str(), c.resume.empty() ? "w" : "a");
  check(metrics != nullptr, "muse train: cannot write ", c.out, "/metrics.jsonl");
  std::fprintf(stderr, "training %s: %lld epochs of %lld batches of %lld, seed %llu, into %s\n", c.model.c_str(),
               static_cast<long long>(c.epochs), static_cast<long long>(per_epoch), static_cast<long long>(c.batch),
               static_cast<unsigned long long>(c.seed), c.out.c_str());

  job->begin(c.epochs * per_epoch, pos.step);
  install_stop_handlers();
  auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  for (; pos.epoch < c.epochs; ++pos.epoch, pos.batch_in_epoch = 0) {
    loader.set_epoch(pos.epoch);
    ProgressBar bar(per_epoch, str("epoch ", pos.epoch + 1, "/", c.epochs));
    for (auto it = loader.begin_at(pos.batch_in_epoch); it != loader.end(); ++it) {
      Losses losses = job->step(job->to_device(*it));
      ++pos.step;
      ++pos.batch_in_epoch;
      if (pos.step % c.log_every == 0) append_metrics(metrics, pos, losses, seconds());
      bar.update(pos.batch_in_epoch, losses);
      if (c.stop_after > 0 && pos.step == c.stop_after) std::raise(SIGINT);
      if (c.time_limit > 0 && seconds() >= c.time_limit) request_stop();  // as Ctrl-C: save, exit 0
      if (stop_requested()) {
        bar.finish();
        save_checkpoint(*job, c, pos, ckpt);
        std::fclose(metrics);
        std::fprintf(stderr, "stopped at step %lld; continue with: muse train %s --resume %s\n",
                     static_cast<long long>(pos.step), c.model.c_str(), ckpt.c_str());
        return 0;
      }
    }
    bar.finish();
    if (job->generative()) {
      char png[48];  // "/samples_epoch" + up to 20 digits + ".png"
      std::snprintf(png, sizeof png, "/samples_epoch%03lld.png", static_cast<long long>(pos.epoch + 1));
      write_samples(*job, c.seed, c.out + png);
    }
    Generator test_gen(c.seed + 0x7e57);  // the test figures' own draws, like the sample grid's
    Losses test = job->evaluate(sets.test, test_gen);
    if (!test.empty()) {
      append_metrics(metrics, pos, test, seconds());
      for (const auto& [name, v] : test) std::fprintf(stderr, "epoch %lld: %s %.4f\n", static_cast<long long>(pos.epoch + 1), name.c_str(), v);
    }
    save_checkpoint(*job, c, {pos.epoch + 1, 0, pos.step}, ckpt);
  }
  std::fclose(metrics);
  std::fprintf(stderr, "done: %lld steps in %.1f s; checkpoint %s\n", static_cast<long long>(pos.step), seconds(),
               ckpt.c_str());
  return 0;
}

}  // namespace muse::tools
