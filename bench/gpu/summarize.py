"""Medians of bench/gpu/run.sh's raw lines: results-gpu.json (same shape as the CPU bench's per-model figures).

usage: python3 summarize.py OUT_DIR
"""
import json
import os
import statistics
import sys


def lines(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def main():
    d = sys.argv[1]
    gpu = open(os.path.join(d, "gpu.txt")).read().strip() if os.path.exists(os.path.join(d, "gpu.txt")) else "unknown"
    models = {}
    for name, file in (("webgpu", "webgpu.jsonl"), ("pytorch", "torch.jsonl")):
        for r in lines(os.path.join(d, file)):
            if "samplesPerSec" not in r:
                continue
            m = models.setdefault(r["model"], {}).setdefault(name, {"runs": [], "device": r.get("device") or r.get("torchDevice")})
            m["runs"].append(r["samplesPerSec"])
    for m in models.values():
        for c in m.values():
            c["samplesPerSec"] = statistics.median(c["runs"])
        if "webgpu" in m and "pytorch" in m:
            m["ratio"] = round(m["webgpu"]["samplesPerSec"] / m["pytorch"]["samplesPerSec"], 3)
    print(json.dumps({"gpu": gpu, "models": models}, indent=2))


if __name__ == "__main__":
    main()
