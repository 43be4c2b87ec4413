#!/usr/bin/env bash
# `make reproduce`: the seed paper's comparison (PC-DARTS, PCP-DARTS, P-DARTS, SS-PCP-DARTS with ss = 0.75, plus
# DARTS first order) on Fashion-MNIST, one shared budget for every method, then docs/results.md.
# Budget knobs (environment): SEEDS="2 3", SEARCH_SUBSET, TRAIN_SUBSET, TRAIN_EPOCHS. Finished runs are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
RTBIN=${RTBIN:-runtime/.build/release}
OUT=${REPRO_OUT:-runs/reproduce}
SEEDS=${SEEDS:-2}
SEARCH_SUBSET=${SEARCH_SUBSET:-2000}
TRAIN_SUBSET=${TRAIN_SUBSET:-10000}
TRAIN_EPOCHS=${TRAIN_EPOCHS:-4}
mkdir -p "$OUT"

# One search budget for all: C = 8, batch 48, 9 epochs in total (single-stage methods: 9 epochs on 5 cells with
# 3 warm-up; progressive methods: 3 stages of 3 epochs on 3/5/5 cells with 1 warm-up each).
search_flags() {
  case "$1" in
    darts|pc) echo "--epochs 9 --warmup-epochs 3 --layers 5" ;;
    *)        echo "--epochs 3 --warmup-epochs 1 --stage-layers 3,5,5" ;;
  esac
}

for seed in $SEEDS; do
  for method in pc pcp p ss-pcp darts; do
    run="$OUT/$method-seed$seed"
    if [ ! -f "$run/search/genotype.json" ]; then
      echo "== search $method seed $seed" >&2
      start=$(date +%s.%N)
      # shellcheck disable=SC2046
      "$BIN/nas-search" --method "$method" --data fashion-mnist --subset "$SEARCH_SUBSET" --batch 48 \
        --init-channels 8 --seed "$seed" --threads 2 $(search_flags "$method") --out "$run/search" --json \
        > "$run.search.log"
      end=$(date +%s.%N)
      python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end" > "$run/search/wall_seconds"
    fi
    if [ ! -f "$run/train/metrics.json" ]; then
      echo "== train $method seed $seed" >&2
      "$BIN/nas-train" --genotype "$run/search/genotype.json" --data fashion-mnist --subset "$TRAIN_SUBSET" \
        --epochs "$TRAIN_EPOCHS" --batch 64 --learning-rate 0.05 --layers 5 --init-channels 12 --drop-path 0.1 \
        --cutout 8 --seed 1 --threads 2 --out "$run/train" --json > "$run.train.log"
    fi
    if [ ! -f "$run/audit.json" ]; then
      echo "== export + FGSM audit $method seed $seed" >&2
      "$BIN/nas-export" --from "$run/train/model.ckpt" "$run/model.onnx" > /dev/null
      "$RTBIN/nas-infer" audit --model "$run/model.nasb" --data fashion-mnist --eps 0,0.02,0.05,0.1 \
        --json "$run/audit.json" > /dev/null
    fi
  done
done
python3 scripts/reproduce_report.py "$OUT" docs/results.md
echo "wrote docs/results.md" >&2
