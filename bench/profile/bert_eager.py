#!/usr/bin/python3
"""The python3-torch eager peer of bench_profile: the same BERT-base-sized
forward (random weights, float32), written with torch.nn layers, timed the same
way (warm-up batch, then BATCHES timed batches, mean pooling).

usage: bert_eager.py THREADS SEQ_LEN BATCH BATCHES [--serve]  -> JSON lines on stdout
"""
import json
import sys
import time

import torch
from torch import nn


class Layer(nn.Module):
    def __init__(self, h, heads, inter):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
        self.i, self.out = nn.Linear(h, inter), nn.Linear(inter, h)

    def forward(self, x, add_mask):
        b, l, h = x.shape
        d = h // self.heads
        split = lambda t: t.view(b, l, self.heads, d).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        p = torch.softmax(q @ k.transpose(-1, -2) / d ** 0.5 + add_mask, -1)
        c = (p @ v).transpose(1, 2).reshape(b, l, h)
        a = self.ln1(self.o(c) + x)
        return self.ln2(self.out(nn.functional.gelu(self.i(a))) + a)


class Bert(nn.Module):
    def __init__(self, vocab=30522, h=768, layers=12, heads=12, inter=3072, pos=512):
        super().__init__()
        self.word, self.pos, self.tok_type = nn.Embedding(vocab, h), nn.Embedding(pos, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(Layer(h, heads, inter) for _ in range(layers))

    def forward(self, ids, mask):
        l = ids.shape[1]
        x = self.ln(self.word(ids) + self.pos.weight[:l][None] + self.tok_type.weight[0])
        add = ((1.0 - mask) * torch.finfo(torch.float32).min)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, add)
        m = mask[..., None]
        return (x * m).sum(1) / m.sum(1).clamp_min(1e-9)


def main():
    threads, seq, batch, batches = (int(a) for a in sys.argv[1:5])
    # --serve: after the warm-up print "ready", then time one batch per "go"
    # line on stdin, so the C++ side can alternate batches with this one and
    # both see the same load on a shared machine.
    serve = "--serve" in sys.argv[5:]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Bert().eval()
    ids = torch.randint(1000, 30000, (batch, seq))
    mask = torch.ones(batch, seq)
    with torch.inference_mode():
        model(ids, mask)  # warm-up
        if serve:
            print("ready", flush=True)
            while sys.stdin.readline().strip() == "go":
                t0 = time.perf_counter()
                model(ids, mask)
                print(json.dumps({"seconds": time.perf_counter() - t0}), flush=True)
            return
        t0 = time.perf_counter()
        for _ in range(batches):
            model(ids, mask)
        dt = time.perf_counter() - t0
    print(json.dumps({"impl": "python3-torch eager", "torch": torch.__version__, "threads": threads,
                      "seq_len": seq, "batch": batch, "batches": batches, "seconds": dt,
                      "embeddings_per_s": batch * batches / dt}))


if __name__ == "__main__":
    main()
