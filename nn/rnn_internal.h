// Checks that the recurrent cells (LSTMCell, GRUCell) share; nn/rnn.cpp.
#pragma once

#include <string>

#include "muse/tensor.h"

namespace muse::nn::detail {

// x (B, I) or unbatched (I,) with I = input_size and the weights' dtype, returned as (B, I).
Tensor cell_input(const std::string& label, const Tensor& x, int64_t input_size, DType dtype);
// A cell state named what ("h", "c"): (B, H) for a batched x, (H,) for an unbatched one, returned as
// (B, H); zeros when undefined.
Tensor cell_state(const std::string& label, const char* what, const Tensor& state, const Tensor& x, int64_t batch,
                  int64_t hidden_size);
// U(-1/sqrt(H), 1/sqrt(H)) for every parameter of module, in registration order, as PyTorch's RNNs.
void init_recurrent(const std::vector<Tensor>& parameters, int64_t hidden_size, Generator& gen);

}  // namespace muse::nn::detail
