import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trainModelFile } from '../../../src/engine/session';
import { readMetricsLog, readRunRecord } from '../../../src/engine/run';
import { irisWorkspace } from './fixtures';

test('the iris example reaches ≥ 0.9 test accuracy on the embedded default (wasm)', async () => {
  const ws = irisWorkspace((y) => y.replace(/backend: \w+/, 'backend: wasm'));
  const outcome = await trainModelFile({ specPath: ws.modelFile, runsDir: ws.runsDir, onEvent: () => undefined });
  assert.equal(outcome.status, 'completed');
  assert.ok(outcome.summary.accuracy >= 0.9, `test accuracy ${outcome.summary.accuracy}`);
  assert.equal(path.relative(ws.runsDir, outcome.runDir).split(path.sep)[0], 'iris');
  const record = readRunRecord(outcome.runDir);
  assert.match(record.backend?.device ?? '', /^wasm \(SIMD, 1 thread; Model Studio kernels on \d+ threads?(, relaxed SIMD)?\)$/);
  assert.ok(record.backend?.kernels?.active.includes('_FusedMatMul'), JSON.stringify(record.backend?.kernels));
  assert.equal(record.specPath, ws.modelFile);
  const report = JSON.parse(fs.readFileSync(path.join(outcome.runDir, 'report.json'), 'utf8')) as { split: string; classification: { confusion: number[][] }; sample?: { record: Record<string, unknown> } };
  assert.equal(report.split, 'test');
  // a real row of the test split, its features only (Deploy's curl sends it)
  const sample = report.sample?.record ?? {};
  assert.deepEqual(Object.keys(sample), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  const rows = fs.readFileSync(path.join(ws.dir, 'iris.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 4).map(Number).join(','));
  assert.ok(rows.includes(Object.values(sample).map(Number).join(',')), `not a row of iris.csv: ${JSON.stringify(sample)}`);
});

test('a model file error carries its line and column', async () => {
  const ws = irisWorkspace((y) => y.replace('units: 16, activation: relu }\n    - { type: dense, units: 16', 'units: 16, activation: relu }\n    - { type: conv2d, filters: 4, kernelSize: 3 }\n    - { type: dense, units: 16'));
  const events: Array<{ type: string; location?: { line?: number; path?: string } }> = [];
  let outcome: Awaited<ReturnType<typeof trainModelFile>> | undefined;
  try {
    outcome = await trainModelFile({ specPath: ws.modelFile, runsDir: ws.runsDir, backend: 'cpu', onEvent: (e) => events.push(e) });
  } catch (err) {
    // the spec validator may catch the shape problem first: then it is a SpecError with positions
    const problems = (err as { problems?: Array<{ line: number; path: string }> }).problems;
    assert.ok(problems && problems.some((p) => p.path.startsWith('model.layers[1]') && p.line > 1), String(err));
    return;
  }
  assert.equal(outcome.status, 'failed');
  const error = events.find((e) => e.type === 'error');
  assert.equal(error?.location?.path, 'model.layers[1]');
  assert.ok((error?.location?.line ?? 0) > 1);
});

test('two runs of the same model file and seed write identical losses to metrics.jsonl', async () => {
  const ws = irisWorkspace((y) => y.replace(/backend: \w+/, 'backend: cpu'));
  const losses = async () => {
    const o = await trainModelFile({ specPath: ws.modelFile, runsDir: ws.runsDir, epochs: 3, onEvent: () => undefined });
    return readMetricsLog(o.runDir).filter((l) => l.event === 'batch' || l.event === 'epoch').map((l) => [l.loss, l.val_loss ?? null]);
  };
  const a = await losses();
  const b = await losses();
  assert.ok(a.length >= 6);
  assert.deepEqual(a, b);
});
