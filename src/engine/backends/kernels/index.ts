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
import { gemmAvailable, kernelRuntimeInfo } from './gemm';
import { unpackKernel, gatherV2Kernel } from './unpack_gather';
import { adamKernel, patchAdam, checkAdamPatch, ADAM_KERNEL } from './adam';
import { sumKernel } from './sum';
import { lstmGatesKernel, lstmGatesGradKernel, patchLstm, checkLstmPatch, resetLstmPatch, LSTM_GATES, LSTM_GATES_GRAD } from './lstm';
import { maxPoolGradKernel } from './max_pool_grad';
import { lstmSequenceKernel, lstmSequenceGradKernel, patchLstmSequence, LSTM_SEQUENCE_PATCH, LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD } from './lstm_sequence';
import { denseKernel, denseGradWeightsKernel, denseGradInputKernel, patchDense, DENSE_PATCH, DENSE, DENSE_GRAD_WEIGHTS, DENSE_GRAD_INPUT } from './dense';
import {
  convKernel, convGradWeightsKernel, convGradInputKernel, maxPoolKernel, maxPoolScatterKernel, patchConvLayers, CONV_PATCH, MAX_POOL_PATCH,
  CONV, CONV_GRAD_WEIGHTS, CONV_GRAD_INPUT, MAX_POOL, MAX_POOL_GRAD,
} from './conv_layer';
import { checkLayerPatch, resetLayerPatch, type LayerPatch } from './layers';
import { conv2dKernel, conv2dBackpropFilterGemmKernel, conv2dBackpropInputKernel } from './conv2d';
import { checkKernel, type Reference } from './selfcheck';
import { asBackend, peek, type TensorInfo } from './io';
import type { KernelReport } from '../../../protocol/engine';

/** Makes a kernel; `stock` is the backend's own kernel of that name, for the cases ours leaves to it. */
type Factory = (tf: typeof tfTypes, stock?: tfTypes.KernelFunc) => tfTypes.KernelFunc;
interface Entry {
  make: Factory;
  /** a speed-up (not a missing kernel): subject to MODEL_STUDIO_FAST_KERNELS */
  fast: boolean;
  needsGemm?: boolean;
  /** a plainer version to try when `make`'s kernel fails its self-check (for kernels the backend lacks) */
  fallback?: Factory;
}

const KERNELS: Record<string, Record<string, Entry>> = {
  wasm: {
    // The GEMM version when WebAssembly SIMD compiles; the loop version otherwise (it is missing on wasm).
    Conv2DBackpropFilter: {
      make: (tf) => (gemmAvailable() ? conv2dBackpropFilterGemmKernel : conv2dBackpropFilterKernel)(tf),
      fast: false, fallback: (tf) => conv2dBackpropFilterKernel(tf),
    },
    Conv2D: { make: conv2dKernel, fast: true, needsGemm: true },
    Conv2DBackpropInput: { make: conv2dBackpropInputKernel, fast: true, needsGemm: true },
    MaxPoolGrad: { make: maxPoolGradKernel, fast: true, needsGemm: true },
    Unpack: { make: unpackKernel, fast: true },
    GatherV2: { make: gatherV2Kernel, fast: true },
    Sum: { make: sumKernel, fast: true, needsGemm: true },
    [LSTM_GATES]: { make: lstmGatesKernel, fast: true },
    [LSTM_GATES_GRAD]: { make: lstmGatesGradKernel, fast: true },
    [LSTM_SEQUENCE]: { make: lstmSequenceKernel, fast: true, needsGemm: true },
    [LSTM_SEQUENCE_GRAD]: { make: lstmSequenceGradKernel, fast: true, needsGemm: true },
    [DENSE]: { make: denseKernel, fast: true, needsGemm: true },
    [DENSE_GRAD_WEIGHTS]: { make: denseGradWeightsKernel, fast: true, needsGemm: true },
    [DENSE_GRAD_INPUT]: { make: denseGradInputKernel, fast: true, needsGemm: true },
    [CONV]: { make: convKernel, fast: true, needsGemm: true },
    [CONV_GRAD_WEIGHTS]: { make: convGradWeightsKernel, fast: true, needsGemm: true },
    [CONV_GRAD_INPUT]: { make: convGradInputKernel, fast: true, needsGemm: true },
    [MAX_POOL]: { make: maxPoolKernel, fast: true, needsGemm: true },
    [MAX_POOL_GRAD]: { make: maxPoolScatterKernel, fast: true, needsGemm: true },
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

/** Our kernels for a backend by name (empty for backends we leave alone). */
export function kernelTable(backendName: string): Readonly<Record<string, Entry>> {
  return KERNELS[backendName] ?? {};
}

/** The stock kernels we replaced, by `backend/kernel`, to delegate to and to restore. */
const replaced = new Map<string, tfTypes.KernelConfig>();
const ours = new WeakSet<tfTypes.KernelFunc>();

function fastEnabled(): boolean {
  return process.env.MODEL_STUDIO_FAST_KERNELS !== '0';
}

/**
 * Fault injection for the tests of the self-check (never set it otherwise): a comma-separated list of
 * kernel names in MODEL_STUDIO_KERNEL_FAULT makes our version of each add 1 to its first output value,
 * as a patch broken by a TF.js upgrade might. The self-check must catch it and restore the stock kernel.
 */
function injectedFaults(): Set<string> {
  return new Set((process.env.MODEL_STUDIO_KERNEL_FAULT ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}

function broken(kernelFunc: tfTypes.KernelFunc): tfTypes.KernelFunc {
  return (args) => {
    const out = kernelFunc(args);
    const first = (Array.isArray(out) ? out[0] : out) as TensorInfo;
    const values = peek(asBackend(args.backend), first);
    if (values.length > 0) values[0] += 1;
    return out;
  };
}

/**
 * Registers our kernels for `backendName` (cpu, wasm; others get none) and returns their names.
 * Idempotent: calling it again re-registers the same kernels.
 */
export function registerKernels(tf: typeof tfTypes, backendName: string): string[] {
  const table = KERNELS[backendName];
  if (!table) return [];
  if (table[ADAM_KERNEL]) patchAdam(tf, fastEnabled, () => injectedFaults().has(ADAM_KERNEL));
  if (table[LSTM_GATES]) patchLstm(tf, fastEnabled);
  if (table[LSTM_SEQUENCE]) patchLstmSequence(tf, fastEnabled, () => runDeferredChecks(tf, [LSTM_SEQUENCE, LSTM_GATES]));
  if (table[DENSE]) patchDense(tf, fastEnabled, () => runDeferredChecks(tf, [DENSE]));
  if (table[CONV]) patchConvLayers(tf, fastEnabled, (kernel) => runDeferredChecks(tf, [kernel]));
  const names: string[] = [];
  for (const [kernelName, entry] of Object.entries(table)) {
    const key = `${backendName}/${kernelName}`;
    const existing = tf.getKernel(kernelName, backendName);
    if (existing && !ours.has(existing.kernelFunc) && !replaced.has(key)) replaced.set(key, existing);
    const stock = replaced.get(key);
    if (entry.fast && stock && !fastEnabled()) continue;
    if (entry.needsGemm && !gemmAvailable()) continue;
    if (existing) tf.unregisterKernel(kernelName, backendName);
    const made = entry.make(tf, stock?.kernelFunc);
    const kernelFunc = injectedFaults().has(kernelName) ? broken(made) : made;
    ours.add(kernelFunc);
    tf.registerKernel({ kernelName, backendName, kernelFunc });
    names.push(kernelName);
  }
  return names;
}

/** TF.js's own kernel to check ours against: cpu's stock kernel (the reference backend), else this backend's. */
function referenceFor(tf: typeof tfTypes, backendName: string, kernelName: string): Reference | undefined {
  const cpuStock = replaced.get(`cpu/${kernelName}`) ?? tf.getKernel(kernelName, 'cpu');
  const cpu = cpuStock && !ours.has(cpuStock.kernelFunc) ? tf.findBackend('cpu') : null;
  if (cpuStock && cpu) return { kernelFunc: cpuStock.kernelFunc, backend: asBackend(cpu) };
  const own = replaced.get(`${backendName}/${kernelName}`);
  const backend = tf.findBackend(backendName);
  return own && backend ? { kernelFunc: own.kernelFunc, backend: asBackend(backend) } : undefined;
}

/** Replaces our registered kernel by `kernelFunc` (a stock or plainer one), or removes it when undefined. */
function swapKernel(tf: typeof tfTypes, backendName: string, kernelName: string, kernelFunc: tfTypes.KernelFunc | undefined): void {
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  if (kernelFunc) tf.registerKernel({ kernelName, backendName, kernelFunc });
}

/**
 * What the engine calls once the backend is active: registers our kernels, then self-checks each one
 * and each patch on a tiny case (a few milliseconds in all). Anything that fails falls back to TF.js's
 * own kernel (or, for a kernel the backend lacks, to a plainer version of ours, else to none, so the
 * backend probe moves training to cpu), and the report says which and why.
 */
export async function installKernels(tf: typeof tfTypes, backendName: string): Promise<KernelReport> {
  unregisterKernels(tf, backendName); // from a clean slate: settings may have changed since the last install
  const names = registerKernels(tf, backendName);
  const table = KERNELS[backendName] ?? {};
  const backend = tf.findBackend(backendName);
  const fallbacks: KernelReport['fallbacks'] = [];
  const fail = (kernel: string, reason: string, instead: string) => fallbacks.push({ kernel, reason, instead });
  for (const kernelName of [...names]) {
    const current = tf.getKernel(kernelName, backendName);
    if (!current || !backend) continue;
    const reference = referenceFor(tf, backendName, kernelName);
    const problem = checkKernel(kernelName, current.kernelFunc, backend, reference);
    if (!problem) continue;
    names.splice(names.indexOf(kernelName), 1);
    const stock = replaced.get(`${backendName}/${kernelName}`);
    const entry = table[kernelName];
    if (stock) {
      swapKernel(tf, backendName, kernelName, stock.kernelFunc);
      fail(kernelName, problem, `TF.js's ${backendName} kernel`);
      continue;
    }
    const plainer = entry?.fallback?.(tf);
    if (plainer && !checkKernel(kernelName, plainer, backend, reference)) {
      swapKernel(tf, backendName, kernelName, plainer);
      fail(kernelName, problem, 'a plainer Model Studio kernel (it passed the check)');
      continue;
    }
    swapKernel(tf, backendName, kernelName, undefined);
    fail(kernelName, problem, `nothing: ${backendName} lacks this kernel, so models that need it train on cpu`);
  }
  const active = new Set(names);
  if (active.has(ADAM_KERNEL)) {
    const problem = await checkAdamPatch(tf);
    if (problem) fail(ADAM_KERNEL, problem, "TF.js's own Adam update");
  }
  for (const f of fallbacks) active.delete(f.kernel);
  // The layer patches are checked the first time a model with such a layer is built (each case runs a
  // stock layer, milliseconds that models without one should not pay); until then they are off.
  const deferred = DEFERRED.map((d) => d.kernel).filter((k) => active.has(k));
  deferredChecked.delete(tf);
  for (const d of DEFERRED) d.reset(tf);
  const runtime = active.size > 0 && gemmAvailable() ? kernelRuntimeInfo() : undefined;
  const report: KernelReport = {
    fast: fastEnabled(), active: [...active], fallbacks, deferred,
    ...(runtime ? { threads: runtime.threads, simd: runtime.simd } : {}),
  };
  tidyReport(report);
  reports.set(tf, { ...(reports.get(tf) ?? {}), [backendName]: report });
  return { ...report, active: [...report.active], fallbacks: [...report.fallbacks], deferred: [...deferred] };
}

/** Patches checked when a layer they serve is first built, with the kernels only they use. */
interface Deferred { kernel: string; grads: string[]; instead: string; check(tf: typeof tfTypes): string | null; reset(tf: typeof tfTypes): void }
const layerPatch = <L>(patch: LayerPatch<L>, grads: string[], instead: string, label: string): Deferred => ({
  kernel: patch.kernel, grads, instead, check: (tf) => checkLayerPatch(tf, patch, label), reset: (tf) => resetLayerPatch(tf, patch),
});
const DEFERRED: Deferred[] = [
  layerPatch(LSTM_SEQUENCE_PATCH, [LSTM_SEQUENCE_GRAD], "TF.js's own LSTM layer (step by step)", 'LSTM sequence patch'),
  { kernel: LSTM_GATES, grads: [LSTM_GATES_GRAD], instead: "TF.js's own LSTM cell", check: checkLstmPatch, reset: resetLstmPatch },
  layerPatch(DENSE_PATCH, [DENSE_GRAD_WEIGHTS, DENSE_GRAD_INPUT], "TF.js's own dense layer", 'dense layer patch'),
  layerPatch(CONV_PATCH, [CONV_GRAD_WEIGHTS, CONV_GRAD_INPUT], "TF.js's own conv2d layer", 'conv2d layer patch'),
  layerPatch(MAX_POOL_PATCH, [MAX_POOL_GRAD], "TF.js's own max pooling", 'max pooling patch'),
];

/** Drops kernels that only serve a patch that is off. */
function tidyReport(report: KernelReport): void {
  const off = new Set(report.fallbacks.map((f) => f.kernel));
  for (const d of DEFERRED) if (off.has(d.kernel)) d.grads.forEach((g) => off.add(g));
  report.active = report.active.filter((k) => !off.has(k));
  report.deferred = (report.deferred ?? []).filter((k) => !off.has(k));
}

/** The latest report per tf namespace and backend: install-time checks plus the deferred ones since. */
const reports = new WeakMap<object, Record<string, KernelReport>>();
const deferredChecked = new WeakMap<object, Set<string>>();
let checking = false;

/** What runs on `backendName` now, and what fell back (deferred checks included). */
export function kernelReport(tf: typeof tfTypes, backendName: string): KernelReport | undefined {
  const r = reports.get(tf)?.[backendName];
  return r && { ...r, active: [...r.active], fallbacks: [...r.fallbacks], deferred: [...(r.deferred ?? [])] };
}

/** TF.js is recording a gradient tape (an eager layer built inside tf.grad): no nested checks then. */
function insideTape(tf: typeof tfTypes): boolean {
  const depth = (tf.engine() as unknown as { state?: { gradientDepth?: unknown } }).state?.gradientDepth;
  return typeof depth !== 'number' || depth > 0;
}

/**
 * The self-checks of the given layer patches, once each per install, the first time a layer they serve
 * is built while the backend has their kernels. Until then (and after a failure) stock layers run.
 */
function runDeferredChecks(tf: typeof tfTypes, kernels: string[]): void {
  const backendName = tf.getBackend();
  const done = deferredChecked.get(tf) ?? new Set<string>();
  const todo = DEFERRED.filter((d) => kernels.includes(d.kernel) && !done.has(d.kernel) && tf.getKernel(d.kernel, backendName));
  if (checking || todo.length === 0 || insideTape(tf)) return;
  deferredChecked.set(tf, done);
  // Registered without installKernels (tests): keep a report anyway.
  const all = reports.get(tf) ?? {};
  const report = all[backendName] ??= { fast: fastEnabled(), active: DEFERRED.flatMap((d) => [d.kernel, ...d.grads]), fallbacks: [] };
  reports.set(tf, all);
  checking = true;
  try {
    for (const d of todo) {
      done.add(d.kernel);
      const problem = d.check(tf);
      if (problem) report.fallbacks.push({ kernel: d.kernel, reason: problem, instead: d.instead });
      report.deferred = (report.deferred ?? []).filter((k) => k !== d.kernel);
    }
    tidyReport(report);
  } finally {
    checking = false;
  }
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
