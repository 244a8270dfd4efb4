"""The Transformer translator in PyTorch 1.13, trained the way `muse train tseq2seq` trains it, on the
same tokenized English -> Spanish pairs, to compare test BLEU after the same budget (docs/results.md).
models/transformer_seq2seq.h's network: embeddings ~ N(0, 1/D) scaled by sqrt(D), plus sinusoidal
positions, dropout 0.1; nn.Transformer(d_model 256, 4 heads, 3 encoder and 3 decoder layers, feed-forward
1024, relu, pre-LayerNorm, batch_first) with each stack's final LayerNorm; source padding masked in the
encoder and the cross-attention, causal self-attention in the decoder; Linear(256, V_tgt). Teacher
forcing, cross-entropy ignoring <pad>, Adam(lr 5e-4, betas (0.9, 0.98)), gradient norm clipped at 1,
batches of 64 pairs in a fresh random order each epoch, greedy decoding for BLEU, two threads.

    ./build/tools/muse data seq2seq --out runs/eng_spa.safetensors
    /usr/bin/python3 bench/torch/transformer_seq2seq.py runs/eng_spa.safetensors --epochs 30

seq2seq.py's training loop and its corpus BLEU-4 on the same references.
"""
import math

import torch
from torch import nn

import seq2seq
from seq2seq import BOS, EOS, PAD


def sinusoids(max_len, d):
    """pe[p, 2i] = sin(p / 10000^(2i / d)), pe[p, 2i + 1] = cos(p / 10000^(2i / d))."""
    position = torch.arange(max_len).unsqueeze(1)
    rate = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
    pe = torch.zeros(max_len, d)
    pe[:, 0::2] = torch.sin(position * rate)
    pe[:, 1::2] = torch.cos(position * rate)
    return pe


class TransformerSeq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, d=256, heads=4, layers=3, ff=1024, dropout=0.1, max_len=128):
        super().__init__()
        self.d = d
        self.src_tok_emb = nn.Embedding(src_vocab, d, padding_idx=PAD)
        self.tgt_tok_emb = nn.Embedding(tgt_vocab, d, padding_idx=PAD)
        with torch.no_grad():
            self.src_tok_emb.weight.mul_(d ** -0.5)
            self.tgt_tok_emb.weight.mul_(d ** -0.5)
        self.register_buffer("pe", sinusoids(max_len, d))
        self.dropout = nn.Dropout(dropout)
        self.transformer = nn.Transformer(d, heads, layers, layers, ff, dropout, batch_first=True, norm_first=True)
        self.generator = nn.Linear(d, tgt_vocab)

    def embed(self, table, tokens):
        return self.dropout(table(tokens) * math.sqrt(self.d) + self.pe[:tokens.shape[1]])

    def encode(self, src, lengths):
        mask = torch.arange(src.shape[1])[None, :] >= lengths[:, None]  # (B, S) true at padding
        return self.transformer.encoder(self.embed(self.src_tok_emb, src), src_key_padding_mask=mask), mask

    def decode(self, tgt_in, memory, mask):
        causal = torch.triu(torch.full((tgt_in.shape[1], tgt_in.shape[1]), float("-inf")), diagonal=1)
        h = self.transformer.decoder(self.embed(self.tgt_tok_emb, tgt_in), memory, tgt_mask=causal,
                                     memory_key_padding_mask=mask)
        return self.generator(h)

    def forward(self, src, lengths, tgt_in):
        memory, mask = self.encode(src, lengths)
        return self.decode(tgt_in, memory, mask)

    @torch.no_grad()
    def greedy(self, src, lengths):
        memory, mask = self.encode(src, lengths)
        ys = torch.full((len(src), 1), BOS)
        done = torch.zeros(len(src), dtype=torch.bool)
        for _ in range(2 * src.shape[1] + 10):
            token = self.decode(ys, memory, mask)[:, -1].argmax(1)
            ys = torch.cat([ys, token[:, None]], 1)
            done |= token == EOS
            if done.all():
                break
        out = []
        for row in ys[:, 1:].tolist():
            out.append(row[:row.index(EOS)] if EOS in row else row)
        return out


def main():
    seq2seq.main(TransformerSeq2Seq, lambda m: torch.optim.Adam(m.parameters(), lr=5e-4, betas=(0.9, 0.98)), "transformer")

if __name__ == "__main__":
    main()
