#!/usr/bin/env bash
# What `npm run bench` needs beyond npm: PyTorch (the reference) with OpenBLAS built for OpenMP, so
# torch's own OpenMP threads and BLAS's do not oversubscribe the cores (the pthread build does).
# Debian packages only; run as root (CI) or with sudo. `npm run bench` calls this when they are missing.
set -euo pipefail
need=()
for pkg in python3-torch libopenblas0-openmp; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
  echo "bench/setup.sh: python3-torch and libopenblas0-openmp are installed"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo -n); else
  echo "bench/setup.sh: need root to install ${need[*]} (apt-get install ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >/dev/null
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
echo "bench/setup.sh: installed ${need[*]}"
