import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineMessage } from '../../../src/protocol/engine';
import { readProgressText } from '../../../src/protocol/dataProgress';
import type { ToWebview } from '../../../src/protocol/webview';
import {
  confusionCells, decimateMinMax, initialState, learningRateChart, lossChart, matrixTotal, metricCharts, reduce,
  residualHistogram, restore, throughputChart, toSaved, type DashboardEvent, type DashboardState,
} from '../../../webview/state';

const backend = { name: 'wasm', device: 'wasm (SIMD, 1 thread)', reason: 'fastest that loaded', gpu: false };

function started(epochs = 3, batches = 4): EngineMessage {
  return { type: 'runStarted', id: 'r1', runDir: '/runs/iris/20261129-1', runId: '20261129-1', modelName: 'iris', backend, epochs, batchesPerEpoch: batches, samples: { train: 100, validation: 20, test: 30 } };
}
function progress(epoch: number, batch: number, batches: number, loss: number): EngineMessage {
  return {
    type: 'progress', id: 'r1',
    progress: { epoch, epochs: 3, batch, batches, step: (epoch - 1) * batches + batch, logs: { loss }, samplesPerSec: 1000 + batch, elapsedMs: 10 * batch, etaMs: 500 },
  };
}
function epochEnded(epoch: number, logs: Record<string, number>): EngineMessage {
  return { type: 'epochEnded', id: 'r1', epoch, epochs: 3, logs, elapsedMs: epoch * 100 };
}
const engine = (...messages: EngineMessage[]): ToWebview => ({ type: 'engine', messages });
const run = (events: DashboardEvent[], s: DashboardState = initialState()) => events.reduce(reduce, s);

test('a training run: header fields, batch points, epoch rows and the final status', () => {
  const s = run([
    { type: 'reset', snapshot: { runKey: 'k1', specPath: '/w/iris.model.yaml' } },
    engine(started()),
    engine(progress(1, 1, 4, 1.2), progress(1, 2, 4, 1.0)),
    engine(progress(1, 3, 4, 0.9), progress(1, 4, 4, 0.8), epochEnded(1, { loss: 0.95, val_loss: 1.0, acc: 0.5, val_acc: 0.45, lr: 0.01 })),
    engine(progress(2, 1, 4, 0.7)),
  ]);
  assert.equal(s.status, 'running');
  assert.equal(s.run.modelName, 'iris');
  assert.equal(s.run.runId, '20261129-1');
  assert.equal(s.run.specPath, '/w/iris.model.yaml');
  assert.equal(s.backend?.device, 'wasm (SIMD, 1 thread)');
  assert.deepEqual([s.epoch, s.epochs, s.batch, s.batches, s.step], [2, 3, 1, 4, 5]);
  assert.deepEqual(s.batchLoss.y, [1.2, 1.0, 0.9, 0.8, 0.7]);
  assert.deepEqual(s.batchLoss.x, [0.25, 0.5, 0.75, 1, 1.25]);
  assert.equal(s.throughput.x.length, 5);
  assert.equal(s.epochLogs.length, 1);

  const done = run([engine(epochEnded(2, { loss: 0.6, val_loss: 0.7 })), engine({ type: 'done', id: 'r1', status: 'completed', summary: { accuracy: 0.93 } })], s);
  assert.equal(done.status, 'completed');
  assert.equal(done.etaMs, null);
  assert.equal(done.summary?.accuracy, 0.93);
});

test('replayed progress (history then live) is not appended twice', () => {
  const history = [progress(1, 1, 4, 1.2), progress(1, 2, 4, 1.0)];
  const s = run([engine(started()), engine(...history), engine(progress(1, 2, 4, 1.0), progress(1, 3, 4, 0.9))]);
  assert.deepEqual(s.batchLoss.y, [1.2, 1.0, 0.9]);
});

test('an epoch seen twice replaces its row; rows stay sorted', () => {
  const s = run([engine(epochEnded(2, { loss: 2 }), epochEnded(1, { loss: 1 }), epochEnded(2, { loss: 0.5 }))]);
  assert.deepEqual(s.epochLogs.map((r) => [r.epoch, r.logs.loss]), [[1, 1], [2, 0.5]]);
});

test('errors, failed runs and stopped runs show in the status', () => {
  const failed = run([engine(started()), engine({ type: 'error', id: 'r1', message: 'NaN loss at epoch 3: lower the learning rate' })]);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /NaN loss/);
  const located = run([engine({ type: 'error', id: 'r1', message: 'bad layer', location: { file: '/w/iris.model.yaml', line: 12, column: 5 } })]);
  assert.deepEqual(located.errorLocation, { file: '/w/iris.model.yaml', line: 12, column: 5 });
  const stopped = run([engine(started()), engine({ type: 'done', id: 'r1', status: 'stopped' })]);
  assert.equal(stopped.status, 'stopped');
});

test('a run stopped or killed part-way through an epoch shows the epochs it finished (as run.json and a reopened dashboard count them)', () => {
  const mid = [engine(started()), engine(progress(1, 4, 4, 0.8), epochEnded(1, { loss: 0.9 })), engine(progress(2, 1, 4, 0.7), epochEnded(2, { loss: 0.6 })), engine(progress(3, 1, 4, 0.5))];
  assert.equal(run(mid).epoch, 3, 'while it runs: the epoch it is in');
  for (const status of ['stopped', 'failed'] as const) {
    assert.equal(run([...mid, engine({ type: 'done', id: 'r1', status })]).epoch, 2, status);
  }
  assert.equal(run([engine(started()), engine(progress(1, 1, 4, 0.8)), engine({ type: 'done', id: 'r1', status: 'stopped' })]).epoch, 0, 'stopped in its first epoch: none finished');
});

test('actions: busy flags, saved files, server, failures and predictions', () => {
  let s = run([{ type: 'busy', action: 'save', busy: true }]);
  assert.equal(s.busy.save, true);
  s = reduce(s, { type: 'saved', outDir: '/out', files: ['/out/model.json', '/out/weights.bin', '/out/preprocessing.json'] });
  assert.equal(s.busy.save, false);
  assert.deepEqual(s.saved?.files.length, 3);
  assert.match(s.notice?.text ?? '', /3 files to \/out/);
  s = reduce(s, { type: 'server', server: { url: 'http://127.0.0.1:8501', name: 'iris', curl: 'curl …' } });
  assert.equal(s.server?.url, 'http://127.0.0.1:8501');
  s = reduce(s, { type: 'actionFailed', action: 'deploy', message: 'port 8501 is in use' });
  assert.equal(s.notice?.level, 'error');
  s = reduce(s, { type: 'ui/predicting', requestId: 7 });
  assert.equal(s.busy.predict, true);
  s = reduce(s, { type: 'predicted', requestId: 7, predictions: [{ label: 'setosa', probabilities: [{ label: 'setosa', p: 0.9 }] }] });
  assert.equal(s.busy.predict, false);
  assert.equal(s.prediction?.predictions?.[0].label, 'setosa');
});

test('a reset keeps the person’s chart preferences but drops the old run', () => {
  let s = run([engine(started()), engine(progress(1, 1, 4, 1)), { type: 'ui/logScale', on: true }, { type: 'ui/toggle', key: 'loss/batch loss' }]);
  s = reduce(s, { type: 'reset', snapshot: { runDir: '/runs/x', status: 'completed' } });
  assert.equal(s.batchLoss.x.length, 0);
  assert.equal(s.status, 'completed');
  assert.equal(s.ui.logScale, true);
  assert.equal(s.ui.hidden['loss/batch loss'], true);
});

test('decimation keeps the minimum and maximum and bounds the point count', () => {
  const n = 100_000;
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => Math.sin(i / 500));
  y[31_337] = 50; // a spike
  y[77_000] = -50; // a dip
  const d = decimateMinMax({ x, y }, 500);
  assert.ok(d.x.length <= 2 * 500 + 2, `got ${d.x.length} points`);
  assert.ok(d.x.length > 500, 'keeps about two points per bucket');
  assert.equal(Math.max(...d.y), 50);
  assert.equal(Math.min(...d.y), -50);
  assert.equal(d.x[0], 0);
  assert.equal(d.x[d.x.length - 1], n - 1);
  for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] > d.x[i - 1], 'x stays increasing');
});

test('decimation of a zoomed range keeps detail and one point beyond each edge', () => {
  const x = Array.from({ length: 10_000 }, (_, i) => i);
  const y = x.map((i) => i % 7);
  const d = decimateMinMax({ x, y }, 100, 5000, 5100);
  assert.equal(d.x[0], 4999);
  assert.equal(d.x[d.x.length - 1], 5100);
  assert.equal(d.x.length, 102); // short enough to keep every point
  const small = decimateMinMax({ x: [1, 2, 3], y: [3, 2, 1] }, 100);
  assert.deepEqual(small, { x: [1, 2, 3], y: [3, 2, 1] });
});

test('chart series: loss aligns batch and epoch points; metrics pair train with validation', () => {
  const s = run([
    engine(started()),
    engine(progress(1, 1, 2, 1.5), progress(1, 2, 2, 1.1), epochEnded(1, { loss: 1.3, val_loss: 1.4, acc: 0.4, val_acc: 0.35, lr: 0.01 })),
    engine(progress(2, 1, 2, 0.9), progress(2, 2, 2, 0.8), epochEnded(2, { loss: 0.85, val_loss: 0.95, acc: 0.7, val_acc: 0.6, lr: 0.005 })),
  ]);
  const loss = lossChart(s, 100);
  assert.deepEqual(loss.x, [0.5, 1, 1.5, 2]);
  assert.deepEqual(loss.series[0].values, [1.5, 1.1, 0.9, 0.8]);
  assert.deepEqual(loss.series[1].values, [null, 1.3, null, 0.85]);
  assert.deepEqual(loss.series[2].values, [null, 1.4, null, 0.95]);
  assert.equal(loss.points, 8);
  const metrics = metricCharts(s);
  assert.deepEqual(metrics.map((m) => m.key), ['metric-acc']);
  assert.deepEqual(metrics[0].series.map((x) => x.values), [[0.4, 0.7], [0.35, 0.6]]);
  assert.deepEqual(learningRateChart(s)?.series[0].values, [0.01, 0.005]);
  assert.equal(learningRateChart(s)?.logY, false, 'a halving reads fine on a linear axis');
  const decayed = run([engine(epochEnded(1, { loss: 1, lr: 0.1 }), epochEnded(2, { loss: 1, lr: 0.001 }))]);
  assert.equal(learningRateChart(decayed)?.logY, true, 'two decades of decay get a log axis');
  assert.equal(throughputChart(s, 100).points, 4);
});

test('the loss chart of 100k batches stays within the bucket budget', () => {
  let s = run([engine(started(100, 1000))]);
  const batch: EngineMessage[] = [];
  for (let e = 1; e <= 100; e++) for (let b = 1; b <= 1000; b++) batch.push(progress(e, b, 1000, 1 / (e + b / 1000)));
  s = reduce(s, engine(...batch));
  assert.equal(s.batchLoss.x.length, 100_000);
  const chart = lossChart(s, 800);
  assert.equal(chart.points, 100_000);
  assert.ok(chart.x.length <= 2 * 800 + 2);
});

test('confusion-matrix cells carry counts, row percentages and the class names', () => {
  const cells = confusionCells(['setosa', 'versicolor', 'virginica'], [[10, 0, 0], [0, 8, 2], [0, 1, 9]]);
  assert.equal(cells[1][2].count, 2);
  assert.equal(cells[1][2].rowPercent, 20);
  assert.equal(cells[1][2].actual, 'versicolor');
  assert.equal(cells[1][2].predicted, 'virginica');
  assert.equal(cells[0][0].rowPercent, 100);
  assert.equal(cells[0][0].diagonal, true);
  assert.equal(cells[2][1].intensity, 0.1);
  assert.equal(matrixTotal([[10, 0, 0], [0, 8, 2], [0, 1, 9]]), 30);
  const empty = confusionCells(['a', 'b'], [[0, 0], [1, 1]]);
  assert.equal(empty[0][0].rowPercent, 0, 'an empty row gives 0%, not NaN');
});

test('residual histogram counts every residual', () => {
  const h = residualHistogram([1, 2, 3, 4], [1.5, 2, 2, 4.1], 4);
  assert.equal(h.counts.reduce((a, b) => a + b, 0), 4);
  assert.equal(h.edges.length, 5);
});

test('saved state restores the run and decimates long series', () => {
  let s = run([engine(started())]);
  const batch: EngineMessage[] = [];
  for (let i = 1; i <= 5000; i++) batch.push(progress(1 + Math.floor((i - 1) / 1000), ((i - 1) % 1000) + 1, 1000, 1 / i));
  s = run([engine(...batch), engine(epochEnded(1, { loss: 0.5 })), { type: 'ui/logScale', on: true }], s);
  const saved = JSON.parse(JSON.stringify(toSaved(s)));
  assert.ok(saved.batchLoss.x.length <= 2002);
  const back = restore(saved);
  assert.equal(back.run.modelName, 'iris');
  assert.equal(back.epochLogs[0].logs.loss, 0.5);
  assert.equal(back.ui.logScale, true);
  assert.equal(back.batchLoss.y[0], 1);
  assert.equal(back.status, 'running');
  // a later progress message still appends to the restored series
  const more = reduce(back, engine(progress(6, 1, 1000, 0.0001)));
  assert.equal(more.batchLoss.y[more.batchLoss.y.length - 1], 0.0001);
});

test('restore of something that is not a saved state starts fresh', () => {
  for (const bad of [undefined, null, 42, { version: 2 }, { version: 1, batchLoss: { x: [1], y: [] } }]) {
    const s = restore(bad);
    assert.equal(s.status, 'waiting');
    assert.equal(s.batchLoss.x.length, 0);
  }
});

test('reading data: dataProgress shows before the run starts, and the run start ends it', () => {
  const engine = (...messages: EngineMessage[]): DashboardEvent => ({ type: 'engine', messages });
  let s = run([engine({ type: 'dataProgress', id: 't', pass: 1, passes: 2, rows: 1000, bytes: 5 * 1048576, totalBytes: 20 * 1048576 })]);
  assert.equal(s.status, 'waiting');
  assert.deepEqual(s.reading, { pass: 1, passes: 2, rows: 1000, bytes: 5 * 1048576, totalBytes: 20 * 1048576 });
  assert.equal(readProgressText(s.reading!), 'pass 1/2: 1,000 rows · 5.0 / 20 MB (25%)');
  s = reduce(s, engine({ type: 'runStarted', id: 't', runDir: '/r', runId: 'r1', modelName: 'm', backend: { name: 'cpu', device: 'cpu', reason: '', gpu: false }, epochs: 2, batchesPerEpoch: 3, samples: { train: 6, validation: 2, test: 2 } }));
  assert.equal(s.reading, undefined);
  assert.equal(s.status, 'running');
  // a late progress message of the reading phase does not bring it back
  s = reduce(s, engine({ type: 'dataProgress', id: 't', pass: 2, passes: 2, rows: 1000, bytes: 1, totalBytes: 2 }));
  assert.equal(s.reading, undefined);
});

test('a run on a SLURM target: queued with the job and SLURM\'s reason, then running; a requeue waits again and keeps the charts', () => {
  const queued = (reason: string, state = 'PENDING'): EngineMessage => ({ type: 'queued', id: 'r1', runDir: '/runs/iris/20261129-1', jobId: '77', target: 'gpu-cluster', state, reason });
  let s = run([{ type: 'reset', snapshot: { runKey: 'k1', specPath: '/w/iris.model.yaml' } }, engine(queued('Priority'))]);
  assert.equal(s.status, 'queued');
  assert.deepEqual(s.queued, { jobId: '77', target: 'gpu-cluster', state: 'PENDING', reason: 'Priority' });
  assert.equal(s.run.runDir, '/runs/iris/20261129-1');
  s = run([engine(queued('Resources')), engine(started()), engine(progress(1, 1, 4, 1.2))], s);
  assert.equal(s.status, 'running');
  assert.equal(s.queued, undefined);
  assert.equal(s.batchLoss.x.length, 1);
  s = run([engine(queued('BeginTime', 'REQUEUED'))], s);
  assert.equal(s.status, 'queued');
  assert.equal(s.queued?.state, 'REQUEUED');
  assert.equal(s.batchLoss.x.length, 1);
});

test('Try it inputs, images and the scroll position survive a reload (saved state, then the host’s reset); another run drops them', () => {
  const png = 'data:image/png;base64,iVBORw0KGgo=';
  let s = run([
    { type: 'reset', snapshot: { runDir: '/runs/iris/1', status: 'completed' } },
    { type: 'ui/input', field: 'sepal_length', value: '5.1' },
    { type: 'ui/input', field: 'species', value: 'setosa' },
    { type: 'image', field: 'picture', image: { name: 'cat.png', dataUrl: png } },
    { type: 'ui/image', field: 'other', error: 'big.gif is not a PNG or JPEG image' },
    { type: 'ui/scroll', y: 1234 },
  ]);
  const back = restore(JSON.parse(JSON.stringify(toSaved(s))));
  // the reloaded page says `ready`; the host answers with a reset of the same run
  s = reduce(back, { type: 'reset', snapshot: { runDir: '/runs/iris/1', status: 'completed' } });
  assert.deepEqual(s.inputs, { sepal_length: '5.1', species: 'setosa' });
  assert.deepEqual(s.images.picture, { name: 'cat.png', dataUrl: png });
  assert.deepEqual(s.images.other, { error: 'big.gif is not a PNG or JPEG image' });
  assert.equal(s.scrollY, 1234);
  const other = reduce(s, { type: 'reset', snapshot: { runDir: '/runs/iris/2', status: 'completed' } });
  assert.deepEqual([other.inputs, other.images, other.scrollY], [{}, {}, 0]);
  // an image too big to keep in the saved state is left out of it, the rest stays
  const big = reduce(s, { type: 'image', field: 'picture', image: { name: 'big.png', dataUrl: `data:image/png;base64,${'A'.repeat(3_000_000)}` } });
  assert.equal(restore(JSON.parse(JSON.stringify(toSaved(big)))).images.picture, undefined);
  assert.deepEqual(restore({ ...toSaved(s), inputs: { a: 1, b: 'x' }, scrollY: -5 }).inputs, { b: 'x' });
});

test('a changed Try-it input or image clears the prediction shown (it would be a stale one)', () => {
  const predicted = run([{ type: 'predicted', requestId: 1, predictions: [{ label: 'dark', probabilities: [{ label: 'dark', p: 0.9 }, { label: 'light', p: 0.1 }] }] }]);
  assert.ok(predicted.prediction);
  assert.equal(reduce(predicted, { type: 'ui/input', field: 'x1', value: '2' }).prediction, undefined);
  assert.equal(reduce(predicted, { type: 'image', field: 'image', image: { name: 'b.png', dataUrl: 'data:image/png;base64,AAAA' } }).prediction, undefined);
  assert.equal(reduce(predicted, { type: 'ui/image', field: 'image', error: 'not an image' }).prediction, undefined);
});
