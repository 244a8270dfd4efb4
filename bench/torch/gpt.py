"""The GPT of muse's models/gpt.h in PyTorch, for bench/torch/steps.py (the `gpt` workload) and
bench/torch/char_gpt.py (the quality comparison): decoder-only, pre-LayerNorm blocks

    x = x + c_proj(attention(c_attn(ln_1(x))))      causal, n_head heads of d_model / n_head
    x = x + mlp.c_proj(gelu_tanh(mlp.c_fc(ln_2(x))))
    logits = ln_f(x) @ wte^T                          (the output layer is the token embedding, tied)

with learned positions (wpe), GPT-2's parameter names and GPT-2's initialisation: N(0, 0.02) for every
weight matrix and embedding, N(0, 0.02 / sqrt(2 n_layer)) for the two projections that write into the
residual stream, zero biases. Linear layers hold (out, in) weights (GPT-2's published files store Conv1D
(in, out); muse's loader transposes). Attention is PyTorch's fused F.scaled_dot_product_attention where
the installed PyTorch has it (2.x), else the matmul-softmax-matmul it replaces (1.13).
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    def __init__(self, d_model, n_head, d_ff):
        super().__init__()
        self.n_head = n_head
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(d_model, 3 * d_model)
        self.attn.c_proj = nn.Linear(d_model, d_model)
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(d_model, d_ff)
        self.mlp.c_proj = nn.Linear(d_ff, d_model)

    def attention(self, x):  # (B, T, C) -> (B, T, C)
        B, T, C = x.shape
        q, k, v = self.attn.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, h, T, D)
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, h, T, T)
            causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            y = scores.masked_fill(~causal, float("-inf")).softmax(-1) @ v
        return self.attn.c_proj(y.transpose(1, 2).reshape(B, T, C))

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, vocab=4000, context=128, n_layer=4, n_head=4, d_model=256, d_ff=1024):
        super().__init__()
        self.wte = nn.Embedding(vocab, d_model)
        self.wpe = nn.Embedding(context, d_model)
        self.h = nn.ModuleList([Block(d_model, n_head, d_ff) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d_model)
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * n_layer) if name.endswith("c_proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)
            elif not name.startswith("ln") and ".ln_" not in name:
                nn.init.zeros_(p)

    def forward(self, idx):  # (B, T) int64 -> logits (B, T, V)
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
        for block in self.h:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.t()


def adamw(model, lr=3e-4, weight_decay=0.1):
    """AdamW with weight decay on the matrices and embeddings (2+ dims) only, not biases or LayerNorm."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": rest, "weight_decay": 0.0}], lr=lr)


def lr_at(step, lr, warmup, total, final=0.1):
    """Linear warm-up from lr / warmup to lr over `warmup` steps, then a cosine down to final * lr at `total`."""
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return lr * (final + (1 - final) * 0.5 * (1 + math.cos(math.pi * progress)))
