#include "muse/nn/upsample.h"

#include "muse/nn/pool.h"

namespace muse::nn {

Upsample::Upsample(UpsampleOptions opts) : Module("Upsample"), options(opts) {
  check(opts.size.has_value() != opts.scale_factor.has_value(),
        "Upsample: give exactly one of size and scale_factor");
  check(!opts.align_corners || opts.mode == UpsampleMode::Bilinear,
        "Upsample: align_corners only applies to bilinear mode");
}

Tensor Upsample::forward(const Tensor& x) {
  check(x.defined(), label(), ": got an undefined input");
  check(x.dim() == 4, label(), ": expected a 4D (N, C, H, W) input, got ", x.dim(), "D input of shape ",
        format_sizes(x.shape()));
  bool nearest = options.mode == UpsampleMode::Nearest;
  if (options.size)
    return nearest ? upsample_nearest2d(x, *options.size) : upsample_bilinear2d(x, *options.size, options.align_corners);
  double s = *options.scale_factor;
  return nearest ? upsample_nearest2d_scale(x, s) : upsample_bilinear2d_scale(x, s, options.align_corners);
}

// As PyTorch 1.13 prints it: the scale factor as a float, the mode without quotes.
std::string Upsample::extra_repr() const {
  std::string what = options.size ? "size=" + format_pair(*options.size)
                                  : "scale_factor=" + format_float(*options.scale_factor);
  return what + ", mode=" + (options.mode == UpsampleMode::Nearest ? "nearest" : "bilinear");
}

}  // namespace muse::nn
