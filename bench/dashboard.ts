/**
 * `npx tsx bench/dashboard.ts [--quick] [--reps N]`
 *
 * How much does an open dashboard slow training down? A tiny MLP trains in this process three ways,
 * alternating, several repetitions, medians:
 *   - none:   no dashboard;
 *   - host:   at the engine's throttled rate (≤ 10/s) each progress message is serialised as for the
 *             engine → host IPC, parsed and checked, wrapped for the webview, serialised again;
 *   - full:   as host, plus what the webview does with it (check, reduce, chart series with
 *             decimation) — in VS Code that runs in another process, so this is a worst case.
 * Also: the cost of one webview update when the run already holds 100k batch points.
 * Prints tables; never fails on a number (goal: slowdown under 3%).
 */
import * as tf from '@tensorflow/tfjs';
import { parseEngineMessage, type EngineMessage } from '../src/protocol/engine';
import { parseToWebview, type ToWebview } from '../src/protocol/webview';
import { initialState, learningRateChart, lossChart, metricCharts, reduce, throughputChart, type DashboardState } from '../webview/state';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const reps = Number(args[args.indexOf('--reps') + 1]) || (quick ? 3 : 5);
const EPOCHS = quick ? 2 : 4;
const SAMPLES = 4096;
const BATCH = 32;
const THROTTLE_MS = 100; // the engine sends progress at most ~10 times a second (DESIGN.md §4)
const CHART_BUCKETS = 600; // about a chart's width in pixels

type Mode = 'none' | 'host' | 'full';

class Sink {
  state: DashboardState = initialState();
  messages = 0;
  /** time spent in this path, measured around each message: the direct cost, free of machine noise */
  spentMs = 0;
  constructor(private readonly mode: Mode) {}

  deliver(m: EngineMessage): void {
    if (this.mode === 'none') return;
    const t = performance.now();
    this.messages++;
    this.path(m);
    this.spentMs += performance.now() - t;
  }

  private path(m: EngineMessage): void {
    // engine → host: over the child's IPC channel as JSON, checked on arrival
    const atHost = parseEngineMessage(JSON.parse(JSON.stringify(m)));
    if (!atHost.ok) throw new Error(atHost.error);
    // host → webview: postMessage (structured clone ≈ another serialisation)
    const wire = JSON.stringify({ type: 'engine', messages: [atHost.message] } satisfies ToWebview);
    if (this.mode === 'host') return;
    const atPage = parseToWebview(JSON.parse(wire));
    if (!atPage.ok) throw new Error(atPage.error);
    this.state = reduce(this.state, atPage.message);
    lossChart(this.state, CHART_BUCKETS);
    metricCharts(this.state);
    learningRateChart(this.state);
    throughputChart(this.state, CHART_BUCKETS);
  }
}

async function trainOnce(mode: Mode, x: tf.Tensor, y: tf.Tensor): Promise<{ wallMs: number; cpuMs: number; messages: number; spentMs: number }> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [20], units: 64, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const sink = new Sink(mode);
  const batches = Math.ceil(SAMPLES / BATCH);
  let step = 0;
  let last = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  sink.deliver({ type: 'runStarted', id: 'b', runDir: '/tmp/run', runId: 'r', modelName: 'bench', backend: { name: tf.getBackend(), device: tf.getBackend(), reason: 'bench', gpu: false }, epochs: EPOCHS, batchesPerEpoch: batches, samples: { train: SAMPLES, validation: 0, test: 0 } });
  await model.fit(x, y, {
    epochs: EPOCHS,
    batchSize: BATCH,
    shuffle: false,
    verbose: 0,
    yieldEvery: 'never',
    callbacks: {
      onBatchEnd: async (batch, logs) => {
        step++;
        const now = performance.now();
        if (mode === 'none' || now - last < THROTTLE_MS) return;
        last = now;
        const elapsedMs = now - t0;
        const epoch = Math.floor((step - 1) / batches) + 1;
        sink.deliver({
          type: 'progress', id: 'b',
          progress: { epoch, epochs: EPOCHS, batch: batch + 1, batches, step, logs: { loss: logs?.loss ?? NaN, acc: logs?.acc ?? NaN }, samplesPerSec: (step * BATCH * 1000) / elapsedMs, elapsedMs, etaMs: ((EPOCHS * batches - step) * elapsedMs) / step },
        });
      },
      onEpochEnd: async (epoch, logs) => {
        const l: Record<string, number> = {};
        for (const [k, v] of Object.entries(logs ?? {})) if (typeof v === 'number') l[k] = v;
        sink.deliver({ type: 'epochEnded', id: 'b', epoch: epoch + 1, epochs: EPOCHS, logs: l, elapsedMs: performance.now() - t0 });
      },
    },
  });
  const c = process.cpuUsage(c0);
  const wallMs = performance.now() - t0;
  model.dispose();
  return { wallMs, cpuMs: (c.user + c.system) / 1000, messages: sink.messages, spentMs: sink.spentMs };
}

/** Cost of one webview update (check + reduce + all chart series) when the run holds `points` batch points. */
function updateCost(points: number): { medianMs: number; p95Ms: number } {
  let s = initialState();
  const batches = 1000;
  const msgs: EngineMessage[] = [];
  for (let i = 1; i <= points; i++) {
    const epoch = Math.floor((i - 1) / batches) + 1;
    msgs.push({ type: 'progress', id: 'b', progress: { epoch, epochs: points / batches, batch: ((i - 1) % batches) + 1, batches, step: i, logs: { loss: 1 / Math.sqrt(i) + 0.05 * Math.sin(i) }, samplesPerSec: 1000 + (i % 50), elapsedMs: i * 10, etaMs: 0 } });
    if (i % batches === 0) msgs.push({ type: 'epochEnded', id: 'b', epoch, epochs: points / batches, logs: { loss: 1 / Math.sqrt(i), val_loss: 1.1 / Math.sqrt(i), acc: 0.9, val_acc: 0.88, lr: 0.001 }, elapsedMs: i * 10 });
  }
  s = reduce(s, { type: 'engine', messages: msgs });
  const times: number[] = [];
  for (let i = 1; i <= 200; i++) {
    const step = points + i;
    const m: ToWebview = { type: 'engine', messages: [{ type: 'progress', id: 'b', progress: { epoch: Math.ceil(step / batches), epochs: 200, batch: ((step - 1) % batches) + 1, batches, step, logs: { loss: 0.01 }, samplesPerSec: 1000, elapsedMs: step * 10, etaMs: 0 } }] };
    const t = performance.now();
    const parsed = parseToWebview(JSON.parse(JSON.stringify(m)));
    if (parsed.ok) s = reduce(s, parsed.message);
    lossChart(s, CHART_BUCKETS);
    metricCharts(s);
    learningRateChart(s);
    throughputChart(s, CHART_BUCKETS);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[100], p95Ms: times[190] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(2)}%`;

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const x = tf.randomNormal([SAMPLES, 20], 0, 1, 'float32', 1);
  const labels = tf.randomUniform([SAMPLES], 0, 3, 'int32', 2);
  const y = tf.oneHot(labels as tf.Tensor1D, 3);
  await trainOnce('none', x, y); // warm-up: kernels, JIT
  const results: Record<Mode, Array<{ wallMs: number; cpuMs: number; messages: number; spentMs: number }>> = { none: [], host: [], full: [] };
  const order: Mode[] = ['none', 'host', 'full'];
  for (let r = 0; r < reps; r++) {
    for (const mode of r % 2 ? [...order].reverse() : order) results[mode].push(await trainOnce(mode, x, y));
  }
  const base = { wall: median(results.none.map((r) => r.wallMs)), cpu: median(results.none.map((r) => r.cpuMs)) };
  const batches = Math.ceil(SAMPLES / BATCH) * EPOCHS;
  console.log(`\nDashboard streaming cost while training (tfjs ${tf.getBackend()}, MLP 20-64-64-3, ${batches} batches of ${BATCH}, ${reps} reps alternating, medians)\n`);
  console.log('| dashboard | messages | wall ms | CPU ms | wall slowdown | CPU slowdown | ms in the dashboard path | its share of training time |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const mode of order) {
    const wall = median(results[mode].map((r) => r.wallMs));
    const cpu = median(results[mode].map((r) => r.cpuMs));
    const msgs = median(results[mode].map((r) => r.messages));
    const spent = median(results[mode].map((r) => r.spentMs));
    const none = mode === 'none';
    console.log(`| ${none ? 'none' : mode === 'host' ? 'open (host side)' : 'open (host + webview work, worst case)'} | ${msgs} | ${wall.toFixed(0)} | ${cpu.toFixed(0)} | ${none ? '—' : pct(wall, base.wall)} | ${none ? '—' : pct(cpu, base.cpu)} | ${none ? '—' : spent.toFixed(1)} | ${none ? '—' : `${((spent / base.wall) * 100).toFixed(3)}%`} |`);
  }
  console.log('\nGoal: under 3%. Wall and CPU time on a shared machine are noisy (differences of a few % either way are noise);\nthe time measured inside the dashboard path itself is the direct cost.\n');
  console.log('Webview update cost (check + reduce + chart series with min/max decimation to ~600 buckets), 200 updates:\n');
  console.log('| batch points already in the run | median ms | p95 ms |');
  console.log('| --- | --- | --- |');
  for (const points of quick ? [1_000, 100_000] : [1_000, 10_000, 100_000]) {
    const c = updateCost(points);
    console.log(`| ${points.toLocaleString('en-US')} | ${c.medianMs.toFixed(2)} | ${c.p95Ms.toFixed(2)} |`);
  }
  tf.dispose([x, labels, y]);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
