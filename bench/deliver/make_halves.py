#!/usr/bin/env python3
"""Writes the TUNING halves (episodes 1-50) of the rlb_dp validation streams as
flat logs, for validating design choices without touching episodes 51-100:
OUT/<camp>.fwd.txt = episodes 1-50, OUT/<camp>.rev.txt = episodes 26-50 then 1-25
(so `--tune-split 0.5` tunes on one quarter of the stream and replays the other).

usage: make_halves.py DATA_DIR/ipinyou/rlb_dp/1000 OUT_DIR
"""
import gzip
import sys

src, out = sys.argv[1], sys.argv[2]
for c in [1458, 2259, 2261, 2821, 2997, 3358, 3386]:
    rows = []
    with gzip.open(f"{src}/{c}.validation.txt.gz", "rt") as f:
        f.readline()
        for line in f:
            s = line.split()
            if len(s) == 3:
                rows.append(" ".join(s))
    a = rows[:50000]
    with open(f"{out}/{c}.fwd.txt", "w") as f:
        f.write("\n".join(a) + "\n")
    with open(f"{out}/{c}.rev.txt", "w") as f:
        f.write("\n".join(a[25000:] + a[:25000]) + "\n")
