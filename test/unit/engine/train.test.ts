import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineMessage } from '../../../src/protocol/engine';
import type { PreparedData } from '../../../src/engine/data/types';
import type { ModelSpecFile } from '../../../src/modelFile/schema';
import { trainSpec } from '../../../src/engine/session';
import { readMetricsLog, readRunRecord } from '../../../src/engine/run';
import { loadSavedModel } from '../../../src/engine/saved';
import { scheduledRate } from '../../../src/engine/train/lrSchedule';
import { blobs, linear, makeSpec } from './helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ms-train-'));

async function train(spec: ModelSpecFile, data: PreparedData, extra: { signal?: AbortSignal; onEvent?: (e: EngineMessage) => void } = {}) {
  const dir = tmp();
  const events: EngineMessage[] = [];
  const outcome = await trainSpec({
    spec, data, specPath: path.join(dir, 'm.model.yaml'), workspaceRoot: dir, signal: extra.signal,
    onEvent: (e) => { events.push(e); extra.onEvent?.(e); },
  });
  return { outcome, events, epochs: readMetricsLog(outcome.runDir).filter((l) => l.event === 'epoch'), record: readRunRecord(outcome.runDir) };
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`same file + seed + backend (${backend}) gives identical losses, dropout included`, async () => {
    const spec = makeSpec({ layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dropout', rate: 0.3 }], train: { epochs: 3, backend } });
    const a = await train(spec, blobs(200));
    const b = await train(spec, blobs(200));
    const losses = (r: typeof a) => readMetricsLog(r.outcome.runDir).filter((l) => l.event !== 'trainEnd' && l.event !== 'trainBegin').map((l) => [l.event, l.loss, l.val_loss]);
    assert.ok(losses(a).length > 3);
    assert.deepEqual(losses(a), losses(b));
    const c = await train(makeSpec({ layers: spec.model.layers, train: { epochs: 3, backend, seed: 43 } }), blobs(200));
    assert.notDeepEqual(losses(a), losses(c));
  });
}

test('run folder: spec.json, metrics.jsonl, run.json, report, model/ and checkpoints/best', async () => {
  const { outcome, events, record } = await train(makeSpec({ name: 'blobs', train: { epochs: 4 } }), blobs());
  assert.equal(outcome.status, 'completed');
  assert.match(path.basename(outcome.runDir), /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
  assert.equal(path.basename(path.dirname(outcome.runDir)), 'blobs');
  for (const f of ['spec.json', 'metrics.jsonl', 'run.json', 'report.json', 'report.md', 'model/model.json', 'model/weights.bin', 'model/preprocessing.json', 'checkpoints/best/model.json', 'checkpoints/best/weights.bin']) {
    assert.ok(fs.existsSync(path.join(outcome.runDir, f)), f);
  }
  assert.equal(JSON.parse(fs.readFileSync(path.join(outcome.runDir, 'spec.json'), 'utf8')).name, 'blobs');
  assert.equal(record.status, 'completed');
  assert.equal(record.backend?.name, 'wasm');
  assert.equal(record.epochs.completed, 4);
  assert.ok(record.best && record.best.monitor === 'val_loss' && record.best.epoch >= 1);
  assert.ok(typeof record.durationMs === 'number' && record.endedAt);
  assert.ok((record.metrics?.accuracy ?? 0) > 0.8, `accuracy ${record.metrics?.accuracy}`);
  const types = events.map((e) => e.type);
  for (const t of ['runStarted', 'progress', 'epochEnded', 'checkpointSaved', 'reportReady', 'done']) assert.ok(types.includes(t as never), t);
  assert.equal(types[types.length - 1], 'done');
  assert.equal(events.filter((e) => e.type === 'epochEnded').length, 4);
  const lines = readMetricsLog(outcome.runDir);
  assert.ok(lines.some((l) => l.event === 'batch' && typeof l.loss === 'number'));
  assert.deepEqual(lines.filter((l) => l.event === 'epoch').map((l) => l.epoch), [1, 2, 3, 4]);
  const epoch = lines.find((l) => l.event === 'epoch') as Record<string, number>;
  for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']) assert.equal(typeof epoch[k], 'number', k);
});

test('progress events are throttled but every epoch end is reported', async () => {
  const { events } = await train(makeSpec({ train: { epochs: 3, batchSize: 4 } }), blobs(200));
  const progress = events.filter((e) => e.type === 'progress');
  const ends = progress.filter((e) => e.type === 'progress' && e.progress.batch === e.progress.batches);
  assert.ok(ends.length >= 3);
  // 35 batches per epoch: far fewer events than batches unless the machine is very slow
  const p = progress[progress.length - 1];
  assert.ok(p.type === 'progress' && p.progress.samplesPerSec > 0 && p.progress.etaMs !== null && p.progress.step === 3 * 35);
});

test('early stopping stops and restores the best weights', async () => {
  const spec = makeSpec({ train: { epochs: 60, earlyStopping: { monitor: 'val_loss', patience: 2, minDelta: 0.5, mode: 'auto', restoreBestWeights: true } } });
  const { outcome, epochs, record } = await train(spec, blobs());
  assert.equal(outcome.status, 'completed');
  assert.ok(epochs.length < 60, `ran ${epochs.length} epochs`);
  assert.match(record.stopReason ?? '', /early stopping: val_loss did not improve for 2 epochs/);
});

test('LR schedules change the learning rate and log it', async () => {
  assert.equal(scheduledRate({ type: 'stepDecay', factor: 0.5, stepSize: 2 }, 0.1, 3, 10), 0.05);
  assert.ok(Math.abs(scheduledRate({ type: 'exponentialDecay', decayRate: 0.5, decaySteps: 1 }, 0.1, 3, 10) - 0.025) < 1e-12);
  assert.equal(scheduledRate({ type: 'cosine' }, 0.1, 1, 10), 0.1);
  assert.ok(scheduledRate({ type: 'cosine' }, 0.1, 10, 10) < 0.01);
  assert.ok(scheduledRate({ type: 'cosine', warmupEpochs: 2 }, 0.1, 1, 10) < 0.1);

  const step = await train(makeSpec({ train: { epochs: 4, lrSchedule: { type: 'stepDecay', factor: 0.5, stepSize: 1 } } }), blobs(100));
  assert.deepEqual(step.epochs.map((l) => l.lr), [0.01, 0.005, 0.0025, 0.00125]);

  const plateau = await train(makeSpec({ train: { epochs: 5, lrSchedule: { type: 'reduceOnPlateau', monitor: 'loss', factor: 0.5, patience: 0 }, optimizer: { type: 'sgd', learningRate: 0.1 } } }), blobs(100));
  const lrs = plateau.epochs.map((l) => l.lr as number);
  assert.equal(lrs[0], 0.1);
  // patience 0: every epoch that does not improve on the best halves the rate from the next epoch on
  assert.ok(lrs.every((lr, i) => i === 0 || lr <= lrs[i - 1]));
});

test('the NaN guard fails the run with the epoch, batch and learning rate', async () => {
  const spec = makeSpec({ task: 'regression', layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 32, activation: 'relu' }], train: { epochs: 5, optimizer: { type: 'sgd', learningRate: 1e6 } } });
  const { outcome, events, record } = await train(spec, linear());
  assert.equal(outcome.status, 'failed');
  assert.match(outcome.error?.message ?? '', /^loss became (NaN|infinite) at epoch \d+, batch \d+ — try a lower learningRate \(now 1000000\)$/);
  assert.equal(record.status, 'failed');
  assert.equal(record.error?.message, outcome.error?.message);
  assert.equal(record.error?.location?.path, 'train.optimizer.learningRate');
  assert.ok(events.some((e) => e.type === 'error' && /loss became/.test(e.message)));
});

test('a stop request ends at a batch boundary: status stopped, best checkpoint loadable', async () => {
  const controller = new AbortController();
  const { outcome, record, events } = await train(makeSpec({ train: { epochs: 500 } }), blobs(), {
    signal: controller.signal,
    onEvent: (e) => { if (e.type === 'checkpointSaved' && e.epoch >= 2) controller.abort(); },
  });
  assert.equal(outcome.status, 'stopped');
  assert.equal(record.status, 'stopped');
  assert.ok(record.epochs.completed < 500);
  assert.equal(events[events.length - 1].type, 'done');
  const loaded = await loadSavedModel(path.join(outcome.runDir, 'checkpoints', 'best'));
  assert.deepEqual(loaded.model.outputs[0].shape, [null, 3]);
  assert.equal(loaded.preprocessing.label.classes?.length, 3);
});

test('regression trains to a low error and reports in the target units', async () => {
  const spec = makeSpec({ task: 'regression', layers: [{ type: 'dense', units: 16, activation: 'relu' }], train: { epochs: 30, metrics: ['meanAbsoluteError'] } });
  const { outcome } = await train(spec, linear());
  assert.equal(outcome.status, 'completed');
  assert.ok(outcome.summary.r2 > 0.95, `r2 ${outcome.summary.r2}`);
  assert.ok(outcome.summary.mae < 0.5, `mae ${outcome.summary.mae}`);
});

test('auto: a loss that diverges on cpu too is the learning rate, not the backend: no switch, the NaN guard speaks', async () => {
  const spec = makeSpec({ task: 'regression', layers: [{ type: 'dense', units: 8, activation: 'relu' }], train: { epochs: 2, backend: 'auto', optimizer: { type: 'sgd', learningRate: 1e30 } } });
  const dir = tmp();
  const events: EngineMessage[] = [];
  const outcome = await trainSpec({ spec, data: linear(), specPath: path.join(dir, 'm.model.yaml'), workspaceRoot: dir, nativeDir: '/nonexistent', onEvent: (e) => events.push(e) });
  const logs = events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
  assert.equal(logs.some((m) => /cannot train this model/.test(m)), false, logs.join('\n'));
  assert.equal(outcome.status, 'failed');
  assert.match(outcome.error?.message ?? '', /loss became (NaN|infinite) at epoch 1, batch \d+ — try a lower learningRate/);
  const record = readRunRecord(outcome.runDir);
  assert.notEqual(record.backend?.name, 'cpu');
  assert.doesNotMatch(record.backend?.reason ?? '', /failed a one-step probe/);
});
