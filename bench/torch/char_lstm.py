"""char_lstm in PyTorch 1.13, trained the way `muse train lstm` trains it, on the same windows of the same
tokenized corpus, to compare validation perplexity after the same budget (docs/results.md):
Embedding(V, 256) -> LSTM(256, 512, 2 layers, batch_first) -> Linear(512, V); cross-entropy over the 64
next-character positions of each window; Adam(lr 1e-3); global gradient norm clipped at 1; batches of 32
windows in a fresh random order each epoch; two threads.

    ./build/tools/muse data lstm --corpus poems --out runs/poems.safetensors
    /usr/bin/python3 bench/torch/char_lstm.py runs/poems.safetensors --steps 1000
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F
from torch import nn

from safetensors_file import read


class CharLstm(nn.Module):
    def __init__(self, vocab, embedding=256, hidden=512, layers=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, layers, batch_first=True)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, x):
        return self.fc(self.lstm(self.embedding(x))[0])


def lm_loss(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=0)


@torch.no_grad()
def perplexity(model, windows, batch=64):
    model.eval()
    total = 0.0
    for i in range(0, len(windows), batch):
        w = windows[i:i + batch]
        total += lm_loss(model(w[:, :-1]), w[:, 1:]).item() * len(w)
    model.train()
    return math.exp(total / len(windows))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    tensors, meta = read(a.data)
    train, valid = tensors["train.windows"], tensors["test.windows"]
    vocab = len(json.loads(meta["tokenizer"])["tokens"])
    model = CharLstm(vocab)
    train_and_report(model, torch.optim.Adam(model.parameters(), lr=1e-3), train, valid, a.steps, a.batch)


def train_and_report(model, opt, train, valid, steps, batch, before_step=None):
    """`steps` steps over batches of windows in a fresh random order each epoch (the last partial batch
    dropped), gradient norm clipped at 1; then one JSON line with the validation perplexity.
    before_step(step) runs first in each step (char_gpt.py's learning-rate schedule)."""
    start, step = time.time(), 0
    while step < steps:
        order = torch.randperm(len(train))
        for i in range(0, len(order) - batch + 1, batch):
            if before_step:
                before_step(step)
            w = train[order[i:i + batch]]
            loss = lm_loss(model(w[:, :-1]), w[:, 1:])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            if step % 100 == 0:
                print(f"step {step} loss {loss.item():.4f} {time.time() - start:.0f} s", flush=True)
            if step == steps:
                break
    seconds = time.time() - start
    print(json.dumps({"framework": f"pytorch {torch.__version__}", "steps": step, "batch": batch,
                      "train_seconds": round(seconds, 1), "valid_perplexity": round(perplexity(model, valid), 3)}))


if __name__ == "__main__":
    main()
