/**
 * The training loop: epochs of seeded-shuffled batches through model.trainOnBatch, validation at
 * each epoch end, callbacks around everything. A stop request (callback or AbortSignal) is honoured
 * at the next batch boundary.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { SplitData } from '../data/types';
import type { Compiled } from '../compile';
import { getLearningRate, setLearningRate } from '../compile';
import { CallbackList, type Callback, type EndReason, type Logs, type TrainContext, type TrainParams } from './callbacks';
import { createRng, shuffled, type SeedSource } from './rng';

type Tf = typeof tfTypes;

export interface TrainLoopOptions {
  tf: Tf;
  model: tfTypes.LayersModel;
  compiled: Pick<Compiled, 'encodeY' | 'metricNames'>;
  train: SplitData;
  validation?: SplitData;
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  /** dropout seeds, advanced once per batch (from buildModel) */
  seeds?: SeedSource;
  callbacks: Callback[];
  signal?: AbortSignal;
}

export interface TrainResult {
  reason: EndReason;
  /** why it stopped early, for a person */
  message?: string;
  epochsRun: number;
  /** logs of the last finished epoch */
  logs: Logs;
  history: Logs[];
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainLoop(o: TrainLoopOptions): Promise<TrainResult> {
  const { tf, model } = o;
  const n = o.train.n;
  if (n === 0) throw new Error('the training split is empty: there is nothing to train on');
  const batchSize = Math.max(1, Math.min(o.batchSize, n));
  const batches = Math.ceil(n / batchSize);
  const params: TrainParams = {
    epochs: o.epochs, batchSize, batches, samples: n,
    validationSamples: o.validation?.n ?? 0,
    metrics: ['loss', ...o.compiled.metricNames],
  };
  const started = Date.now();
  let stop: { reason: Exclude<EndReason, 'completed'>; message?: string } | null = null;
  const optimizer = model.optimizer;
  const ctx: TrainContext = {
    tf, model, params,
    elapsedMs: () => Date.now() - started,
    getLearningRate: () => getLearningRate(optimizer),
    setLearningRate: (lr) => setLearningRate(optimizer, lr),
    requestStop(reason, message) {
      // the first reason wins, except that a failure overrides a polite stop
      if (!stop || (reason === 'failed' && stop.reason !== 'failed')) stop = { reason, message };
    },
    get stopRequested() { return stop !== null; },
  };
  const cbs = new CallbackList(o.callbacks);
  const onAbort = () => ctx.requestStop('stopped', 'stopped on request');
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort);

  const rng = createRng(o.seed);
  const history: Logs[] = [];
  let last: Logs = {};
  let epochsRun = 0;
  let step = 0;
  try {
    await cbs.trainBegin(ctx);
    for (let epoch = 1; epoch <= o.epochs && !stop; epoch++) {
      await cbs.epochBegin(ctx, epoch);
      const order = o.shuffle ? shuffled(n, rng) : Array.from({ length: n }, (_, i) => i);
      const sums: Record<string, number> = {};
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        await yieldToEventLoop();
        if (stop) break;
        step++;
        await cbs.batchBegin(ctx, epoch, b + 1, step);
        o.seeds?.advance();
        const idx = order.slice(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const { x, y } = await o.train.batch(idx, { augment: true, seed: o.seeds?.current() ?? step });
        const m = idx.length;
        const xs = tf.tensor(x, [m, ...o.train.xShape]);
        const ys = o.compiled.encodeY(y, m);
        let out: number | number[];
        try {
          out = await model.trainOnBatch(xs, ys);
        } finally {
          xs.dispose();
          ys.dispose();
        }
        const values = Array.isArray(out) ? out : [out];
        const logs: Logs = {};
        params.metrics.forEach((name, i) => { logs[name] = values[i]; });
        for (const [k, v] of Object.entries(logs)) sums[k] = (sums[k] ?? 0) + v * m;
        seen += m;
        await cbs.batchEnd(ctx, epoch, b + 1, step, logs);
      }
      const current = stop as { reason: EndReason } | null;
      if (current && (current.reason === 'stopped' || current.reason === 'failed') && seen < n) break;
      const logs: Logs = {};
      for (const [k, v] of Object.entries(sums)) logs[k] = v / Math.max(1, seen);
      if (o.validation && o.validation.n > 0) Object.assign(logs, await evaluateSplit(tf, model, o.compiled, o.validation, params.metrics, 'val_'));
      logs.lr = ctx.getLearningRate();
      epochsRun = epoch;
      last = logs;
      history.push(logs);
      await cbs.epochEnd(ctx, epoch, logs);
    }
    const s = stop as { reason: Exclude<EndReason, 'completed'>; message?: string } | null;
    const result: TrainResult = { reason: s?.reason ?? 'completed', message: s?.message, epochsRun, logs: last, history };
    await cbs.trainEnd(ctx, { reason: result.reason, epochsRun, logs: last });
    return result;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** Loss and metrics over a whole split, in chunks, averaged by sample count. */
export async function evaluateSplit(
  tf: Tf, model: tfTypes.LayersModel, compiled: Pick<Compiled, 'encodeY'>, split: SplitData, names: string[], prefix = '',
): Promise<Logs> {
  const chunk = 512;
  const sums = new Array<number>(names.length).fill(0);
  for (let start = 0; start < split.n; start += chunk) {
    const idx = Array.from({ length: Math.min(chunk, split.n - start) }, (_, i) => start + i);
    const { x, y } = await split.batch(idx);
    const xs = tf.tensor(x, [idx.length, ...split.xShape]);
    const ys = compiled.encodeY(y, idx.length);
    const res = model.evaluate(xs, ys, { batchSize: idx.length }) as tfTypes.Scalar | tfTypes.Scalar[];
    const scalars = Array.isArray(res) ? res : [res];
    for (let i = 0; i < names.length; i++) sums[i] += (await scalars[i].data())[0] * idx.length;
    tf.dispose([xs, ys, ...scalars]);
    await yieldToEventLoop();
  }
  const logs: Logs = {};
  names.forEach((name, i) => { logs[`${prefix}${name}`] = sums[i] / Math.max(1, split.n); });
  return logs;
}
