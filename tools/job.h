// What `muse train` needs from a model: one training step on a batch of images, its full state for
// checkpoints, samples for the PNG grids, and (where it has one) a test-set loss. One Job per
// reference model, built by make_job from the model's name.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "muse/io/safetensors.h"
#include "muse/tensor.h"

namespace muse::tools {

using Losses = std::vector<std::pair<std::string, double>>;

struct JobOptions {
  double lr = 0;  // 0: the model's default
};

class Job {
 public:
  virtual ~Job() = default;
  // One optimisation step on images (B, 784) with pixels in [0, 1]; returns the named losses.
  virtual Losses step(const Tensor& images) = 0;
  // Model and optimizer tensors, with PyTorch-style keys under a prefix per part ("G.0.weight").
  virtual io::NamedTensors state() = 0;
  // The inverse of state(); a checkpoint of another model gives the strict-mode key report.
  virtual void load(const io::NamedTensors& tensors) = 0;
  // n images (n, 1, 28, 28) with pixels in [0, 1].
  virtual Tensor sample(int64_t n, Generator& gen) = 0;
  // The test-set loss per image, for models that define one (the VAE's negative ELBO, in nats).
  virtual std::optional<double> test_loss(const Tensor& images, Generator& gen) {
    (void)images, (void)gen;
    return std::nullopt;
  }
  virtual double lr() const = 0;
};

// "gan" or "vae"; anything else is a muse::Error listing the known names.
std::unique_ptr<Job> make_job(const std::string& model, const JobOptions& options);
const std::vector<std::string>& job_names();

// Prefixes every key: ("0.weight", t) -> ("G.0.weight", t).
void append_prefixed(io::NamedTensors& out, const std::string& prefix, const io::NamedTensors& part);
// The entries under prefix, with it removed.
io::NamedTensors take_prefixed(const io::NamedTensors& all, const std::string& prefix);

}  // namespace muse::tools
