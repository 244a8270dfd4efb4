// The Jobs of the reference models: how `muse train` drives each one.
#include <algorithm>

#include "job.h"
#include "muse/models/mlp_gan.h"
#include "muse/models/mlp_vae.h"
#include "muse/muse.h"
#include "muse/optim/adam.h"

namespace muse::tools {

namespace {

// The GAN trains on pixels scaled to [-1, 1], the range of G's tanh output.
class GanJob : public Job {
 public:
  explicit GanJob(const JobOptions& o) : gan_({.lr = o.lr > 0 ? o.lr : 2e-4}) {}

  Losses step(const Tensor& images) override {
    models::GanLosses l = gan_.step(images * 2.0 - 1.0);
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
    return ((gan_.sample(n, gen) + 1.0) * 0.5).reshape({n, 1, 28, 28});
  }
  double lr() const override { return gan_.options().lr; }

 private:
  models::Gan gan_;
};

class VaeJob : public Job {
 public:
  explicit VaeJob(const JobOptions& o)
      : vae_(std::make_shared<models::Vae>()), lr_(o.lr > 0 ? o.lr : 1e-3), opt_(vae_->parameters(), {.lr = lr_}) {}

  Losses step(const Tensor& images) override {
    vae_->train();
    models::VaeOutput out = vae_->forward(images, default_generator());
    Tensor loss = models::vae_loss(out, images);
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
    Tensor z = randn({n, vae_->latent()}, {}, gen);
    return sigmoid(vae_->decode(z)).reshape({n, 1, 28, 28});
  }
  std::optional<double> test_loss(const Tensor& images, Generator& gen) override {
    NoGradGuard no_grad;
    vae_->eval();
    double total = 0;
    const int64_t n = images.size(0), batch = 1000;
    for (int64_t i = 0; i < n; i += batch) {
      Tensor x = images.narrow(0, i, std::min(batch, n - i));
      total += models::vae_loss(vae_->forward(x, gen), x).item();
    }
    vae_->train();
    return total / static_cast<double>(n);
  }
  double lr() const override { return lr_; }
  models::Vae& model() { return *vae_; }

 private:
  std::shared_ptr<models::Vae> vae_;
  double lr_;
  optim::Adam opt_;
};

}  // namespace

const std::vector<std::string>& job_names() {
  static const std::vector<std::string> names = {"gan", "vae"};
  return names;
}

std::unique_ptr<Job> make_job(const std::string& model, const JobOptions& options) {
  if (model == "gan") return std::make_unique<GanJob>(options);
  if (model == "vae") return std::make_unique<VaeJob>(options);
  throw Error(str("muse: unknown model '", model, "' (known: gan, vae)"));
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
