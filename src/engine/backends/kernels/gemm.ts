/**
 * The WebAssembly SIMD kernels (native/gemm/gemm.c) behind our matmul, conv, pooling, Adam and LSTM
 * kernels, on every core: one module, one shared memory, one instance on this thread and one in each
 * worker_thread. A kernel copies its operands into that memory, the module splits the work into tiles
 * that all threads claim, and the result is copied out (O(n²) copies around O(n³) work).
 *
 * Threads: MODEL_STUDIO_THREADS, else setThreads() (the bench), else os.availableParallelism().
 * Workers start in the background at the first job big enough to split; until they are running the
 * main thread does every tile itself (nothing waits for them), and idle workers sleep in a futex wait.
 * Small jobs (under PARALLEL_MIN_FLOPS) are not split: waking a worker costs more than it saves.
 *
 * SIMD: the relaxed build (f32x4.relaxed_madd, one fused multiply-add on x86 with FMA) where this
 * engine validates it, else the plain SIMD build. MODEL_STUDIO_RELAXED_SIMD=0 forces the plain one.
 */
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { GEMM_WASM_BASE64, GEMM_RELAXED_WASM_BASE64 } from './gemm_wasm';

// The project's lib settings (ES2022, no DOM) carry no WebAssembly types: declare what we use.
interface WasmMemory { buffer: ArrayBuffer; grow(pages: number): number }
interface WasmGlobal { value: number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface GemmExports {
  __heap_base: WasmGlobal;
  __stack_pointer: WasmGlobal;
  gen_addr(): number;
  done_addr(): number;
  failed_addr(): number;
  set_workers(n: number): void;
  set_workspace(ptr: number, strideFloats: number): void;
  workspace_floats(): number;
  sgemm(M: number, N: number, K: number, A: number, transA: number, B: number, transB: number, C: number, batch: number,
    strideA: number, strideB: number, bias: number, act: number, beta: number, MC: number, NC: number, kSplit: number, partial: number): void;
  im2col(...args: number[]): void;
  col2im(...args: number[]): void;
  max_pool_grad(...args: number[]): void;
  adam(...args: number[]): void;
  col_sum(x: number, outer: number, inner: number, out: number): void;
  row_sum(x: number, outer: number, inner: number, out: number): void;
  relu_mask(dy: number, y: number, n: number, out: number): void;
  max_pool(...args: number[]): void;
  max_pool_scatter(dy: number, arg: number, B: number, perIn: number, perOut: number, dx: number): void;
  lstm_forward(B: number, T: number, U: number, G: number, H: number, C: number, R: number, Rp: number, ra: number, act: number, rows: number): void;
  lstm_backward(B: number, T: number, U: number, G: number, H: number, C: number, R: number, RTp: number, ra: number, act: number, rows: number,
    dH: number, dC: number, Hprev: number): void;
}

const MR = 4;
const NR = 8;
const KC = 256;
const MC_MAX = 96;
const NC_MAX = 256;
const STACK_BYTES = 64 * 1024;
const PAGE = 65536;
/** The most threads we start, whatever the machine says (the workspace is reserved per thread). */
const MAX_THREADS = 16;
/**
 * Jobs below this many floating-point operations run on the calling thread alone. Measured on the
 * 2-core machine (bench/threads.ts, 2026-12-02): waking a sleeping worker and waiting for it costs
 * ~20–60 µs, and a 1-thread GEMM runs ~30–40 GFLOP/s, so below ~2 MFLOP (≈ 60 µs of work) the split
 * does not pay; see the README's speed section for the table.
 */
export const PARALLEL_MIN_FLOPS = 2e6;
let parallelMinFlops = PARALLEL_MIN_FLOPS;

/** Changes the size from which jobs are split (tests split everything; undefined restores the default). */
export function setParallelThreshold(flops: number | undefined): void {
  parallelMinFlops = flops ?? PARALLEL_MIN_FLOPS;
}

export const ACTIVATIONS = { linear: 0, relu: 1, relu6: 2 } as const;
export type GemmActivation = keyof typeof ACTIVATIONS;

const align = (n: number) => (n + 15) & ~15;

/** Threads from MODEL_STUDIO_THREADS, else the setThreads() value, else os.availableParallelism(). */
let requestedThreads: number | undefined;
export function threadCount(): number {
  const env = Number(process.env.MODEL_STUDIO_THREADS);
  const n = Number.isInteger(env) && env >= 1 ? env : requestedThreads ?? os.availableParallelism();
  return Math.max(1, Math.min(MAX_THREADS, n));
}

interface Runtime {
  exports: GemmExports;
  memory: WasmMemory;
  module: object;
  simd: 'relaxed' | 'plain';
  /** first free byte after the stacks and workspaces: where each kernel call's scratch starts */
  arenaBase: number;
  /** where the workers' stacks start (one STACK_BYTES each) */
  stacks: number;
  threads: number;
  workers: Worker[];
  /** Int32 indices in the memory: the job counter, tiles done, a worker's failure, workers running */
  gen: number; done: number; failed: number; ready: number;
}

let runtime: Runtime | undefined;
let broken: string | undefined;

/** Which build this engine runs: relaxed SIMD where it validates (and is not switched off). */
function pickModule(): { bytes: Uint8Array; simd: 'relaxed' | 'plain' } {
  const relaxed = Buffer.from(GEMM_RELAXED_WASM_BASE64, 'base64');
  if (process.env.MODEL_STUDIO_RELAXED_SIMD !== '0') {
    // Node 20's V8 (11.3) has relaxed SIMD behind a flag; Electron's newer V8 has it on. The flag only
    // changes which wasm opcodes validate, and we check the result: worst case, the plain build runs.
    if (!wasmApi.validate(relaxed)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (wasmApi.validate(relaxed)) return { bytes: relaxed, simd: 'relaxed' };
  }
  return { bytes: Buffer.from(GEMM_WASM_BASE64, 'base64'), simd: 'plain' };
}

function start(): Runtime {
  const { bytes, simd } = pickModule();
  const module = new wasmApi.Module(bytes);
  const memory = new wasmApi.Memory({ initial: 64, maximum: 32768, shared: true });
  const exports = new wasmApi.Instance(module, { env: { memory } }).exports as GemmExports;
  const threads = threadCount();
  // Above the module's own data and stack: a word counting running workers, a stack per worker, then a
  // workspace per thread.
  const control = align(exports.__heap_base.value);
  const stacks = align(control + 64);
  const wsFloats = exports.workspace_floats();
  const workspace = align(stacks + STACK_BYTES * threads);
  const arenaBase = align(workspace + 4 * wsFloats * threads);
  ensure(memory, arenaBase);
  exports.set_workspace(workspace, wsFloats);
  return {
    exports, memory, module, simd, arenaBase, stacks, threads, workers: [],
    gen: exports.gen_addr() >> 2, done: exports.done_addr() >> 2, failed: exports.failed_addr() >> 2, ready: control >> 2,
  };
}

/**
 * Starts the workers, the first time a job is big enough to split (so tiny models, and the start-up
 * self-check, never start them). They join as they come up; the main thread does not wait for them.
 */
function ensureWorkers(r: Runtime): void {
  if (r.workers.length > 0 || r.threads < 2 || broken) return;
  for (let tid = 1; tid < r.threads; tid++) r.workers.push(startWorker(r, tid, r.stacks + STACK_BYTES * (tid + 1)));
}

/**
 * A worker: its own instance over the shared memory with its own stack, then worker_loop forever (it
 * sleeps between jobs). If it ever traps, it flags the failure and wakes the main thread, which then
 * stops using threads (see `call`).
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, tid, stackTop, failed, done, ready } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
exports.__stack_pointer.value = stackTop;
Atomics.add(new Int32Array(memory.buffer), ready, 1);
try {
  exports.worker_loop(tid);
} catch (err) {
  const i32 = new Int32Array(memory.buffer);
  Atomics.store(i32, failed, 1);
  Atomics.add(i32, done, 1 << 29);
  Atomics.notify(i32, done);
  throw err;
}
`;

function startWorker(rt: Runtime, tid: number, stackTop: number): Worker {
  const w = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { module: rt.module, memory: rt.memory, tid, stackTop, failed: rt.failed, done: rt.done, ready: rt.ready },
    // Small: the worker runs no JavaScript beyond the lines above.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4, stackSizeMb: 1 },
  });
  w.unref();
  w.on('error', (err) => { broken = `a kernel thread failed: ${err.message}`; });
  return w;
}

function ensure(memory: WasmMemory, end: number): void {
  const have = memory.buffer.byteLength;
  if (end > have) memory.grow(Math.ceil((end - have) / PAGE));
}

function rt(): Runtime {
  runtime ??= start();
  return runtime;
}

/** True when this JS engine runs our WebAssembly module (SIMD, threads' shared memory): compiling tells. */
export function gemmAvailable(): boolean {
  try { rt(); return true; } catch { return false; }
}

/** What the kernels run on, for the record: threads, how many workers are running yet, the SIMD build. */
export function kernelRuntimeInfo(): { threads: number; running: number; simd: 'relaxed' | 'plain' } | undefined {
  if (!gemmAvailable() || !runtime) return undefined;
  const running = 1 + Atomics.load(new Int32Array(runtime.memory.buffer), runtime.ready);
  return { threads: broken ? 1 : runtime.threads, running, simd: runtime.simd };
}

/** Sets the thread count for modules started from now on (the bench); MODEL_STUDIO_THREADS wins. */
export function setThreads(n: number | undefined): void {
  requestedThreads = n;
  if (runtime && runtime.threads !== threadCount()) stopThreads();
}

/** Stops the workers and forgets the module (the next kernel call starts afresh). */
export function stopThreads(): void {
  if (!runtime) return;
  for (const w of runtime.workers) void w.terminate();
  runtime = undefined;
}

/**
 * Runs one module export that posts a job; `parallel` false keeps it on this thread. After a worker
 * failure the module carries on single-threaded (every tile is then claimed here).
 */
function call<T>(parallel: boolean, f: (g: GemmExports) => T): T {
  const r = rt();
  if (parallel) ensureWorkers(r);
  r.exports.set_workers(parallel && !broken ? r.workers.length : 0);
  const out = f(r.exports);
  if (Atomics.load(new Int32Array(r.memory.buffer), r.failed)) {
    broken ??= 'a kernel thread failed';
    for (const w of r.workers) void w.terminate();
    r.workers = [];
    r.exports.set_workers(0);
    runtime = undefined;
    throw new Error(`Model Studio kernels: ${broken}; continuing on one thread`);
  }
  return out;
}

/** Tile sizes and the inner split for one GEMM, so that every thread gets several tiles. */
function plan(M: number, N: number, K: number, batch: number, threads: number): { MC: number; NC: number; kSplit: number } {
  let MC = Math.min(MC_MAX, Math.ceil(M / MR) * MR);
  let NC = Math.min(NC_MAX, Math.ceil(N / NR) * NR);
  const tiles = () => batch * Math.ceil(M / MC) * Math.ceil(N / NC);
  if (threads > 1) {
    while (tiles() < 3 * threads && (MC > 4 * MR || NC > 4 * NR)) {
      if (MC > 4 * MR && (Math.ceil(M / MC) <= Math.ceil(N / NC) || NC <= 4 * NR)) MC = Math.ceil(MC / 2 / MR) * MR;
      else NC = Math.ceil(NC / 2 / NR) * NR;
    }
  }
  let kSplit = 1;
  if (threads > 1 && tiles() < 2 * threads && K >= 4 * KC) kSplit = Math.min(Math.ceil((3 * threads) / tiles()), Math.floor(K / KC));
  return { MC, NC, kSplit };
}

/** Floats the module's pack_full needs for a K×N right-hand side (NR-wide panels). */
export const packedFloats = (K: number, N: number) => K * Math.ceil(N / NR) * NR;

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
  const ar = new Arena();
  const { M, N, K } = job;
  const batch = Math.max(job.batchA, job.batchB);
  const a = ar.put(job.a.subarray(0, M * K * job.batchA));
  const b = ar.put(job.b.subarray(0, K * N * job.batchB));
  const bias = job.bias ? ar.put(job.bias) : 0;
  const c = ar.alloc(M * N * batch);
  ar.sgemm(M, N, K, a, job.transA, b, job.transB, c, {
    batch, strideA: job.batchA === 1 ? 0 : M * K, strideB: job.batchB === 1 ? 0 : K * N,
    bias, act: ACTIVATIONS[job.activation ?? 'linear'],
  });
  return ar.view(c, M * N * batch);
}

/**
 * Scratch space in the module's memory for one kernel call: `put` copies an operand in, `alloc`
 * reserves room; offsets are byte offsets valid until the next kernel call (each call starts afresh).
 * The module's exports run through `run`, which decides whether a job is worth splitting.
 */
export class Arena {
  private readonly r = rt();
  private top = this.r.arenaBase;

  /** The thread count jobs are split over (workers still starting count: their tiles wait for no one). */
  get threads(): number { return broken ? 1 : this.r.threads; }

  alloc(floats: number): number {
    const off = this.top;
    this.top = align(off + 4 * floats);
    ensure(this.r.memory, this.top);
    return off;
  }

  put(values: Float32Array | Int32Array): number {
    const off = this.alloc(values.length);
    (values instanceof Int32Array ? new Int32Array(this.r.memory.buffer, off, values.length) : new Float32Array(this.r.memory.buffer, off, values.length)).set(values);
    return off;
  }

  view(off: number, floats: number): Float32Array {
    return new Float32Array(this.r.memory.buffer, off, floats);
  }

  intView(off: number, n: number): Int32Array {
    return new Int32Array(this.r.memory.buffer, off, n);
  }

  /** Runs an export that posts a job; jobs of at least PARALLEL_MIN_FLOPS of work use every thread. */
  run<T>(flops: number, f: (g: GemmExports) => T): T {
    return call(flops >= parallelMinFlops, f);
  }

  /** C = op(A)·op(B) at the given offsets (M×N result per batch item), with the options of sgemm. */
  sgemm(M: number, N: number, K: number, a: number, transA: boolean, b: number, transB: boolean, c: number,
    o: { batch?: number; strideA?: number; strideB?: number; bias?: number; act?: number; beta?: boolean } = {}): void {
    const batch = o.batch ?? 1;
    const flops = 2 * M * N * K * batch;
    const threads = flops >= parallelMinFlops ? this.threads : 1;
    const p = plan(M, N, K, batch, threads);
    const partial = p.kSplit > 1 ? this.alloc(batch * p.kSplit * M * N) : 0;
    this.run(flops, (g) => g.sgemm(M, N, K, a, transA ? 1 : 0, b, transB ? 1 : 0, c, batch, o.strideA ?? M * K, o.strideB ?? K * N,
      o.bias ?? 0, o.act ?? 0, o.beta ? 1 : 0, p.MC, p.NC, p.kSplit, partial));
  }
}
