// Joining, splitting and indexing: cat, stack, split, chunk, index_select, gather, scatter_add, one_hot,
// with PyTorch's semantics (https://pytorch.org/docs/stable/torch.html, "Indexing, Slicing, Joining").
// split and chunk return narrow views, which carry their own backward; the others record one here.
#include <algorithm>
#include <numeric>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/ops.h"

namespace muse {
namespace {

Array zeros_array(const Shape& shape, DType dtype, Device device) {
  Array a = Array::empty(shape, dtype, device);
  backend(device).fill(a, 0);
  return a;
}

// a[..., i, ...] with dim removed (a view).
Array select_array(const Array& a, int64_t dim, int64_t i) {
  Shape shape = a.shape, strides = a.strides;
  shape.erase(dim);
  strides.erase(dim);
  return a.as_strided(shape, strides, a.offset + i * a.strides[dim]);
}

// A 0-dim array seen as shape (1,), so that the gather and scatter kernels always have a dim.
Array at_least_1d(Array a) {
  if (a.ndim() == 0) a = a.as_strided(Shape{1}, Shape{1}, a.offset);
  return a;
}

// Product of shape[begin, end).
int64_t prod(const Shape& shape, int64_t begin, int64_t end) {
  int64_t p = 1;
  for (int64_t i = begin; i < end; ++i) p *= shape[i];
  return p;
}

std::string list_str(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

void check_index(const char* op, const Tensor& x, const Tensor& index) {
  check_defined(op, index);
  check(index.dtype() == kInt64, op, ": index must be an int64 tensor, got ", index.dtype(), " of shape ",
        index.shape(), "; convert it with .to(kInt64)");
  check_same_device(op, x, index);
}

// index has t's number of dims and is no larger than t in any dim except `skip` (-1: none).
void check_fits(const char* op, const Tensor& index, const Tensor& t, const char* name, int64_t skip) {
  check(index.dim() == t.dim(), op, ": index must have as many dims as ", name, ", got index of shape ",
        index.shape(), " and ", name, " of shape ", t.shape());
  for (int64_t d = 0; d < t.dim(); ++d) {
    check(d == skip || index.size(d) <= t.size(d), op, ": index of shape ", index.shape(),
          " is larger than ", name, " of shape ", t.shape(), " in dim ", d);
  }
}

// 1-D empty tensors are skipped by cat, as in PyTorch, so that cat({empty, x}) works for any x.
bool skipped_by_cat(const Tensor& t) { return t.dim() == 1 && t.numel() == 0; }

// The cat output's shape, after checking every input against the first one that is not skipped.
Shape cat_shape(const std::vector<Tensor>& tensors, int64_t dim, int64_t* d) {
  auto ref = std::find_if(tensors.begin(), tensors.end(), [](const Tensor& t) { return !skipped_by_cat(t); });
  const Tensor& r = ref == tensors.end() ? tensors[0] : *ref;
  for (size_t i = 0; i < tensors.size(); ++i) {
    check(tensors[i].dim() > 0, "cat: zero-dimensional tensor (at position ", i,
          ") cannot be concatenated; unsqueeze it first");
  }
  *d = normalize_dim("cat", dim, r.dim());
  Shape shape = r.shape();
  shape[*d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check_same_dtype("cat", r, t);
    check_same_device("cat", r, t);
    if (skipped_by_cat(t) && r.dim() != 1) continue;
    check(t.dim() == r.dim(), "cat: tensors must have the same number of dimensions; got ", r.shape(), " and ",
          t.shape(), " at position ", i);
    for (int64_t k = 0; k < t.dim(); ++k) {
      check(k == *d || t.size(k) == r.size(k), "cat: tensors must match except in dim ", *d, "; got ",
            r.shape(), " and ", t.shape(), " at dim ", k);
    }
    shape[*d] += t.size(*d);
  }
  return shape;
}

}  // namespace

// y = [x_0, x_1, ...] joined along dim;  dx_i = dy.narrow(dim, offset_i, size_i).
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  check(!tensors.empty(), "cat: expected a non-empty list of tensors");
  for (const Tensor& t : tensors) check_defined("cat", t);
  int64_t d = 0;
  Shape shape = cat_shape(tensors, dim, &d);
  Array y = Array::empty(shape, tensors[0].dtype(), tensors[0].device());
  // Each input is copied into its narrow view of y (the copy kernel handles any strides).
  std::vector<int64_t> offsets, sizes;
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    bool skip = t.dim() != shape.size();
    offsets.push_back(offset);
    sizes.push_back(skip ? -1 : t.size(d));
    if (skip) continue;
    if (t.numel() > 0) backend_of(t).copy(array(t), y.slice(d, offset, t.size(d), 1));
    offset += t.size(d);
  }
  return record("cat", wrap(y), tensors, [d, offsets, sizes](const Tensor& dy) -> Gradients {
    Gradients dx;
    for (size_t i = 0; i < sizes.size(); ++i)
      dx.push_back(sizes[i] < 0 ? Tensor() : dy.narrow(d, offsets[i], sizes[i]));
    return dx;
  });
}

// y[..., i, ...] = x_i, along a new dim;  dx_i = dy.select(dim, i).
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  check(!tensors.empty(), "stack: expected a non-empty list of tensors");
  for (const Tensor& t : tensors) check_defined("stack", t);
  const Tensor& first = tensors[0];
  int64_t d = normalize_dim("stack", dim, first.dim() + 1);
  for (size_t i = 1; i < tensors.size(); ++i) {
    check_same_dtype("stack", first, tensors[i]);
    check_same_device("stack", first, tensors[i]);
    check(tensors[i].shape() == first.shape(), "stack: expected each tensor to be equal size, but got ",
          first.shape(), " at position 0 and ", tensors[i].shape(), " at position ", i);
  }
  Shape shape = first.shape();
  shape.insert(d, static_cast<int64_t>(tensors.size()));
  Array y = Array::empty(shape, first.dtype(), first.device());
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (first.numel() > 0) backend_of(first).copy(array(tensors[i]), select_array(y, d, i));
  }
  int64_t n = tensors.size();
  return record("stack", wrap(y), tensors, [d, n](const Tensor& dy) -> Gradients {
    Gradients dx;
    for (int64_t i = 0; i < n; ++i) dx.push_back(dy.select(d, i));
    return dx;
  });
}

// Views x.narrow(dim, i * split_size, split_size); the last one is smaller when split_size does not
// divide the size. As in PyTorch, split_size may be 0 only for an empty dim.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  check_defined("split", x);
  check(x.dim() > 0, "split: cannot split a 0-dim tensor");
  int64_t d = normalize_dim("split", dim, x.dim()), n = x.size(d);
  check(split_size > 0 || (split_size == 0 && n == 0), "split: split_size must be positive, got ", split_size,
        " for dim ", d, " of size ", n, " in shape ", x.shape());
  int64_t count = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  std::vector<Tensor> parts;
  for (int64_t i = 0; i < count; ++i) {
    int64_t start = i * split_size;
    parts.push_back(x.narrow(d, start, std::min(split_size, n - start)));
  }
  return parts;
}

// Views of the given sizes along dim, which must add up to the size of that dim.
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  check_defined("split", x);
  check(x.dim() > 0, "split: cannot split a 0-dim tensor");
  int64_t d = normalize_dim("split", dim, x.dim());
  for (int64_t s : sizes) check(s >= 0, "split: split sizes must be non-negative, got ", list_str(sizes));
  int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  check(total == x.size(d), "split: split sizes ", list_str(sizes), " add up to ", total, " but dim ", d,
        " of shape ", x.shape(), " has size ", x.size(d));
  std::vector<Tensor> parts;
  int64_t start = 0;
  for (int64_t s : sizes) {
    parts.push_back(x.narrow(d, start, s));
    start += s;
  }
  return parts;
}

// split with ceil(n / chunks) per piece, so there may be fewer than `chunks` pieces (as in PyTorch);
// an empty dim gives `chunks` empty pieces.
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  check_defined("chunk", x);
  check(chunks > 0, "chunk: chunks must be positive, got ", chunks);
  check(x.dim() > 0, "chunk: cannot chunk a 0-dim tensor");
  int64_t d = normalize_dim("chunk", dim, x.dim()), n = x.size(d);
  if (n == 0) return split(x, std::vector<int64_t>(chunks, 0), d);
  return split(x, (n + chunks - 1) / chunks, d);
}

// y = x[..., index[j], ...] along dim (index 1-D or 0-dim; y's dim has index.numel() entries);
// dx = zeros, then dx[..., index[j], ...] += dy[..., j, ...] (repeated indices accumulate).
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined("index_select", x);
  check_index("index_select", x, index);
  check(index.dim() <= 1, "index_select: index must be 1-D or 0-dim, got shape ", index.shape());
  int64_t d = normalize_dim("index_select", dim, x.dim()), k = index.numel();
  check(x.dim() > 0 || k == 1, "index_select: indexing a 0-dim tensor needs exactly one index, got ", k);
  Shape xs = x.dim() == 0 ? Shape{1} : x.shape(), ys = x.shape();
  if (x.dim() > 0) ys[d] = k;
  int64_t outer = prod(xs, 0, d), n = xs[d], inner = prod(xs, d + 1, xs.size());  // x as (outer, n, inner)
  Array idx = contiguous_array(index);
  Array y = Array::empty(ys, x.dtype(), x.device());
  backend_of(x).index_select(contiguous_array(x), outer, n, inner, idx, y);
  Shape shape = x.shape();
  return record("index_select", wrap(y), {x}, [=](const Tensor& dy) -> Gradients {
    Array dx = zeros_array(shape, dy.dtype(), dy.device());
    backend_of(dy).index_add(contiguous_array(dy), outer, n, inner, idx, dx);
    return {wrap(dx)};
  });
}

// y[..., j, ...] = x[..., index[..., j, ...], ...] along dim, y of index's shape;
// dx = zeros, then dx[..., index[..., j, ...], ...] += dy[..., j, ...] (scatter_add).
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined("gather", x);
  check_index("gather", x, index);
  int64_t d = normalize_dim("gather", dim, x.dim());
  check_fits("gather", index, x, "input", d);
  Array idx = at_least_1d(contiguous_array(index));
  Array y = Array::empty(index.shape(), x.dtype(), x.device());
  if (index.numel() > 0) backend_of(x).gather(at_least_1d(contiguous_array(x)), d, idx, at_least_1d(y));
  Shape shape = x.shape();
  return record("gather", wrap(y), {x}, [=](const Tensor& dy) -> Gradients {
    Array dx = zeros_array(shape, dy.dtype(), dy.device());
    if (idx.numel() > 0) backend_of(dy).scatter_add(at_least_1d(dx), d, idx, at_least_1d(contiguous_array(dy)));
    return {wrap(dx)};
  });
}

// y = x, then y[..., index[..., j, ...], ...] += src[..., j, ...] along dim (src may be larger than index;
// only its leading index-shaped corner is used).
// dx = dy;  dsrc[..., j, ...] = dy[..., index[..., j, ...], ...] = gather(dy, dim, index), 0 outside the corner.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined("scatter_add", x);
  check_defined("scatter_add", src);
  check_index("scatter_add", x, index);
  check_same_dtype("scatter_add", x, src);
  check_same_device("scatter_add", x, src);
  check(x.dtype() != kBool, "scatter_add: cannot add into a bool tensor of shape ", x.shape());
  int64_t d = normalize_dim("scatter_add", dim, x.dim());
  check_fits("scatter_add", index, x, "input", d);
  check_fits("scatter_add", index, src, "src", -1);
  Array corner = array(src);  // src[:index.size(0), :index.size(1), ...]
  for (int64_t k = 0; k < src.dim(); ++k) corner = corner.slice(k, 0, index.size(k), 1);
  Array s = Array::empty(index.shape(), src.dtype(), src.device());
  if (index.numel() > 0) backend_of(src).copy(corner, s);
  Array y = Array::empty(x.shape(), x.dtype(), x.device());
  backend_of(x).copy(array(x), y);
  Array idx = at_least_1d(contiguous_array(index));
  if (index.numel() > 0) backend_of(x).scatter_add(at_least_1d(y), d, idx, at_least_1d(s));
  Shape index_shape = index.shape(), src_shape = src.shape();
  return record("scatter_add", wrap(y), {x, src}, [=](const Tensor& dy) -> Gradients {
    Array g = Array::empty(index_shape, dy.dtype(), dy.device());
    if (g.numel() > 0) backend_of(dy).gather(at_least_1d(contiguous_array(dy)), d, idx, at_least_1d(g));
    if (index_shape == src_shape) return {dy, wrap(g)};
    Array dsrc = zeros_array(src_shape, dy.dtype(), dy.device());
    Array dcorner = dsrc;
    for (int64_t k = 0; k < dsrc.ndim(); ++k) dcorner = dcorner.slice(k, 0, index_shape[k], 1);
    if (g.numel() > 0) backend_of(dy).copy(g, dcorner);
    return {dy, wrap(dsrc)};
  });
}

// y[..., c] = (index[...] == c) as int64, of shape index.shape + (num_classes,); num_classes = -1 takes
// max(index) + 1. Not differentiable (its input is an integer tensor).
Tensor one_hot(const Tensor& index, int64_t num_classes) {
  check_index("one_hot", index, index);
  check(num_classes >= -1, "one_hot: num_classes must be -1 (inferred) or non-negative, got ", num_classes);
  std::vector<int64_t> values = index.to_vector<int64_t>();
  check(num_classes >= 0 || !values.empty(), "one_hot: cannot infer num_classes from an empty index of shape ",
        index.shape(), "; pass num_classes");
  if (!values.empty()) {
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    if (num_classes == -1) num_classes = *hi + 1;
    check(*lo >= 0, "one_hot: class values must be non-negative, got ", *lo);
    check(*hi < num_classes, "one_hot: class value ", *hi, " is out of range for num_classes ", num_classes,
          " (expected 0 <= value < ", num_classes, ")");
  }
  Tensor classes = arange(static_cast<double>(num_classes), {.dtype = kInt64, .device = index.device()});
  return eq(index.unsqueeze(-1), classes).to(kInt64);
}

}  // namespace muse
