#!/usr/bin/env bash
# Batch-1 latency of the on-device runtime against onnxruntime (1 thread each) on the same exported network,
# measured in one invocation: PC_DARTS genotype, C=16, L=8, 1×28×28 (weights from one short training epoch —
# latency does not depend on their values). Writes bench-runtime.json.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
RTBIN=${RTBIN:-runtime/.build/release}
PY=${PY:-.venv/bin/python}
OUT=${BENCH_OUT:-bench-out}
mkdir -p "$OUT"
if [ ! -f "$OUT/c16l8/model.ckpt" ]; then
  "$BIN/nas-train" --genotype PC_DARTS --data fashion-mnist --layers 8 --init-channels 16 --epochs 1 --subset 256 \
    --test-subset 64 --batch 64 --out "$OUT/c16l8" --json > /dev/null
fi
"$BIN/nas-export" --from "$OUT/c16l8/model.ckpt" "$OUT/c16l8.onnx" > /dev/null
"$RTBIN/nas-infer" bench --model "$OUT/c16l8.nasb" --runs 300 --threads 1 > "$OUT/nas-infer-bench.json"
"$PY" - "$OUT/c16l8.onnx" "$OUT/nas-infer-bench.json" <<'PYEOF' | tee bench-runtime.json
import json, statistics, sys, time
import numpy as np
import onnxruntime as ort
onnx_path, ours_path = sys.argv[1], sys.argv[2]
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
x = np.random.default_rng(0).standard_normal((1, 1, 28, 28)).astype(np.float32)
for _ in range(20):
    session.run(None, {"input": x})
times = []
for _ in range(300):
    t0 = time.perf_counter()
    session.run(None, {"input": x})
    times.append((time.perf_counter() - t0) * 1000)
ours = json.load(open(ours_path))
ort_median = statistics.median(times)
print(json.dumps({"model": "PC_DARTS C16 L8 1x28x28", "threads": 1, "runs": 300,
                  "nas_infer_median_ms": ours["median_ms"], "nas_infer_min_ms": ours["min_ms"],
                  "onnxruntime_median_ms": ort_median, "onnxruntime_min_ms": min(times),
                  "onnxruntime_version": ort.__version__,
                  "ratio_median": ours["median_ms"] / ort_median,
                  "command": "bench/runtime_vs_onnxruntime.sh"}))
PYEOF
