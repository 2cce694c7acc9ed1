/** Loads a TF.js backend by name for the benchmark, the way the engine does (wasm handlers removed, our kernels registered). */
import type * as tfTypes from '@tensorflow/tfjs';
import { installKernels } from '../src/engine/backends/kernels';

export const BACKEND_NAMES = ['wasm', 'cpu', 'webgpu', 'tensorflow'] as const;

/** Returns the tf namespace with `name` active, plus what was registered and a device description. */
export async function loadBackend(name: string): Promise<{ tf: typeof tfTypes; kernels: string[]; fallbacks: Array<{ kernel: string; reason: string }>; device: string }> {
  if (name === 'tensorflow') {
    // tfjs-node brings its own tf namespace and backend; it is optional and usually absent here.
    const tfn = require('@tensorflow/tfjs-node') as typeof tfTypes;
    await tfn.setBackend('tensorflow');
    return { tf: tfn, kernels: [], fallbacks: [], device: 'libtensorflow CPU' };
  }
  const tf = require('@tensorflow/tfjs') as typeof tfTypes;
  let device = 'CPU (JavaScript)';
  if (name === 'wasm') {
    require('@tensorflow/tfjs-backend-wasm');
    const ue = process.listeners('uncaughtException');
    const ur = process.listeners('unhandledRejection');
    await tf.setBackend('wasm');
    for (const l of process.listeners('uncaughtException')) if (!ue.includes(l)) process.off('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!ur.includes(l)) process.off('unhandledRejection', l);
    device = 'CPU (WebAssembly SIMD)';
  } else if (name === 'webgpu') {
    device = await setUpWebGpu();
    require('@tensorflow/tfjs-backend-webgpu');
    await tf.setBackend('webgpu');
  } else {
    await tf.setBackend(name);
  }
  if (tf.getBackend() !== name) throw new Error(`backend ${name} did not load (active: ${tf.getBackend()})`);
  const report = await installKernels(tf, name);
  return { tf, kernels: report.active, fallbacks: report.fallbacks, device };
}

/** Dawn for Node through its OpenGL backend (works on Mesa llvmpipe too); see notes/tfjs-backends.md. */
async function setUpWebGpu(): Promise<string> {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const { create, globals } = require('webgpu') as {
    create(opts: string[]): { requestAdapter(o?: object): Promise<unknown> };
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, globals);
  const useGl = process.env.MODEL_STUDIO_WEBGPU_BACKEND !== 'vulkan';
  const gpu = create(useGl ? ['backend=opengl'] : []);
  const adapter = (await gpu.requestAdapter(useGl ? { featureLevel: 'compatibility' } : {})) as
    { info?: { description?: string; device?: string; vendor?: string } } | null;
  if (!adapter) throw new Error('no WebGPU adapter');
  const wrapped = { requestAdapter: (o?: object) => gpu.requestAdapter({ ...(useGl ? { featureLevel: 'compatibility' } : {}), ...o }) };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped }, configurable: true, writable: true });
  const i = adapter.info ?? {};
  return [i.vendor, i.device, i.description].filter(Boolean).join(' ') || 'WebGPU adapter';
}
