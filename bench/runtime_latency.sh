#!/usr/bin/env bash
# Batch-1 latency of the on-device runtime against onnxruntime and tract (1 thread each) on the same exported
# networks, measured in one invocation (bench/runtime_latency.py interleaves the engines in rounds):
#   fixture size: PC_DARTS C=16 L=8 on 1×28×28 (one short Fashion-MNIST epoch),
#   paper size:   PC_DARTS C=36 L=20 on 3×32×32 (one epoch on 8 synthetic CIFAR-10 records: there is no
#                 CIFAR-10 here, and latency does not depend on the weight values).
# Checkpoints are cached in $BENCH_OUT; both networks are re-exported (fp32) on every run. Writes bench-runtime.json.
# ROUNDS (default 5), RUNS_SMALL (300), RUNS_LARGE (50) override the measurement sizes; BASELINE_RTBIN=DIR adds
# DIR/nas-infer to the same rounds (before/after kernels: ratio_vs_nas_infer_baseline).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
RTBIN=${RTBIN:-runtime/.build/release}
PY=${PY:-.venv/bin/python}
OUT=${BENCH_OUT:-bench-out}
mkdir -p "$OUT"
start=$SECONDS

if [ ! -f "$OUT/c16l8/model.ckpt" ]; then
  "$BIN/nas-train" --genotype PC_DARTS --data fashion-mnist --layers 8 --init-channels 16 --epochs 1 --subset 256 \
    --test-subset 64 --batch 64 --out "$OUT/c16l8" --json > /dev/null
fi
if [ ! -f "$OUT/c36l20/model.ckpt" ]; then
  # CIFAR-10 binary layout (1 label byte + 3072 pixel bytes per record), 8 random records per batch file.
  "$PY" - "$OUT/cifar-synthetic" <<'PYEOF'
import os, sys
import numpy as np
folder = sys.argv[1]
os.makedirs(folder, exist_ok=True)
rng = np.random.default_rng(0)
for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
    records = np.empty((8, 1 + 3 * 32 * 32), np.uint8)
    records[:, 0] = np.arange(8)
    records[:, 1:] = rng.integers(0, 256, (8, 3 * 32 * 32), dtype=np.uint8)
    records.tofile(os.path.join(folder, name))
PYEOF
  "$BIN/nas-train" --genotype PC_DARTS --data "cifar10:$OUT/cifar-synthetic" --layers 20 --init-channels 36 \
    --epochs 1 --subset 8 --test-subset 8 --batch 8 --out "$OUT/c36l20" --json > /dev/null
fi
"$BIN/nas-export" --from "$OUT/c16l8/model.ckpt" "$OUT/c16l8.onnx" > /dev/null
"$BIN/nas-export" --from "$OUT/c36l20/model.ckpt" "$OUT/c36l20.onnx" > /dev/null

baseline=()
if [ -n "${BASELINE_RTBIN:-}" ]; then baseline=(--baseline "$BASELINE_RTBIN/nas-infer"); fi
"$PY" bench/runtime_latency.py --nas-infer "$RTBIN/nas-infer" "${baseline[@]}" --out bench-runtime.json \
  --rounds "${ROUNDS:-5}" \
  --command "BIN=$BIN RTBIN=$RTBIN BASELINE_RTBIN=${BASELINE_RTBIN:-} bench/runtime_latency.sh" \
  "PC_DARTS C16 L8:$OUT/c16l8.onnx:$OUT/c16l8.nasb:1x28x28:${RUNS_SMALL:-300}" \
  "PC_DARTS C36 L20:$OUT/c36l20.onnx:$OUT/c36l20.nasb:3x32x32:${RUNS_LARGE:-50}" > /dev/null
echo "bench-runtime.json written ($((SECONDS - start)) s)"
