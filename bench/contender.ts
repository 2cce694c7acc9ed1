/**
 * One benchmark measurement in its own process (so backends and memory never mix):
 *   node --import tsx bench/contender.ts BACKEND MODEL BATCHES [SEED]
 * Trains two epochs and prints one JSON line with the samples/s of the second.
 */
import { readFileSync } from 'node:fs';
import { loadBackend } from './backends';
import { kernelRuntimeInfo } from '../src/engine/backends/kernels/gemm';
import { MODELS, type ModelName } from './models';

async function main(): Promise<void> {
  const [backend, model, batchesArg, seedArg] = process.argv.slice(2);
  const spec = MODELS[model as ModelName];
  if (!spec) throw new Error(`unknown model ${model}: expected mlp, cnn or lstm`);
  const batches = Number(batchesArg);
  // `wasm-stock`: the wasm backend with only the kernels it lacks added (the "before" of issue 8).
  if (backend === 'wasm-stock') process.env.MODEL_STUDIO_FAST_KERNELS = '0';
  const { tf, kernels, fallbacks, device } = await loadBackend(backend === 'wasm-stock' ? 'wasm' : backend);
  const n = batches * spec.batchSize;
  const { x, y } = spec.data(tf, n, Number(seedArg ?? 1));
  const m = spec.build(tf);
  const starts: number[] = [];
  const seconds: number[] = [];
  const cpuStarts: NodeJS.CpuUsage[] = [];
  const cpuSeconds: number[] = [];
  const h = await m.fit(x, y, {
    epochs: 2, batchSize: spec.batchSize, shuffle: true, verbose: 0,
    callbacks: {
      onEpochBegin: async () => { starts.push(performance.now()); cpuStarts.push(process.cpuUsage()); },
      onEpochEnd: async () => {
        seconds.push((performance.now() - starts[starts.length - 1]) / 1000);
        const c = process.cpuUsage(cpuStarts[cpuStarts.length - 1]);
        cpuSeconds.push((c.user + c.system) / 1e6);
      },
    },
  });
  process.stdout.write(JSON.stringify({
    model, backend: backend === 'wasm-stock' ? 'wasm (stock kernels)' : tf.getBackend(), device, kernels, fallbacks,
    threads: kernelRuntimeInfo()?.threads ?? 1, simd: kernelRuntimeInfo()?.simd,
    samplesPerSec: n / seconds[1], epochSeconds: seconds,
    // CPU seconds of this process in epoch 2: steadier than wall time when others share the cores.
    samplesPerCpuSec: n / cpuSeconds[1], epochCpuSeconds: cpuSeconds,
    losses: h.history.loss.map(Number), peakRssMB: peakRssMB(),
  }) + '\n');
}

/** VmHWM: the process's peak resident memory (wasm heap and JS heap included). */
export function peakRssMB(pid: number | 'self' = 'self'): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux: fall back below */ }
  return process.memoryUsage().rss / 1048576;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stdout.write(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }) + '\n');
    process.exit(1);
  });
}
