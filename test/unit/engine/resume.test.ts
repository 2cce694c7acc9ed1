/**
 * Resumable checkpoints: a run stopped part-way (mid-epoch, by request) and resumed in its own folder
 * ends with exactly the weights, report and epoch metrics of the same run never stopped — on cpu and
 * wasm, with dropout, Adam (and the other optimisers), early stopping with best weights, and a
 * learning-rate schedule. Also: crash recovery from the last epoch checkpoint, and refusals.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineMessage } from '../../../src/protocol/engine';
import type { PreparedData } from '../../../src/engine/data/types';
import type { ModelSpecFile } from '../../../src/modelFile/schema';
import { resumeRun, trainSpec } from '../../../src/engine/session';
import { readMetricsLog, readRunRecord } from '../../../src/engine/run';
import { hasResumeCheckpoint, readResumeCheckpoint } from '../../../src/engine/train/resume';
import { blobs, makeSpec } from './helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ms-resume-'));

interface Attempt { dir: string; events: EngineMessage[]; status: string; summary: Record<string, number> }

/** Train (or resume); with stopAtStep, a stop request arrives while batch number stopAtStep trains. */
async function attempt(spec: ModelSpecFile, data: PreparedData, o: { dir?: string; resumeDir?: string; stopAtStep?: number } = {}): Promise<Attempt> {
  const dir = o.dir ?? tmp();
  const events: EngineMessage[] = [];
  const controller = new AbortController();
  let batches = 0;
  const train: typeof data.train = { ...data.train, epoch: (options) => {
    const reader = data.train.epoch(options);
    return {
      next: (opts) => {
        // training batches are the ones asked for with augment: true (validation and test ones are not)
        if (opts?.augment && ++batches === o.stopAtStep) controller.abort();
        return reader.next(opts);
      },
      close: () => reader.close(),
    };
  } };
  const outcome = await trainSpec({
    spec, data: { ...data, train }, specPath: path.join(dir, 'm.model.yaml'), workspaceRoot: dir, signal: controller.signal, resumeDir: o.resumeDir,
    onEvent: (e) => { events.push(e); },
  });
  return { dir: outcome.runDir, events, status: outcome.status, summary: outcome.summary };
}

const weights = (runDir: string) => fs.readFileSync(path.join(runDir, 'model', 'weights.bin'));
const epochLines = (runDir: string) => readMetricsLog(runDir).filter((l) => l.event === 'epoch').map(({ elapsedMs: _e, ...rest }) => rest);

function assertSameRun(resumed: string, straight: string) {
  assert.ok(weights(resumed).equals(weights(straight)), 'final weights differ');
  assert.ok(fs.readFileSync(path.join(resumed, 'checkpoints', 'best', 'weights.bin')).equals(fs.readFileSync(path.join(straight, 'checkpoints', 'best', 'weights.bin'))), 'best checkpoints differ');
  assert.deepEqual(epochLines(resumed), epochLines(straight));
  const report = (d: string) => JSON.parse(fs.readFileSync(path.join(d, 'report.json'), 'utf8')).summary;
  assert.deepEqual(report(resumed), report(straight));
}

const rich = (backend: 'cpu' | 'wasm', optimizer: Record<string, unknown> = { type: 'adam', learningRate: 0.01 }) => makeSpec({
  layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dropout', rate: 0.3 }, { type: 'dense', units: 8, activation: 'relu' }],
  train: {
    epochs: 6, batchSize: 16, backend, optimizer: optimizer as never,
    earlyStopping: { monitor: 'val_loss', patience: 3, minDelta: 0, mode: 'auto', restoreBestWeights: true },
    lrSchedule: { type: 'reduceOnPlateau', monitor: 'loss', factor: 0.5, patience: 1 },
  },
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`stopped mid-epoch and resumed = never stopped (${backend}: adam, dropout, early stopping, LR schedule)`, async () => {
    const spec = rich(backend);
    const data = blobs(200);
    const straight = await attempt(spec, data);
    assert.equal(straight.status, 'completed');

    // 140 train samples / 16 = 9 batches per epoch: step 22 is in the middle of epoch 3
    const first = await attempt(spec, data, { stopAtStep: 22 });
    assert.equal(first.status, 'stopped');
    const ckptDir = path.join(first.dir, 'checkpoints', 'resume');
    assert.ok(hasResumeCheckpoint(ckptDir), 'a stopped run keeps a resume checkpoint');
    const ckpt = readResumeCheckpoint(ckptDir);
    assert.equal(ckpt.loop.epoch, 3);
    assert.equal(ckpt.loop.batch, 4);
    assert.equal(ckpt.loop.step, 22);
    assert.ok(ckpt.optimizer.className === 'Adam' && ckpt.optimizer.iterations === ckpt.loop.step && ckpt.optimizer.slots.length > 0);
    assert.ok(ckpt.callbacks.earlyStopping?.tensors?.length, 'early stopping keeps its best weights in the checkpoint');
    assert.equal(readRunRecord(first.dir).status, 'stopped');

    const second = await attempt(spec, data, { dir: path.dirname(path.dirname(first.dir)), resumeDir: first.dir });
    assert.equal(second.dir, first.dir, 'the run continues in its own folder');
    assert.equal(second.status, 'completed');
    assertSameRun(second.dir, straight.dir);
    assert.deepEqual(second.summary, straight.summary);

    const started = second.events.find((e) => e.type === 'runStarted');
    assert.ok(started && started.type === 'runStarted' && started.resumed?.epoch === 3 && started.resumed.step === ckpt.loop.step);
    const lines = readMetricsLog(second.dir);
    const marker = lines.find((l) => l.event === 'resume');
    assert.ok(marker && marker.step === ckpt.loop.step && marker.epoch === 3, 'metrics.jsonl marks the resume point');
    assert.equal(lines.filter((l) => l.event === 'trainBegin').length, 1);
    const record = readRunRecord(second.dir);
    assert.equal(record.status, 'completed');
    assert.equal(record.resumes?.length, 1);
    assert.equal(record.resumes?.[0].step, ckpt.loop.step);
    assert.equal(record.epochs.completed, readRunRecord(straight.dir).epochs.completed);
    assert.ok(!fs.existsSync(ckptDir), 'a completed run drops its resume checkpoint (Keras BackupAndRestore)');
  });
}

for (const optimizer of [{ type: 'sgd', learningRate: 0.05 }, { type: 'momentum', learningRate: 0.05, momentum: 0.9 }, { type: 'rmsprop', learningRate: 0.005 }, { type: 'adamax', learningRate: 0.01 }, { type: 'adagrad', learningRate: 0.05 }, { type: 'adadelta', learningRate: 1 }]) {
  test(`resume is exact with ${optimizer.type}`, async () => {
    const spec = makeSpec({ train: { epochs: 3, backend: 'cpu', optimizer: optimizer as never } });
    const data = blobs(120);
    const straight = await attempt(spec, data);
    const first = await attempt(spec, data, { stopAtStep: 8 });
    assert.equal(first.status, 'stopped');
    const second = await attempt(spec, data, { resumeDir: first.dir });
    assert.equal(second.status, 'completed');
    assertSameRun(second.dir, straight.dir);
  });
}

test('a crash after a checkpoint: resume repeats the lost batches exactly, and readers drop the superseded lines', async () => {
  const spec = makeSpec({ train: { epochs: 4, backend: 'cpu' } });
  const data = blobs(160);
  const straight = await attempt(spec, data);
  const first = await attempt(spec, data, { stopAtStep: 15 }); // 112 / 16 = 7 batches: stopped in epoch 3
  // What kill -9 after a checkpoint leaves: lines past the checkpoint's step (the last one torn mid-write)
  // and run.json still saying running, with a pid that is gone.
  const ckpt = readResumeCheckpoint(path.join(first.dir, 'checkpoints', 'resume'));
  const ghost = { event: 'batch', epoch: ckpt.loop.epoch, batch: ckpt.loop.batch + 1, step: ckpt.loop.step + 1, loss: 123 };
  fs.appendFileSync(path.join(first.dir, 'metrics.jsonl'), `${JSON.stringify(ghost)}\n{"event":"epo`);
  const runJson = path.join(first.dir, 'run.json');
  fs.writeFileSync(runJson, JSON.stringify({ ...readRunRecord(first.dir), status: 'running', pid: 2 ** 22 + 12345, endedAt: undefined }));
  const second = await attempt(spec, data, { resumeDir: first.dir });
  assert.equal(second.status, 'completed');
  assertSameRun(second.dir, straight.dir);
  assert.ok(!readMetricsLog(second.dir).some((l) => l.loss === 123), 'the superseded batch line is dropped');
});

test('resumeRun refuses a completed run and a run that is still training, and says why', async () => {
  const spec = makeSpec({ train: { epochs: 1, backend: 'cpu' } });
  const done = await attempt(spec, blobs(60));
  await assert.rejects(resumeRun({ runDir: done.dir, onEvent: () => undefined }), /has completed: there is nothing to resume/);
  const runJson = path.join(done.dir, 'run.json');
  fs.writeFileSync(runJson, JSON.stringify({ ...readRunRecord(done.dir), status: 'running', pid: process.pid }));
  await assert.rejects(resumeRun({ runDir: done.dir, onEvent: () => undefined }), /is still training \(process \d+/);
  await assert.rejects(resumeRun({ runDir: tmp(), onEvent: () => undefined }), /is not a run folder that can be resumed/);
});

test('a resume checkpoint that does not fit the model is refused with the reason', async () => {
  const spec = makeSpec({ train: { epochs: 3, backend: 'cpu' } });
  const data = blobs(120);
  const first = await attempt(spec, data, { stopAtStep: 8 });
  const other = makeSpec({ layers: [{ type: 'dense', units: 5, activation: 'relu' }], train: { epochs: 3, backend: 'cpu' } });
  const second = await attempt(other, data, { resumeDir: first.dir });
  assert.equal(second.status, 'failed');
  const err = second.events.find((e) => e.type === 'error');
  assert.match(err && err.type === 'error' ? err.message : '', /does not fit this model .*was the model file changed/);
  const third = await attempt(spec, blobs(150), { resumeDir: first.dir });
  const err3 = third.events.find((e) => e.type === 'error');
  assert.match(err3 && err3.type === 'error' ? err3.message : '', /the data changed since the checkpoint/);
});

test('resuming a run stopped before its first checkpoint starts it over in its folder, superseding its lines', async () => {
  const spec = makeSpec({ train: { epochs: 2, backend: 'cpu' } });
  const data = blobs(120);
  const straight = await attempt(spec, data);
  const first = await attempt(spec, data, { stopAtStep: 2 });
  fs.rmSync(path.join(first.dir, 'checkpoints', 'resume'), { recursive: true });
  const second = await attempt(spec, data, { resumeDir: first.dir });
  assert.equal(second.status, 'completed');
  assertSameRun(second.dir, straight.dir);
  const batches = readMetricsLog(second.dir).filter((l) => l.event === 'batch');
  assert.deepEqual(batches.map((l) => l.step), readMetricsLog(straight.dir).filter((l) => l.event === 'batch').map((l) => l.step));
});

test('epoch checkpoints keep to their share of training time: tiny epochs get one every few epochs; a stop always gets one', async () => {
  const { selectBackend } = await import('../../../src/engine/backends');
  const { buildModel } = await import('../../../src/engine/model');
  const { compileModel } = await import('../../../src/engine/compile');
  const { trainLoop } = await import('../../../src/engine/train/loop');
  const { tf } = await selectBackend('cpu');
  const spec = makeSpec({ train: { epochs: 150, batchSize: 64, backend: 'cpu' } });
  const data = blobs(60);
  const built = buildModel(tf, spec, data.preprocessing);
  const compiled = compileModel(tf, built.model, spec, data.preprocessing, built.outputKind);
  const written: number[] = [];
  const controller = new AbortController();
  // a checkpoint that costs 30 ms of the loop's time (as an fsynced write of a large model would)
  const slowWrite = (c: { loop: { epoch: number; batch: number } }) => {
    written.push(c.loop.epoch);
    const until = Date.now() + 30;
    while (Date.now() < until) { /* the cost of writing */ }
  };
  let epochsSeen = 0;
  const result = await trainLoop({
    tf, model: built.model, compiled, train: data.train, epochs: 150, batchSize: 64, shuffle: true, seed: 1,
    callbacks: [{ onEpochEnd: (_c, e) => { epochsSeen = e; if (e === 130) controller.abort(); } }], signal: controller.signal,
    checkpoint: slowWrite,
  });
  assert.equal(result.reason, 'stopped');
  assert.equal(epochsSeen, 130);
  assert.equal(written[0], 2, 'the first epoch is always checkpointed');
  assert.ok(written.length <= 130 / 4, `${written.length} checkpoints for 130 tiny epochs`);
  assert.equal(written[written.length - 1], 131, 'the stop at the end of epoch 130 is checkpointed');
  built.model.dispose();
});
