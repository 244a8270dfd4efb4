"""The measurements of bench/bench_steps.cpp in PyTorch 1.13: median milliseconds per training step
and per inference forward of mlp_gan (batch 64), mlp_vae (batch 128), dcgan (batch 64, 32x32 images),
lstm_lm (batch 32 x 64 tokens), seq2seq_attn (batch 64, source 16, target 16 tokens) and gpt (batch 16 x
128 tokens; gpt2_124m, the GPU shape, batch 8 x 1024, when named in --only), as
/work/shared/WORKLOADS.md describes them, float32 on random data, two threads. The steps are written as
models/ and tools/jobs.cpp run them: the GAN with the same layers, BCE-with-logits, the non-saturating G
loss and Adam(2e-4, (0.5, 0.999)); the VAE and its loss from bench/torch/mlp_vae.py, Adam(1e-3); the two
token models with cross-entropy over every target position and Adam(1e-3), lstm_lm clipping the gradient
norm to 1.0; gpt with AdamW(3e-4, weight decay 0.1 on matrices) and clipping at 1.0 (bench/torch/gpt.py).
Losses are read back with .item() as muse's steps do. zero_grad sets gradients to None, as
muse's does (PyTorch 1.13's default zeroes them). Inference is the model's forward without gradients: the
generator, the VAE, the language model over the 64 tokens, the seq2seq model teacher-forced (no search).
The gpt workloads also report their model FLOPs per step and TFLOP/s over the median step, counted as
bench_steps.cpp counts them (model_flop below).

    /usr/bin/python3 bench/torch/steps.py [--steps 50] [--json FILE] [--device cuda] [--only lstm_lm,...]

It prints the configuration it runs in: threads, BLAS, and the environment variables that matter.

With --device cuda (bench_steps under MUSE_BENCH_DEVICE=cuda) the models and inputs live on the GPU and
every timed step ends with torch.cuda.synchronize(); TF32 is off, as in muse.

bench/compare.py (`make bench-compare`) runs it beside bench_steps in the environment it names.
"""
import argparse
import json
import os
import time

import torch
import torch.nn.functional as F
from torch import nn

from gpt import Gpt, adamw  # muse's models/gpt.h in PyTorch
from mlp_vae import Vae, loss_fn as vae_loss  # the VAE and its loss, as bench/torch/mlp_vae.py trains it

WARMUP = 10  # as bench_steps.cpp, which then times 50 steps
DEVICE = "cpu"
VOCAB = 4000  # lstm_lm and seq2seq_attn


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def configuration():
    """What decides PyTorch's speed here: threads, the BLAS library it loaded, and the environment."""
    blas = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line and "/" in line})
    env = {k: os.environ.get(k, "(unset)") for k in
           ("OPENBLAS_CORETYPE", "OMP_WAIT_POLICY", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")}
    device = torch.cuda.get_device_name() if DEVICE == "cuda" else "cpu"
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas, "env": env, "device": device}


def time_ms(step, steps):
    """Times `steps` calls of step() after the warm-up: {"median", "min", "max"} in milliseconds."""
    for _ in range(WARMUP):
        step()
    sync()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return {"median": (times[(steps - 1) // 2] + times[steps // 2]) / 2, "min": times[0], "max": times[-1]}


def gan_generator(latent=100):
    return nn.Sequential(nn.Linear(latent, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512), nn.BatchNorm1d(512),
                         nn.LeakyReLU(0.2), nn.Linear(512, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2),
                         nn.Linear(1024, 784), nn.Tanh())


def gan_discriminator():
    return nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(512, 256),
                         nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(256, 1))


def dcgan_generator(latent=100):
    def up(cin, cout, stride, padding):
        return [nn.ConvTranspose2d(cin, cout, 4, stride, padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*up(latent, 256, 1, 0), *up(256, 128, 2, 1), *up(128, 64, 2, 1),
                         nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())


def dcgan_discriminator():
    def down(cin, cout, batch_norm):
        return ([nn.Conv2d(cin, cout, 4, 2, 1, bias=not batch_norm)] + ([nn.BatchNorm2d(cout)] if batch_norm else []) +
                [nn.LeakyReLU(0.2)])
    return nn.Sequential(*down(1, 64, False), *down(64, 128, True), *down(128, 256, True),
                         nn.Conv2d(256, 1, 4, 1, 0), nn.Flatten())


class Gan:
    """models::Gan: the two networks, their optimizers and Gan::step (z_shape (100,) or (100, 1, 1))."""

    def __init__(self, latent=100, conv=False):
        self.latent = latent
        self.z_shape = (latent, 1, 1) if conv else (latent,)
        self.G = (dcgan_generator(latent) if conv else gan_generator(latent)).to(DEVICE)
        self.D = (dcgan_discriminator() if conv else gan_discriminator()).to(DEVICE)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def step(self, real):
        n = real.shape[0]
        ones, zeros = torch.ones(n, 1, device=DEVICE), torch.zeros(n, 1, device=DEVICE)
        self.G.train()
        self.D.train()
        fake = self.G(torch.randn(n, *self.z_shape, device=DEVICE))
        logit_real = self.D(real)
        logit_fake = self.D(fake.detach())
        loss_d = (F.binary_cross_entropy_with_logits(logit_real, ones) +
                  F.binary_cross_entropy_with_logits(logit_fake, zeros))
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        loss_g = F.binary_cross_entropy_with_logits(self.D(fake), ones)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        with torch.no_grad():
            return (loss_d.item(), loss_g.item(), torch.sigmoid(logit_real).mean().item(),
                    torch.sigmoid(logit_fake).mean().item())


def mlp_gan(steps):
    torch.manual_seed(0)
    gan = Gan()
    real = torch.rand(64, 784, device=DEVICE) * 2 - 1  # (N, 784) in [-1, 1]
    results = {"mlp_gan/train": time_ms(lambda: gan.step(real), steps)}

    gan = Gan()
    gan.G.eval()
    z = torch.randn(64, 100, device=DEVICE)

    def gan_infer():
        with torch.no_grad():
            gan.G(z)
    results["mlp_gan/infer"] = time_ms(gan_infer, steps)
    return results


def mlp_vae(steps):
    torch.manual_seed(0)
    vae = Vae().to(DEVICE)
    opt = torch.optim.Adam(vae.parameters(), lr=1e-3)
    x = torch.rand(128, 784, device=DEVICE)  # (N, 784) pixels in [0, 1]

    def vae_train():
        loss = vae_loss(vae, x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()
    results = {"mlp_vae/train": time_ms(vae_train, steps)}

    vae = Vae().to(DEVICE)

    def vae_infer():
        with torch.no_grad():
            vae(x)
    results["mlp_vae/infer"] = time_ms(vae_infer, steps)
    return results


def dcgan(steps):
    torch.manual_seed(0)
    gan = Gan(conv=True)
    real = torch.rand(64, 1, 32, 32, device=DEVICE) * 2 - 1
    results = {"dcgan/train": time_ms(lambda: gan.step(real), steps)}

    gan = Gan(conv=True)
    gan.G.eval()
    z = torch.randn(64, 100, 1, 1, device=DEVICE)

    def dcgan_infer():
        with torch.no_grad():
            gan.G(z)
    results["dcgan/infer"] = time_ms(dcgan_infer, steps)
    return results


class LstmLm(nn.Module):
    """lstm_lm: Embedding(V, 256), a 2-layer batch-first LSTM(256, 512), Linear(512, V)."""

    def __init__(self, vocab=VOCAB, embed=256, hidden=512, layers=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens):  # (B, T) int64 -> logits (B, T, V)
        output, _ = self.lstm(self.embedding(tokens))  # (B, T, H)
        return self.head(output)


class Seq2SeqAttn(nn.Module):
    """seq2seq_attn: an LSTM encoder; a decoder LSTMCell fed [embedding; previous context] (Luong's input
    feeding, with the context itself), Luong dot attention over the encoder outputs, Linear on [h; context].
    The decoder starts from the encoder's final state and a zero context."""

    def __init__(self, vocab=VOCAB, embed=256, hidden=256):
        super().__init__()
        self.src_embedding = nn.Embedding(vocab, embed)
        self.encoder = nn.LSTM(embed, hidden, batch_first=True)
        self.tgt_embedding = nn.Embedding(vocab, embed)
        self.decoder = nn.LSTMCell(embed + hidden, hidden)
        self.out = nn.Linear(2 * hidden, vocab)

    def forward(self, src, tgt_in):  # (B, S), (B, T) int64 -> logits (B, T, V), teacher forcing
        keys, (h, c) = self.encoder(self.src_embedding(src))  # keys (B, S, H); h, c (1, B, H)
        h, c = h[0], c[0]  # (B, H)
        context = torch.zeros_like(h)  # (B, H)
        embedded = self.tgt_embedding(tgt_in)  # (B, T, E)
        logits = []
        for t in range(tgt_in.shape[1]):
            h, c = self.decoder(torch.cat([embedded[:, t], context], 1), (h, c))
            weights = torch.bmm(keys, h.unsqueeze(2)).squeeze(2).softmax(1)  # (B, S): softmax_s(k_s . h)
            context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)  # (B, H)
            logits.append(self.out(torch.cat([h, context], 1)))  # (B, V)
        return torch.stack(logits, 1)


def token_step(model, inputs, targets, clip=None, opt=None):
    """One training step: cross-entropy over every position, optional gradient-norm clipping, Adam (or opt)."""
    opt = opt or torch.optim.Adam(model.parameters(), lr=1e-3)
    vocab = model.wte.num_embeddings if isinstance(model, Gpt) else VOCAB

    def step():
        logits = model(*inputs)  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        loss.item()
    return step


def forward_only(model, inputs):
    """Inference: the same forward without gradients (for seq2seq still teacher-forced, no search)."""
    model.eval()

    def infer():
        with torch.no_grad():
            model(*inputs)
    return infer


def lstm_lm(steps):
    torch.manual_seed(0)
    tokens = torch.randint(0, VOCAB, (32, 65), device=DEVICE)  # inputs [:, :-1], next-token targets [:, 1:]
    inputs, targets = (tokens[:, :-1],), tokens[:, 1:]
    results = {"lstm_lm/train": time_ms(token_step(LstmLm().to(DEVICE), inputs, targets, clip=1.0), steps)}
    results["lstm_lm/infer"] = time_ms(forward_only(LstmLm().to(DEVICE), inputs), steps)
    return results


def seq2seq_attn(steps):
    torch.manual_seed(0)
    src = torch.randint(0, VOCAB, (64, 16), device=DEVICE)  # (B, S)
    tgt = torch.randint(0, VOCAB, (64, 17), device=DEVICE)  # decoder inputs [:, :-1], targets [:, 1:]
    inputs, targets = (src, tgt[:, :-1]), tgt[:, 1:]
    results = {"seq2seq_attn/train": time_ms(token_step(Seq2SeqAttn().to(DEVICE), inputs, targets), steps)}
    results["seq2seq_attn/infer"] = time_ms(forward_only(Seq2SeqAttn().to(DEVICE), inputs), steps)
    return results


def model_flop(model, batch, T, training):
    """Model FLOPs of one step of a Gpt over batch x T tokens, as bench_steps.cpp's gpt_model_flop counts
    them (PaLM appendix B): per token 2 N + 4 L T C forward, 6 N + 12 L T C training, N the elements of the
    2-D weights but wpe (each block's four matrices and the output layer wte^T); the causal mask is not
    discounted."""
    n = sum(p.numel() for name, p in model.named_parameters() if p.dim() == 2 and name != "wpe.weight")
    forward = 2 * n + 4 * len(model.h) * T * model.wte.embedding_dim
    return batch * T * (3 * forward if training else forward)


def with_flop(ms, flop):
    """The timings of one gpt workload with its model FLOPs per step and TFLOP/s over the median step."""
    return {**ms, "model_flop_per_step": flop, "tflop_per_s": flop / (ms["median"] * 1e-3) / 1e12}


def gpt_workload(name, config, batch, steps):
    config = {"vocab": 4000, "context": 128, **config}
    T = config["context"]
    torch.manual_seed(0)
    tokens = torch.randint(0, config["vocab"], (batch, T + 1), device=DEVICE)
    inputs, targets = (tokens[:, :-1],), tokens[:, 1:]
    model = Gpt(**config).to(DEVICE)
    ms = time_ms(token_step(model, inputs, targets, clip=1.0, opt=adamw(model)), steps)
    results = {f"{name}/train": with_flop(ms, model_flop(model, batch, T, True))}
    model = Gpt(**config).to(DEVICE)
    ms = time_ms(forward_only(model, inputs), steps)
    results[f"{name}/infer"] = with_flop(ms, model_flop(model, batch, T, False))
    return results


def gpt(steps):  # 4 layers, d_model 256, 4 heads, MLP 1024, context 128, vocab 4000; batch 16
    return gpt_workload("gpt", {}, 16, steps)


def gpt2_124m(steps):  # the GPT-2 124M shape, batch 8 (GPU runs only)
    config = {"vocab": 50257, "context": 1024, "n_layer": 12, "n_head": 12, "d_model": 768, "d_ff": 3072}
    return gpt_workload("gpt2_124m", config, 8, steps)


WORKLOADS = {"mlp_gan": mlp_gan, "mlp_vae": mlp_vae, "dcgan": dcgan, "lstm_lm": lstm_lm,
             "seq2seq_attn": seq2seq_attn, "gpt": gpt, "gpt2_124m": gpt2_124m}
DEFAULT = [n for n in WORKLOADS if n != "gpt2_124m"]  # the GPU-only shape runs when asked for


def measure(steps, names):
    results = {}
    for name in names:
        results.update(WORKLOADS[name](steps))
    return results


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=50, help="timed steps after the warm-up (at least 20)")
    p.add_argument("--json", help='also write {name: {"median": ms, "min": ms, "max": ms}} to this file (gpt '
                   'workloads also "model_flop_per_step", "tflop_per_s")')
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--only", default=",".join(DEFAULT), help="comma-separated workloads (default: all but gpt2_124m)")
    args = p.parse_args()
    names = args.only.split(",")
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    global DEVICE
    DEVICE = args.device
    torch.set_num_threads(2)
    torch.backends.cuda.matmul.allow_tf32 = False  # muse's default: float32 GEMMs, not TF32
    torch.backends.cudnn.allow_tf32 = False
    results = measure(args.steps, names)
    where = torch.cuda.get_device_name() if DEVICE == "cuda" else f"{torch.get_num_threads()} threads"
    print(f"torch {torch.__version__}, {where}, median of {args.steps} steps after {WARMUP}")
    print(f"configuration: {json.dumps(configuration())}")
    for name, ms in results.items():
        flop = (f"; {ms['model_flop_per_step'] / 1e9:.2f} GFLOP per step, {ms['tflop_per_s']:.3f} TFLOP/s"
                if "model_flop_per_step" in ms else "")
        print(f"{name:20s} {ms['median']:8.3f} ms (min {ms['min']:.3f}, max {ms['max']:.3f}){flop}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f)


if __name__ == "__main__":
    main()
