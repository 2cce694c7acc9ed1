/**
 * Kernels Model Studio registers on top of the stock TF.js backends: the two training kernels wasm
 * lacks (Conv2DBackpropFilter, UnsortedSegmentSum), fast replacements for slow cpu ones, and the
 * fast paths of the embedded default (issue 8). Owned by the kernels work; the backend loader calls
 * `registerKernels(tf, backendName)` once, right after the backend is set.
 *
 * MODEL_STUDIO_FAST_KERNELS=0 in the environment keeps the stock kernels wherever they exist (only
 * the missing ones are added): the escape hatch if a fast kernel is ever suspected of a wrong result.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { conv2dBackpropFilterKernel } from './conv2d_backprop_filter';
import { unsortedSegmentSumKernel } from './unsorted_segment_sum';
import { matMulKernel, fusedMatMulKernel } from './matmul';
import { gemmAvailable } from './gemm';
import { unpackKernel, gatherV2Kernel } from './unpack_gather';
import { adamKernel, patchAdam, ADAM_KERNEL } from './adam';
import { sumKernel } from './sum';
import { lstmGatesKernel, lstmGatesGradKernel, patchLstm, LSTM_GATES, LSTM_GATES_GRAD } from './lstm';
import { maxPoolGradKernel } from './max_pool_grad';
import { conv2dKernel, conv2dBackpropFilterGemmKernel, conv2dBackpropInputKernel } from './conv2d';

/** Makes a kernel; `stock` is the backend's own kernel of that name, for the cases ours leaves to it. */
type Factory = (tf: typeof tfTypes, stock?: tfTypes.KernelFunc) => tfTypes.KernelFunc;
interface Entry { make: Factory; /** a speed-up (not a missing kernel): subject to MODEL_STUDIO_FAST_KERNELS */ fast: boolean; needsGemm?: boolean }

const KERNELS: Record<string, Record<string, Entry>> = {
  wasm: {
    // The GEMM version when WebAssembly SIMD compiles; the loop version otherwise (it is missing on wasm).
    Conv2DBackpropFilter: { make: (tf) => (gemmAvailable() ? conv2dBackpropFilterGemmKernel : conv2dBackpropFilterKernel)(tf), fast: false },
    Conv2D: { make: conv2dKernel, fast: true, needsGemm: true },
    Conv2DBackpropInput: { make: conv2dBackpropInputKernel, fast: true, needsGemm: true },
    MaxPoolGrad: { make: maxPoolGradKernel, fast: true, needsGemm: true },
    Unpack: { make: unpackKernel, fast: true },
    GatherV2: { make: gatherV2Kernel, fast: true },
    Sum: { make: sumKernel, fast: true, needsGemm: true },
    [LSTM_GATES]: { make: lstmGatesKernel, fast: true },
    [LSTM_GATES_GRAD]: { make: lstmGatesGradKernel, fast: true },
    [ADAM_KERNEL]: { make: adamKernel, fast: true },
    UnsortedSegmentSum: { make: unsortedSegmentSumKernel, fast: false },
    BatchMatMul: { make: matMulKernel, fast: true, needsGemm: true },
    _FusedMatMul: { make: fusedMatMulKernel, fast: true, needsGemm: true },
  },
  cpu: {
    Conv2DBackpropFilter: { make: conv2dBackpropFilterKernel, fast: false },
    UnsortedSegmentSum: { make: unsortedSegmentSumKernel, fast: false },
  },
};

/** The stock kernels we replaced, by `backend/kernel`, to delegate to and to restore. */
const replaced = new Map<string, tfTypes.KernelConfig>();
const ours = new WeakSet<tfTypes.KernelFunc>();

function fastEnabled(): boolean {
  return process.env.MODEL_STUDIO_FAST_KERNELS !== '0';
}

/**
 * Registers our kernels for `backendName` (cpu, wasm; others get none) and returns their names.
 * Idempotent: calling it again re-registers the same kernels.
 */
export function registerKernels(tf: typeof tfTypes, backendName: string): string[] {
  const table = KERNELS[backendName];
  if (!table) return [];
  if (table[ADAM_KERNEL]) patchAdam(tf, fastEnabled);
  if (table[LSTM_GATES]) patchLstm(tf, fastEnabled);
  const names: string[] = [];
  for (const [kernelName, entry] of Object.entries(table)) {
    const key = `${backendName}/${kernelName}`;
    const existing = tf.getKernel(kernelName, backendName);
    if (existing && !ours.has(existing.kernelFunc) && !replaced.has(key)) replaced.set(key, existing);
    const stock = replaced.get(key);
    if (entry.fast && stock && !fastEnabled()) continue;
    if (entry.needsGemm && !gemmAvailable()) continue;
    if (existing) tf.unregisterKernel(kernelName, backendName);
    const kernelFunc = entry.make(tf, stock?.kernelFunc);
    ours.add(kernelFunc);
    tf.registerKernel({ kernelName, backendName, kernelFunc });
    names.push(kernelName);
  }
  return names;
}

/** Puts back the stock kernels we replaced on `backendName` and removes the ones we added (tests, bench). */
export function unregisterKernels(tf: typeof tfTypes, backendName: string): void {
  const table = KERNELS[backendName];
  if (!table) return;
  for (const kernelName of Object.keys(table)) {
    const existing = tf.getKernel(kernelName, backendName);
    if (existing && ours.has(existing.kernelFunc)) tf.unregisterKernel(kernelName, backendName);
    const stock = replaced.get(`${backendName}/${kernelName}`);
    if (stock && !tf.getKernel(kernelName, backendName)) tf.registerKernel(stock);
  }
}
