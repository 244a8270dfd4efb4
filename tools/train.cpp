#include "train.h"

#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>

#include "job.h"
#include "muse/data/dataloader.h"
#include "muse/data/fashion_mnist.h"
#include "muse/io/image.h"
#include "muse/io/safetensors.h"
#include "muse/muse.h"
#include "progress.h"
#include "stop.h"

namespace muse::tools {

namespace {

constexpr const char* kFormat = "muse-checkpoint-1";

struct Defaults {
  int64_t epochs, batch;
};
Defaults defaults_for(const std::string& model) {
  if (model == "gan") return {15, 64};  // about three minutes on 2 cores (make demo)
  return {10, 128};  // vae
}

// Where training stands: enough to continue exactly where a checkpoint left off.
struct Position {
  int64_t epoch = 0;           // the epoch in progress (or next to start)
  int64_t batch_in_epoch = 0;  // batches of that epoch already done
  int64_t step = 0;            // optimisation steps done in total
};

std::string metadata_value(const std::map<std::string, std::string>& meta, const std::string& key,
                           const std::string& file) {
  auto it = meta.find(key);
  check(it != meta.end(), "muse: checkpoint ", file, " has no '", key, "' in its metadata");
  return it->second;
}

int64_t metadata_int(const std::map<std::string, std::string>& meta, const std::string& key,
                     const std::string& file) {
  std::string v = metadata_value(meta, key, file);
  try {
    size_t used = 0;
    long long x = std::stoll(v, &used);
    if (used == v.size() && x >= 0) return x;
  } catch (const std::exception&) {
  }
  throw Error(str("muse: checkpoint ", file, ": metadata '", key, "' is '", v, "', not a non-negative integer"));
}

void save_checkpoint(Job& job, const TrainConfig& c, const Position& pos, const std::string& path) {
  Generator& g = default_generator();
  std::map<std::string, std::string> meta = {
      {"format", kFormat},
      {"model", c.model},
      {"epoch", std::to_string(pos.epoch)},
      {"batch_in_epoch", std::to_string(pos.batch_in_epoch)},
      {"step", std::to_string(pos.step)},
      {"rng_seed", std::to_string(g.seed())},
      {"rng_offset", std::to_string(g.offset())},
      {"seed", std::to_string(c.seed)},
      {"epochs", std::to_string(c.epochs)},
      {"batch", std::to_string(c.batch)},
      {"lr", str(job.lr())},
      {"limit", std::to_string(c.limit)},
  };
  io::save_safetensors(path, job.state(), meta);
}

// Reads a checkpoint of `model` into job; returns the position and fills the saved options.
Position load_checkpoint(Job& job, const std::string& model, const std::string& path, TrainConfig* saved) {
  io::SafeTensors ckpt = io::load_safetensors(path);
  const auto& meta = ckpt.metadata;
  check(metadata_value(meta, "format", path) == kFormat, "muse: ", path, " is not a muse checkpoint (format '",
        metadata_value(meta, "format", path), "')");
  std::string written_by = metadata_value(meta, "model", path);
  check(written_by == model, "muse: checkpoint ", path, " holds model '", written_by, "', not '", model, "'");
  job.load(ckpt.tensors);
  if (saved) {
    saved->seed = static_cast<uint64_t>(metadata_int(meta, "seed", path));
    saved->batch = metadata_int(meta, "batch", path);
    saved->limit = metadata_int(meta, "limit", path);
    Generator& g = default_generator();
    g.manual_seed(static_cast<uint64_t>(metadata_int(meta, "rng_seed", path)));
    g.set_offset(static_cast<uint64_t>(metadata_int(meta, "rng_offset", path)));
  }
  return {metadata_int(meta, "epoch", path), metadata_int(meta, "batch_in_epoch", path),
          metadata_int(meta, "step", path)};
}

// Training images as (N, 784) float32 in [0, 1].
Tensor load_images(const std::string& dir, bool train, int64_t limit) {
  data::FashionMnistOptions options{.train = train};
  if (!dir.empty()) options.dir = dir;
  data::FashionMnist ds = data::load_fashion_mnist(options);
  Tensor x = ds.images.reshape({ds.images.size(0), 784});
  if (limit > 0 && limit < x.size(0)) x = x.narrow(0, 0, limit);
  return x;
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
  check(config.device == kCPU, "muse train: --device ", config.device, " is not supported yet (the models ",
        "run on CUDA through the library, tests/cuda/test_optim_models.cpp; the command does not move them)");
  TrainConfig c = config;
  Defaults d = defaults_for(c.model);
  std::unique_ptr<Job> job = make_job(c.model, {.lr = c.lr});
  Position pos;
  if (!c.resume.empty()) {
    TrainConfig saved;
    pos = load_checkpoint(*job, c.model, c.resume, &saved);
    check(c.batch == 0 || c.batch == saved.batch, "muse train: --batch ", c.batch, " differs from the checkpoint's ",
          saved.batch, "; resuming needs the same batches");
    c.seed = saved.seed;
    c.batch = saved.batch;
    c.limit = saved.limit;
  } else {
    manual_seed(c.seed);
  }
  if (c.epochs == 0) c.epochs = d.epochs;
  if (c.batch == 0) c.batch = d.batch;
  if (c.out.empty()) c.out = "runs/" + c.model;
  std::filesystem::create_directories(c.out);

  Tensor images = load_images(c.data_dir, true, c.limit);
  data::DataLoader loader(data::TensorDataset({images}),
                          {.batch_size = c.batch, .shuffle = true, .seed = c.seed, .drop_last = true});
  const int64_t per_epoch = loader.size();
  check(per_epoch > 0, "muse train: ", images.size(0), " images make no full batch of ", c.batch);
  std::string ckpt = c.out + "/checkpoint.safetensors";
  std::FILE* metrics = std::fopen((c.out + "/metrics.jsonl").c_str(), c.resume.empty() ? "w" : "a");
  check(metrics != nullptr, "muse train: cannot write ", c.out, "/metrics.jsonl");
  std::fprintf(stderr, "training %s: %lld epochs of %lld batches of %lld, seed %llu, into %s\n", c.model.c_str(),
               static_cast<long long>(c.epochs), static_cast<long long>(per_epoch), static_cast<long long>(c.batch),
               static_cast<unsigned long long>(c.seed), c.out.c_str());

  install_stop_handlers();
  auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  for (; pos.epoch < c.epochs; ++pos.epoch, pos.batch_in_epoch = 0) {
    loader.set_epoch(pos.epoch);
    ProgressBar bar(per_epoch, str("epoch ", pos.epoch + 1, "/", c.epochs));
    for (auto it = loader.begin_at(pos.batch_in_epoch); it != loader.end(); ++it) {
      Losses losses = job->step((*it)[0]);
      ++pos.step;
      ++pos.batch_in_epoch;
      if (pos.step % c.log_every == 0) append_metrics(metrics, pos, losses, seconds());
      bar.update(pos.batch_in_epoch, losses);
      if (c.stop_after > 0 && pos.step == c.stop_after) std::raise(SIGINT);
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
    char png[32];
    std::snprintf(png, sizeof png, "/samples_epoch%03lld.png", static_cast<long long>(pos.epoch + 1));
    write_samples(*job, c.seed, c.out + png);
    save_checkpoint(*job, c, {pos.epoch + 1, 0, pos.step}, ckpt);
  }
  std::fclose(metrics);
  std::fprintf(stderr, "done: %lld steps in %.1f s; checkpoint %s\n", static_cast<long long>(pos.step), seconds(),
               ckpt.c_str());
  return 0;
}

int sample(const std::string& model, const std::string& checkpoint, int64_t n, uint64_t seed,
           const std::string& out_png, Device device) {
  check(device == kCPU, "muse sample: --device ", device, " is not supported yet");  // see train()
  std::unique_ptr<Job> job = make_job(model, {});
  load_checkpoint(*job, model, checkpoint, nullptr);
  Generator gen(seed);
  int64_t nrow = 8;
  while (nrow * nrow < n && nrow < 32) ++nrow;
  io::save_image_grid(job->sample(n, gen), out_png, nrow, 2, 0.0, 1.0);
  std::printf("wrote %lld samples of %s to %s\n", static_cast<long long>(n), model.c_str(), out_png.c_str());
  return 0;
}

int eval(const std::string& model, const std::string& checkpoint, uint64_t seed, const std::string& data_dir,
         Device device) {
  check(device == kCPU, "muse eval: --device ", device, " is not supported yet");
  std::unique_ptr<Job> job = make_job(model, {});
  load_checkpoint(*job, model, checkpoint, nullptr);
  Generator gen(seed);
  std::optional<double> loss = job->test_loss(load_images(data_dir, false, 0), gen);
  check(loss.has_value(), "muse eval: model '", model, "' has no test loss");
  std::printf("%s test loss: %.4f nats per image (negative ELBO, 10000 test images)\n", model.c_str(), *loss);
  return 0;
}

int info(const std::string& checkpoint) {
  io::SafeTensors ckpt = io::load_safetensors(checkpoint);
  std::printf("%s\n", checkpoint.c_str());
  for (const auto& [k, v] : ckpt.metadata) std::printf("  %-16s %s\n", k.c_str(), v.c_str());
  int64_t total = 0;
  for (const auto& [name, t] : ckpt.tensors) {
    std::printf("  %-40s %-8s %s\n", name.c_str(), dtype_name(t.dtype()), str(t.shape()).c_str());
    total += t.numel();
  }
  std::printf("%zu tensors, %lld values\n", ckpt.tensors.size(), static_cast<long long>(total));
  return 0;
}

}  // namespace muse::tools
