#!/usr/bin/env python3
"""Prints the summary of `make demo` from the files its steps wrote (every number comes from that run)."""
import json
import os
import sys

out = sys.argv[1]


def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)


def size(name):
    return os.path.getsize(os.path.join(out, name))


def cell(edges):
    pairs = [edges[i:i + 2] for i in range(0, len(edges), 2)]
    return " · ".join(" ".join(f"{e['op']}({e['source']})" for e in pair) for pair in pairs)


genotype = load("search/genotype.json")
metrics = load("train/metrics.json")
bench = load("bench.json")
audit = load("audit.json")
audit8 = load("audit-int8.json")
onnx, fp32, int8 = size("model.onnx"), size("model.nasb"), size("model-int8.nasb")

print("\n================ EdgeNAS demo summary ================")
print(f"genotype (normal):    {cell(genotype['normal'])}")
print(f"genotype (reduction): {cell(genotype['reduce'])}")
print(f"cell diagrams:        {out}/search/normal.svg, {out}/search/reduction.svg (and .dot)")
print(f"parameters:           {metrics['parameters']:,} (auxiliary head excluded), "
      f"{metrics['macs'] / 1e6:.1f} M multiply-adds per image")
best = metrics.get("best_test_acc")
final = metrics.get("final_test_acc")
print(f"test accuracy:        {100 * final:.2f}% final, {100 * best:.2f}% best "
      f"({metrics['epochs']} epochs on {metrics['train_images']} images, {metrics['test_images']} test images)")
print(f"model sizes:          ONNX {onnx:,} B · compact fp32 {fp32:,} B · compact int8 {int8:,} B "
      f"({100 * int8 / onnx:.0f}% of ONNX)")
print(f"batch-1 latency:      {bench['median_ms']:.2f} ms median (min {bench['min_ms']:.2f} ms), "
      f"load {bench['load_ms']:.1f} ms, peak RSS {bench['peak_rss_kib'] / 1024:.1f} MiB")
print(f"FGSM on {audit['images']} test images (fp32 | int8):")
for r, r8 in zip(audit["results"], audit8["results"]):
    print(f"   eps {r['epsilon']:<5} accuracy {100 * r['accuracy']:6.2f}% | {100 * r8['accuracy']:6.2f}%"
          f"   mean L-inf {r['mean_linf']:.3f}")
print("artifacts:")
for name in ["search/genotype.json", "search/search.jsonl", "search/config.json", "train/model.ckpt",
             "train/train.jsonl", "train/metrics.json", "train/curves.svg", "model.onnx", "model.nasb",
             "model-int8.nasb", "images/", "predictions.txt", "audit.json", "audit-int8.json", "bench.json"]:
    path = os.path.join(out, name)
    if os.path.exists(path):
        print(f"   {path}")
