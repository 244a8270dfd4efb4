"""The mlp_vae reference in PyTorch, trained the way `muse train vae` trains it, for docs/vae.md.

Same architecture (784-400-20 encoder with mu and logvar heads, 20-400-784 decoder), same loss (BCE with
logits summed over pixels + the Gaussian KL, per image), Adam lr 1e-3, batch 128, 10 epochs, shuffled
batches with the last partial batch dropped; the test loss is the single-sample negative ELBO over the
10,000 test images, averaged per image. Random streams differ from muse's (PyTorch's own generator), so
the two figures agree statistically, not bit for bit.

    /usr/bin/python3 bench/torch/mlp_vae.py [--epochs 10] [--seed 0]
"""
import argparse
import gzip
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    assert int.from_bytes(raw[0:4], "big") == 0x803
    n = int.from_bytes(raw[4:8], "big")
    return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 784).astype(np.float32) / 255.0)


class Vae(nn.Module):
    def __init__(self, latent=20):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc_mu = nn.Linear(400, latent)
        self.fc_logvar = nn.Linear(400, latent)
        self.fc3 = nn.Linear(latent, 400)
        self.fc4 = nn.Linear(400, 784)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc_mu(h), self.fc_logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.fc4(F.relu(self.fc3(z))), mu, logvar


def loss_fn(model, x):
    logits, mu, logvar = model(x)
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kl


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    train = read_idx_images(f"{DATA}/train-images-idx3-ubyte.gz")
    test = read_idx_images(f"{DATA}/t10k-images-idx3-ubyte.gz")
    model = Vae()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.time()
    for epoch in range(args.epochs):
        perm = torch.randperm(train.shape[0])
        total = 0.0
        steps = train.shape[0] // 128
        for i in range(steps):
            x = train[perm[i * 128:(i + 1) * 128]]
            loss = loss_fn(model, x)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        with torch.no_grad():
            test_loss = sum(loss_fn(model, xb).item() for xb in test.split(1000)) / test.shape[0]
        print(f"epoch {epoch + 1}: train {total / (steps * 128):.4f}  test {test_loss:.4f} nats/image"
              f"  ({time.time() - start:.1f} s)", flush=True)
    print(f"final test loss per image: {test_loss:.4f} nats")


if __name__ == "__main__":
    main()
