// unbind: the slices of x along one dim as separate tensors (torch.unbind), with a backward that costs
// one zero fill of x's shape plus one copy per slice. Selecting the T steps of a (T, B, N) tensor one by
// one would instead give each select a full-size gradient, T * T * B * N work in all; the recurrent
// layers unbind their input projection, so their backward stays linear in T.
//   y_i = x[..., i, ...] (dim removed);  dx[..., i, ...] = dy_i (0 where y_i received no gradient)
//
// How, within an engine whose nodes have one output each: the slices hang off one hidden identity node
// g = x, which nothing else consumes. The first slice whose backward runs creates a zero buffer of x's
// shape and returns it as g's gradient; every slice copies its dy into its part of the buffer and the
// others return no gradient, so the engine never adds full-size tensors. The engine runs g's backward
// only after all the slices it reaches, so by then the buffer is complete; g passes it on to x and
// forgets it, ready for another backward pass through a retained graph. Limitation: a backward pass that
// throws between the slices and g leaves the buffer behind, and a later pass through the same retained
// graph would then give x no gradient.
#include <memory>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

struct UnbindBuffer {
  Tensor dx;  // x's gradient being assembled, undefined between backward passes
};

Array select_view(const Array& a, int64_t dim, int64_t i) {
  Array s = a.slice(dim, i, 1, 1);
  s.shape.erase(dim);
  s.strides.erase(dim);
  return s;
}

}  // namespace

std::vector<Tensor> unbind(const Tensor& x, int64_t dim) {
  check_defined("unbind", x);
  check(x.dim() > 0, "unbind: cannot unbind a 0-dim tensor");
  int64_t d = normalize_dim("unbind", dim, x.dim()), n = x.size(d);
  auto buffer = std::make_shared<UnbindBuffer>();
  Tensor g = record("unbind_gather", wrap(array(x)), {x}, [buffer](const Tensor& dy) -> Gradients {
    buffer->dx = Tensor();
    return {dy};
  });
  Shape shape = x.shape();
  std::vector<Tensor> parts;
  for (int64_t i = 0; i < n; ++i) {
    parts.push_back(record("unbind", wrap(select_view(array(g), d, i)), {g},
                           [buffer, shape, d, i](const Tensor& dy) -> Gradients {
                             bool first = !buffer->dx.defined();
                             if (first) buffer->dx = zeros(shape, {.dtype = dy.dtype(), .device = dy.device()});
                             backend_of(dy).copy(array(dy), select_view(array(buffer->dx), d, i));
                             return {first ? buffer->dx : Tensor()};
                           }));
  }
  return parts;
}

}  // namespace muse
