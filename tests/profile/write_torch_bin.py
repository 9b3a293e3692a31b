#!/usr/bin/python3
"""Writes DIR/model.safetensors as OUT/pytorch_model.bin the way Hugging Face
does (torch.save of an OrderedDict name -> tensor, zip format), for the test of
what adpilot does with such a file. Own safetensors reader (float32 only).

usage: write_torch_bin.py MODEL_DIR OUT_FILE
"""
import collections
import json
import struct
import sys

import torch


def main():
    src, out = sys.argv[1:3]
    with open(src + "/model.safetensors", "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    state = collections.OrderedDict()
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", t["dtype"]
        b, e = t["data_offsets"]
        state[name] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(t["shape"]).clone()
    torch.save(state, out)


if __name__ == "__main__":
    main()
