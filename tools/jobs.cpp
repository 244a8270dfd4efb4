// The Jobs of the reference models: how `muse train` drives each one.
#include <algorithm>

#include "checkpoint.h"
#include "job.h"
#include "muse/cuda.h"
#include "muse/models/classifier.h"
#include "muse/models/conv_vae.h"
#include "muse/models/dcgan.h"
#include "muse/models/mlp_gan.h"
#include "muse/models/mlp_vae.h"
#include "muse/muse.h"
#include "muse/nn/functional.h"
#include "muse/optim/adam.h"
#include "muse/optim/lr_scheduler.h"

namespace muse::tools {

namespace {

// Both GANs train on pixels scaled to [-1, 1], the range of G's tanh output: the MLP on flat (B, 784)
// images, the DCGAN on (B, 1, 32, 32) images padded with black.
class GanJob : public Job {
 public:
  GanJob(const JobOptions& o, bool convolutional)
      : Job(o.device),
        convolutional_(convolutional),
        gan_(convolutional ? models::dcgan({.lr = o.lr > 0 ? o.lr : 2e-4}) : models::Gan({.lr = o.lr > 0 ? o.lr : 2e-4})) {
    gan_.G->to(device_);  // the parameters move in place, so the optimizers built with them follow
    gan_.D->to(device_);
  }

  Losses step(const std::vector<Tensor>& batch) override {
    const Tensor& images = batch[0];
    Tensor real = convolutional_ ? models::dcgan_input(images) : images.reshape({images.size(0), 784}) * 2.0 - 1.0;
    models::GanLosses l = gan_.step(real);
    return {{"loss_d", l.d}, {"loss_g", l.g}, {"d_real", l.d_real}, {"d_fake", l.d_fake}};
  }
  io::NamedTensors state() override {
    io::NamedTensors out;
    append_prefixed(out, "G.", gan_.G->state_dict());
    append_prefixed(out, "D.", gan_.D->state_dict());
    append_prefixed(out, "opt_g.", gan_.opt_g.state_dict());
    append_prefixed(out, "opt_d.", gan_.opt_d.state_dict());
    return out;
  }
  void load(const io::NamedTensors& t) override {
    gan_.G->load_state_dict(take_prefixed(t, "G."));
    gan_.D->load_state_dict(take_prefixed(t, "D."));
    gan_.opt_g.load_state_dict(take_prefixed(t, "opt_g."));
    gan_.opt_d.load_state_dict(take_prefixed(t, "opt_d."));
  }
  Tensor sample(int64_t n, Generator& gen) override {
    Tensor s = gan_.sample(n, gen);
    return convolutional_ ? models::dcgan_output(s) : ((s + 1.0) * 0.5).reshape({n, 1, 28, 28});
  }
  double lr() const override { return gan_.options().lr; }

 private:
  bool convolutional_;
  models::Gan gan_;
};

// The MLP VAE sees flat (B, 784) images, the convolutional one (B, 1, 28, 28).
template <class Model>
class VaeJob : public Job {
 public:
  explicit VaeJob(const JobOptions& o)
      : Job(o.device), vae_(std::make_shared<Model>()), lr_(o.lr > 0 ? o.lr : 1e-3), opt_(vae_->parameters(), {.lr = lr_}) {
    vae_->to(device_);
  }

  Losses step(const std::vector<Tensor>& batch) override {
    const Tensor& images = batch[0];
    vae_->train();
    Tensor x = input(images);
    Tensor loss = models::vae_loss(vae_->forward(x, default_generator()), x);
    opt_.zero_grad();
    loss.backward();
    opt_.step();
    return {{"loss", loss.item() / static_cast<double>(images.size(0))}};  // nats per image
  }
  io::NamedTensors state() override {
    io::NamedTensors out;
    append_prefixed(out, "model.", vae_->state_dict());
    append_prefixed(out, "opt.", opt_.state_dict());
    return out;
  }
  void load(const io::NamedTensors& t) override {
    vae_->load_state_dict(take_prefixed(t, "model."));
    opt_.load_state_dict(take_prefixed(t, "opt."));
  }
  // Decoded draws from the prior p(z) = N(0, I).
  Tensor sample(int64_t n, Generator& gen) override {
    NoGradGuard no_grad;
    Tensor z = randn({n, vae_->latent()}, {.device = device_}, gen);
    return sigmoid(vae_->decode(z)).reshape({n, 1, 28, 28});
  }
  // The negative ELBO per test image, one posterior draw each, as during training.
  Losses evaluate(const std::vector<Tensor>& test, Generator& gen) override {
    const Tensor& images = test[0];
    NoGradGuard no_grad;
    vae_->eval();
    double total = 0;
    const int64_t n = images.size(0), batch = 1000;
    for (int64_t i = 0; i < n; i += batch) {
      Tensor x = input(images.narrow(0, i, std::min(batch, n - i)));
      total += models::vae_loss(vae_->forward(x, gen), x).item();
    }
    vae_->train();
    return {{"test_loss", total / static_cast<double>(n)}};
  }
  double lr() const override { return lr_; }

 private:
  static Tensor input(const Tensor& images) {
    return std::is_same_v<Model, models::Vae> ? images.reshape({images.size(0), 784}) : images;
  }

  std::shared_ptr<Model> vae_;
  double lr_;
  optim::Adam opt_;
};

// Adam with the learning rate annealed to 0 along a cosine over the run: at a constant 1e-3 the test
// accuracy wanders by a percent from epoch to epoch; the decay lets it settle.
class ClassifierJob : public Job {
 public:
  explicit ClassifierJob(const JobOptions& o)
      : Job(o.device), net_(std::make_shared<models::Classifier>()), lr_(o.lr > 0 ? o.lr : 1e-3), opt_(net_->parameters(), {.lr = lr_}) {
    net_->to(device_);
  }

  Losses step(const std::vector<Tensor>& batch) override {
    const Tensor &images = batch[0], &labels = batch[1];
    net_->train();
    Tensor logits = (*net_)(images);
    Tensor loss = nn::functional::cross_entropy(logits, labels);
    opt_.zero_grad();
    loss.backward();
    opt_.step();
    if (schedule_) schedule_->step();
    NoGradGuard no_grad;
    double accuracy = mean(eq(argmax(logits, 1), labels).to(kFloat32)).item();
    return {{"loss", loss.item()}, {"accuracy", accuracy}};
  }
  io::NamedTensors state() override {
    io::NamedTensors out;
    append_prefixed(out, "model.", net_->state_dict());
    append_prefixed(out, "opt.", opt_.state_dict());
    return out;
  }
  void load(const io::NamedTensors& t) override {
    net_->load_state_dict(take_prefixed(t, "model."));
    opt_.load_state_dict(take_prefixed(t, "opt."));
  }
  bool generative() const override { return false; }
  Tensor sample(int64_t, Generator&) override { throw Error("muse: the classifier does not generate images"); }
  Losses evaluate(const std::vector<Tensor>& test, Generator&) override {
    Tensor predicted = models::predict(*net_, test[0]);
    return {{"test_accuracy", mean(eq(predicted, test[1]).to(kFloat32)).item()}};
  }
  double lr() const override { return lr_; }
  std::shared_ptr<models::Classifier> classifier() override { return net_; }
  // The schedule is a closed form of the step count, so a resumed run rebuilds it from the start and
  // steps it to where the checkpoint stood, with no state of its own in the checkpoint.
  void begin(int64_t total_steps, int64_t steps_done) override {
    for (optim::ParamGroup& g : opt_.param_groups()) g.lr = lr_, g.initial_lr = lr_;
    schedule_ = std::make_unique<optim::CosineAnnealingLR>(opt_, optim::CosineAnnealingLROptions{.T_max = total_steps});
    for (int64_t i = 0; i < steps_done; ++i) schedule_->step();
  }

 private:
  std::shared_ptr<models::Classifier> net_;
  double lr_;
  optim::Adam opt_;
  std::unique_ptr<optim::CosineAnnealingLR> schedule_;
};

}  // namespace

const std::vector<std::string>& job_names() {
  static const std::vector<std::string> names = {"gan", "dcgan", "vae", "convvae", "classifier", "lstm", "seq2seq", "tseq2seq", "gpt"};
  return names;
}

std::unique_ptr<Job> make_job(const std::string& model, const JobOptions& options) {
  if (model == "gan") return std::make_unique<GanJob>(options, false);
  if (model == "dcgan") return std::make_unique<GanJob>(options, true);
  if (model == "vae") return std::make_unique<VaeJob<models::Vae>>(options);
  if (model == "convvae") return std::make_unique<VaeJob<models::ConvVae>>(options);
  if (model == "classifier") return std::make_unique<ClassifierJob>(options);
  if (model == "lstm" || model == "seq2seq" || model == "tseq2seq" || model == "gpt") return make_text_job(model, options);
  throw Error(str("muse: unknown model '", model, "' (known: gan, dcgan, vae, convvae, classifier, lstm, seq2seq, tseq2seq, gpt)"));
}

Datasets Job::data(const DataOptions& o) {
  Split train = load_split(o.data_dir, true, o.limit), test = load_split(o.data_dir, false);
  return {{train.images, train.labels}, {test.images, test.labels}};
}

void require_device(const std::string& command, Device device) {
  if (device != kCUDA) return;
  check(cuda::built_with_cuda(), command, ": --device cuda, but this muse was built without CUDA (nvcc was not ",
        "found when meson configured it; see README)");
  check(cuda::is_available(), command, ": --device cuda, but no CUDA device answers on this machine");
}

std::vector<Tensor> Job::to_device(std::vector<Tensor> fields) const {
  for (Tensor& t : fields) t = t.to(device_);
  return fields;
}

void append_prefixed(io::NamedTensors& out, const std::string& prefix, const io::NamedTensors& part) {
  for (const auto& [name, t] : part) out.emplace_back(prefix + name, t);
}

io::NamedTensors take_prefixed(const io::NamedTensors& all, const std::string& prefix) {
  io::NamedTensors out;
  for (const auto& [name, t] : all)
    if (name.starts_with(prefix)) out.emplace_back(name.substr(prefix.size()), t);
  return out;
}

}  // namespace muse::tools
