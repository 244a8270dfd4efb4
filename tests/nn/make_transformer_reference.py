# Writes tests/nn/transformer_reference.h: torch.nn.MultiheadAttention, TransformerEncoderLayer,
# TransformerDecoderLayer and the TransformerEncoder / TransformerDecoder stacks computed by PyTorch in
# float64 with dropout 0: parameters (PyTorch's state_dict keys and order), inputs, outputs and the
# gradients of L = sum over outputs of sum(output * upstream), to 12 significant digits, in the format of
# rnn_reference.h (whose Entry and Case it reuses). Bool masks are stored as 0 / 1 values (true = blocked,
# PyTorch's convention); masks holding -inf are not stored: the test builds them
# (generate_square_subsequent_mask).
# Run with PyTorch 1.13: /usr/bin/python3 tests/nn/make_transformer_reference.py
import os
import torch

from reference_case import D, CaseWriter, fixed_weights, leaf, rounded

torch.set_num_threads(2)
torch.manual_seed(0)
E, H, FF = 8, 2, 16
writer = CaseWriter(number=lambda v: f"{v:.12g}")
emit = writer.emit


def causal(T):
    """Bool (T, T), true above the diagonal: key s > query l is blocked."""
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)


def square_subsequent_mask(T):
    return torch.triu(torch.full((T, T), float("-inf"), dtype=D), diagonal=1)


def mha(**kwargs):
    return fixed_weights(torch.nn.MultiheadAttention(E, H, dtype=D, **kwargs)).eval()


# Time-major query (L=3, N=2, E), key and value (S=4, N=2, E) all different; head-averaged weights.
m = mha()
q, k, v = leaf(3, 2, E), leaf(4, 2, E), leaf(4, 2, E)
y, w = m(q, k, v)
emit("mha", m, {"query": q, "key": k, "value": v}, {"output": y, "weights": w})

# Self-attention (query = key = value, one tensor) batch_first on x (N=2, T=4, E) with a causal bool
# attn_mask and the last position of sequence 0 as padding; the fused path (need_weights=False).
m = mha(batch_first=True)
x = leaf(2, 4, E)
padding = torch.tensor([[False, False, False, True], [False, False, False, False]])
y, _ = m(x, x, x, key_padding_mask=padding, need_weights=False, attn_mask=causal(4))
emit("mha_self_masked", m, {"x": x, "key_padding_mask": padding}, {"output": y})

# Cross-attention (key = value = memory, one tensor), time-major: query (L=3, N=2, E), memory (S=5, N=2,
# E), a float per-head attn_mask (N * H, L, S), padding at the last two memory positions of sequence 1;
# per-head weights.
m = mha()
q, mem = leaf(3, 2, E), leaf(5, 2, E)
attn = rounded(2 * H, 3, 5)
padding = torch.tensor([[False, False, False, False, False], [False, False, False, True, True]])
y, w = m(q, mem, mem, key_padding_mask=padding, attn_mask=attn, average_attn_weights=False)
emit("mha_cross_heads", m, {"query": q, "memory": mem, "attn_mask": attn, "key_padding_mask": padding},
     {"output": y, "weights": w})

# No biases, batch_first, a float key_padding_mask (N=2, S=4) added to the scores; head-averaged weights.
m = mha(bias=False, batch_first=True)
q, k, v = leaf(2, 3, E), leaf(2, 4, E), leaf(2, 4, E)
padding = rounded(2, 4)
y, w = m(q, k, v, key_padding_mask=padding)
emit("mha_no_bias", m, {"query": q, "key": k, "value": v, "key_padding_mask": padding}, {"output": y, "weights": w})


def encoder_layer(**kwargs):
    return torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=FF, dropout=0.0, dtype=D, **kwargs)


def decoder_layer(**kwargs):
    return torch.nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, dropout=0.0, dtype=D, **kwargs)


# Post-norm ReLU encoder layer, time-major src (T=4, N=2, E), causal bool src_mask, padding.
layer = fixed_weights(encoder_layer()).eval()
src = leaf(4, 2, E)
padding = torch.tensor([[False, False, True, True], [False, False, False, False]])
y = layer(src, src_mask=causal(4), src_key_padding_mask=padding)
emit("encoder_layer", layer, {"src": src, "src_key_padding_mask": padding}, {"output": y})

# Pre-norm GELU encoder layer, batch_first src (N=2, T=3, E), no masks.
layer = fixed_weights(encoder_layer(activation="gelu", batch_first=True, norm_first=True)).eval()
src = leaf(2, 3, E)
emit("encoder_layer_pre_gelu", layer, {"src": src}, {"output": layer(src)})

# Post-norm ReLU decoder layer, time-major tgt (T=3, N=2, E), memory (S=4, N=2, E), float causal tgt_mask
# (square subsequent), memory padding.
layer = fixed_weights(decoder_layer()).eval()
tgt, mem = leaf(3, 2, E), leaf(4, 2, E)
padding = torch.tensor([[False, False, False, True], [False, False, False, False]])
y = layer(tgt, mem, tgt_mask=square_subsequent_mask(3), memory_key_padding_mask=padding)
emit("decoder_layer", layer, {"tgt": tgt, "memory": mem, "memory_key_padding_mask": padding}, {"output": y})

# Pre-norm GELU decoder layer, batch_first tgt (N=2, T=4, E), memory (N=2, S=3, E), tgt padding, a bool
# memory_mask (T, S).
layer = fixed_weights(decoder_layer(activation="gelu", batch_first=True, norm_first=True)).eval()
tgt, mem = leaf(2, 4, E), leaf(2, 3, E)
padding = torch.tensor([[False, False, False, False], [False, False, False, True]])
memory_mask = torch.tensor([[False, True, False], [False, False, False], [True, False, False], [False, False, True]])
y = layer(tgt, mem, memory_mask=memory_mask, tgt_key_padding_mask=padding)
emit("decoder_layer_pre_gelu", layer,
     {"tgt": tgt, "memory": mem, "memory_mask": memory_mask, "tgt_key_padding_mask": padding}, {"output": y})

# Stacks of 2 layers with a final LayerNorm: an encoder (time-major, padding) and a pre-norm decoder
# (batch_first, causal bool tgt_mask).
encoder = fixed_weights(torch.nn.TransformerEncoder(encoder_layer(), 2, norm=torch.nn.LayerNorm(E, dtype=D))).eval()
src = leaf(5, 2, E)
padding = torch.tensor([[False, False, False, False, True], [False, False, False, False, False]])
y = encoder(src, src_key_padding_mask=padding)
emit("encoder", encoder, {"src": src, "src_key_padding_mask": padding}, {"output": y})

decoder = fixed_weights(torch.nn.TransformerDecoder(decoder_layer(batch_first=True, norm_first=True), 2,
                                                    norm=torch.nn.LayerNorm(E, dtype=D))).eval()
tgt, mem = leaf(2, 3, E), leaf(2, 4, E)
y = decoder(tgt, mem, tgt_mask=causal(3))
emit("decoder", decoder, {"tgt": tgt, "memory": mem}, {"output": y})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transformer_reference.h")
with open(path, "w") as f:
    f.write("// Generated by tests/nn/make_transformer_reference.py from PyTorch " + torch.__version__.split("a")[0] +
            "; do not edit.\n// MultiheadAttention and the Transformer layers in float64 (E = 8, 2 heads, feedforward 16):\n"
            "// parameters under PyTorch's state_dict keys, inputs (bool masks as 0 / 1, true = blocked), outputs,\n"
            "// and the gradients of sum over outputs of sum(output * upstream).\n"
            "#pragma once\n\n#include \"rnn_reference.h\"  // Entry and Case\n\nnamespace transformer_reference {\n\n"
            "using rnn_reference::Case;\n\n" + "\n".join(writer.cases) + "\n}  // namespace transformer_reference\n")
