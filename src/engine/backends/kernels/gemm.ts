/**
 * The WebAssembly SIMD GEMM (native/gemm/gemm.c) behind our matmul and conv kernels. One instance
 * per process, its own linear memory: operands are copied in, the product copied out (O(n²) copies
 * around O(n³) work).
 */
import { GEMM_WASM_BASE64 } from './gemm_wasm';

// The project's lib settings (ES2022, no DOM) carry no WebAssembly types: declare what we use.
interface WasmMemory { buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface GemmExports {
  memory: WasmMemory;
  __heap_base: { value: number };
  sgemm(M: number, N: number, K: number, A: number, transA: number, B: number, transB: number, C: number, work: number): void;
  bias_act(C: number, M: number, N: number, bias: number, act: number): void;
  im2col(...args: number[]): void;
  col2im(...args: number[]): void;
  max_pool_grad(...args: number[]): void;
  adam(...args: number[]): void;
  col_sum(x: number, outer: number, inner: number, out: number): void;
  row_sum(x: number, outer: number, inner: number, out: number): void;
}

const MR = 4;
const NR = 8;
const KC = 256;

export const ACTIVATIONS = { linear: 0, relu: 1, relu6: 2 } as const;
export type GemmActivation = keyof typeof ACTIVATIONS;

let instance: GemmExports | undefined;

function gemmModule(): GemmExports {
  if (!instance) {
    const mod = new wasmApi.Module(Buffer.from(GEMM_WASM_BASE64, 'base64'));
    instance = new wasmApi.Instance(mod, {}).exports as unknown as GemmExports;
  }
  return instance;
}

/** True when this JS engine runs WebAssembly SIMD (compiling the module tells). */
export function gemmAvailable(): boolean {
  try { gemmModule(); return true; } catch { return false; }
}

const align = (n: number) => (n + 15) & ~15;

/** A batch of matrix products with optional bias and activation. */
export interface GemmJob {
  M: number; N: number; K: number;
  a: Float32Array; transA: boolean; batchA: number;
  b: Float32Array; transB: boolean; batchB: number;
  bias?: Float32Array;
  activation?: GemmActivation;
}

/**
 * Computes max(batchA, batchB) products C_i = op(A_i)·op(B_i) (+bias, activation), a batch of 1
 * broadcasting against the other. Returns a view of our memory: copy it before the next call.
 */
export function gemm(job: GemmJob): Float32Array {
  const g = gemmModule();
  const { M, N, K } = job;
  const batch = Math.max(job.batchA, job.batchB);
  const aSize = M * K;
  const bSize = K * N;
  const cSize = M * N;
  const base = align(g.__heap_base.value);
  const aOff = base;
  const bOff = align(aOff + 4 * aSize * job.batchA);
  const cOff = align(bOff + 4 * bSize * job.batchB);
  const biasOff = align(cOff + 4 * cSize * batch);
  const workOff = align(biasOff + 4 * (job.bias ? job.bias.length : 0));
  const end = workOff + 4 * (Math.ceil(M / MR) * MR * KC + KC * NR);
  const have = g.memory.buffer.byteLength;
  if (end > have) g.memory.grow(Math.ceil((end - have) / 65536));
  const heap = new Float32Array(g.memory.buffer);
  heap.set(job.a.subarray(0, aSize * job.batchA), aOff >> 2);
  heap.set(job.b.subarray(0, bSize * job.batchB), bOff >> 2);
  if (job.bias) heap.set(job.bias, biasOff >> 2);
  const act = ACTIVATIONS[job.activation ?? 'linear'];
  for (let i = 0; i < batch; i++) {
    const a = aOff + 4 * aSize * (job.batchA === 1 ? 0 : i);
    const b = bOff + 4 * bSize * (job.batchB === 1 ? 0 : i);
    const c = cOff + 4 * cSize * i;
    g.sgemm(M, N, K, a, job.transA ? 1 : 0, b, job.transB ? 1 : 0, c, workOff);
    if (job.bias || act) g.bias_act(c, M, N, job.bias ? biasOff : 0, act);
  }
  return new Float32Array(g.memory.buffer, cOff, cSize * batch);
}

/**
 * Scratch space in the GEMM module's memory for one kernel call: `put` copies an operand in, `alloc`
 * reserves room; offsets are byte offsets valid until the next kernel call (each call starts afresh).
 */
export class Arena {
  readonly g = gemmModule();
  private top = align(this.g.__heap_base.value);

  alloc(floats: number): number {
    const off = this.top;
    this.top = align(off + 4 * floats);
    const have = this.g.memory.buffer.byteLength;
    if (this.top > have) this.g.memory.grow(Math.ceil((this.top - have) / 65536));
    return off;
  }

  put(values: Float32Array): number {
    const off = this.alloc(values.length);
    new Float32Array(this.g.memory.buffer, off, values.length).set(values);
    return off;
  }

  view(off: number, floats: number): Float32Array {
    return new Float32Array(this.g.memory.buffer, off, floats);
  }

  /** C = op(A)·op(B) at the given offsets (M×N result). */
  sgemm(M: number, N: number, K: number, a: number, transA: boolean, b: number, transB: boolean, c: number): void {
    const work = this.alloc(Math.ceil(M / MR) * MR * KC + KC * NR);
    this.g.sgemm(M, N, K, a, transA ? 1 : 0, b, transB ? 1 : 0, c, work);
  }
}
