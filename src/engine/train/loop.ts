/**
 * The training loop: epochs of seeded-shuffled batches through model.trainOnBatch, validation at
 * each epoch end, callbacks around everything. A stop request (callback or AbortSignal) is honoured
 * at the next batch boundary. With `checkpoint`, a resumable checkpoint is handed over after every
 * epoch and when a stop request ends an epoch part-way; with `resume`, training continues from one
 * exactly as if it had never stopped (same batches, same dropout masks, same optimiser steps).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { SplitData } from '../data/types';
import type { Compiled } from '../compile';
import { getLearningRate, setLearningRate } from '../compile';
import { CallbackList, type Callback, type EndReason, type Logs, type TrainContext, type TrainParams } from './callbacks';
import { createRng, type SeedSource } from './rng';
import { captureOptimizer, restoreOptimizer, saveTensor, toTensor } from './optimizerState';
import type { ResumeCheckpoint, ResumePosition } from './resume';

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
  /** continue from this resumable checkpoint */
  resume?: ResumeCheckpoint;
  /** receives a resumable checkpoint after each epoch and when a stop ends an epoch part-way */
  checkpoint?: (c: ResumeCheckpoint) => void | Promise<void>;
  /**
   * the largest share of training time epoch checkpoints may take (default 0.05): with epochs of a few
   * milliseconds, an fsynced checkpoint after each would dominate, so such runs write one every few
   * epochs instead (a stop is always checkpointed where it happens)
   */
  checkpointBudget?: number;
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
  const resume = o.resume;
  if (resume) await restoreTraining(tf, model, resume, { batchSize, samples: n });
  const started = Date.now() - (resume?.loop.elapsedMs ?? 0);
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
    ...(resume ? { resumedFrom: { epoch: resume.loop.epoch, batch: resume.loop.batch, step: resume.loop.step, elapsedMs: resume.loop.elapsedMs } } : {}),
  };
  const cbs = new CallbackList(o.callbacks);
  const onAbort = () => ctx.requestStop('stopped', 'stopped on request');
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort);

  const rng = createRng(o.seed);
  const history: Logs[] = [];
  let last: Logs = resume?.loop.lastLogs ?? {};
  let epochsRun = resume?.loop.epochsCompleted ?? 0;
  let step = resume?.loop.step ?? 0;
  let firstEpoch = 1;
  if (resume) {
    rng.setState(resume.loop.rng.shuffle);
    if (resume.loop.rng.seeds) o.seeds?.setState(resume.loop.rng.seeds);
    ctx.setLearningRate(resume.loop.lr);
    firstEpoch = resume.loop.epoch;
  }
  const snapshot = async (pos: ResumePosition, shuffleState: number, partial: { sums: Logs; seen: number }): Promise<ResumeCheckpoint> => ({
    loop: {
      ...pos, epochsCompleted: epochsRun, batchSize, samples: n, elapsedMs: ctx.elapsedMs(), lr: ctx.getLearningRate(),
      rng: { shuffle: shuffleState, ...(o.seeds ? { seeds: o.seeds.getState() } : {}) }, partial, lastLogs: last,
    },
    weights: await Promise.all(model.getWeights().map((w, i) => saveTensor(model.weights[i]?.name ?? String(i), w))),
    optimizer: await captureOptimizer(optimizer),
    callbacks: await cbs.saveStates(ctx),
  });
  const budget = o.checkpointBudget ?? 0.05;
  let lastCheckpoint = { endedAt: -Infinity, tookMs: 0 };
  const checkpointNow = async (pos: ResumePosition, shuffleState: number, partial: { sums: Logs; seen: number }) => {
    if (!o.checkpoint) return;
    const t0 = Date.now();
    await o.checkpoint(await snapshot(pos, shuffleState, partial));
    lastCheckpoint = { endedAt: Date.now(), tookMs: Date.now() - t0 };
  };
  const checkpointDue = () => Date.now() - lastCheckpoint.endedAt >= (lastCheckpoint.tookMs * (1 - budget)) / budget;
  try {
    await cbs.trainBegin(ctx);
    if (resume) cbs.restoreStates(ctx, resume.callbacks);
    for (let epoch = firstEpoch; epoch <= o.epochs && !stop; epoch++) {
      // the data order of an epoch is drawn from the generator as it is now: saved, it draws the same again
      const epochRngState = rng.getState();
      await cbs.epochBegin(ctx, epoch);
      const continuing = resume && epoch === firstEpoch ? resume.loop : undefined;
      const sums: Record<string, number> = { ...(continuing?.partial.sums ?? {}) };
      let seen = continuing?.partial.seen ?? 0;
      let done = continuing?.batch ?? 0;
      // a resumed epoch draws the same order again and skips the batches already trained on
      const epochReader = o.train.epoch({ batchSize, shuffle: o.shuffle, rng, skip: done * batchSize });
      try {
        for (let b = done; b < batches; b++) {
          await yieldToEventLoop();
          if (stop) break;
          step++;
          await cbs.batchBegin(ctx, epoch, b + 1, step);
          o.seeds?.advance();
          const batch = await epochReader.next({ augment: true, seed: o.seeds?.current() ?? step });
          if (!batch) break;
          const m = batch.n;
          const xs = tf.tensor(batch.x, [m, ...o.train.xShape]);
          const ys = o.compiled.encodeY(batch.y, m);
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
          done = b + 1;
          await cbs.batchEnd(ctx, epoch, b + 1, step, logs);
        }
      } finally {
        await epochReader.close();
      }
      const current = stop as { reason: EndReason } | null;
      if (current && (current.reason === 'stopped' || current.reason === 'failed') && seen < n) {
        // a stop part-way through the epoch: keep exactly this point (a failure keeps the last good one)
        if (current.reason === 'stopped') await checkpointNow({ epoch, batch: done, step }, epochRngState, { sums, seen });
        break;
      }
      const logs: Logs = {};
      for (const [k, v] of Object.entries(sums)) logs[k] = v / Math.max(1, seen);
      if (o.validation && o.validation.n > 0) Object.assign(logs, await evaluateSplit(tf, model, o.compiled, o.validation, params.metrics, 'val_'));
      logs.lr = ctx.getLearningRate();
      epochsRun = epoch;
      last = logs;
      history.push(logs);
      await cbs.epochEnd(ctx, epoch, logs);
      const after = stop as { reason: EndReason } | null;
      if (after?.reason !== 'failed' && (after?.reason === 'stopped' || checkpointDue())) {
        await checkpointNow({ epoch: epoch + 1, batch: 0, step }, rng.getState(), { sums: {}, seen: 0 });
      }
    }
    const s = stop as { reason: Exclude<EndReason, 'completed'>; message?: string } | null;
    const result: TrainResult = { reason: s?.reason ?? 'completed', message: s?.message, epochsRun, logs: last, history };
    await cbs.trainEnd(ctx, { reason: result.reason, epochsRun, logs: last });
    return result;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** Put the checkpoint's weights and optimiser state into a freshly built and compiled model. */
async function restoreTraining(tf: Tf, model: tfTypes.LayersModel, c: ResumeCheckpoint, run: { batchSize: number; samples: number }): Promise<void> {
  const was = c.loop;
  if (was.samples !== run.samples) {
    throw new Error(`the training split has ${run.samples} samples but the run was trained on ${was.samples}: the data changed since the checkpoint, so the run cannot continue as it was (start a new run)`);
  }
  if (was.batchSize !== run.batchSize) {
    throw new Error(`the batch size is ${run.batchSize} but the run was trained with ${was.batchSize}; resume with the run's own settings`);
  }
  const current = model.getWeights();
  const bad = c.weights.length !== current.length ? `${c.weights.length} weight tensors, the model has ${current.length}`
    : c.weights.map((w, i) => (w.shape.join('x') === current[i].shape.join('x') ? '' : `'${w.name}' is ${w.shape.join('×')}, the model's is ${current[i].shape.join('×')}`)).find(Boolean);
  if (bad) throw new Error(`the resume checkpoint does not fit this model (${bad}); was the model file changed? Start a new run`);
  const tensors = c.weights.map((w) => toTensor(tf, w));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
  if (!model.optimizer) throw new Error('the model must be compiled before it can resume');
  await restoreOptimizer(tf, model.optimizer, c.optimizer);
}

/** Loss and metrics over a whole split, in chunks, averaged by sample count. */
export async function evaluateSplit(
  tf: Tf, model: tfTypes.LayersModel, compiled: Pick<Compiled, 'encodeY'>, split: SplitData, names: string[], prefix = '',
): Promise<Logs> {
  const chunk = 512;
  const sums = new Array<number>(names.length).fill(0);
  const reader = split.epoch({ batchSize: chunk, shuffle: false });
  let seen = 0;
  try {
    for (let batch = await reader.next(); batch; batch = await reader.next()) {
      const xs = tf.tensor(batch.x, [batch.n, ...split.xShape]);
      const ys = compiled.encodeY(batch.y, batch.n);
      const res = model.evaluate(xs, ys, { batchSize: batch.n }) as tfTypes.Scalar | tfTypes.Scalar[];
      const scalars = Array.isArray(res) ? res : [res];
      for (let i = 0; i < names.length; i++) sums[i] += (await scalars[i].data())[0] * batch.n;
      tf.dispose([xs, ys]);
      tf.dispose(scalars);
      seen += batch.n;
      await yieldToEventLoop();
    }
  } finally {
    await reader.close();
  }
  const logs: Logs = {};
  names.forEach((name, i) => { logs[`${prefix}${name}`] = sums[i] / Math.max(1, seen); });
  return logs;
}
