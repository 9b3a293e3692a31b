#!/usr/bin/python3
"""Independent reference forward pass of a Hugging Face BERT in plain PyTorch.

Written from the BERT paper / Hugging Face BertModel layout, sharing no code
with adpilot: reads model.safetensors with struct + json, computes layer norm,
erf-GELU and softmax attention by hand, in float64 to serve as ground truth.

usage: bert_reference.py MODEL_DIR IDS.json OUT.json
IDS.json: [[id, ...], ...] (unpadded); OUT.json: {"hidden": [B][L][H] over the
padded batch, "mean": [B][H], "cls": [B][H]}.
"""
import json
import struct
import sys

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info["dtype"]
        b, e = info["data_offsets"]
        arr = np.frombuffer(raw[base + b:base + e], dtype="<f4").reshape(info["shape"])
        out[name[5:] if name.startswith("bert.") else name] = torch.tensor(arr, dtype=torch.float64)
    return out


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / np.sqrt(2.0)))


def main():
    model_dir, ids_path, out_path = sys.argv[1:4]
    cfg = json.load(open(model_dir + "/config.json"))
    W = read_safetensors(model_dir + "/model.safetensors")
    seqs = json.load(open(ids_path))
    B, L = len(seqs), max(len(s) for s in seqs)
    H, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    hd, eps = H // nh, cfg["layer_norm_eps"]
    ids = torch.full((B, L), cfg.get("pad_token_id", 0), dtype=torch.long)
    mask = torch.zeros(B, L, dtype=torch.float64)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    x = W["embeddings.word_embeddings.weight"][ids]
    x = x + W["embeddings.position_embeddings.weight"][:L][None]
    x = x + W["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    for l in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % l
        lin = lambda t, n: t @ W[p + n + ".weight"].T + W[p + n + ".bias"]
        split = lambda t: t.reshape(B, L, nh, hd).permute(0, 2, 1, 3)
        q, k, v = (split(lin(x, "attention.self." + n)) for n in ("query", "key", "value"))
        scores = q @ k.transpose(-1, -2) / np.sqrt(hd)
        scores = scores.masked_fill(mask[:, None, None, :] == 0, -1e30)
        e = torch.exp(scores - scores.max(-1, keepdim=True).values)
        probs = e / e.sum(-1, keepdim=True)
        ctx = (probs @ v).permute(0, 2, 1, 3).reshape(B, L, H)
        a = layer_norm(lin(ctx, "attention.output.dense") + x,
                       W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"], eps)
        h = gelu(lin(a, "intermediate.dense"))
        x = layer_norm(lin(h, "output.dense") + a, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    m = mask[..., None]
    mean = (x * m).sum(1) / m.sum(1)
    json.dump({"hidden": x.tolist(), "mean": mean.tolist(), "cls": x[:, 0].tolist()}, open(out_path, "w"))


if __name__ == "__main__":
    main()
