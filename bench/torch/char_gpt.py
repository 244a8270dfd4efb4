"""The character-level GPT in PyTorch 1.13, trained the way `muse train gpt` trains it, on the same
windows of the same tokenized corpus, to compare validation perplexity after the same budget
(docs/results.md): bench/torch/gpt.py's model (4 layers, d_model 256, 4 heads, MLP 1024, context 128,
tied embeddings); cross-entropy over the 128 next-character positions of each window; AdamW(lr 3e-4,
weight decay 0.1 on matrices and embeddings only); the learning rate warms up linearly over 100 steps
then follows a cosine down to a tenth at the last step; global gradient norm clipped at 1; batches of 16
windows in a fresh random order each epoch; two threads.

    ./build/tools/muse data gpt --corpus poems --out runs/poems_gpt.safetensors
    /usr/bin/python3 bench/torch/char_gpt.py runs/poems_gpt.safetensors --steps 1000
"""
import argparse
import json

import torch

from char_lstm import train_and_report
from gpt import Gpt, adamw, lr_at
from safetensors_file import read


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    tensors, meta = read(a.data)
    train, valid = tensors["train.windows"], tensors["test.windows"]
    vocab = len(json.loads(meta["tokenizer"])["tokens"])
    model = Gpt(vocab=vocab, context=train.shape[1] - 1)
    opt = adamw(model, a.lr)

    def schedule(step):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, a.lr, a.warmup, a.steps)
    train_and_report(model, opt, train, valid, a.steps, a.batch, schedule)


if __name__ == "__main__":
    main()
