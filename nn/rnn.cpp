// RNNBase (what LSTM and GRU share) and the recurrent cells' checks.
#include <cmath>

#include "muse/nn/functional.h"
#include "muse/nn/init.h"
#include "muse/nn/rnn.h"
#include "rnn_internal.h"

namespace muse::nn {

namespace detail {

Tensor cell_input(const std::string& label, const Tensor& x, int64_t input_size, DType dtype) {
  check(x.defined(), label, ": got an undefined input");
  check((x.dim() == 1 || x.dim() == 2) && x.size(-1) == input_size, label, ": expected input (B, ", input_size,
        ") or (", input_size, ",), got ", x.shape());
  check(x.dtype() == dtype, label, ": input is ", x.dtype(), " but the weights are ", dtype,
        " (convert the input, or the module with to(", x.dtype(), "))");
  return x.dim() == 2 ? x : x.unsqueeze(0);
}

Tensor cell_state(const std::string& label, const char* what, const Tensor& state, const Tensor& x, int64_t batch,
                  int64_t hidden_size) {
  Shape want = x.dim() == 2 ? Shape{batch, hidden_size} : Shape{hidden_size};
  if (!state.defined()) return zeros({batch, hidden_size}, {.dtype = x.dtype(), .device = x.device()});
  check(state.shape() == want, label, ": expected ", what, " of shape ", want, " for input ",
        x.shape(), ", got ", state.shape());
  check(state.dtype() == x.dtype(), label, ": ", what, " is ", state.dtype(), " but the input is ", x.dtype());
  return x.dim() == 2 ? state : state.unsqueeze(0);
}

void init_recurrent(const std::vector<Tensor>& parameters, int64_t hidden_size, Generator& gen) {
  double bound = 1 / std::sqrt(static_cast<double>(hidden_size));
  for (Tensor p : parameters) init::uniform_(p, -bound, bound, gen);
}

}  // namespace detail

RNNBase::RNNBase(std::string name, int64_t gates, int64_t input, int64_t hidden, RNNOptions o, Generator& gen)
    : Module(name), input_size(input), hidden_size(hidden), options(o), gen_(&gen) {
  check(input > 0 && hidden > 0, name, ": input_size and hidden_size must be positive, got ", input, " and ", hidden);
  check(o.num_layers >= 1, name, ": num_layers must be at least 1, got ", o.num_layers);
  check(o.dropout >= 0 && o.dropout <= 1, name, ": dropout must be a probability in [0, 1], got ", o.dropout);
  for (int64_t k = 0; k < o.num_layers; ++k) {
    Layer w;
    std::string l = "_l" + std::to_string(k);
    w.weight_ih = register_parameter("weight_ih" + l, empty({gates * hidden, k == 0 ? input : hidden}));
    w.weight_hh = register_parameter("weight_hh" + l, empty({gates * hidden, hidden}));
    if (o.bias) {
      w.bias_ih = register_parameter("bias_ih" + l, empty({gates * hidden}));
      w.bias_hh = register_parameter("bias_hh" + l, empty({gates * hidden}));
    }
    layers_.push_back(w);
  }
  detail::init_recurrent(parameters(), hidden, gen);
}

// PyTorch's: the sizes, then the options that differ from their defaults.
std::string RNNBase::extra_repr() const {
  std::string s = str(input_size, ", ", hidden_size);
  if (options.num_layers != 1) s += str(", num_layers=", options.num_layers);
  if (!options.bias) s += ", bias=False";
  if (options.batch_first) s += ", batch_first=True";
  if (options.dropout != 0) s += ", dropout=" + format_float(options.dropout);
  return s;
}

RNNBase::Steps RNNBase::prepare(const Tensor& x, const Tensor& lengths) const {
  const char* layout = options.batch_first ? "(B, T, " : "(T, B, ";
  check(x.defined(), label(), ": got an undefined input");
  check(x.dim() == 3 && x.size(2) == input_size, label(), ": expected input ", layout, input_size, "), got ",
        x.shape());
  DType dtype = layers_[0].weight_ih.dtype();
  check(x.dtype() == dtype, label(), ": input is ", x.dtype(), " but the weights are ", dtype,
        " (convert the input, or the module with to(", x.dtype(), "))");
  Steps s{options.batch_first ? x.transpose(0, 1) : x, {}, 0, 0};
  s.T = s.x.size(0);
  s.B = s.x.size(1);
  check(s.T > 0 && s.B > 0, label(), ": expected at least one time step and one sequence, got input ",
        x.shape());
  if (!lengths.defined()) return s;
  check(lengths.dtype() == kInt64 && lengths.dim() == 1 && lengths.size(0) == s.B && lengths.device() == kCPU,
        label(), ": lengths must be an int64 tensor of shape (B,) = (", s.B, ",) on the CPU, got ", lengths.dtype(),
        " of shape ", lengths.shape(), " on ", lengths.device());
  int64_t shortest = amin(lengths, {0}).item<int64_t>(), longest = amax(lengths, {0}).item<int64_t>();
  check(shortest >= 1 && longest <= s.T, label(), ": lengths must be in [1, T] = [1, ", s.T, "], got ",
        shortest < 1 ? shortest : longest, " for input ", x.shape());
  if (shortest == s.T) return s;  // no padding: no masks
  Tensor steps = arange(static_cast<double>(s.T), {.dtype = kInt64}).view({s.T, 1, 1});
  Tensor real = (steps < lengths.reshape({1, s.B, 1})).to(x.device());  // (T, B, 1)
  s.mask = unbind(real, 0);
  return s;
}

std::vector<Tensor> RNNBase::initial_state(const Tensor& state, const char* what, const Steps& s) const {
  int64_t L = options.num_layers;
  Shape want{L, s.B, hidden_size};
  if (!state.defined()) {
    Tensor zero = zeros({s.B, hidden_size}, {.dtype = s.x.dtype(), .device = s.x.device()});
    return std::vector<Tensor>(L, zero);
  }
  check(state.shape() == want, label(), ": expected ", what, " of shape (L, B, H) = ", want,
        ", got ", state.shape());
  check(state.dtype() == s.x.dtype(), label(), ": ", what, " is ", state.dtype(), " but the input is ",
        s.x.dtype());
  return unbind(state, 0);
}

Tensor RNNBase::layer_output(const Tensor& y, int64_t k) {
  if (k + 1 < options.num_layers) return functional::dropout(y, options.dropout, is_training(), *gen_);
  return y;
}

Tensor RNNBase::sequence_output(const Tensor& y) const {
  return options.batch_first ? y.transpose(0, 1).contiguous() : y;
}

}  // namespace muse::nn
