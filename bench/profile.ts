/**
 * Where a training step's time goes, per kernel, in CPU time (steady when others share the cores):
 *   node --import tsx bench/profile.ts BACKEND MODEL [STEPS]
 */
import { loadBackend } from './backends';
import { MODELS, type ModelName } from './models';

function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

async function main(): Promise<void> {
  const [backend = 'wasm', model = 'mlp', stepsArg = '5'] = process.argv.slice(2);
  const spec = MODELS[model as ModelName];
  const { tf } = await loadBackend(backend);
  const stats = new Map<string, { ms: number; n: number }>();
  // Wrap every kernel of the backend with a CPU-time counter keyed by name and input shapes.
  for (const k of tf.getKernelsForBackend(backend)) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const t0 = cpuMs();
        const out = inner(args);
        const key = `${k.kernelName} ${Object.values(args.inputs).map((t) => `[${(t?.shape ?? []).join('x')}]`).join('')}` +
          (args.attrs?.transposeA ? ' tA' : '') + (args.attrs?.transposeB ? ' tB' : '');
        const e = stats.get(key) ?? { ms: 0, n: 0 };
        e.ms += cpuMs() - t0; e.n++;
        stats.set(key, e);
        return out;
      },
    });
  }
  const { x, y } = spec.data(tf, spec.batchSize, 1);
  const m = spec.build(tf);
  await m.trainOnBatch(x, y); // warm up
  stats.clear();
  const steps = Number(stepsArg);
  const t0 = cpuMs();
  for (let s = 0; s < steps; s++) await m.trainOnBatch(x, y);
  const total = (cpuMs() - t0) / steps;
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const inKernels = rows.reduce((p, r) => p + r[1].ms, 0) / steps;
  const calls = rows.reduce((p, r) => p + r[1].n, 0) / steps;
  console.log(`${backend} ${model}: ${total.toFixed(1)} CPU ms/step, ${inKernels.toFixed(1)} in ${calls} kernel calls`);
  for (const [k, v] of rows.slice(0, 30)) console.log(`${(v.ms / steps).toFixed(2).padStart(8)} ms  ${String(v.n / steps).padStart(5)}×  ${k}`);
}

void main();
