// What `muse train` needs from a model: its data sets, one training step on a batch, its full state for
// checkpoints, samples for the PNG grids (image generators), and test-set figures (where the model has
// them: the VAEs' loss, the classifier's accuracy, the text models' perplexity and BLEU). One Job per
// reference model, built by make_job from the model's name.
#pragma once

#include <map>
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
  double lr = 0;          // 0: the model's default
  Device device = kCPU;   // where the networks and the optimizers' state live
};

// Where a job's data comes from.
struct DataOptions {
  std::string data_dir = {};  // Fashion-MNIST directory ("" = the default)
  int64_t limit = 0;          // > 0: train on the first `limit` samples only (quick runs and tests)
  std::string corpus = {};    // the text models' corpus ("" = the model's default)
};

// A data set as tensors whose first dimension numbers the samples (a TensorDataset's fields).
struct Datasets {
  std::vector<Tensor> train;
  std::vector<Tensor> test;
};
using Metadata = std::map<std::string, std::string>;

class Job {
 public:
  explicit Job(Device device) : device_(device) {}
  virtual ~Job() = default;
  // Where the job's networks live. Its data sets are CPU tensors: `muse train` moves each batch (and
  // the test set, once) with to_device() before handing it to step() and evaluate().
  Device device() const { return device_; }
  // A data set's fields (a batch, or a whole test set) moved to where the network reads them: every
  // field to device(), unless a job says otherwise.
  virtual std::vector<Tensor> to_device(std::vector<Tensor> fields) const;
  // The training and test sets. The image models read Fashion-MNIST: images (N, 1, 28, 28) with pixels in
  // [0, 1] and labels (N,) int64. The text models build their tokenizers here on a fresh run (and the
  // network, whose size depends on the vocabulary).
  virtual Datasets data(const DataOptions& options);
  // One optimisation step on a batch of the training set's fields; returns the named losses.
  virtual Losses step(const std::vector<Tensor>& batch) = 0;
  // Model and optimizer tensors, with PyTorch-style keys under a prefix per part ("G.0.weight").
  virtual io::NamedTensors state() = 0;
  // The inverse of state(); a checkpoint of another model gives the strict-mode key report.
  virtual void load(const io::NamedTensors& tensors) = 0;
  // Generative models: n images (n, 1, 28, 28) with pixels in [0, 1], on the job's device.
  virtual bool generative() const { return true; }
  virtual Tensor sample(int64_t n, Generator& gen) = 0;
  // Named figures on the test set (the VAEs' negative ELBO in nats per image, the classifier's accuracy,
  // the text models' perplexity and BLEU); empty for models without them.
  virtual Losses evaluate(const std::vector<Tensor>& test, Generator& gen) {
    (void)test, (void)gen;
    return {};
  }
  // What a checkpoint keeps beside the tensors (the text models' tokenizers and corpus), and its
  // inverse, which runs before load() (a text model is built once its vocabulary is known).
  virtual Metadata metadata() const { return {}; }
  virtual void restore(const Metadata& metadata) { (void)metadata; }
  virtual double lr() const = 0;
  // Called once before the first step of a run, fresh or resumed: how many steps the whole run takes
  // and how many are done. Jobs with a learning-rate schedule over the run set it here.
  virtual void begin(int64_t total_steps, int64_t steps_done) { (void)total_steps, (void)steps_done; }
  // The network of the classifier job (the scores' feature network); nullptr for the others.
  virtual std::shared_ptr<models::Classifier> classifier() { return nullptr; }

 protected:
  const Device device_;
};

// "gan", "dcgan", "vae", "convvae", "classifier", "lstm", "seq2seq", "tseq2seq" or "gpt"; anything else is a muse::Error listing
// the known names.
std::unique_ptr<Job> make_job(const std::string& model, const JobOptions& options);
const std::vector<std::string>& job_names();

// The text models' jobs (text_jobs.cpp).
std::unique_ptr<Job> make_text_job(const std::string& model, const JobOptions& options);

// Throws muse::Error, naming the command, when device is cuda and this build or machine has no GPU.
void require_device(const std::string& command, Device device);

// Prefixes every key: ("0.weight", t) -> ("G.0.weight", t).
void append_prefixed(io::NamedTensors& out, const std::string& prefix, const io::NamedTensors& part);
// The entries under prefix, with it removed.
io::NamedTensors take_prefixed(const io::NamedTensors& all, const std::string& prefix);

}  // namespace muse::tools
