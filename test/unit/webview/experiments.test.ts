import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { applyEdits, bestValueEdits, inlineValue } from '../../../src/experiments/writeBest';
import { compareData, runsData, sweepViewData } from '../../../src/experiments/views';
import { writeRunNotes } from '../../../src/experiments/notes';
import { parseFromExperiments, parseToExperiments, type CompareRun, type RunTable, type SweepView } from '../../../src/protocol/experiments';
import { bestSoFar, curveMetrics, firstSort, overlay, parallelAxes, paramLabel, shownColumns, visibleRows } from '../../../webview/experiments/model';

const TABLE: RunTable = {
  columns: [
    { key: 'status', group: 'run', label: 'status', differs: true },
    { key: 'param:lr', group: 'param', label: 'lr', differs: true },
    { key: 'param:seed', group: 'param', label: 'seed', differs: false },
    { key: 'best:val_loss', group: 'best', label: 'val_loss', goal: 'minimize', differs: true, best: 1 },
    { key: 'test:accuracy', group: 'test', label: 'accuracy', goal: 'maximize', differs: true, best: 2 },
  ],
  rows: [
    { runDir: '/r/a', label: 'run a', cells: { status: 'completed', 'param:lr': 0.1, 'param:seed': 1, 'best:val_loss': 0.5, 'test:accuracy': 0.8 } },
    { runDir: '/r/b', label: 'run b', cells: { status: 'failed', 'param:lr': 0.01, 'param:seed': 1, 'best:val_loss': 0.2, 'test:accuracy': null } },
    { runDir: '/r/c', label: 'run c #baseline', cells: { status: 'completed', 'param:lr': 0.001, 'param:seed': 1, 'best:val_loss': 0.3, 'test:accuracy': 0.9 } },
  ],
};

test('runs table: sort by a column (empty cells last either way), filter by every word, only what differs', () => {
  assert.deepEqual(visibleRows(TABLE, undefined, ''), [0, 1, 2]);
  assert.deepEqual(visibleRows(TABLE, { key: 'best:val_loss', descending: false }, ''), [1, 2, 0]);
  assert.deepEqual(visibleRows(TABLE, { key: 'test:accuracy', descending: true }, ''), [2, 0, 1]);
  assert.deepEqual(visibleRows(TABLE, { key: 'test:accuracy', descending: false }, ''), [0, 2, 1]);
  assert.deepEqual(visibleRows(TABLE, { key: 'status', descending: false }, ''), [0, 2, 1]);
  assert.deepEqual(visibleRows(TABLE, undefined, 'completed BASELINE'), [2]);
  assert.deepEqual(visibleRows(TABLE, undefined, '0.01'), [1]);
  assert.deepEqual(firstSort(TABLE.columns[4]), { key: 'test:accuracy', descending: true });
  assert.deepEqual(firstSort(TABLE.columns[3]), { key: 'best:val_loss', descending: false });
  assert.deepEqual(shownColumns(TABLE, true).map((c) => c.key), ['status', 'param:lr', 'best:val_loss', 'test:accuracy']);
  assert.equal(shownColumns(TABLE, false).length, 5);
});

const run = (label: string, epochs: Array<Record<string, number>>): CompareRun => ({ runDir: `/r/${label}`, label, colour: 0, status: 'completed', params: {}, epochs: epochs as CompareRun['epochs'], note: '', tags: [] });

test('compare curves: every metric of any run, losses first; one aligned series per run', () => {
  const a = run('a', [{ epoch: 1, loss: 1, val_loss: 1.1, accuracy: 0.5, lr: 0.1 }, { epoch: 2, loss: 0.5, val_loss: 0.7, accuracy: 0.7, lr: 0.1 }]);
  const b = run('b', [{ epoch: 1, loss: 0.9, val_accuracy: 0.6 }, { epoch: 2, loss: 0.4 }, { epoch: 3, loss: 0.3 }]);
  assert.deepEqual(curveMetrics([a, b]), ['loss', 'val_loss', 'accuracy', 'val_accuracy']);
  assert.deepEqual(overlay([a, b], 'loss'), { x: [1, 2, 3], values: [[1, 0.5, null], [0.9, 0.4, 0.3]] });
  assert.deepEqual(overlay([a, b], 'val_accuracy'), { x: [1], values: [[null], [0.6]] });
});

const SWEEP: SweepView = {
  sweepDir: '/s', sweepId: 's', model: 'm', specPath: '/m.model.yaml', method: 'random', metric: 'val_loss', goal: 'minimize', status: 'running', trialCount: 4, parallel: 2, live: true,
  parameters: [
    { path: 'train.optimizer.learningRate', kind: 'range', min: 0.001, max: 0.1, log: true, integer: false },
    { path: 'model.layers.0.units', kind: 'choice', values: [4, 8, 16] },
  ],
  trials: [
    { index: 1, runDir: '/s/t1', status: 'completed', params: { 'train.optimizer.learningRate': 0.1, 'model.layers.0.units': 4 }, objective: 0.5, curve: [] },
    { index: 0, runDir: '/s/t0', status: 'completed', params: { 'train.optimizer.learningRate': 0.01, 'model.layers.0.units': 16 }, objective: 0.8, curve: [] },
    { index: 2, runDir: '/s/t2', status: 'failed', params: { 'train.optimizer.learningRate': 0.001, 'model.layers.0.units': 8 }, objective: null, curve: [] },
    { index: 3, runDir: '/s/t3', status: 'stoppedEarly', params: { 'train.optimizer.learningRate': 0.001, 'model.layers.0.units': 8 }, objective: 0.3, curve: [] },
  ],
};

test('sweep: best-so-far by trial index; parallel-coordinates axes (log range, list, objective with the better end up)', () => {
  assert.deepEqual(bestSoFar(SWEEP), { x: [0, 1, 2, 3], objective: [0.8, 0.5, null, 0.3], best: [0.8, 0.5, 0.5, 0.3] });
  const axes = parallelAxes(SWEEP);
  assert.deepEqual(axes.map((a) => a.label), ['learningRate', 'units (layer 0)', 'val_loss']);
  assert.equal(axes[0].position(0.01), 0.5, 'log scale: 0.01 sits in the middle of 0.001 … 0.1');
  assert.equal(axes[0].position(0.001), 0);
  assert.deepEqual([4, 8, 16].map((v) => axes[1].position(v)), [0, 0.5, 1]);
  assert.equal(axes[1].position(32), undefined);
  assert.equal(axes[2].position(0.3), 1, 'the lowest loss is at the top');
  assert.equal(axes[2].position(0.8), 0);
  assert.equal(paramLabel('train.batchSize'), 'batchSize');
  assert.equal(paramLabel('model.layers[2].rate'), 'rate (layer 2)');
});

test('messages from the views are checked: actions, run folders, the compare selection', () => {
  assert.deepEqual(parseFromExperiments({ type: 'action', action: 'writeBest' }), { ok: true, message: { type: 'action', action: 'writeBest' } });
  assert.equal(parseFromExperiments({ type: 'action', action: 'rm -rf' }).ok, false);
  assert.equal(parseFromExperiments({ type: 'openRun', runDir: 42 }).ok, false);
  assert.equal(parseFromExperiments({ type: 'compare', runDirs: ['/a'] }).ok, false, 'one run is no comparison');
  assert.equal(parseFromExperiments({ type: 'compare', runDirs: ['/a', '/b'] }).ok, true);
  assert.equal(parseFromExperiments({ type: 'launch' }).ok, false);
  assert.equal(parseToExperiments({ type: 'sweep', data: SWEEP }).ok, true);
  assert.equal(parseToExperiments({ type: 'sweep', data: { sweepDir: '/s' } }).ok, false);
  assert.equal(parseToExperiments({ type: 'compare', data: { runs: [], table: TABLE } }).ok, false);
});

test('write best values: a value the file writes is replaced where it stands, comments and layout kept', () => {
  const text = 'name: m   # the name\nmodel:\n  layers:\n    - { type: dense, units: 16 }   # first\ntrain:\n  optimizer:\n    learningRate: 0.01   # by hand\n';
  const edits = bestValueEdits(text, 'm.model.yaml', [
    { segments: ['train', 'optimizer', 'learningRate'], value: 0.00323 },
    { segments: ['model', 'layers', 0, 'units'], value: 64 },
  ]);
  assert.equal(edits.length, 2);
  assert.equal(applyEdits(text, edits), 'name: m   # the name\nmodel:\n  layers:\n    - { type: dense, units: 64 }   # first\ntrain:\n  optimizer:\n    learningRate: 0.00323   # by hand\n');
  // a field the file does not write (a default) is added; the other values keep their comments
  const added = applyEdits(text, bestValueEdits(text, 'm.model.yaml', [{ segments: ['train', 'batchSize'], value: 32 }, { segments: ['train', 'optimizer', 'learningRate'], value: 0.1 }]));
  assert.match(added, /learningRate: 0\.1 # by hand/);
  assert.match(added, /batchSize: 32/);
  // a mapping value, and JSON files as JSON
  assert.equal(inlineValue({ type: 'sgd', learningRate: 0.1 }, false), '{ type: sgd, learningRate: 0.1 }');
  const json = '{\n  "name": "m",\n  "train": { "batchSize": 16 }\n}\n';
  assert.equal(applyEdits(json, bestValueEdits(json, 'm.model.json', [{ segments: ['train', 'batchSize'], value: 64 }])), '{\n  "name": "m",\n  "train": { "batchSize": 64 }\n}\n');
  assert.throws(() => bestValueEdits('a: [', 'm.model.yaml', []), /cannot be read as a model file/);
});

/** Two finished run folders (classification, with a report) and a sweep over them, written by hand. */
function folders(): { root: string; a: string; b: string; sweep: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-views-'));
  const sweep = path.join(root, 'runs', 'm', 'sweeps', '2026-01-01T00-00-00-000Z');
  const mk = (dir: string, lr: number, f1: number) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: 'model-studio-run', version: 1, runId: path.basename(dir), modelName: 'm', task: 'classification', specPath: '/m.model.yaml', status: 'completed', pid: 1, startedAt: '2026-01-01T00:00:00.000Z', epochs: { planned: 2, completed: 2 }, metrics: { accuracy: f1 } }));
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({ name: 'm', train: { optimizer: { learningRate: lr } } }));
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `${JSON.stringify({ event: 'epoch', epoch: 1, step: 2, loss: 1, val_loss: 1 })}\n${JSON.stringify({ event: 'epoch', epoch: 2, step: 4, loss: lr, val_loss: lr * 2 })}\n`);
    fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ task: 'classification', summary: {}, classification: { classes: ['x', 'y'], confusionMatrix: [[3, 1], [0, 4]], perClass: [{ label: 'x', precision: 1, recall: 0.75, f1, support: 4 }, { label: 'y', precision: 0.8, recall: 1, f1: 0.88, support: 4 }] } }));
  };
  const a = path.join(sweep, 'trial-000');
  const b = path.join(sweep, 'trial-001');
  mk(a, 0.1, 0.86);
  mk(b, 0.01, 0.9);
  fs.writeFileSync(path.join(sweep, 'sweep.json'), JSON.stringify({
    format: 'model-studio-sweep', version: 1, sweepId: path.basename(sweep), modelName: 'm', specPath: '/m.model.yaml', status: 'completed', pid: 1, host: 'h', createdAt: '', updatedAt: '',
    method: 'random', metric: 'val_loss', goal: 'minimize', seed: 0, trialCount: 2, parallel: 1, parameters: [{ path: 'train.optimizer.learningRate', segments: ['train', 'optimizer', 'learningRate'], kind: 'range', min: 0.001, max: 0.1, log: true, integer: false }],
    fingerprint: 'x', best: { trial: 1, run: 'trial-001', objective: 0.02 },
    trials: [{ index: 0, run: 'trial-000', params: { 'train.optimizer.learningRate': 0.1 }, status: 'completed', objective: 0.2 }, { index: 1, run: 'trial-001', params: { 'train.optimizer.learningRate': 0.01 }, status: 'completed', objective: 0.02 }],
  }));
  return { root, a, b, sweep };
}

test('the views\' data from folders: compare (curves, changed setting, confusion and F1), runs table, sweep', async () => {
  const f = folders();
  try {
    await writeRunNotes(f.b, { note: 'lower rate', tags: ['good'] });
    const c = await compareData([f.a, f.b]);
    assert.deepEqual(c.runs.map((r) => [r.label, r.colour, r.epochs.length, r.note]), [['trial 0 (sweep 2026-01-01 00:00:00)', 0, 2, ''], ['trial 1 (sweep 2026-01-01 00:00:00)', 1, 2, 'lower rate']]);
    assert.deepEqual(c.changed, [{ path: 'train.optimizer.learningRate', values: [0.1, 0.01] }]);
    assert.deepEqual(c.runs[0].report?.confusion, [[3, 1], [0, 4]]);
    assert.equal(c.runs[1].report?.perClass?.[0].f1, 0.9);
    assert.equal(c.table.columns.find((col) => col.key === 'best:val_loss')?.best, 1);
    const r = await runsData(path.join(f.root, 'runs', 'm'));
    assert.equal(r.model, 'm');
    assert.equal(r.rows.length, 2);
    assert.deepEqual(r.rows.map((x) => [x.sweep, x.trial]).sort(), [[path.basename(f.sweep), 0], [path.basename(f.sweep), 1]]);
    const s = await sweepViewData(f.sweep, false);
    assert.equal(s.best?.trial, 1);
    assert.deepEqual(s.trials[1].curve, [[1, 1], [2, 0.02]]);
    assert.equal(s.parameters[0].log, true);
  } finally {
    fs.rmSync(f.root, { recursive: true, force: true });
  }
});
