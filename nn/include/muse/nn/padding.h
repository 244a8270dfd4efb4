// Padding layers, as torch.nn.ZeroPad2d, ReflectionPad2d and ReplicationPad2d: pad the last two dims
// of (N, C, H, W) or (C, H, W) inputs by (left, right, top, bottom), with zeros, the mirror image about
// the edge, or copies of the edge (muse::pad). One number pads every side by it.
#pragma once

#include <array>

#include "muse/nn/module.h"
#include "muse/ops.h"

namespace muse::nn {

// What the three share; padding is {left, right, top, bottom}.
class Pad2d : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  const std::array<int64_t, 4> padding;
  const PadMode mode;

 protected:
  Pad2d(std::string name, std::array<int64_t, 4> padding, PadMode mode);
};

class ZeroPad2d : public Pad2d {
 public:
  explicit ZeroPad2d(int64_t padding) : ZeroPad2d({padding, padding, padding, padding}) {}
  explicit ZeroPad2d(std::array<int64_t, 4> padding) : Pad2d("ZeroPad2d", padding, PadMode::Constant) {}
};

class ReflectionPad2d : public Pad2d {
 public:
  explicit ReflectionPad2d(int64_t padding) : ReflectionPad2d({padding, padding, padding, padding}) {}
  explicit ReflectionPad2d(std::array<int64_t, 4> padding) : Pad2d("ReflectionPad2d", padding, PadMode::Reflect) {}
};

class ReplicationPad2d : public Pad2d {
 public:
  explicit ReplicationPad2d(int64_t padding) : ReplicationPad2d({padding, padding, padding, padding}) {}
  explicit ReplicationPad2d(std::array<int64_t, 4> padding)
      : Pad2d("ReplicationPad2d", padding, PadMode::Replicate) {}
};

}  // namespace muse::nn
