"""OpenBLAS (through PyTorch's torch.mm) at the benchmark models' GEMM shapes: GFLOP/s, median of
repeated timings. Transposed operands are passed as transposed views, as the models' gradients do.

usage: python3 bench/torch_gemm.py THREADS SHAPES_JSON
Prints one JSON line: {"threads": N, "blas": ..., "shapes": [{"name": ..., "gflops": ..., "gflopsPerCpuSecond": ...}, ...]}
(GFLOP/s of wall time, median; and per CPU-second of the process, all threads together).
"""
import json
import sys
import time

import torch

from torch_models import blas_in_use


def time_one(m, n, k, trans_a, trans_b, min_seconds=0.05):
    a = torch.rand(k, m) if trans_a else torch.rand(m, k)
    b = torch.rand(n, k) if trans_b else torch.rand(k, n)
    op_a = a.t() if trans_a else a
    op_b = b.t() if trans_b else b
    out = torch.empty(m, n)
    torch.mm(op_a, op_b, out=out)  # warm up
    times = []
    start = time.perf_counter()
    c0 = time.process_time()
    while len(times) < 5 or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        torch.mm(op_a, op_b, out=out)
        times.append(time.perf_counter() - t0)
    cpu = (time.process_time() - c0) / len(times)
    times.sort()
    return times[len(times) // 2], cpu


def main():
    threads = int(sys.argv[1])
    shapes = json.loads(sys.argv[2])
    torch.set_num_threads(threads)
    rows = []
    for s in shapes:
        seconds, cpu = time_one(s["M"], s["N"], s["K"], s["transA"], s["transB"])
        flop = 2 * s["M"] * s["N"] * s["K"]
        rows.append({"name": s["name"], "gflops": flop / seconds / 1e9, "gflopsPerCpuSecond": flop / cpu / 1e9})
    print(json.dumps({"threads": torch.get_num_threads(), "blas": blas_in_use(), "shapes": rows}))


if __name__ == "__main__":
    main()
