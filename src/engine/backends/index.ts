/**
 * Backend selection (DESIGN.md §5). `auto` tries, in order: tfjs-node-gpu (only when it really made a
 * GPU device), tfjs-node, WebGPU on a hardware adapter, wasm (the embedded default), cpu. A backend
 * named explicitly that cannot load is an error saying what to install: never a silent fallback.
 * TF.js is loaded lazily, so nothing heavy loads before training needs it.
 */
import { execFileSync } from 'node:child_process';
import type * as tfTypes from '@tensorflow/tfjs';
import type { BackendName } from '../../modelFile/schema';
import type { BackendInfo, KernelReport } from '../../protocol/engine';
import { installKernels } from './kernels';
import { resolveNative } from './resolve';
import { pickWebGpuAdapter, type WebGpuChoice } from './webgpu';

export type Tf = typeof tfTypes;

export interface SelectedBackend {
  tf: Tf;
  info: BackendInfo;
}

export interface SelectOptions {
  /** where the extension installs optional native packages (else env MODEL_STUDIO_NATIVE_DIR) */
  nativeDir?: string;
}

export class BackendError extends Error {
  constructor(message: string, readonly backend: string) {
    super(message);
    this.name = 'BackendError';
  }
}

type Attempt = { ok: true; selected: SelectedBackend } | { ok: false; why: string };

/** tfjs-node-gpu when it loaded without a GPU (auto keeps it as a CPU backend for later). */
let cpuTensorflow: SelectedBackend | null = null;

/** Select the backend to train on and make it TF.js's active backend. */
export async function selectBackend(requested: BackendName, opts: SelectOptions = {}): Promise<SelectedBackend> {
  return select(requested, opts.nativeDir ?? process.env.MODEL_STUDIO_NATIVE_DIR);
}

async function select(requested: BackendName, nativeDir: string | undefined): Promise<SelectedBackend> {
  const explicit = requested !== 'auto';
  cpuTensorflow = null;
  const attempts: Record<Exclude<BackendName, 'auto'>, () => Promise<Attempt>> = {
    'tensorflow-gpu': () => tryTfNode('@tensorflow/tfjs-node-gpu', nativeDir, true, explicit),
    tensorflow: () => tryTfNode('@tensorflow/tfjs-node', nativeDir, false, explicit),
    webgpu: () => tryWebGpu(explicit),
    wasm: () => tryWasm(),
    cpu: () => tryCpu(),
  };
  if (explicit) {
    const result = await attempts[requested]();
    if (result.ok) return { ...result.selected, info: { ...result.selected.info, reason: `requested in the model file or on the command line (backend: ${requested})` } };
    throw new BackendError(`backend '${requested}' cannot be used: ${result.why}`, requested);
  }
  const skipped: string[] = [];
  for (const name of ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const) {
    // tfjs-node-gpu that found no GPU is still the fastest CPU backend there is: use it before wasm
    const held = cpuTensorflow as SelectedBackend | null; // set by the tensorflow-gpu attempt
    if (name === 'wasm' && held) {
      return { ...held, info: { ...held.info, reason: `auto: tensorflow on the CPU, because ${skipped.join('; ')}` } };
    }
    const result = await attempts[name]();
    if (result.ok) {
      const reason = skipped.length === 0 ? `auto: ${name} is the first choice` : `auto: ${name}, because ${skipped.join('; ')}`;
      return { ...result.selected, info: { ...result.selected.info, reason } };
    }
    skipped.push(`${name}: ${result.why}`);
  }
  throw new BackendError(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`, 'auto');
}

async function loadTf(): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs');
  // PROD silences TF.js's console hints ("install our node backend"): the engine's output is ours.
  tf.env().set('PROD', true);
  return tf;
}

/** The kernels installed per tf namespace and backend, with the settings they were installed under. */
const kernelsDone = new WeakMap<object, Map<string, { settings: string; report: KernelReport }>>();

/** Makes `name` the active backend; installs and self-checks our kernels on it once (again if the settings changed). */
async function activate(tf: Tf, name: string): Promise<KernelReport> {
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  }
  await tf.ready();
  const done = kernelsDone.get(tf) ?? new Map<string, { settings: string; report: KernelReport }>();
  kernelsDone.set(tf, done);
  const settings = [process.env.MODEL_STUDIO_FAST_KERNELS ?? '', process.env.MODEL_STUDIO_KERNEL_FAULT ?? ''].join('|');
  const installed = done.get(name);
  if (installed?.settings === settings) return installed.report;
  const report = await installKernels(tf, name);
  done.set(name, { settings, report });
  return report;
}

const message = (err: unknown) => (err instanceof Error ? err.message.split('\n')[0] : String(err));

async function tryTfNode(pkg: string, nativeDir: string | undefined, wantGpu: boolean, explicit: boolean): Promise<Attempt> {
  const resolved = resolveNative(pkg, nativeDir);
  if (!resolved) {
    if (!explicit) return { ok: false, why: 'not installed' };
    return {
      ok: false,
      why: `${pkg} is not installed: install it with \`npm install ${pkg}\`${nativeDir ? ` in ${nativeDir}` : ''} (it downloads libtensorflow${wantGpu ? ' and needs CUDA 11.2 + cuDNN 8.1' : ''}), or let the extension install it`,
    };
  }
  let tf: Tf;
  let kernels: KernelReport;
  try {
    // tfjs-node brings its own copy of tfjs; use that one so the backend and the layers API agree.
    tf = require(resolved) as Tf;
    kernels = await activate(tf, 'tensorflow');
  } catch (err) {
    return { ok: false, why: `${pkg} failed to load: ${message(err)}` };
  }
  const gpu = usesGpu(tf);
  const device = gpu ? `tensorflow (GPU: ${gpuName() ?? 'CUDA'})` : wantGpu ? 'tensorflow (CPU: tfjs-node-gpu found no usable CUDA GPU)' : 'tensorflow (CPU, libtensorflow)';
  const selected: SelectedBackend = { tf, info: { name: 'tensorflow', device, reason: '', gpu, kernels } };
  if (wantGpu && !gpu && !explicit) {
    // libtensorflow GPU falls back to CPU silently when CUDA/cuDNN are missing: not what auto wants first
    cpuTensorflow = selected;
    return { ok: false, why: `${pkg} loaded but created no GPU device (CUDA 11.2 and cuDNN 8.1 are needed)` };
  }
  return { ok: true, selected };
}

/** The GPU's name for the record, when nvidia-smi can tell. */
function gpuName(): string | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });
    const first = out.split('\n')[0].trim();
    return first || null;
  } catch {
    return null;
  }
}

function usesGpu(tf: Tf): boolean {
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: () => boolean };
  try {
    return typeof backend.isUsingGpuDevice === 'function' && backend.isUsingGpuDevice() === true;
  } catch {
    return false;
  }
}

async function tryWebGpu(explicit: boolean): Promise<Attempt> {
  let choice: WebGpuChoice;
  try {
    const picked = await pickWebGpuAdapter({ allowSoftware: explicit });
    if (!picked.ok) return { ok: false, why: picked.why };
    choice = picked.choice;
  } catch (err) {
    return { ok: false, why: `WebGPU (the 'webgpu' package) failed to start: ${message(err)}` };
  }
  try {
    const tf = await loadTf();
    // The webgpu backend registers itself only when navigator.gpu exists at import time.
    await import('@tensorflow/tfjs-backend-webgpu');
    const kernels = await activate(tf, 'webgpu');
    return { ok: true, selected: { tf, info: { name: 'webgpu', device: `WebGPU — ${choice.description}`, reason: '', gpu: !choice.software, kernels } } };
  } catch (err) {
    return { ok: false, why: `@tensorflow/tfjs-backend-webgpu failed on ${choice.description}: ${message(err)}` };
  }
}

async function tryWasm(): Promise<Attempt> {
  try {
    const tf = await loadTf();
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const before = {
      exception: process.listeners('uncaughtException'),
      rejection: process.listeners('unhandledRejection'),
    };
    let kernels: KernelReport;
    try {
      kernels = await activate(tf, 'wasm');
    } finally {
      // The emscripten module installs process-wide handlers that re-throw, so any unrelated
      // rejected promise would kill the process afterwards. Remove the ones it added.
      for (const l of process.listeners('uncaughtException')) if (!before.exception.includes(l)) process.removeListener('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection')) if (!before.rejection.includes(l)) process.removeListener('unhandledRejection', l);
    }
    const simd = await Promise.resolve(tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')).catch(() => false);
    const threads = typeof wasm.getThreadsCount === 'function' ? wasm.getThreadsCount() : 1;
    const ours = kernels.threads ? `; Model Studio kernels on ${kernels.threads} thread${kernels.threads === 1 ? '' : 's'}${kernels.simd === 'relaxed' ? ', relaxed SIMD' : ''}` : '';
    const device = `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}${ours})`;
    return { ok: true, selected: { tf, info: { name: 'wasm', device, reason: '', gpu: false, kernels } } };
  } catch (err) {
    return { ok: false, why: `@tensorflow/tfjs-backend-wasm failed to load: ${message(err)}` };
  }
}

async function tryCpu(): Promise<Attempt> {
  try {
    const tf = await loadTf();
    const kernels = await activate(tf, 'cpu');
    return { ok: true, selected: { tf, info: { name: 'cpu', device: 'cpu (plain JavaScript)', reason: '', gpu: false, kernels } } };
  } catch (err) {
    return { ok: false, why: `@tensorflow/tfjs-backend-cpu failed: ${message(err)}` };
  }
}
