# Writes tests/nn/rnn_reference.h: LSTM, GRU, LSTMCell, GRUCell, Embedding(padding_idx) and the Luong and
# Bahdanau attentions computed by PyTorch in float64: parameters (PyTorch's state_dict keys and order),
# inputs, outputs and the gradients of L = sum over outputs of sum(output * upstream), where each output's
# upstream gradient is stored as that output's .grad. Variable lengths go through pack_padded_sequence
# (enforce_sorted=False) and pad_packed_sequence. The attentions are computed directly from their
# formulas (PyTorch has no such modules), with the same parameter names as muse's.
# Run with PyTorch 1.13: /usr/bin/python3 tests/nn/make_rnn_reference.py
import os
import torch

torch.set_num_threads(2)
torch.manual_seed(0)
D = torch.float64
out = []


def values(t):
    return "{" + ", ".join(repr(v) for v in t.detach().reshape(-1).tolist()) + "}"


def rounded(*shape, scale=1.0):
    """Random values rounded to 4 decimals, so that C++ reads exactly the same float64 numbers."""
    return torch.round(torch.randn(*shape, dtype=D) * scale * 1e4) / 1e4


def entry(name, t, grad):
    shape = "{" + ", ".join(str(s) for s in t.shape) + "}"
    return f'        {{"{name}", {shape}, {values(t)}, {values(grad) if grad is not None else "{}"}}},\n'


def emit(name, module, inputs, outputs):
    """inputs: name -> leaf tensor; outputs: name -> tensor. Backward of sum(output * upstream)."""
    upstream = {k: rounded(*v.shape) for k, v in outputs.items()}
    sum((outputs[k] * upstream[k]).sum() for k in outputs).backward()
    text = f"const Case {name}{{\n    .params = {{\n"
    if module is not None:
        params = dict(module.named_parameters())
        for key, value in module.state_dict().items():
            text += entry(key, value, params[key].grad)
    text += "    },\n    .tensors = {\n"
    for k, v in inputs.items():
        text += entry(k, v, v.grad if v.requires_grad else None)
    for k, v in outputs.items():
        text += entry(k, v, upstream[k])
    out.append(text + "    },\n};\n")


def fixed_weights(module, scale=0.5):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(rounded(*p.shape, scale=scale))
    return module


def leaf(*shape, dtype=D):
    return rounded(*shape).requires_grad_(True)


# LSTM, 2 layers, batch_first: x (B=2, T=5, I=3), H=4, with an initial state.
lstm = fixed_weights(torch.nn.LSTM(3, 4, num_layers=2, batch_first=True).double())
x, h0, c0 = leaf(2, 5, 3), leaf(2, 2, 4), leaf(2, 2, 4)
y, (h, c) = lstm(x, (h0, c0))
emit("lstm", lstm, {"x": x, "h0": h0, "c0": c0}, {"output": y, "h": h, "c": c})

# The same kind of LSTM, time-major, on 3 sequences of lengths 5, 2, 4 (unsorted), zero initial state.
lstm = fixed_weights(torch.nn.LSTM(3, 4, num_layers=2).double())
x, lengths = leaf(5, 3, 3), torch.tensor([5, 2, 4])
packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
y, (h, c) = lstm(packed)
y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, total_length=5)
emit("lstm_lengths", lstm, {"x": x}, {"output": y, "h": h, "c": c})

# GRU, 2 layers, time-major: x (T=4, B=2, I=3), H=4, with h0; and with lengths 3, 4 (batch_first).
gru = fixed_weights(torch.nn.GRU(3, 4, num_layers=2).double())
x, h0 = leaf(4, 2, 3), leaf(2, 2, 4)
y, h = gru(x, h0)
emit("gru", gru, {"x": x, "h0": h0}, {"output": y, "h": h})
gru = fixed_weights(torch.nn.GRU(3, 4, num_layers=2, batch_first=True).double())
x, h0, lengths = leaf(2, 4, 3), leaf(2, 2, 4), torch.tensor([3, 4])
packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
y, h = gru(packed, h0)
y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=True, total_length=4)
emit("gru_lengths", gru, {"x": x, "h0": h0}, {"output": y, "h": h})

# The cells on a batch of 3, with a state.
cell = fixed_weights(torch.nn.LSTMCell(3, 4).double())
x, h0, c0 = leaf(3, 3), leaf(3, 4), leaf(3, 4)
h, c = cell(x, (h0, c0))
emit("lstm_cell", cell, {"x": x, "h0": h0, "c0": c0}, {"h": h, "c": c})
cell = fixed_weights(torch.nn.GRUCell(3, 4).double())
x, h0 = leaf(3, 3), leaf(3, 4)
emit("gru_cell", cell, {"x": x, "h0": h0}, {"h": cell(x, h0)})

# Embedding(6, 3, padding_idx=1) on (2, 4) indices with repeats and padding.
emb = fixed_weights(torch.nn.Embedding(6, 3, padding_idx=1).double(), scale=1.0)
idx = torch.tensor([[0, 1, 5, 1], [2, 0, 4, 1]])
emit("embedding", emb, {}, {"output": emb(idx)})

# Attention on keys (B=2, S=4, H=3) with the last position of sequence 1 and the last two of sequence 0
# as padding; queries (B, T=3, H) for Luong and (B, Hq=2) for Bahdanau (attention size 5).
mask = torch.tensor([[False, False, True, True], [False, False, False, True]])


def attend(scores, keys):
    w = torch.softmax(scores.masked_fill(mask.unsqueeze(1), float("-inf")), dim=-1)
    return w @ keys, w


q, k = leaf(2, 3, 3), leaf(2, 4, 3)
context, w = attend(q @ k.transpose(1, 2), k)
emit("luong_dot", None, {"query": q, "keys": k}, {"context": context, "weights": w})

general = torch.nn.Module()
general.linear_in = fixed_weights(torch.nn.Linear(3, 3, bias=False).double())
q, k = leaf(2, 3, 3), leaf(2, 4, 3)
context, w = attend(q @ general.linear_in(k).transpose(1, 2), k)
emit("luong_general", general, {"query": q, "keys": k}, {"context": context, "weights": w})

bahdanau = torch.nn.Module()
bahdanau.query_proj = torch.nn.Linear(2, 5, bias=False).double()
bahdanau.key_proj = torch.nn.Linear(3, 5).double()
bahdanau.v = torch.nn.Linear(5, 1, bias=False).double()
fixed_weights(bahdanau)
q, k = leaf(2, 2), leaf(2, 4, 3)
e = torch.tanh(bahdanau.query_proj(q).unsqueeze(1).unsqueeze(2) + bahdanau.key_proj(k).unsqueeze(1))
context, w = attend(bahdanau.v(e).squeeze(-1), k)
emit("bahdanau", bahdanau, {"query": q, "keys": k}, {"context": context.squeeze(1), "weights": w.squeeze(1)})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn_reference.h")
with open(path, "w") as f:
    f.write("// Generated by tests/nn/make_rnn_reference.py from PyTorch " + torch.__version__.split("a")[0] + "; do not edit.\n"
            "// Recurrent layers, Embedding and attention in float64: parameters under PyTorch's state_dict keys,\n"
            "// inputs, outputs, and the gradients of sum over outputs of sum(output * upstream).\n"
            "#pragma once\n\n#include <cstdint>\n#include <string>\n#include <vector>\n\nnamespace rnn_reference {\n\n"
            "// A named tensor: for parameters and inputs, grad is dL/dvalue (empty: none); for outputs, grad is\n"
            "// the upstream gradient dL/doutput.\n"
            "struct Entry {\n  std::string name;\n  std::vector<int64_t> shape;\n  std::vector<double> value, grad;\n};\n\n"
            "struct Case {\n  std::vector<Entry> params;   // the module's state_dict, in PyTorch's order\n"
            "  std::vector<Entry> tensors;  // inputs, then outputs\n};\n\n"
            + "\n".join(out) + "\n}  // namespace rnn_reference\n")
