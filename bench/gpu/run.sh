#!/usr/bin/env bash
# Runs on the lent GPU machine from .gpu/ (made by bench/gpu/prepare.sh): the three benchmark models on
# TF.js's WebGPU backend (Dawn over Vulkan on the real GPU) and on PyTorch with CUDA, alternated, three
# repetitions; writes $OUT/results-gpu.json (bench/gpu/summarize.py) and the raw lines beside it.
# Locally (no GPU) MODEL_STUDIO_WEBGPU_BACKEND=opengl and MODEL_STUDIO_BENCH_TORCH_DEVICE=cpu try the path
# (with MODELS=mlp REPS=1 BATCHES=3 it takes a minute).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/model-studio-gpu}
mkdir -p "$out"
node=/tmp/model-studio-node
[ -x "$node" ] || { xz -dc "$here/node.xz" > "$node" && chmod +x "$node"; }
if ! ldconfig -p 2>/dev/null | grep -q libvulkan && [ "$(id -u)" = 0 ]; then
  for f in "$here"/deb/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
  ldconfig
fi
[ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -e /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
export MODEL_STUDIO_WEBGPU_BACKEND=${MODEL_STUDIO_WEBGPU_BACKEND:-vulkan}
export MODEL_STUDIO_BENCH_TORCH_DEVICE=${MODEL_STUDIO_BENCH_TORCH_DEVICE:-cuda}
export PYTHONUNBUFFERED=1
(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi") > "$out/gpu.txt" 2>&1
batches=${BATCHES:-40}
models=${MODELS:-mlp cnn lstm}
reps=${REPS:-3}
: > "$out/webgpu.jsonl"; : > "$out/torch.jsonl"
for rep in $(seq 1 "$reps"); do
  for model in $models; do
    if [ $((rep % 2)) = 1 ]; then order="webgpu torch"; else order="torch webgpu"; fi
    for c in $order; do
      if [ "$c" = webgpu ]; then
        (cd "$here" && timeout 300 "$node" contender.js webgpu "$model" "$batches" 1 2>>"$out/webgpu.err" | tail -1) >> "$out/webgpu.jsonl"
      else
        timeout 300 python3 "$here/torch_models.py" "$model" "$batches" 1 2>>"$out/torch.err" | tail -1 >> "$out/torch.jsonl"
      fi
      echo "rep $rep $model $c: $(tail -c 160 "$out/$c.jsonl")"
    done
  done
done
python3 "$here/summarize.py" "$out" > "$out/results-gpu.json" && cat "$out/results-gpu.json"
