// `muse sample`, `muse eval` and `muse info`: the commands that read a checkpoint back.
#include <cstdio>
#include <filesystem>

#include "checkpoint.h"
#include "muse/io/image.h"
#include "muse/io/safetensors.h"
#include "muse/models/classifier.h"
#include "muse/models/fmnist_scores.h"
#include "muse/muse.h"

namespace muse::tools {

namespace {

// The generated images the scores compare with the test set: as many as it has (10,000), drawn in
// batches of 500 from a generator of their own.
Tensor generate(Job& job, int64_t n, uint64_t seed) {
  Generator gen(seed);
  std::vector<Tensor> parts;
  for (int64_t i = 0; i < n; i += 500) parts.push_back(job.sample(std::min<int64_t>(500, n - i), gen));
  return cat(parts, 0);
}

// The classifier a `muse train classifier` run saved, for the scores' features.
std::shared_ptr<models::Classifier> load_classifier(const std::string& path, Device device) {
  check(std::filesystem::exists(path), "muse eval: no classifier checkpoint at ", path,
        " for the image-quality scores; train one with: muse train classifier --out runs/classifier");
  std::unique_ptr<Job> job = make_job("classifier", {.device = device});
  load_checkpoint(*job, "classifier", path, nullptr);
  return job->classifier();
}

void print_confusion(const Tensor& predicted, const Tensor& labels) {
  const auto& names = models::fashion_mnist_classes();
  std::vector<int64_t> counts(100, 0);
  std::vector<int64_t> p = predicted.to_vector<int64_t>(), l = labels.to_vector<int64_t>();
  for (size_t i = 0; i < p.size(); ++i) ++counts[l[i] * 10 + p[i]];
  std::printf("confusion matrix (rows: true class, columns: predicted)\n%12s", "");
  for (int c = 0; c < 10; ++c) std::printf(" %5d", c);
  std::printf("\n");
  for (int r = 0; r < 10; ++r) {
    std::printf("%d %-10s", r, names[r]);
    for (int c = 0; c < 10; ++c) std::printf(" %5lld", static_cast<long long>(counts[r * 10 + c]));
    std::printf("\n");
  }
}

}  // namespace

int sample(const std::string& model, const std::string& checkpoint, int64_t n, uint64_t seed,
           const std::string& out_png, Device device) {
  require_device("muse sample", device);
  std::unique_ptr<Job> job = make_job(model, {.device = device});
  check(job->generative(), "muse sample: model '", model, "' does not generate images");
  load_checkpoint(*job, model, checkpoint, nullptr);
  Generator gen(seed);
  int64_t nrow = 8;
  while (nrow * nrow < n && nrow < 32) ++nrow;
  io::save_image_grid(job->sample(n, gen), out_png, nrow, 2, 0.0, 1.0);
  std::printf("wrote %lld samples of %s to %s\n", static_cast<long long>(n), model.c_str(), out_png.c_str());
  return 0;
}

int eval(const EvalConfig& e) {
  require_device("muse eval", e.device);
  std::unique_ptr<Job> job = make_job(e.model, {.device = e.device});
  load_checkpoint(*job, e.model, e.checkpoint, nullptr);
  Split test = load_split(e.data_dir, false, e.limit);
  Generator gen(e.seed);
  for (const auto& [name, v] : job->evaluate(job->to_device({test.images, test.labels}), gen)) {
    if (name == "test_loss")
      std::printf("test loss: %.4f nats per image (negative ELBO, %lld test images)\n", v,
                  static_cast<long long>(test.images.size(0)));
    else
      std::printf("%s: %.4f\n", name.c_str(), v);
  }
  if (!job->generative()) {  // the classifier
    print_confusion(models::predict(*job->classifier(), test.images), test.labels);
    return 0;
  }
  models::FmnistScorer scorer(load_classifier(e.classifier, e.device), test.images);
  const int64_t n = test.images.size(0);
  models::FmnistScores s = scorer.score(generate(*job, n, e.seed));
  models::FmnistScores floor = scorer.score(load_split(e.data_dir, true, n).images);
  std::printf("FID-FMNIST: %.3f   IS-FMNIST: %.3f +- %.3f   (%lld generated images against the %lld test images)\n",
              s.fid, s.is_mean, s.is_std, static_cast<long long>(n), static_cast<long long>(n));
  std::printf("for scale, %lld real training images: FID-FMNIST %.3f, IS-FMNIST %.3f +- %.3f\n",
              static_cast<long long>(n), floor.fid, floor.is_mean, floor.is_std);
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
