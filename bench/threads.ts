/**
 * Where splitting a kernel over threads starts to pay (the PARALLEL_MIN_FLOPS of
 * src/engine/backends/kernels/gemm.ts):
 *   node --import tsx bench/threads.ts [THREADS]
 * Square-ish GEMMs from ~0.1 to ~30 MFLOP, each timed on one thread and split over THREADS threads
 * (default: every core), alternated, medians of many calls; prints µs per call and the speed-up.
 */
import { gemm, setParallelThreshold } from '../src/engine/backends/kernels/gemm';
import { startKernels } from './gemm';
import { rng } from './models';

function random(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r());
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function main(): Promise<void> {
  const info = await startKernels(Number(process.argv[2]) || (await import('node:os')).availableParallelism());
  console.log(`${info.threads} threads, ${info.simd} SIMD`);
  console.log('| M×N×K | MFLOP | 1 thread (µs) | split (µs) | speed-up |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [M, N, K] of [[32, 64, 32], [64, 64, 64], [64, 128, 64], [64, 256, 64], [128, 128, 128], [128, 256, 128], [128, 256, 256], [256, 256, 256]]) {
    const a = random(M * K, 1), b = random(K * N, 2);
    const run = () => gemm({ M, N, K, a, transA: false, batchA: 1, b, transB: false, batchB: 1 });
    const times: Record<'one' | 'split', number[]> = { one: [], split: [] };
    for (let round = 0; round < 40; round++) {
      for (const mode of round % 2 ? ['one', 'split'] as const : ['split', 'one'] as const) {
        setParallelThreshold(mode === 'one' ? Infinity : 0);
        for (let w = 0; w < 3; w++) run();
        const t0 = performance.now();
        for (let i = 0; i < 10; i++) run();
        times[mode].push(((performance.now() - t0) / 10) * 1000);
      }
    }
    setParallelThreshold(undefined);
    const one = median(times.one), split = median(times.split);
    console.log(`| ${M}×${N}×${K} | ${((2 * M * N * K) / 1e6).toFixed(2)} | ${one.toFixed(0)} | ${split.toFixed(0)} | ${(one / split).toFixed(2)}× |`);
  }
  process.exit(0);
}

void main();
