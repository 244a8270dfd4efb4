// The `muse` command: train the reference models, sample from and evaluate their checkpoints, and
// show what a checkpoint holds. Every subcommand has --help. A wrong option or value prints one line
// and exits with status 2; an error while running (a missing data set, a corrupt checkpoint) prints
// the muse::Error and exits with status 1.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "muse/error.h"
#include "train.h"

using muse::tools::TrainConfig;

namespace {

muse::Device parse_device(const std::string& s) { return s == "cuda" ? muse::kCUDA : muse::kCPU; }

// CLI11's own PositiveNumber prints the whole range of a double in its message.
const CLI::Validator kPositive(
    [](std::string& s) -> std::string {
      try {
        size_t used = 0;
        double v = std::stod(s, &used);
        if (used == s.size() && v > 0) return {};
      } catch (const std::exception&) {
      }
      return "must be a positive number, got '" + s + "'";
    },
    "POSITIVE");

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"muse: train and sample the reference generative models", "muse"};
  app.require_subcommand(1);
  const std::vector<std::string> models = {"gan", "dcgan", "vae", "convvae", "classifier"};
  const std::vector<std::string> generators = {"gan", "dcgan", "vae", "convvae"};
  const std::vector<std::string> devices = {"cpu", "cuda"};

  TrainConfig tc;
  std::string device = "cpu";
  CLI::App* train = app.add_subcommand("train", "train a model on Fashion-MNIST");
  train->add_option("model", tc.model, "gan, dcgan, vae, convvae or classifier")->required()->check(CLI::IsMember(models));
  train->add_option("--epochs", tc.epochs, "epochs to train (default: gan 15, dcgan 5, vae and convvae 10, classifier 5)")
      ->check(kPositive);
  train->add_option("--batch", tc.batch, "batch size (default: gan and dcgan 64, the others 128)")->check(kPositive);
  train->add_option("--lr", tc.lr, "Adam learning rate (default: the GANs 2e-4, the others 1e-3)")->check(kPositive);
  train->add_option("--seed", tc.seed, "seed of every random number (default 0)");
  train->add_option("--out", tc.out, "run directory (default runs/MODEL)");
  train->add_option("--resume", tc.resume, "continue from this checkpoint")->check(CLI::ExistingFile);
  train->add_option("--data", tc.data_dir, "Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)");
  train->add_option("--device", device, "cpu or cuda")->check(CLI::IsMember(devices));
  train->add_option("--log-every", tc.log_every, "steps between lines of metrics.jsonl (default 50)")
      ->check(kPositive);
  train->add_option("--limit", tc.limit, "train on the first N images only (default: all 60000)")
      ->check(kPositive);
  train->add_option("--time-limit", tc.time_limit,
                    "stop after this many seconds of training, saving a checkpoint as Ctrl-C does (for comparisons "
                    "at equal wall time)")
      ->check(kPositive);
  train->add_option("--stop-after", tc.stop_after, "act as if Ctrl-C came after N steps (for tests)")
      ->check(kPositive);

  std::string model, checkpoint, out_png;
  int64_t n = 64;
  uint64_t seed = 0;
  CLI::App* sample = app.add_subcommand("sample", "write a PNG grid of samples from a checkpoint");
  sample->add_option("model", model, "gan, dcgan, vae or convvae")->required()->check(CLI::IsMember(generators));
  sample->add_option("--checkpoint", checkpoint, "checkpoint file")->required()->check(CLI::ExistingFile);
  sample->add_option("--n", n, "number of samples (default 64)")->check(CLI::Range(1, 1024));
  sample->add_option("--seed", seed, "seed of the latent draws (default 0)");
  sample->add_option("--out", out_png, "PNG file to write")->required();
  sample->add_option("--device", device, "cpu or cuda")->check(CLI::IsMember(devices));

  muse::tools::EvalConfig ec;
  CLI::App* eval = app.add_subcommand("eval", "score a checkpoint on the test set: the classifier's accuracy, "
                                      "the generators' FID-FMNIST and IS-FMNIST (and the VAEs' test loss)");
  eval->add_option("model", ec.model, "gan, dcgan, vae, convvae or classifier")->required()->check(CLI::IsMember(models));
  eval->add_option("--checkpoint", ec.checkpoint, "checkpoint file")->required()->check(CLI::ExistingFile);
  eval->add_option("--classifier", ec.classifier,
                   "classifier checkpoint, the scores' feature network (default runs/classifier/checkpoint.safetensors)");
  eval->add_option("--seed", ec.seed, "seed of the generated images and posterior draws (default 0)");
  eval->add_option("--data", ec.data_dir, "Fashion-MNIST directory");
  eval->add_option("--limit", ec.limit, "use the first N test images and N samples (default: all 10000; for tests)")
      ->check(kPositive);
  eval->add_option("--device", device, "cpu or cuda")->check(CLI::IsMember(devices));

  CLI::App* info = app.add_subcommand("info", "list a checkpoint's tensors, shapes and metadata");
  info->add_option("checkpoint", checkpoint, "checkpoint file")->required()->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "muse: %s (see muse --help)\n", e.what());
    return 2;
  }

  try {
    if (*train) {
      tc.device = parse_device(device);
      return muse::tools::train(tc);
    }
    if (*sample) return muse::tools::sample(model, checkpoint, n, seed, out_png, parse_device(device));
    if (*eval) {
      ec.device = parse_device(device);
      return muse::tools::eval(ec);
    }
    return muse::tools::info(checkpoint);
  } catch (const muse::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
