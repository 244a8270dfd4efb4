#!/usr/bin/python3
"""Writes a small random GPT-2-shaped checkpoint and the logits a plain PyTorch GPT-2 gives for it, for
tests/models/test_gpt2_checkpoint.cpp:
  gpt2_tiny.safetensors            the checkpoint in Hugging Face's layout (openai-community/gpt2's
                                   model.safetensors): keys wte, wpe, h.N.{ln_1, attn.c_attn, attn.c_proj,
                                   ln_2, mlp.c_fc, mlp.c_proj}, ln_f; Conv1D weights (in, out); with the
                                   attn.bias / attn.masked_bias mask buffers, float32
  gpt2_tiny_reference.safetensors  "idx" (B, T) int64 and "logits" (B, T, V) float64, computed in float64
                                   from the float32 weights
The model below is GPT-2 as published (Radford et al. 2019; Hugging Face's modeling_gpt2.py): Conv1D
projections y = x W + b, pre-LayerNorm blocks, gelu_new (the tanh approximation), learned positions and
an output layer tied to wte. It needs torch only (1.13 here), not the transformers package, and writes the
safetensors format by hand. Run it from anywhere; it writes beside itself."""
import json
import math
import os
import struct

import torch

V, CONTEXT, N_LAYER, N_HEAD, C = 61, 16, 2, 4, 32
D_FF = 4 * C
B, T = 2, CONTEXT
HERE = os.path.dirname(os.path.abspath(__file__))


class Conv1D(torch.nn.Module):
    """GPT-2's projection: weight (in, out), y = x W + b."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(n_in, n_out) * 0.2)
        self.bias = torch.nn.Parameter(torch.randn(n_out) * 0.1)

    def forward(self, x):
        return x @ self.weight + self.bias


def layer_norm():
    ln = torch.nn.LayerNorm(C, eps=1e-5)
    with torch.no_grad():
        ln.weight.copy_(1 + 0.1 * torch.randn(C))
        ln.bias.copy_(0.1 * torch.randn(C))
    return ln


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


class Attention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("bias", torch.tril(torch.ones(CONTEXT, CONTEXT)).view(1, 1, CONTEXT, CONTEXT))
        self.register_buffer("masked_bias", torch.tensor(-1e4))
        self.c_attn = Conv1D(C, 3 * C)
        self.c_proj = Conv1D(C, C)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (z.view(b, t, N_HEAD, C // N_HEAD).transpose(1, 2) for z in (q, k, v))  # (B, H, T, D)
        w = q @ k.transpose(-1, -2) / math.sqrt(C // N_HEAD)
        w = torch.where(self.bias[:, :, :t, :t] > 0, w, torch.tensor(float("-inf"), dtype=w.dtype))
        y = torch.softmax(w, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, C))


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = Conv1D(C, D_FF)
        self.c_proj = Conv1D(D_FF, C)

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = layer_norm()
        self.attn = Attention()
        self.ln_2 = layer_norm()
        self.mlp = Mlp()

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Gpt2(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = torch.nn.Embedding(V, C)
        self.wpe = torch.nn.Embedding(CONTEXT, C)
        with torch.no_grad():
            self.wte.weight.mul_(0.5)
            self.wpe.weight.mul_(0.5)
        self.h = torch.nn.ModuleList(Block() for _ in range(N_LAYER))
        self.ln_f = layer_norm()

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.t()  # the tied output layer


def save_safetensors(path, tensors):
    names = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
    header, data, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for key, t in tensors.items():
        raw = t.contiguous().numpy().tobytes()
        header[key] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        data.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(data))


def main():
    torch.manual_seed(0)
    model = Gpt2()
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    save_safetensors(os.path.join(HERE, "gpt2_tiny.safetensors"), state)
    idx = torch.randint(0, V, (B, T))
    with torch.no_grad():
        logits = model.double()(idx)
    save_safetensors(os.path.join(HERE, "gpt2_tiny_reference.safetensors"), {"idx": idx, "logits": logits})
    print("logits", tuple(logits.shape), "max |logit|", logits.abs().max().item())


if __name__ == "__main__":
    main()
