#!/bin/bash
# Design validation on the tuning halves only (docs/bidding.md, "Decided before
# the test side"). usage: bench/deliver/tuning_halves.sh ADPILOT DATA_DIR OUT_DIR
# fwd: tune on episodes 1-25, replay 26-50; rev: tune on 26-50, replay 1-25;
# ti: no tuning at all (train-info copied alone), replay episodes 1-50.
set -e
B=$1; D=$2/ipinyou/rlb_dp/1000; O=$3
mkdir -p $O/halves $O/ti
/usr/bin/python3 "$(dirname "$0")/make_halves.py" $D $O/halves
cp $D/*.train-info.txt $O/ti/   # no validation stream beside them: nothing auto-tuned
for c in 1458 2259 2261 2821 2997 3358 3386; do
  for d in fwd rev; do
    $B --quiet --threads 2 bid compare --log $O/halves/$c.$d.txt --train $O/ti/$c.train-info.txt --tune-split 0.5 \
      --episode 1000 --budget-ratios 1/32,1/16,1/8,1/4,1/2 \
      --strategies lin,rlb,rlb-paper,rlbx,dual,dual-raw,pid,pid-raw,best --out $O/$c.$d.csv
  done
  $B --quiet --threads 2 bid compare --log $O/halves/$c.fwd.txt --train $O/ti/$c.train-info.txt \
    --episode 1000 --budget-ratios 1/32,1/16,1/8,1/4,1/2 \
    --strategies const,mcpc,lin,ortb1,ortb2,pid,throttle,dual,dqn,rlb,rlb-paper,rlbx,best --out $O/$c.ti.csv
done
/usr/bin/python3 "$(dirname "$0")/validation_table.py" $O
