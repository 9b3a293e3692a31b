#!/bin/bash
# Time-ordered 70/15/15 split of a generated world's auctions (used by
# bench/peers/world_models.sh and bench/deep/world_deep.sh too):
# RUN_DIR/{train,valid,test}.tsv plus the matching test.rlb (true pCTR per
# test row, for the gap to the true model).
# usage: split_world.sh WORLD_DIR RUN_DIR
set -euo pipefail
W=$1 O=$2
mkdir -p "$O"
N=$(wc -l < "$W/auctions.tsv")
NTR=$((N * 70 / 100)); NVA=$((N * 15 / 100)); NTE=$((N - NTR - NVA))
head -n "$NTR" "$W/auctions.tsv" > "$O/train.tsv"
head -n $((NTR + NVA)) "$W/auctions.tsv" | tail -n "$NVA" > "$O/valid.tsv"
tail -n "$NTE" "$W/auctions.tsv" > "$O/test.tsv"
tail -n "$NTE" "$W/auctions.rlb" > "$O/test.rlb"
