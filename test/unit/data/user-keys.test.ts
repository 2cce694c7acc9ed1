/**
 * Column and class names are user data: `__proto__`, `constructor` or `toString` are plain names
 * everywhere (records have no prototype), and a Stop request ends reading at the next batch.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepareTable } from '../../../src/engine/data';
import { StoppedError } from '../../../src/engine/data/errors';
import { encodeRecords } from '../../../src/engine/data/preprocess';
import { decodeOutputs } from '../../../src/engine/predict';
import type { ModelSpecFile } from '../../../src/modelFile/schema';
import { ROOT } from './helpers';

const spec = (label: string) => ({
  name: 'k', task: 'classification', data: { source: 'k.csv', label, split: { validation: 0, test: 0.25, seed: 1, shuffle: false } },
}) as unknown as ModelSpecFile;

test('a column named __proto__ (and constructor) is a feature like any other, in training and when served', async () => {
  const rows = Array.from({ length: 24 }, (_, i) => `${['red', 'blue', 'green'][i % 3]},${i},${i % 2 ? '__proto__' : 'constructor'}`);
  const p = await prepareTable(spec('toString'), `__proto__,constructor,toString\n${rows.join('\n')}\n`, path.join(ROOT, 'k.csv'), { workspaceRoot: ROOT });
  assert.deepEqual(p.info.features, ['__proto__', 'constructor']);
  const t = p.preprocessing.features[0] as { kind: string; categories: string[] };
  assert.equal(t.kind, 'categorical');
  assert.deepEqual(t.categories, ['blue', 'green', 'red']);
  assert.deepEqual(p.preprocessing.label.classes, ['__proto__', 'constructor']);
  const [raw] = await p.train.raw!([0]);
  assert.equal(raw.__proto__, 'red');
  const served = encodeRecords(JSON.parse(JSON.stringify(p.preprocessing)), [JSON.parse('{"__proto__": "red", "constructor": 0}')]);
  assert.deepEqual(Array.from(served), Array.from((await p.train.batch([0])).x));
  // class names as keys of the probabilities
  const [pred] = decodeOutputs(p.preprocessing, Float32Array.from([0.3, 0.7]), 1) as Array<{ label: string; probabilities: Record<string, number> }>;
  assert.equal(pred.label, 'constructor');
  assert.ok(Math.abs(pred.probabilities.__proto__ - 0.3) < 1e-6);
  assert.deepEqual(Object.keys(pred.probabilities), ['__proto__', 'constructor']);
});

test('a Stop request ends reading at the next batch with StoppedError', async () => {
  const controller = new AbortController();
  controller.abort();
  const rows = Array.from({ length: 100 }, (_, i) => `${i},${i % 2}`);
  await assert.rejects(prepareTable(spec('y'), `x,y\n${rows.join('\n')}\n`, path.join(ROOT, 'k.csv'), { workspaceRoot: ROOT, signal: controller.signal, batchRows: 10 }),
    (e: unknown) => e instanceof StoppedError);
});

test('train stopped while reading: status stopped, a done message, no run folder', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const { trainModelFile } = await import('../../../src/engine/session');
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-stop-read-'));
  try {
    fs.writeFileSync(path.join(ws, 'd.csv'), `x,y\n${Array.from({ length: 50 }, (_, i) => `${i},${i % 2}`).join('\n')}\n`);
    fs.writeFileSync(path.join(ws, 'm.model.yaml'), 'name: m\ntask: classification\ndata:\n  source: d.csv\n  label: y\nmodel:\n  layers:\n    - { type: dense, units: 4 }\n');
    const controller = new AbortController();
    controller.abort();
    const events: Array<{ type: string; status?: string }> = [];
    const out = await trainModelFile({ specPath: path.join(ws, 'm.model.yaml'), workspaceRoot: ws, runsDir: path.join(ws, 'runs'), signal: controller.signal, onEvent: (e) => events.push(e) });
    assert.equal(out.status, 'stopped');
    assert.deepEqual(events.filter((e) => e.type === 'done').map((e) => e.status), ['stopped']);
    assert.ok(!fs.existsSync(path.join(ws, 'runs')), 'no run folder');
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
