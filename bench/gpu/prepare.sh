#!/usr/bin/env bash
# Prepares .gpu/ (ignored by git) for a session with a lent GPU machine (notes: gpu-device.md): the
# benchmark contender bundled into one file (TF.js inside; `webgpu`'s linux-x64 Dawn beside it), the
# PyTorch side, Node's binary (xz), and Debian's Vulkan/EGL loaders. About 50 MB, under the 64 MiB a
# call may carry. Then, on the device: run(command: "bash .gpu/run.sh", carry: [".gpu"]).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
rm -rf "$out"
mkdir -p "$out/node_modules/webgpu/dist" "$out/deb"
npx esbuild bench/contender.ts --bundle --platform=node --format=cjs --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu --log-level=warning --outfile="$out/contender.js"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$out/"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$out/node_modules/webgpu/"
cp -r node_modules/webgpu/dist/linux-x64 "$out/node_modules/webgpu/dist/"
cp bench/torch_models.py bench/gpu/run.sh bench/gpu/summarize.py "$out/"
xz -T2 -6 -c "$(command -v node)" > "$out/node.xz"
# The device machine may lack the Vulkan/EGL loaders (device README): Debian's, unpacked there.
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/model-studio-amd64'
mkdir -p /tmp/model-studio-amd64/partial
# shellcheck disable=SC2086
apt-get $o update -q >/dev/null && (cd "$out/deb" && apt-get $o download libvulkan1 libegl1 libglvnd0 >/dev/null) ||
  echo "prepare.sh: could not download the Vulkan loaders; run.sh uses the machine's own"
du -sh "$out"
