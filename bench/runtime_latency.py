"""Batch-1 latency of nas-infer against onnxruntime and tract, one thread each, on the same exported networks.

Usage: runtime_latency.py --nas-infer BIN --out bench-runtime.json [--rounds 3] NAME:ONNX:NASB:CxHxW:RUNS ...

Every network is measured in rounds; a round runs the three engines one after the other (`nas-infer bench`
as a subprocess, onnxruntime and tract in this process; the order reverses every other round), so drift on a
shared machine shows up as round-to-round spread instead of as a bias against one engine. Each engine's
median is the median of its round medians. The headline ratio ours / peer is the median of the per-round
ratios (each pairs measurements taken seconds apart, so one noisy burst moves one round, not the result);
the per-round ratios and the ratio of the minima are reported too.

The input is the one `nas-infer bench` uses, x[i] = (i mod 17) / 17 - 0.5 over the flat NCHW buffer
(normalised units), so its `logits_head` can be compared with the logits of the other two engines:
top-1 and max |difference| are reported per pair. tract is optional: when `import tract` or loading
the model fails, "tract" is null and "tract_unavailable" gives the reason.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort


def fixed_input(shape):
    """(1, C, H, W) float32 with x[i] = (i mod 17) / 17 - 0.5 in Float arithmetic, like nas-infer bench."""
    count = int(np.prod(shape))
    flat = (np.arange(count) % 17).astype(np.float32) / np.float32(17) - np.float32(0.5)
    return flat.reshape((1,) + tuple(shape))


def time_calls(run, runs, warmup):
    """Milliseconds of `runs` calls of `run` after `warmup` untimed ones."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def load_tract(onnx_path, shape):
    """A runnable tract model with the input fixed to batch 1, or (None, reason)."""
    try:
        import tract
    except Exception as error:  # ImportError, or a broken native library
        return None, f"import tract failed: {error}"
    try:
        model = tract.onnx().load(onnx_path)
        model.set_input_fact(0, "1," + ",".join(str(d) for d in shape) + ",f32")
        # into_runnable prepares the typed model for the default CPU runtime (declutter + optimise).
        return model.into_model().into_runnable(), None
    except Exception as error:
        return None, f"tract could not load {onnx_path}: {error}"


def agreement(logits):
    """Top-1 per engine and max |difference| of every engine's logits against onnxruntime's."""
    reference = logits["onnxruntime"]
    return {
        "top1": {name: int(np.argmax(values)) for name, values in logits.items()},
        "top1_agree": len({int(np.argmax(values)) for values in logits.values()}) == 1,
        "max_abs_diff_vs_onnxruntime": {
            name: float(np.max(np.abs(values - reference))) for name, values in logits.items() if name != "onnxruntime"
        },
        "classes_compared": int(reference.size),
    }


def add_ratios(result, peer):
    """ours / peer: per round, their median (the headline), and of the minima."""
    rounds = [o / p for o, p in zip(result["nas_infer"]["round_median_ms"], result[peer]["round_median_ms"])]
    result[f"ratio_vs_{peer}"] = statistics.median(rounds)
    result[f"round_ratio_vs_{peer}"] = rounds
    result[f"min_ratio_vs_{peer}"] = result["nas_infer"]["min_ms"] / result[peer]["min_ms"]


def summary(round_medians, round_mins):
    return {"median_ms": statistics.median(round_medians), "min_ms": min(round_mins),
            "round_median_ms": round_medians}


def parse_network(spec):
    """NAME:ONNX:NASB:CxHxW:RUNS -> (name, onnx, nasb, shape text, shape, runs), or raises ValueError."""
    parts = spec.split(":")
    if len(parts) != 5:
        raise ValueError(f"expected NAME:ONNX:NASB:CxHxW:RUNS, got '{spec}'")
    name, onnx_path, nasb_path, shape_text, runs_text = parts
    shape = tuple(int(d) for d in shape_text.split("x"))
    runs = int(runs_text)
    if len(shape) != 3 or min(shape) < 1 or runs < 1:
        raise ValueError(f"expected a CxHxW shape and RUNS >= 1, got '{shape_text}' and '{runs_text}' in '{spec}'")
    return name, onnx_path, nasb_path, shape_text, shape, runs


def run_nas_infer(command):
    """The JSON object printed by one `nas-infer bench` run; exits with its error line when it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"Error: {' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def bench_network(network, nas_infer, baseline, rounds, tract_state):
    name, onnx_path, nasb_path, shape_text, shape, runs = network
    warmup = max(5, runs // 10)
    x = fixed_input(shape)

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name

    start = time.perf_counter()
    tract_model, tract_reason = (None, tract_state["reason"]) if tract_state["reason"] else load_tract(onnx_path, shape)
    tract_load_ms = (time.perf_counter() - start) * 1000

    command = [nas_infer, "bench", "--model", nasb_path, "--runs", str(runs), "--threads", "1"]
    baseline_command = [baseline] + command[1:] if baseline else None
    ours, before, onnx_rt, tract_times = [], [], [], []
    steps = [lambda: ours.append(run_nas_infer(command)),
             lambda: onnx_rt.append(time_calls(lambda: session.run(None, {input_name: x}), runs, warmup))]
    if tract_model is not None:
        steps.append(lambda: tract_times.append(time_calls(lambda: tract_model.run([x]), runs, warmup)))
    if baseline_command:
        steps.insert(1, lambda: before.append(run_nas_infer(baseline_command)))
    for round_index in range(rounds):
        for step in (steps if round_index % 2 == 0 else reversed(steps)):
            step()

    logits = {
        "nas_infer": np.array(ours[0]["logits_head"], dtype=np.float32),
        "onnxruntime": session.run(None, {input_name: x})[0].reshape(-1)[:10],
    }
    if tract_model is not None:
        logits["tract"] = tract_model.run([x])[0].to_numpy().reshape(-1)[:10]

    result = {
        "name": name, "input": "1x" + shape_text, "runs_per_round": runs, "rounds": rounds,
        "onnx": onnx_path, "nasb": nasb_path, "parameters": ours[0]["parameters"],
        "nas_infer": summary([o["median_ms"] for o in ours], [o["min_ms"] for o in ours]),
        "onnxruntime": summary([statistics.median(t) for t in onnx_rt], [min(t) for t in onnx_rt]),
        "tract": None,
        "nas_infer_command": " ".join(command),
        "nas_infer_load_ms": ours[0]["load_ms"], "nas_infer_peak_rss_kib": ours[0]["peak_rss_kib"],
        "nas_infer_op_min_ms": ours[0]["op_min_ms"],
    }
    if baseline_command:
        logits["nas_infer_baseline"] = np.array(before[0]["logits_head"], dtype=np.float32)
        result["nas_infer_baseline"] = summary([b["median_ms"] for b in before], [b["min_ms"] for b in before])
        result["nas_infer_baseline_command"] = " ".join(baseline_command)
        result["nas_infer_baseline_op_min_ms"] = before[0]["op_min_ms"]
        add_ratios(result, "nas_infer_baseline")
    add_ratios(result, "onnxruntime")
    if tract_model is not None:
        result["tract"] = summary([statistics.median(t) for t in tract_times], [min(t) for t in tract_times])
        result["tract"]["load_ms"] = tract_load_ms  # parse + type inference + optimisation
        add_ratios(result, "tract")
    else:
        result["ratio_vs_tract"] = None
        result["tract_unavailable"] = tract_reason
    result["agreement"] = agreement(logits)
    return result


def progress_line(net):
    """One human-readable line per network for stderr."""
    def rounds(peer):
        return "/".join(f"{r:.2f}" for r in net[f"round_ratio_vs_{peer}"])
    line = (f"{net['name']}: nas-infer {net['nas_infer']['median_ms']:.3f} ms, onnxruntime "
            f"{net['onnxruntime']['median_ms']:.3f} ms, ours/ort {net['ratio_vs_onnxruntime']:.2f}x "
            f"(rounds {rounds('onnxruntime')}, mins {net['min_ratio_vs_onnxruntime']:.2f}x)")
    if net["tract"] is None:
        line += f"; tract n/a ({net['tract_unavailable']})"
    else:
        line += (f"; tract {net['tract']['median_ms']:.3f} ms, ours/tract {net['ratio_vs_tract']:.2f}x "
                 f"(rounds {rounds('tract')}, mins {net['min_ratio_vs_tract']:.2f}x)")
    diffs = ", ".join(f"{k} {v:.1e}" for k, v in net["agreement"]["max_abs_diff_vs_onnxruntime"].items())
    if "nas_infer_baseline" in net:
        line += (f"; baseline nas-infer {net['nas_infer_baseline']['median_ms']:.3f} ms, ours/baseline "
                 f"{net['ratio_vs_nas_infer_baseline']:.2f}x (rounds {rounds('nas_infer_baseline')})")
    return line + f"; max |logit diff| vs ort: {diffs}; top-1 agree: {net['agreement']['top1_agree']}"


def file_stamp(path):
    info = os.stat(path)
    return {"path": path, "bytes": info.st_size,
            "modified_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(info.st_mtime))}


def repository_head():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=True, capture_output=True,
                              text=True).stdout.strip()
    except Exception:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nas-infer", required=True)
    parser.add_argument("--baseline", help="another nas-infer, measured in the same rounds (ours / baseline)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--command", default=" ".join(sys.argv), help="command line recorded in the JSON")
    parser.add_argument("networks", nargs="+", help="NAME:ONNX:NASB:CxHxW:RUNS")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be >= 1, got {args.rounds}")
    try:
        specs = [parse_network(spec) for spec in args.networks]
    except ValueError as error:
        parser.error(str(error))

    start = time.perf_counter()
    load_before = os.getloadavg()[0]
    tract_state = {"reason": None, "version": None}
    try:
        import tract
        tract_state["version"] = tract.version()
    except Exception as error:
        tract_state["reason"] = f"import tract failed: {error}"

    networks = []
    for spec in specs:
        networks.append(bench_network(spec, args.nas_infer, args.baseline, args.rounds, tract_state))
        net = networks[-1]
        print(progress_line(networks[-1]), file=sys.stderr)

    report = {
        "command": args.command, "threads": 1, "rounds": args.rounds,
        "input": "x[i] = (i mod 17)/17 - 0.5 over the flat NCHW batch-1 buffer (normalised units)",
        "median": "median of the per-round medians; min over all timed runs; ratio_vs_X: median of the per-round"
                  " ratios ours/X; min_ratio_vs_X: ratio of the minima",
        "versions": {
            "nas_infer": file_stamp(args.nas_infer),
            "nas_infer_baseline": file_stamp(args.baseline) if args.baseline else None,
            "repository_head": repository_head(),
            "onnxruntime": ort.__version__,
            "tract": tract_state["version"], "numpy": np.__version__, "python": platform.python_version(),
        },
        "networks": networks,
        "seconds": time.perf_counter() - start,
        # 1-minute load average before and after, against os.cpu_count(): above it, runs wait for a core.
        "load_average": [load_before, os.getloadavg()[0]], "cpus": os.cpu_count(),
    }
    if tract_state["reason"]:
        report["tract_unavailable"] = tract_state["reason"]
    text = json.dumps(report, indent=1)
    with open(args.out + ".tmp", "w") as handle:
        handle.write(text + "\n")
    os.replace(args.out + ".tmp", args.out)
    print(text)


if __name__ == "__main__":
    main()
