import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { selectBackend } from '../../../src/engine/backends';
import type { TrainContext } from '../../../src/engine/train/callbacks';
import { earlyStoppingCallback } from '../../../src/engine/train/earlyStopping';
import { bestCheckpointCallback } from '../../../src/engine/train/checkpoint';
import { progressCallback } from '../../../src/engine/train/progress';
import { nanGuardCallback } from '../../../src/engine/train/nanGuard';
import type { ProgressInfo } from '../../../src/protocol/engine';

/** A context over a one-weight "model" whose weight is the epoch number. */
async function fakeContext() {
  const { tf } = await selectBackend('cpu');
  let weight = 0;
  let stop: { reason: string; message?: string } | null = null;
  let lr = 0.1;
  const model = {
    getWeights: () => [tf.scalar(weight)],
    setWeights: (ws: Array<{ dataSync(): ArrayLike<number> }>) => { weight = ws[0].dataSync()[0]; },
  };
  const ctx = {
    tf, model, params: { epochs: 10, batchSize: 10, batches: 5, samples: 50, validationSamples: 10, metrics: ['loss'] },
    elapsedMs: () => 0, getLearningRate: () => lr, setLearningRate: (v: number) => { lr = v; },
    requestStop: (reason: string, message?: string) => { stop ??= { reason, message }; },
    get stopRequested() { return stop !== null; },
  } as unknown as TrainContext;
  return { ctx, setWeight: (w: number) => { weight = w; }, weight: () => weight, stop: () => stop };
}

test('early stopping waits `patience` epochs, then restores the best epoch\'s weights', async () => {
  const f = await fakeContext();
  const es = earlyStoppingCallback({ monitor: 'val_loss', patience: 2, minDelta: 0, mode: 'auto', restoreBestWeights: true });
  es.onTrainBegin?.(f.ctx);
  const losses = [1.0, 0.5, 0.7, 0.8, 0.2];
  for (let e = 1; e <= losses.length && !f.stop(); e++) {
    f.setWeight(e);
    es.onEpochEnd?.(f.ctx, e, { loss: 1, val_loss: losses[e - 1] });
  }
  assert.equal(f.stop()?.reason, 'earlyStopped');
  assert.equal(es.stoppedEpoch(), 4);
  es.onTrainEnd?.(f.ctx, { reason: 'earlyStopped', epochsRun: 4, logs: {} });
  assert.equal(f.weight(), 2, 'weights of epoch 2 (val_loss 0.5) restored');
});

test('early stopping on an accuracy goes up; minDelta counts', async () => {
  const f = await fakeContext();
  const es = earlyStoppingCallback({ monitor: 'val_accuracy', patience: 1, minDelta: 0.05, mode: 'auto', restoreBestWeights: false });
  es.onTrainBegin?.(f.ctx);
  es.onEpochEnd?.(f.ctx, 1, { val_accuracy: 0.8 });
  es.onEpochEnd?.(f.ctx, 2, { val_accuracy: 0.83 }); // +0.03 < minDelta: no improvement
  assert.equal(f.stop()?.reason, 'earlyStopped');
  assert.match(f.stop()?.message ?? '', /val_accuracy did not improve for 1 epochs \(best 0\.80000 at epoch 1\)/);
});

test('the best checkpoint saves only on improvement of the monitored value', async () => {
  const f = await fakeContext();
  const saved: number[] = [];
  const cb = bestCheckpointCallback({ monitor: 'val_loss', save: async () => { saved.push(f.weight()); } });
  for (const [e, v] of [[1, 0.9], [2, 0.5], [3, 0.6], [4, 0.4]] as const) {
    f.setWeight(e);
    await cb.onEpochEnd?.(f.ctx, e, { val_loss: v });
  }
  assert.deepEqual(saved, [1, 2, 4]);
  assert.deepEqual(cb.best(), { epoch: 4, monitor: 'val_loss', value: 0.4 });
  // without validation it falls back to the training loss
  const g = await fakeContext();
  const cb2 = bestCheckpointCallback({ monitor: 'val_loss', save: async () => undefined });
  await cb2.onEpochEnd?.(g.ctx, 1, { loss: 0.3 });
  assert.equal(cb2.best()?.monitor, 'loss');
});

test('progress is throttled by time and always sent at the epoch end', async () => {
  const f = await fakeContext();
  let now = 0;
  const got: ProgressInfo[] = [];
  const cb = progressCallback({ onProgress: (p) => got.push(p), intervalMs: 100, now: () => now });
  cb.onTrainBegin?.(f.ctx);
  cb.onEpochBegin?.(f.ctx, 1);
  for (let b = 1; b <= 5; b++) {
    now += 30; // 30 ms per batch: at most one event per 100 ms
    cb.onBatchEnd?.(f.ctx, 1, b, b, { loss: 1 / b });
  }
  cb.onEpochEnd?.(f.ctx, 1, { loss: 0.4, val_loss: 0.5 });
  assert.deepEqual(got.map((p) => p.batch), [1, 5, 5]);
  const last = got[got.length - 1];
  assert.deepEqual(last.logs, { loss: 0.4, val_loss: 0.5 });
  assert.equal(last.etaMs, Math.round((150 / 5) * (50 - 5)));
  assert.ok(last.samplesPerSec > 0);
});

test('the NaN guard fails on NaN and Infinity, not on finite losses', async () => {
  for (const [loss, expect] of [[NaN, /loss became NaN at epoch 2, batch 3 — try a lower learningRate \(now 0\.1\)/], [Infinity, /loss became infinite/], [0.5, null]] as const) {
    const f = await fakeContext();
    nanGuardCallback().onBatchEnd?.(f.ctx, 2, 3, 8, { loss });
    if (expect) {
      assert.equal(f.stop()?.reason, 'failed');
      assert.match(f.stop()?.message ?? '', expect);
    } else {
      assert.equal(f.stop(), null);
    }
  }
});
