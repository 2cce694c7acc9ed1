/**
 * Our GEMM (the one behind matmul and conv on the embedded default) at the benchmark models' shapes:
 *   node --import tsx bench/gemm.ts [THREADS]
 * GFLOP/s, median of repeated timings, copies in and out of the GEMM's memory included (as the kernels
 * pay them). Prints one JSON line; bench/run.ts puts it beside OpenBLAS's (bench/torch_gemm.py).
 */
import { gemm, kernelRuntimeInfo, setParallelThreshold, setThreads } from '../src/engine/backends/kernels/gemm';
import { GEMM_SHAPES, gflop, type GemmShape } from './gemm_shapes';
import { rng } from './models';

function random(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r();
  return a;
}

/** Median wall seconds per call, and CPU seconds per call (this process; with threads, all of them). */
function timeOne(s: GemmShape, minMs = 50): { wall: number; cpu: number } {
  const a = random(s.M * s.K, 1);
  const b = random(s.K * s.N, 2);
  const run = () => gemm({ M: s.M, N: s.N, K: s.K, a, transA: s.transA, batchA: 1, b, transB: s.transB, batchB: 1 });
  // Warm up: V8 runs a wasm function on its baseline compiler first and swaps in the optimised code
  // after enough work; also JIT of this loop and memory growth.
  const warm = performance.now();
  for (let i = 0; i < 5 || performance.now() - warm < 100; i++) run();
  const times: number[] = [];
  const start = performance.now();
  const c0 = process.cpuUsage();
  while (times.length < 5 || performance.now() - start < minMs) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  times.sort((p, q) => p - q);
  return { wall: times[times.length >> 1] / 1000, cpu: (c.user + c.system) / 1e6 / times.length };
}

export interface GemmResult { threads: number; simd?: string; shapes: Array<{ name: string; gflops: number; gflopsPerCpuSecond: number }> }

/** Starts the kernels on `threads` threads and waits (without spinning) until every worker runs. */
export async function startKernels(threads: number): Promise<{ threads: number; simd: string }> {
  setThreads(threads);
  setParallelThreshold(0);
  gemm({ M: 8, N: 8, K: 8, a: new Float32Array(64), transA: false, batchA: 1, b: new Float32Array(64), transB: false, batchB: 1 });
  setParallelThreshold(undefined);
  for (let waited = 0; waited < 10_000; waited += 10) {
    const info = kernelRuntimeInfo();
    if (!info) throw new Error('the WebAssembly kernels do not load here');
    if (info.running >= info.threads) return info;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the kernel threads did not start within 10 s (${JSON.stringify(kernelRuntimeInfo())})`);
}

export async function measureGemm(threads: number): Promise<GemmResult> {
  const info = await startKernels(threads);
  return {
    ...info,
    shapes: GEMM_SHAPES.map((s) => {
      const t = timeOne(s);
      return { name: s.name, gflops: gflop(s) / t.wall, gflopsPerCpuSecond: gflop(s) / t.cpu };
    }),
  };
}

if (require.main === module) {
  const threads = Number(process.argv[2] ?? 1);
  measureGemm(threads).then((r) => process.stdout.write(JSON.stringify(r) + '\n'), (e: unknown) => {
    process.stdout.write(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }) + '\n');
    process.exitCode = 1;
  });
}
