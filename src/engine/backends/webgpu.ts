/**
 * WebGPU in Node through Dawn (the `webgpu` package). `auto` only takes a hardware adapter: a
 * software one (llvmpipe, lavapipe, SwiftShader) is correct but slower than wasm. Named explicitly,
 * a software adapter is allowed (CI tests the GPU code path on Mesa llvmpipe through Dawn's OpenGL
 * backend, see notes/tfjs-backends.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { nativeImport, resolveNative } from './resolve';

export interface WebGpuChoice {
  description: string;
  software: boolean;
}

interface AdapterInfoLike { vendor?: string; architecture?: string; device?: string; description?: string }
interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: unknown): Promise<unknown>;
}
interface GpuLike { requestAdapter(options?: Record<string, unknown>): Promise<AdapterLike | null> }
interface WebGpuModule { create(flags: string[]): GpuLike; globals: Record<string, unknown> }

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|softpipe/i;

function describe(adapter: AdapterLike): WebGpuChoice {
  const info = adapter.info ?? {};
  const parts = [info.description, info.device, info.vendor, info.architecture].filter((s): s is string => typeof s === 'string' && s.length > 0);
  const description = parts.length > 0 ? [...new Set(parts)].join(', ') : 'unknown adapter';
  return { description, software: adapter.isFallbackAdapter === true || SOFTWARE.test(parts.join(' ')) };
}

function hasVulkanLoader(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/usr/local/lib',
  ];
  return dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')));
}

let loaded: WebGpuModule | null = null;
/** GPU instances stay referenced for the life of the process: Dawn crashes if one is collected under its adapter. */
const instances: GpuLike[] = [];
const createGpu = (dawn: WebGpuModule, flags: string[]) => {
  const gpu = dawn.create(flags);
  instances.push(gpu);
  return gpu;
};

async function loadDawn(): Promise<WebGpuModule> {
  if (loaded) return loaded;
  const entry = resolveNative('webgpu', process.env.MODEL_STUDIO_NATIVE_DIR);
  if (!entry) throw new Error("the 'webgpu' package is not installed (npm install webgpu)");
  loaded = (await nativeImport(pathToFileURL(entry).href)) as WebGpuModule;
  return loaded;
}

/**
 * Find an adapter and install `navigator.gpu` so that @tensorflow/tfjs-backend-webgpu (loaded next)
 * gets exactly that adapter.
 */
export async function pickWebGpuAdapter(opts: { allowSoftware: boolean }): Promise<{ ok: true; choice: WebGpuChoice } | { ok: false; why: string }> {
  const dawn = await loadDawn();
  const candidates: Array<{ adapter: AdapterLike; choice: WebGpuChoice }> = [];
  // On Linux a hardware adapter comes through Vulkan: without its loader there is none, and asking
  // Dawn anyway only prints a warning on stderr.
  const vulkan = process.platform !== 'linux' || hasVulkanLoader();
  const hardware = vulkan ? await createGpu(dawn, []).requestAdapter({ powerPreference: 'high-performance' }).catch(() => null) : null;
  if (hardware) candidates.push({ adapter: hardware, choice: describe(hardware) });
  if (opts.allowSoftware && !candidates.some((c) => !c.choice.software)) {
    // Mesa llvmpipe through Dawn's OpenGL backend, headless.
    process.env.EGL_PLATFORM ??= 'surfaceless';
    const gl = await createGpu(dawn, ['backend=opengl']).requestAdapter({ featureLevel: 'compatibility' }).catch(() => null);
    if (gl) candidates.push({ adapter: gl, choice: describe(gl) });
  }
  const usable = candidates.find((c) => opts.allowSoftware || !c.choice.software);
  if (!usable) {
    const seen = candidates.map((c) => c.choice.description).join(', ');
    if (seen) return { ok: false, why: `only a software WebGPU adapter was found (${seen}); name backend: webgpu to use it anyway` };
    return { ok: false, why: vulkan ? 'no WebGPU adapter was found' : 'no hardware WebGPU adapter (no Vulkan loader, libvulkan.so.1)' };
  }
  Object.assign(globalThis, dawn.globals);
  const gpu: GpuLike = { requestAdapter: async () => usable.adapter };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return { ok: true, choice: usable.choice };
}
