// The autograd graph. Every differentiable op that sees an input requiring grad calls record(), which
// gives its output a Node: the op's name, its backward closure, and one Edge per input leading to the
// node that made that input (or to the input itself when it is a leaf). backward() walks these edges.
//
// Closures take dy and return one gradient per input (undefined where there is none); the engine
// accumulates them and sums away broadcast dimensions. Closures capture data (save(x)), never the
// output Tensor, so the graph has no reference cycles.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "muse/tensor.h"
#include "tensor/array.h"

namespace muse {

struct Node;

struct TensorImpl {
  Array data;
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;  // null for leaves
  bool retains_grad = false;
};

using Gradients = std::vector<Tensor>;
using BackwardFn = std::function<Gradients(const Tensor& dy)>;

struct Edge {
  std::shared_ptr<Node> node;        // the input was made by this node, or
  std::shared_ptr<TensorImpl> leaf;  // the input is this leaf; both null: no gradient flows there
  Shape shape;                       // the input's shape (the gradient is summed down to it)
};

struct Node {
  const char* name;
  BackwardFn backward;  // emptied once the graph is freed
  std::vector<Edge> inputs;
  std::weak_ptr<TensorImpl> retained;  // the output, when it called retain_grad()

  ~Node();  // iterative, so dropping a chain of 100,000 nodes does not overflow the stack
};

// Attaches a node to `out` when grad mode is on and some input requires grad; returns out.
Tensor record(const char* name, Tensor out, const std::vector<Tensor>& inputs, BackwardFn backward);

// Data to keep for backward: the same storage without the graph.
inline Tensor save(const Tensor& t) { return t.defined() ? t.detach() : t; }

// Wraps an array as a tensor without grad; the raw array of a tensor.
Tensor wrap(Array a);
inline const Array& array(const Tensor& t) { return t.impl()->data; }

// Sums g over the dimensions that broadcasting added or expanded, giving `shape`.
Tensor sum_to(const Tensor& g, const Shape& shape);

}  // namespace muse
