import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricsToMessages, toPredictionView, toReportView, toRunSnapshot, toTryItForm } from '../../../src/panels/normalize';
import { curlExample, parseFromWebview, parseToWebview, predictUrl } from '../../../src/protocol/webview';
import { initialState, reduce, confusionCells, matrixTotal, lossChart } from '../../../webview/state';
import { classificationReport, preprocessing, regressionReport } from '../../fixtures/dashboard/recording';

test('report.json (classification) → view: summary order, matrix, per-class rows, curves, examples', () => {
  const v = toReportView(classificationReport());
  assert.ok(v);
  assert.equal(v.task, 'classification');
  assert.equal(v.samples, 160);
  assert.equal(v.summary[0].key, 'accuracy');
  assert.equal(v.summary[0].value, 135 / 160);
  const c = v.classification;
  assert.ok(c);
  assert.deepEqual(c.classes, ['low', 'medium', 'high']);
  assert.equal(matrixTotal(c.confusion), 160, 'cells sum to the test split');
  assert.equal(c.perClass.length, 3);
  assert.equal(c.macro?.label, 'macro avg');
  assert.equal(c.roc.length, 3);
  assert.equal(c.roc[0].score, 0.962);
  assert.equal(c.pr[1].score, 0.874);
  assert.equal(c.misclassified.length, 4);
  assert.match(c.misclassified[0].text ?? '', /crisp, light body/);
  assert.equal(v.layers.length, 4);
  assert.equal(v.totalParams, 3011);
  const cells = confusionCells(c.classes, c.confusion);
  assert.equal(cells[1][1].count, 52);
  assert.equal(Math.round(cells[1][1].rowPercent), 81);
});

test('report.json (regression) → view: pairs and histogram', () => {
  const v = toReportView(regressionReport());
  assert.ok(v?.regression);
  assert.equal(v.regression.actual.length, 300);
  assert.equal(v.regression.histogram?.counts.reduce((a, b) => a + b, 0), 300);
  assert.deepEqual(v.summary.map((s) => s.key).slice(0, 4), ['mse', 'rmse', 'mae', 'r2']);
});

test('a report with gaps renders what it has; something else is not a report', () => {
  const v = toReportView({ task: 'classification', summary: { accuracy: 0.5, weird: 'x' }, classification: { classes: ['a', 'b'], confusionMatrix: [[1, 'x'], [null, 2]] } });
  assert.ok(v?.classification);
  assert.deepEqual(v.classification.confusion, [[1, 0], [0, 2]]);
  assert.deepEqual(v.summary.map((s) => s.key), ['accuracy']);
  assert.equal(v.classification.roc.length, 0);
  assert.equal(toReportView({ summary: {} }), null);
  assert.equal(toReportView('nope'), null);
});

test('preprocessing.json → Try-it form: numbers, dropdowns, text boxes', () => {
  const f = toTryItForm(preprocessing(), '/runs/x/model');
  assert.ok(f);
  assert.deepEqual(f.fields.map((x) => [x.name, x.kind]), [['alcohol', 'number'], ['acidity', 'number'], ['sugar', 'number'], ['color', 'choice'], ['organic', 'choice'], ['notes', 'text']]);
  const color = f.fields[3];
  assert.ok(color.kind === 'choice');
  assert.deepEqual(color.options, ['red', 'white']);
  assert.deepEqual(f.classes, ['low', 'medium', 'high']);
  assert.equal(f.modelDir, '/runs/x/model');
});

test('predictions: class probabilities sorted, regression values', () => {
  const p = toPredictionView({ label: 'b', probabilities: { a: 0.2, b: 0.7, c: 0.1 }, classes: ['a', 'b', 'c'] });
  assert.equal(p.label, 'b');
  assert.deepEqual(p.probabilities?.map((x) => x.label), ['b', 'a', 'c']);
  assert.equal(toPredictionView({ value: 3.5 }).value, 3.5);
  assert.equal(toPredictionView(2).value, 2);
});

test('run.json → snapshot (the engine’s RunRecord shape)', () => {
  const s = toRunSnapshot({
    format: 'model-studio-run', version: 1, runId: '2026-11-29T10-57-13-123Z', modelName: 'iris', specPath: '/w/iris.model.yaml', status: 'failed',
    backend: { name: 'wasm', device: 'wasm (SIMD, 1 thread)', reason: 'fastest that loaded', gpu: false },
    startedAt: '2026-11-29T10:57:13.123Z', endedAt: '2026-11-29T10:58:13.123Z', durationMs: 60000,
    epochs: { planned: 50, completed: 12 }, best: { epoch: 9, monitor: 'val_loss', value: 0.31 }, error: { message: 'loss became NaN at epoch 12' },
  }, '/runs/iris/2026-11-29T10-57-13-123Z');
  assert.equal(s.status, 'failed');
  assert.equal(s.modelName, 'iris');
  assert.equal(s.epochs, 50);
  assert.equal(s.epochsCompleted, 12);
  assert.equal(s.best?.monitor, 'val_loss');
  assert.equal(s.elapsedMs, 60000);
  assert.equal(s.error, 'loss became NaN at epoch 12');
  assert.equal(s.backend?.device, 'wasm (SIMD, 1 thread)');
  const bare = toRunSnapshot(undefined, '/runs/iris/r1');
  assert.deepEqual([bare.modelName, bare.runId], ['iris', 'r1']);
});

test('metrics.jsonl → the same charts as live messages; a torn last line is skipped', () => {
  const text = [
    { event: 'trainBegin', epochs: 2, batchSize: 16, batches: 4, samples: 64, validationSamples: 16, metricNames: ['loss', 'accuracy'], lr: 0.01 },
    { event: 'batch', epoch: 1, batch: 2, step: 2, loss: 1.0, accuracy: 0.5, elapsedMs: 100 },
    { event: 'batch', epoch: 1, batch: 4, step: 4, loss: 0.8, accuracy: 0.6, elapsedMs: 200 },
    { event: 'epoch', epoch: 1, step: 4, loss: 0.9, accuracy: 0.55, val_loss: 0.95, val_accuracy: 0.5, lr: 0.01, elapsedMs: 210 },
    { event: 'batch', epoch: 2, batch: 2, step: 6, loss: 0.7, accuracy: 0.7, elapsedMs: 300 },
  ].map((l) => JSON.stringify(l)).join('\n') + '\n{"event":"batch","epo';
  const messages = metricsToMessages(text, 'k');
  assert.deepEqual(messages.map((m) => m.type), ['progress', 'progress', 'epochEnded', 'progress']);
  const s = reduce(initialState(), { type: 'engine', messages });
  assert.deepEqual(s.batchLoss.x, [0.5, 1, 1.5]);
  assert.deepEqual(s.batchLoss.y, [1.0, 0.8, 0.7]);
  assert.equal(s.epochs, 2);
  assert.equal(s.epochLogs[0].logs.val_accuracy, 0.5);
  assert.equal(s.epochLogs[0].logs.elapsedMs, undefined, 'bookkeeping fields are not metrics');
  assert.equal(s.throughput.y[0], (2 * 16 * 1000) / 100, 'throughput from steps and time between lines');
  assert.equal(lossChart(s, 100).points, 5);
});

test('metrics.jsonl of a resumed run: lines past the resume point that a crash left behind are replaced', () => {
  const text = [
    { event: 'trainBegin', epochs: 2, batchSize: 16, batches: 4 },
    { event: 'batch', epoch: 1, batch: 2, step: 2, loss: 1.0, elapsedMs: 100 },
    { event: 'batch', epoch: 1, batch: 4, step: 4, loss: 0.8, elapsedMs: 200 },
    { event: 'epoch', epoch: 1, step: 4, loss: 0.9, elapsedMs: 210 },
    { event: 'batch', epoch: 2, batch: 2, step: 6, loss: 99, elapsedMs: 300 },
    { event: 'resume', epoch: 2, batch: 0, step: 4, epochs: 2, batches: 4, elapsedMs: 210 },
    { event: 'batch', epoch: 2, batch: 2, step: 6, loss: 0.7, elapsedMs: 320 },
    { event: 'epoch', epoch: 2, step: 8, loss: 0.6, elapsedMs: 400 },
  ].map((l) => JSON.stringify(l)).join('\n');
  const messages = metricsToMessages(text, 'k');
  assert.deepEqual(messages.map((m) => m.type), ['progress', 'progress', 'epochEnded', 'progress', 'epochEnded']);
  const s = reduce(initialState(), { type: 'engine', messages });
  assert.deepEqual(s.batchLoss.y, [1.0, 0.8, 0.7]);
});

test('webview → host messages are checked on arrival', () => {
  assert.deepEqual(parseFromWebview({ type: 'ready' }), { ok: true, message: { type: 'ready' } });
  assert.equal(parseFromWebview({ type: 'action', action: 'deploy' }).ok, true);
  assert.equal(parseFromWebview({ type: 'action', action: 'rm -rf' }).ok, false);
  assert.equal(parseFromWebview({ type: 'predict', requestId: 1, record: { a: 1, b: 'x', c: null } }).ok, true);
  assert.equal(parseFromWebview({ type: 'predict', requestId: 1, record: { a: { nested: true } } }).ok, false);
  assert.equal(parseFromWebview({ type: 'predict', record: {} }).ok, false);
  assert.equal(parseFromWebview({ type: 'copy', text: 5 }).ok, false);
  assert.equal(parseFromWebview(null).ok, false);
  assert.equal(parseFromWebview({ type: 'eval' }).ok, false);
  assert.deepEqual(parseFromWebview({ type: 'openLocation', file: '/w/a.model.yaml', line: 3 }), { ok: true, message: { type: 'openLocation', file: '/w/a.model.yaml', line: 3, column: undefined } });
  assert.equal(parseFromWebview({ type: 'openLocation', file: '/w/a.model.yaml', line: 'x' }).ok, false);
});

test('host → webview messages are checked on arrival, engine messages inside included', () => {
  assert.equal(parseToWebview({ type: 'reset', snapshot: {} }).ok, true);
  assert.equal(parseToWebview({ type: 'engine', messages: [{ type: 'done', id: 'x', status: 'completed' }] }).ok, true);
  const bad = parseToWebview({ type: 'engine', messages: [{ type: 'done', id: 'x', status: 'exploded' }] });
  assert.equal(bad.ok, false);
  assert.equal(parseToWebview({ type: 'report', report: { task: 'clustering', summary: [] } }).ok, false);
  assert.equal(parseToWebview({ type: 'server', server: null }).ok, true);
  assert.equal(parseToWebview({ type: 'server', server: { url: 1 } }).ok, false);
  assert.equal(parseToWebview({ type: 'busy', action: 'save', busy: 'yes' }).ok, false);
});

test('curl example targets the TF Serving predict route', () => {
  assert.equal(predictUrl('http://127.0.0.1:8501', 'iris'), 'http://127.0.0.1:8501/v1/models/iris:predict');
  assert.equal(predictUrl('http://127.0.0.1:8501/v1/models/iris', 'iris'), 'http://127.0.0.1:8501/v1/models/iris:predict');
  assert.equal(predictUrl('http://127.0.0.1:8501/v1/models/iris:predict', 'iris'), 'http://127.0.0.1:8501/v1/models/iris:predict');
  const curl = curlExample('http://127.0.0.1:8501/', 'iris', { name: "O'Brien", x: 1 });
  assert.match(curl, /^curl -s -X POST http:\/\/127\.0\.0\.1:8501\/v1\/models\/iris:predict /);
  assert.match(curl, /"instances":\[\{"name":"O'\\''Brien","x":1\}\]/);
});
