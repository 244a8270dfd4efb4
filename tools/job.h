// What `muse train` needs from a model: one training step on a batch of images, its full state for
// checkpoints, samples for the PNG grids (generative models), and test-set figures (where the model has
// them: the VAEs' loss, the classifier's accuracy). One Job per reference model, built by make_job from
// the model's name.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "muse/io/safetensors.h"
#include "muse/tensor.h"

namespace muse::models {
class Classifier;
}

namespace muse::tools {

using Losses = std::vector<std::pair<std::string, double>>;

struct JobOptions {
  double lr = 0;  // 0: the model's default
};

class Job {
 public:
  virtual ~Job() = default;
  // One optimisation step on images (B, 1, 28, 28) with pixels in [0, 1] and their labels (B,) int64;
  // returns the named losses.
  virtual Losses step(const Tensor& images, const Tensor& labels) = 0;
  // Model and optimizer tensors, with PyTorch-style keys under a prefix per part ("G.0.weight").
  virtual io::NamedTensors state() = 0;
  // The inverse of state(); a checkpoint of another model gives the strict-mode key report.
  virtual void load(const io::NamedTensors& tensors) = 0;
  // Generative models: n images (n, 1, 28, 28) with pixels in [0, 1].
  virtual bool generative() const { return true; }
  virtual Tensor sample(int64_t n, Generator& gen) = 0;
  // Named figures on the test set (the VAEs' negative ELBO in nats per image, the classifier's accuracy);
  // empty for models without them.
  virtual Losses evaluate(const Tensor& images, const Tensor& labels, Generator& gen) {
    (void)images, (void)labels, (void)gen;
    return {};
  }
  virtual double lr() const = 0;
  // Called once before the first step of a run, fresh or resumed: how many steps the whole run takes
  // and how many are done. Jobs with a learning-rate schedule over the run set it here.
  virtual void begin(int64_t total_steps, int64_t steps_done) { (void)total_steps, (void)steps_done; }
  // The network of the classifier job (the scores' feature network); nullptr for the others.
  virtual std::shared_ptr<models::Classifier> classifier() { return nullptr; }
};

// "gan", "dcgan", "vae", "convvae" or "classifier"; anything else is a muse::Error listing the known names.
std::unique_ptr<Job> make_job(const std::string& model, const JobOptions& options);
const std::vector<std::string>& job_names();

// Prefixes every key: ("0.weight", t) -> ("G.0.weight", t).
void append_prefixed(io::NamedTensors& out, const std::string& prefix, const io::NamedTensors& part);
// The entries under prefix, with it removed.
io::NamedTensors take_prefixed(const io::NamedTensors& all, const std::string& prefix);

}  // namespace muse::tools
