// The engine: grad mode, graph recording, and backward().
//
// backward(root) runs in two passes over the graph reachable from root, both iterative (deep LSTM or
// long chains would overflow a recursive walk): the first counts, for each node, how many edges lead
// into it; the second processes nodes in topological order (Kahn's algorithm), so a node runs once, after
// all gradients flowing into it have been summed.
#include <unordered_map>

#include "autograd/checks.h"
#include "autograd/node.h"
#include "muse/grad_mode.h"
#include "muse/ops.h"

namespace muse {
namespace {
thread_local bool t_grad_enabled = true;
}

bool GradMode::is_enabled() { return t_grad_enabled; }
void GradMode::set_enabled(bool enabled) { t_grad_enabled = enabled; }

Node::~Node() {
  // Take ownership of the inputs whose last reference is this node and release them one at a time.
  std::vector<std::shared_ptr<Node>> pending;
  for (Edge& e : inputs)
    if (e.node) pending.push_back(std::move(e.node));
  while (!pending.empty()) {
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    if (n.use_count() == 1) {
      for (Edge& e : n->inputs)
        if (e.node) pending.push_back(std::move(e.node));
    }
  }
}

Tensor wrap(Array a) {
  auto impl = std::make_shared<TensorImpl>();
  impl->data = std::move(a);
  return Tensor(std::move(impl));
}

Tensor record(const char* name, Tensor out, const std::vector<Tensor>& inputs, BackwardFn backward) {
  if (!GradMode::is_enabled()) return out;
  bool any = false;
  for (const Tensor& t : inputs) any = any || (t.defined() && t.requires_grad());
  if (!any) return out;
  auto node = std::make_shared<Node>();
  node->name = name;
  node->backward = std::move(backward);
  node->inputs.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    Edge e;
    if (t.defined() && t.requires_grad()) {
      e.shape = t.shape();
      if (t.impl()->grad_fn)
        e.node = t.impl()->grad_fn;
      else
        e.leaf = t.impl();
    }
    node->inputs.push_back(std::move(e));
  }
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
  return out;
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  int64_t lead = g.dim() - shape.size();
  Dims dims;
  for (int64_t i = 0; i < g.dim(); ++i)
    if (i < lead || (shape[i - lead] == 1 && g.size(i) != 1)) dims.push_back(i);
  Tensor s = dims.empty() ? g : sum(g, dims, /*keepdim=*/true);
  return s.reshape(shape);
}

namespace {

void accumulate(Tensor& slot, const Tensor& g) {
  if (!slot.defined()) {
    // Copy unless nothing else holds this storage, so that .grad never aliases another tensor.
    slot = array(g).storage.use_count() == 1 && g.is_contiguous() ? g : g.clone();
  } else {
    backend_of(slot).binary(BinaryOp::Add, array(slot), array(g), array(slot));
  }
}

}  // namespace

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  check_defined("backward", *this);
  check(requires_grad(), "backward: the tensor does not require grad and has no grad_fn");
  Tensor g = gradient;
  if (!g.defined()) {
    check(numel() == 1, "backward: grad can be implicitly created only for a tensor of one element, got shape ",
          shape(), "; pass a gradient of that shape");
    g = ones_like(*this);
  } else {
    check(g.shape() == shape(), "backward: gradient of shape ", g.shape(), " does not match the tensor's shape ",
          shape());
    check(g.dtype() == dtype(), "backward: gradient dtype ", g.dtype(), " does not match the tensor's ", dtype());
    check_same_device("backward", *this, g);
    g = g.detach();
  }
  NoGradGuard no_grad;
  if (!impl()->grad_fn) {  // a leaf
    accumulate(impl()->grad, g);
    return;
  }

  // Pass 1: in-degree of every node reachable from the root.
  Node* root = impl()->grad_fn.get();
  std::unordered_map<Node*, int> deps{{root, 0}};
  std::vector<Node*> stack{root};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->inputs) {
      if (!e.node) continue;
      auto [it, fresh] = deps.try_emplace(e.node.get(), 0);
      it->second += 1;
      if (fresh) stack.push_back(e.node.get());
    }
  }

  // Pass 2: run each node once its gradient is complete.
  std::unordered_map<Node*, Tensor> grads{{root, g}};
  std::vector<Node*> ready{root};
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    Tensor dy;
    if (auto it = grads.find(n); it != grads.end()) {
      dy = std::move(it->second);
      grads.erase(it);
    }
    check(static_cast<bool>(n->backward), "backward: trying to backward through the graph a second time (at ",
          n->name, "); its saved values were freed after the first backward. Pass retain_graph=true "
          "to the first backward() if you need to go through it again");
    Gradients dx;
    if (dy.defined()) {
      if (auto kept = n->retained.lock()) accumulate(kept->grad, dy);
      dx = n->backward(dy);
      check(dx.size() == n->inputs.size(), "backward: ", n->name, " returned ", dx.size(),
            " gradients for ", n->inputs.size(), " inputs");
    }
    for (size_t i = 0; i < n->inputs.size(); ++i) {
      const Edge& e = n->inputs[i];
      Tensor gi = (dy.defined() && (e.node || e.leaf) && dx[i].defined()) ? sum_to(dx[i], e.shape) : Tensor();
      if (e.leaf) {
        if (gi.defined()) accumulate(e.leaf->grad, gi);
      } else if (e.node) {
        if (gi.defined()) {
          auto [it, fresh] = grads.try_emplace(e.node.get(), gi);
          if (!fresh) it->second = it->second + gi;
        }
        if (--deps[e.node.get()] == 0) ready.push_back(e.node.get());
      }
    }
    if (!retain_graph) n->backward = nullptr;  // frees everything the closure saved
  }
}

}  // namespace muse
