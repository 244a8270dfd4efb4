"""The seq2seq translator in PyTorch 1.13, trained the way `muse train seq2seq` trains it, on the same
tokenized English -> Spanish pairs, to compare test BLEU after the same budget (docs/results.md):
2-layer LSTM encoder (256) over Embedding(V_src, 256); decoder of two LSTMCells, the first reading
[embedding(y_{t-1}); context_{t-1}] (input feeding), Luong dot attention of the top h over the encoder
outputs (padding masked), Linear(512, V_tgt) on [h; context]; dropout 0.1 between layers and before the
output layer; teacher forcing; cross-entropy ignoring <pad>; Adam(lr 1e-3); gradient norm clipped at 1;
batches of 64 pairs, a fresh random order each epoch; greedy decoding for BLEU; two threads.

    ./build/tools/muse data seq2seq --out runs/eng_spa.safetensors
    /usr/bin/python3 bench/torch/seq2seq.py runs/eng_spa.safetensors --epochs 30

BLEU here is our own Python recomputation (corpus BLEU-4, no smoothing, as metrics/bleu.cpp), on the
same tokenized references, so it also cross-checks muse's implementation.
"""
import argparse
import collections
import json
import math
import time

import torch
import torch.nn.functional as F
from torch import nn

from safetensors_file import read

PAD, BOS, EOS = 0, 1, 2


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, emb=256, hidden=256, layers=2, dropout=0.1):
        super().__init__()
        self.dropout = dropout
        self.encoder_embedding = nn.Embedding(src_vocab, emb, padding_idx=PAD)
        self.encoder = nn.LSTM(emb, hidden, layers, batch_first=True, dropout=dropout)
        self.decoder_embedding = nn.Embedding(tgt_vocab, emb, padding_idx=PAD)
        self.cells = nn.ModuleList([nn.LSTMCell(emb + hidden if l == 0 else hidden, hidden) for l in range(layers)])
        self.out = nn.Linear(2 * hidden, tgt_vocab)

    def encode(self, src, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.encoder_embedding(src), lengths, batch_first=True,
                                                   enforce_sorted=False)
        out, (h, c) = self.encoder(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        mask = torch.arange(src.shape[1])[None, :] >= lengths[:, None]  # true at padding
        return out, mask, [(h[l], c[l]) for l in range(len(self.cells))]

    def features(self, token, state, context, enc, mask):
        x = torch.cat([self.decoder_embedding(token), context], 1)
        new = []
        for l, cell in enumerate(self.cells):
            h, c = cell(x, state[l])
            new.append((h, c))
            x = F.dropout(h, self.dropout, self.training) if l + 1 < len(self.cells) else h
        scores = torch.bmm(enc, x.unsqueeze(2)).squeeze(2).masked_fill(mask, float("-inf"))  # (B, S)
        context = torch.bmm(F.softmax(scores, 1).unsqueeze(1), enc).squeeze(1)
        return torch.cat([x, context], 1), new, context

    def forward(self, src, lengths, tgt_in):
        enc, mask, state = self.encode(src, lengths)
        context = torch.zeros(src.shape[0], enc.shape[2])
        feats = []
        for t in range(tgt_in.shape[1]):
            f, state, context = self.features(tgt_in[:, t], state, context, enc, mask)
            feats.append(f)
        return self.out(F.dropout(torch.stack(feats, 1), self.dropout, self.training))

    @torch.no_grad()
    def greedy(self, src, lengths):
        enc, mask, state = self.encode(src, lengths)
        context = torch.zeros(src.shape[0], enc.shape[2])
        token = torch.full((src.shape[0],), BOS)
        out, done = [[] for _ in range(len(src))], [False] * len(src)
        for _ in range(2 * src.shape[1] + 10):
            f, state, context = self.features(token, state, context, enc, mask)
            token = self.out(f).argmax(1)
            for b, t in enumerate(token.tolist()):
                if not done[b]:
                    done[b] = t == EOS
                    if not done[b]:
                        out[b].append(t)
            if all(done):
                break
        return out


def corpus_bleu(hyps, refs):
    """BLEU-4 of Papineni et al. 2002: clipped n-gram matches summed over the corpus, geometric mean of
    the four precisions, brevity penalty exp(1 - r / c) when c < r."""
    match, total = [0] * 4, [0] * 4
    c = r = 0
    for h, ref in zip(hyps, refs):
        c, r = c + len(h), r + len(ref)
        for n in range(1, 5):
            hc = collections.Counter(tuple(h[i:i + n]) for i in range(len(h) - n + 1))
            rc = collections.Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
            match[n - 1] += sum(min(k, rc[g]) for g, k in hc.items())
            total[n - 1] += max(len(h) - n + 1, 0)
    if min(match) == 0:
        return 0.0
    log_p = sum(math.log(m / t) for m, t in zip(match, total)) / 4
    bp = 1.0 if c >= r else math.exp(1 - r / c)
    return 100 * bp * math.exp(log_p)


def test_bleu(model, t, tgt_tokens, refs):
    """Corpus BLEU of greedy translations of the test sources; leaves the model in training mode."""
    model.eval()
    with torch.no_grad():
        hyps = [[tgt_tokens[i] for i in ids] for ids in model.greedy(t["test.source"], t["test.lengths"])]
    model.train()
    return corpus_bleu(hyps, refs)


def main(make_model=None, make_opt=None, name="lstm"):
    """Trains a translator with the command line's options and prints one JSON line with its test BLEU.
    make_model(V_src, V_tgt) and make_opt(model) default to this file's Seq2Seq and Adam(1e-3);
    transformer_seq2seq.py passes its own."""
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bleu-every", type=int, default=0,
                   help="also print test BLEU every N epochs (greedy decoding draws no random numbers, so "
                        "the training run is the same with or without it); 0: only at the end")
    p.add_argument("--threads", type=int, default=2,
                   help="torch.set_num_threads; 1 to run beside a one-thread muse run (MUSE_NUM_THREADS=1)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t, meta = read(a.data)
    src_tokens = json.loads(meta["source_tokenizer"])["tokens"]
    tgt_tokens = json.loads(meta["target_tokenizer"])["tokens"]
    refs = [line.split() for line in meta["test_references"].split("\n")[:-1]]
    model = (make_model or Seq2Seq)(len(src_tokens), len(tgt_tokens))
    opt = make_opt(model) if make_opt else torch.optim.Adam(model.parameters(), lr=1e-3)
    src, lengths, tgt = t["train.source"], t["train.lengths"], t["train.target"]
    start = time.time()
    for epoch in range(a.epochs):
        order = torch.randperm(len(src))
        for i in range(0, len(order) - a.batch + 1, a.batch):
            b = order[i:i + a.batch]
            logits = model(src[b], lengths[b], tgt[b, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt[b, 1:].reshape(-1), ignore_index=PAD)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        print(f"epoch {epoch + 1} loss {loss.item():.4f} {time.time() - start:.0f} s", flush=True)
        if a.bleu_every and (epoch + 1) % a.bleu_every == 0 and epoch + 1 < a.epochs:
            print(f"epoch {epoch + 1} test_bleu_greedy {test_bleu(model, t, tgt_tokens, refs):.2f}", flush=True)
    seconds = time.time() - start
    bleu = test_bleu(model, t, tgt_tokens, refs)
    print(json.dumps({"framework": f"pytorch {torch.__version__}", "model": name, "epochs": a.epochs,
                      "batch": a.batch, "train_seconds": round(seconds, 1),
                      "test_bleu_greedy": round(bleu, 2)}))

if __name__ == "__main__":
    main()
