#!/usr/bin/env bash
# `make demo`: the whole pipeline on real Fashion-MNIST, end to end, sized for about ten minutes on 2 cores:
# PCP-DARTS search on a subset -> training of the found genotype -> nas-export (ONNX + compact fp32 + int8)
# -> nas-infer on real test images written out as PNG -> FGSM audit -> summary.
# Finished steps are not redone (their outputs are kept in $OUT); FRESH=1 starts over.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${DEMO_OUT:-demo-out}
BIN=${BIN:-.build/release}
RTBIN=${RTBIN:-runtime/.build/release}
if [ "${FRESH:-0}" = 1 ]; then rm -rf "$OUT"; fi
mkdir -p "$OUT"
say() { printf '\n== %s\n' "$*" >&2; }

# 1. Search: PCP-DARTS, three progressive stages (8 -> 5 -> 3 operations per edge), on 1,200 training images.
if [ ! -f "$OUT/search/genotype.json" ]; then
  say "1/6 PCP-DARTS search (nas-search)"
  resume=(); [ -f "$OUT/search/checkpoint.ckpt" ] && resume=(--resume)
  "$BIN/nas-search" --method pcp --data fashion-mnist --subset 1200 --epochs 4 --warmup-epochs 2 --batch 48 \
    --stage-layers 3,5,5 --init-channels 8 --threads 2 --out "$OUT/search" "${resume[@]}"
else say "1/6 search: done before ($OUT/search/genotype.json)"; fi

# 2. Train the found genotype from scratch (small budget; see README for the full-size recipe).
trained() {  # metrics.json says every planned epoch ran
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); sys.exit(0 if m["epochs"] == m["epochs_planned"] else 1)' \
    "$OUT/train/metrics.json" 2>/dev/null
}
if ! trained; then
  say "2/6 training the searched cell (nas-train)"
  resume=(); [ -f "$OUT/train/last.ckpt" ] && resume=(--resume)
  "$BIN/nas-train" --genotype "$OUT/search/genotype.json" --data fashion-mnist --subset 8000 --test-subset 2000 \
    --epochs 4 --batch 64 --learning-rate 0.05 --layers 5 --init-channels 12 --drop-path 0.1 --cutout 8 \
    --threads 2 --out "$OUT/train" "${resume[@]}"
else say "2/6 training: done before ($OUT/train/model.ckpt)"; fi

# 3. Export: ONNX (checked by libonnx) + compact fp32, and an int8 compact file.
if [ ! -f "$OUT/model.onnx" ] || [ ! -f "$OUT/model-int8.nasb" ]; then
  say "3/6 export (nas-export)"
  "$BIN/nas-export" --from "$OUT/train/model.ckpt" "$OUT/model.onnx"
  "$BIN/nas-export" --from "$OUT/train/model.ckpt" --precision int8 --samples 1000 \
    --compact "$OUT/model-int8.nasb" "$OUT/model-int8.onnx"
else say "3/6 export: done before ($OUT/model.onnx, $OUT/model.nasb, $OUT/model-int8.nasb)"; fi

# 4. Real test images as PNG, classified by the on-device runtime.
say "4/6 classify PNG test images (nas-infer)"
rm -rf "$OUT/images"
"$RTBIN/nas-infer" samples --data fashion-mnist --count 8 --out "$OUT/images" > /dev/null
"$RTBIN/nas-infer" --model "$OUT/model.nasb" --top-k 1 "$OUT"/images/*.png | tee "$OUT/predictions.txt"

# 5. Robustness audit with FGSM, on the deployed artifact itself (fp32 and int8).
say "5/6 FGSM audit (nas-infer audit)"
"$RTBIN/nas-infer" audit --model "$OUT/model.nasb" --data fashion-mnist --eps 0,0.02,0.05,0.1 --limit 1000 \
  --json "$OUT/audit.json"
"$RTBIN/nas-infer" audit --model "$OUT/model-int8.nasb" --data fashion-mnist --eps 0,0.02,0.05,0.1 --limit 1000 \
  --json "$OUT/audit-int8.json" > /dev/null

# 6. Latency of the deployed model, then the summary.
say "6/6 batch-1 latency (nas-infer bench)"
"$RTBIN/nas-infer" bench --model "$OUT/model.nasb" --runs 200 > "$OUT/bench.json"
python3 scripts/demo_summary.py "$OUT"
