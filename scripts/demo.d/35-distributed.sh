# Distributed training (docs/distributed.md): the predict step's lr trained by
# two OpenMPI ranks, each reading half of the training file, next to one
# process, and the exact L-BFGS solver, which two ranks fit as one does.
P="$DEMO_DIR/predict"
if [ ! -f "$P/train.tsv" ]; then
  echo "distributed: skipped (needs $P/train.tsv from the predict step)"
  exit 0
fi
if ! command -v mpirun > /dev/null; then
  echo "distributed: skipped (mpirun not found: apt-get install openmpi-bin)"
  exit 0
fi
# OpenMPI refuses root unless told; more ranks than cores needs --oversubscribe.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for solver in ftrl lbfgs; do
  for np in 1 2; do
    out="$P/lr_${solver}_np$np"
    if ! mpirun --oversubscribe -np $np "$ADPILOT" --quiet --threads 1 train --model lr --solver $solver \
      --bits 18 --data "$P/train.tsv" --format criteo --valid "$P/valid.tsv" --out "$out.apm" --json \
      > "$out.json" 2> "$out.err"; then
      echo "distributed: $solver np=$np failed:"; tail -3 "$out.err"; exit 1
    fi
    "$ADPILOT" --quiet eval --model "$out.apm" --data "$P/test.tsv" --json > "$out.eval.json"
    printf '  lr %-5s np=%d  test auc %s  (%s passes, %ss)\n' $solver $np \
      "$(grep -m1 '"auc"' "$out.eval.json" | tr -dc '0-9.')" \
      "$(grep -m1 '"epochs_run"' "$out.json" | tr -dc '0-9')" \
      "$(grep -m1 '"seconds"' "$out.json" | tr -dc '0-9.' | cut -c1-5)"
  done
done
