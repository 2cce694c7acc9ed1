"""PyTorch side of the Model Studio benchmark: the same three models, sizes, batches and optimiser
as bench/models.ts, synthetic data, samples/s of the second epoch. Prints one JSON line.

usage: python3 bench/torch_models.py MODEL BATCHES [SEED]
"""
import json
import os
import resource
import sys
import time

import torch
from torch import nn

BATCH = {"mlp": 128, "cnn": 64, "lstm": 64}


class LastStep(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(64, 64, batch_first=True)

    def forward(self, x):
        out, _ = self.lstm(x)
        return out[:, -1, :]


def build(name):
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(800, 10))
    if name == "lstm":
        return nn.Sequential(nn.Embedding(5000, 64), LastStep(), nn.Linear(64, 2))
    raise SystemExit(f"unknown model {name!r}: expected mlp, cnn or lstm")


def data(name, n, gen):
    if name == "mlp":
        return torch.rand(n, 784, generator=gen), torch.randint(0, 10, (n,), generator=gen)
    if name == "cnn":
        return torch.rand(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen)
    return torch.randint(0, 5000, (n, 100), generator=gen), torch.randint(0, 2, (n,), generator=gen)


def blas_in_use():
    """Which BLAS library this process actually mapped (Debian's torch links the system libblas.so.3)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if ".so" in line}
    except OSError:
        return "unknown"
    for lib in sorted(libs):
        if "openblas" in lib:
            return "openblas-openmp" if "openmp" in lib else "openblas-pthread" if "pthread" in lib else "openblas"
    for lib in sorted(libs):
        if "mkl" in lib:
            return "mkl"
    for lib in sorted(libs):
        if "libblas" in lib:
            return "reference (" + os.path.realpath(lib) + ")"
    return "built-in"


def main():
    name, batches = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    # A fair reference uses every core (Debian's build may start with 1 OpenMP thread); override with
    # MODEL_STUDIO_BENCH_TORCH_THREADS.
    torch.set_num_threads(int(os.environ.get("MODEL_STUDIO_BENCH_TORCH_THREADS") or os.cpu_count() or 1))
    # bench/gpu/run.sh: MODEL_STUDIO_BENCH_TORCH_DEVICE=cuda (data and model on the GPU, timings synchronised)
    device = torch.device(os.environ.get("MODEL_STUDIO_BENCH_TORCH_DEVICE") or "cpu")
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    bs = BATCH[name]
    n = bs * batches
    x, y = data(name, n, gen)
    x, y = x.to(device), y.to(device)
    model = build(name).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    losses, seconds, cpu_seconds = [], [], []
    for _epoch in range(2):
        perm = torch.randperm(n, generator=gen).to(device)
        sync()
        t0 = time.perf_counter()
        c0 = time.process_time()
        total = 0.0
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += float(loss)
        sync()
        seconds.append(time.perf_counter() - t0)
        cpu_seconds.append(time.process_time() - c0)
        losses.append(total / batches)
    print(json.dumps({
        "model": name,
        "samplesPerSec": n / seconds[1],
        "epochSeconds": seconds,
        "samplesPerCpuSec": n / cpu_seconds[1],
        "epochCpuSeconds": cpu_seconds,
        "losses": losses,
        "threads": torch.get_num_threads(),
        "blas": blas_in_use(),
        "torch": torch.__version__,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torchDevice": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
    }))


if __name__ == "__main__":
    main()
