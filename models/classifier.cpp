#include "muse/models/classifier.h"

#include "muse/muse.h"

namespace muse::models {

using nn::BatchNorm2d, nn::Conv2d, nn::Dropout, nn::Flatten, nn::Linear, nn::MaxPool2d, nn::ReLU, nn::Sequential;
using std::make_shared;

Classifier::Classifier() : Module("Classifier") {
  const nn::Conv2dOptions same{.padding = 1};  // a 3x3 kernel with padding 1 keeps H and W
  body = register_module("body", make_shared<Sequential>(
      make_shared<Conv2d>(1, 32, 3, same), make_shared<BatchNorm2d>(32), make_shared<ReLU>(),
      make_shared<MaxPool2d>(2),                                                             // (N, 32, 14, 14)
      make_shared<Conv2d>(32, 64, 3, same), make_shared<BatchNorm2d>(64), make_shared<ReLU>(),
      make_shared<MaxPool2d>(2),                                                             // (N, 64, 7, 7)
      make_shared<Flatten>(), make_shared<Linear>(64 * 7 * 7, kFeatures), make_shared<ReLU>()));
  head = register_module("head", make_shared<Sequential>(make_shared<Dropout>(0.3), make_shared<Linear>(kFeatures, kClasses)));
}

Tensor Classifier::features(const Tensor& x) { return (*body)(x); }

Tensor Classifier::forward(const Tensor& x) { return (*head)(features(x)); }

Tensor map_batches(Classifier& net, const Tensor& images, const std::function<Tensor(const Tensor&)>& f) {
  NoGradGuard no_grad;
  const bool was_training = net.is_training();
  net.eval();
  const Device device = net.parameters().front().device();
  std::vector<Tensor> parts;
  for (int64_t i = 0, n = images.size(0); i < n; i += 500)
    parts.push_back(f(images.narrow(0, i, std::min<int64_t>(500, n - i)).to(device)));
  net.train(was_training);
  return cat(parts, 0);
}

Tensor predict(Classifier& net, const Tensor& images) {
  return map_batches(net, images, [&](const Tensor& x) { return argmax(net(x), 1); });
}

const std::array<const char*, 10>& fashion_mnist_classes() {
  static const std::array<const char*, 10> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace muse::models
