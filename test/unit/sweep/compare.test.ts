import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { readRunNotes, writeRunNotes } from '../../../src/experiments/notes';
import { buildRunTable, changedParams, flattenSpec, listModelRuns, readRunSummary, sortRuns } from '../../../src/experiments/runTable';
import { compareText } from '../../../src/cli/compare';
import { epochOfLine, epochsOfLines, plannedEpochsOfLine } from '../../../src/experiments/epochLines';
import { runsText } from '../../../src/cli/runs';
import { REPO } from '../engine/fixtures';

const CLI = path.join(REPO, 'src', 'cli.ts');

interface FakeRun { id: string; lr: number; units: number; losses: number[]; accuracy: number; status?: string; durationMs?: number; sub?: string }

/** Run folders as the engine writes them (run.json, spec.json, metrics.jsonl), without training. */
function runsFolder(runs: FakeRun[]): { root: string; model: string; dirs: string[]; dispose(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-compare-'));
  const model = path.join(root, 'runs', 'iris');
  const dirs = runs.map((r, i) => {
    const dir = path.join(model, r.sub ?? '', r.id);
    fs.mkdirSync(dir, { recursive: true });
    const spec = { name: 'iris', task: 'classification', data: { source: 'iris.csv', label: 'species', features: ['a', 'b'] }, model: { layers: [{ type: 'dense', units: r.units, activation: 'relu' }] }, train: { epochs: r.losses.length, batchSize: 16, optimizer: { type: 'adam', learningRate: r.lr } }, sweep: { method: 'random', parameters: { 'train.batchSize': [8, 16] } } };
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({
      format: 'model-studio-run', version: 1, runId: r.id, modelName: 'iris', task: 'classification', specPath: '/x/iris.model.yaml', status: r.status ?? 'completed', pid: 1,
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), durationMs: r.durationMs ?? 1000 * (i + 1), backend: { name: 'wasm', device: 'wasm', reason: '', gpu: false },
      epochs: { planned: r.losses.length, completed: r.losses.length }, metrics: { accuracy: r.accuracy, macroF1: r.accuracy - 0.01 },
    }));
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `${[
      JSON.stringify({ event: 'trainBegin', epochs: r.losses.length }),
      ...r.losses.map((l, e) => JSON.stringify({ event: 'epoch', epoch: e + 1, step: e, loss: l + 0.1, val_loss: l, val_accuracy: 1 - l, lr: r.lr, elapsedMs: e })),
    ].join('\n')}\n{"event":"epo`); // a torn last line, as after a crash
    return dir;
  });
  return { root, model, dirs, dispose: () => fs.rmSync(root, { recursive: true, force: true }) };
}

const RUNS: FakeRun[] = [
  { id: '2026-01-01T00-00-00-000Z', lr: 0.01, units: 16, losses: [0.9, 0.5, 0.6], accuracy: 0.9 },
  { id: '2026-01-01T00-01-00-000Z', lr: 0.001, units: 16, losses: [1.0, 0.8, 0.7], accuracy: 0.95 },
  { id: '2026-01-01T00-02-00-000Z', lr: 0.01, units: 32, losses: [0.8, 0.4, 0.45], accuracy: 0.85, durationMs: 200 },
];

test('a run summary: best and final epoch metrics, test numbers, flattened settings (sweep section left out)', async () => {
  const w = runsFolder(RUNS);
  try {
    const s = await readRunSummary(w.dirs[0]);
    assert.equal(s.status, 'completed');
    assert.equal(s.backend, 'wasm');
    assert.deepEqual(s.bestEpoch, { loss: 0.6, val_loss: 0.5, val_accuracy: 0.5 });
    assert.equal(s.finalEpoch.val_loss, 0.6);
    assert.equal(s.test.accuracy, 0.9);
    assert.equal(s.params['train.optimizer.learningRate'], 0.01);
    assert.equal(s.params['model.layers.0.units'], 16);
    assert.deepEqual(s.params['data.features'], ['a', 'b']);
    assert.ok(!Object.keys(s.params).some((k) => k.startsWith('sweep')));
    assert.deepEqual(flattenSpec({ a: { b: [1, 2], c: [{ d: 1 }] } }), { 'a.b': [1, 2], 'a.c.0.d': 1 });
    await assert.rejects(readRunSummary(w.root), /not a run folder/);
  } finally {
    w.dispose();
  }
});

test('the table: only the settings that differ, each metric column knows its best row and whether it differs', async () => {
  const w = runsFolder(RUNS);
  try {
    const runs = await Promise.all(w.dirs.map((d) => readRunSummary(d)));
    const t = buildRunTable(runs);
    const col = (key: string) => {
      const c = t.columns.find((x) => x.key === key);
      assert.ok(c, `no column ${key}: ${t.columns.map((x) => x.key).join(', ')}`);
      return c;
    };
    assert.deepEqual(t.columns.filter((c) => c.group === 'param').map((c) => c.label).sort(), ['model.layers.0.units', 'train.optimizer.learningRate']);
    assert.equal(col('best:val_loss').best, 2);
    assert.equal(col('best:val_loss').goal, 'minimize');
    assert.equal(col('best:val_accuracy').best, 2);
    assert.equal(col('test:accuracy').best, 1);
    assert.equal(col('test:accuracy').goal, 'maximize');
    assert.equal(col('duration').best, undefined, 'run info has no best');
    assert.equal(col('backend').differs, false);
    assert.equal(t.rows[1].cells['param:train.optimizer.learningRate'], 0.001);
    const all = buildRunTable(runs, { allParams: true });
    assert.equal(all.columns.find((c) => c.key === 'param:train.batchSize')?.differs, false);
    assert.deepEqual(changedParams(runs.slice(0, 2)), [{ path: 'train.optimizer.learningRate', values: [0.01, 0.001] }]);
  } finally {
    w.dispose();
  }
});

test('notes and tags: stored beside run.json, cleaned, shown in the summary; refused outside a run folder', async () => {
  const w = runsFolder(RUNS.slice(0, 1));
  try {
    assert.deepEqual(await readRunNotes(w.dirs[0]), { note: '', tags: [] });
    const saved = await writeRunNotes(w.dirs[0], { note: ' first try \n', tags: [' baseline ', 'baseline', '', 'lr  sweep'] });
    assert.deepEqual(saved, { note: 'first try', tags: ['baseline', 'lr sweep'] });
    assert.deepEqual((await readRunSummary(w.dirs[0])).notes, saved);
    assert.equal(JSON.parse(fs.readFileSync(path.join(w.dirs[0], 'notes.json'), 'utf8')).format, 'model-studio-run-notes');
    await assert.rejects(writeRunNotes(w.root, { note: 'x', tags: [] }), /not a run folder/);
    await assert.rejects(writeRunNotes(w.dirs[0], { note: '', tags: ['x'.repeat(65)] }), /at most 64 characters/);
  } finally {
    w.dispose();
  }
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('compare: the changed parameters and the metrics with the best marked', async () => {
  const w = runsFolder(RUNS);
  try {
    const out = compareText(await Promise.all(w.dirs.map((d) => readRunSummary(d))));
    assert.match(out, /changed parameters\s+A\s+B\s+C/);
    assert.match(out, /train\.optimizer\.learningRate\s+0\.01\s+0\.001\s+0\.01/);
    assert.match(out, /model\.layers\.0\.units\s+16\s+16\s+32/);
    assert.match(out, /val_loss\s+0\.5\s+0\.7\s+0\.4 ★/);
    assert.match(out, /accuracy\s+0\.9\s+0\.95 ★\s+0\.85/);
    const same = compareText(await Promise.all([w.dirs[0], w.dirs[0]].map((d) => readRunSummary(d))));
    assert.match(same, /changed parameters: none/);
  } finally {
    w.dispose();
  }
});

test('runs: newest first, sorted by a metric best first, sweep trials included, notes shown', async () => {
  const w = runsFolder([...RUNS, { id: 'trial-000', lr: 0.1, units: 8, losses: [2, 1.5], accuracy: 0.5, sub: 'sweeps/2026-01-02T00-00-00-000Z' }]);
  try {
    const dirs = await listModelRuns(w.model);
    assert.equal(dirs.length, 4);
    await writeRunNotes(w.dirs[1], { note: 'slow lr', tags: ['baseline'] });
    const runs = await Promise.all(dirs.map((d) => readRunSummary(d)));
    assert.equal(sortRuns(runs), undefined);
    const lines = runsText(runs).trim().split('\n');
    assert.match(lines[0], /^run\s+status\s+started\s+epochs\s+duration\s+best val_loss\s+test accuracy/);
    assert.match(lines[1], /^trial-000/);
    assert.match(lines[4], /^2026-01-01T00-00-00-000Z/);
    assert.match(lines.join('\n'), /baseline\s+slow lr/);
    const order = () => runs.map((r) => r.runId);
    sortRuns(runs, 'accuracy');
    assert.deepEqual(order(), [RUNS[1].id, RUNS[0].id, RUNS[2].id, 'trial-000']);
    sortRuns(runs, 'val_loss');
    assert.deepEqual(order(), [RUNS[2].id, RUNS[0].id, RUNS[1].id, 'trial-000']);
    sortRuns(runs, 'duration');
    assert.deepEqual(order()[0], RUNS[2].id);
    assert.match(sortRuns(runs, 'val_los') ?? '', /no run has the metric 'val_los'; sort by one of: .*val_loss/);
  } finally {
    w.dispose();
  }
});

test('the commands: compare --json, runs --sort, note; usage errors exit 2', { timeout: 120_000 }, () => {
  const w = runsFolder(RUNS);
  try {
    const j = cli(['compare', w.dirs[0], w.dirs[1], '--json']);
    assert.equal(j.code, 0, j.err);
    const parsed = JSON.parse(j.out) as { changed: Array<{ path: string; values: unknown[] }>; runs: unknown[]; table: { columns: unknown[] } };
    assert.deepEqual(parsed.changed, [{ path: 'train.optimizer.learningRate', values: [0.01, 0.001] }]);
    assert.equal(parsed.runs.length, 2);
    const bad = cli(['compare', w.dirs[0], w.root]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /not a run folder/);
    const sorted = cli(['runs', w.model, '--sort', 'accuracy']);
    assert.equal(sorted.code, 0, sorted.err);
    assert.deepEqual(sorted.out.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]), [RUNS[1].id, RUNS[0].id, RUNS[2].id]);
    assert.equal(cli(['runs', w.model, '--sort', 'nope']).code, 2);
    const note = cli(['note', w.dirs[0], '--tag', 'x', '--tag', 'y', '--note', 'hello', '--json']);
    assert.deepEqual(JSON.parse(note.out), { note: 'hello', tags: ['x', 'y'] });
  } finally {
    w.dispose();
  }
});

test('epoch lines are read in both metrics.jsonl formats (v1 event lines, v2 engine events)', () => {
  assert.deepEqual(epochOfLine({ event: 'epoch', epoch: 3, step: 21, loss: 0.5, val_loss: 0.4, elapsedMs: 9 }), { epoch: 3, step: 21, logs: { loss: 0.5, val_loss: 0.4 } });
  // a resume marker drops the epoch lines written after the checkpoint it resumed from
  assert.deepEqual(epochsOfLines([{ event: 'epoch', epoch: 1, step: 4 }, { event: 'epoch', epoch: 2, step: 8 }, { event: 'epoch', epoch: 3, step: 12 }, { event: 'resume', epoch: 3, batch: 0, step: 8 }, { event: 'epoch', epoch: 3, step: 12, loss: 1 }]).map((e) => [e.epoch, e.logs.loss]), [[1, undefined], [2, undefined], [3, 1]]);
  assert.deepEqual(epochOfLine({ v: 2, type: 'epochEnded', epoch: 3, epochs: 20, logs: { loss: 0.5, val_loss: null }, elapsedMs: 9 }), { epoch: 3, epochs: 20, logs: { loss: 0.5 } });
  assert.equal(epochOfLine({ event: 'batch', epoch: 3, batch: 1, loss: 1 }), undefined);
  assert.equal(epochOfLine({ v: 2, type: 'progress', progress: { epoch: 1 } }), undefined);
  assert.equal(plannedEpochsOfLine({ event: 'trainBegin', epochs: 12 }), 12);
  assert.equal(plannedEpochsOfLine({ v: 2, type: 'runStarted', epochs: 7 }), 7);
});
