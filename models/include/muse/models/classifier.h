// A small convolutional network that recognises the ten Fashion-MNIST classes, and the feature
// network of the image-quality scores (fmnist_scores.h): its penultimate layer stands in for the
// Inception network of FID and IS, which cannot be downloaded here.
//
//   (N, 1, 28, 28) -> Conv2d(1,32,3,padding 1) BatchNorm2d ReLU MaxPool2d(2)  -> (N, 32, 14, 14)
//                  -> Conv2d(32,64,3,padding 1) BatchNorm2d ReLU MaxPool2d(2) -> (N, 64, 7, 7)
//                  -> Flatten Linear(3136, 256) ReLU                           -> features (N, 256)
//                  -> Dropout(0.3) Linear(256, 10)                             -> logits (N, 10)
#pragma once

#include <array>
#include <functional>
#include <memory>

#include "muse/nn/layers.h"

namespace muse::models {

class Classifier : public nn::Module {
 public:
  static constexpr int64_t kFeatures = 256;
  static constexpr int64_t kClasses = 10;
  Classifier();

  // The penultimate layer, (N, 256), of images x (N, 1, 28, 28) with pixels in [0, 1].
  Tensor features(const Tensor& x);
  // Class logits (N, 10).
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Sequential> body, head;
};

// Runs f on images (N, 1, 28, 28) in batches of 500, each moved to the network's device, in eval mode
// and without gradients, and joins the results along dim 0 (on that device): the way every evaluation
// below reads the 10,000 test images.
Tensor map_batches(Classifier& net, const Tensor& images, const std::function<Tensor(const Tensor&)>& f);
// Predicted labels (N,) int64 on the network's device: the argmax of the logits.
Tensor predict(Classifier& net, const Tensor& images);

// The Fashion-MNIST class names, in label order.
const std::array<const char*, 10>& fashion_mnist_classes();

}  // namespace muse::models
