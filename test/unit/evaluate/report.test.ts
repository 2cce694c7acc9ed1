import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createReport, evaluateClassification, evaluateRegression, readReport, writeReport } from '../../../src/engine/evaluate';

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'ms-report-'));
}

test('classification report round-trips and report.md has the tables', async () => {
  const dir = await tmpDir();
  const c = evaluateClassification([0, 1, 2, 2], new Float32Array([0.9, 0.05, 0.05, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6, 0.5, 0.3, 0.2]), ['setosa', 'versi|color', 'virginica']);
  const report = createReport({
    split: 'test',
    classification: c,
    model: { layers: [{ name: 'dense_1', type: 'Dense', outputShape: '[null,3]', params: 15 }], totalParams: 15 },
    examples: [{ index: 3, trueLabel: 'virginica', predictedLabel: 'setosa', confidence: 0.5 }],
    createdAt: new Date('2026-01-02T03:04:05Z'),
  });
  assert.equal(report.task, 'classification');
  assert.equal(report.n, 4);
  assert.equal(report.summary.accuracy, 0.75);
  assert.ok('macroF1' in report.summary && 'weightedF1' in report.summary && 'logLoss' in report.summary && 'auc' in report.summary);
  await writeReport(dir, report);
  assert.deepEqual(await readReport(dir), JSON.parse(JSON.stringify(report)));
  const md = await fs.readFile(path.join(dir, 'report.md'), 'utf8');
  assert.match(md, /\| \*macro avg\* \|/);
  assert.match(md, /\| \*weighted avg\* \|/);
  assert.match(md, /\| true \\ predicted \| setosa \| versi\\\|color \| virginica \|/);
  assert.match(md, /\| virginica \| 1 \| 0 \| 1 \|/);
  assert.match(md, /\| accuracy \| 0\.7500 \|/);
  assert.deepEqual((await fs.readdir(dir)).sort(), ['report.json', 'report.md']); // no temp files left
});

test('regression report: error table in report.md; undefined numbers become null in JSON', async () => {
  const dir = await tmpDir();
  const report = createReport({ split: 'validation', regression: evaluateRegression([1, 2, 3, 4], [1.5, 2, 2, 5]) });
  report.summary.extra = Number.NaN;
  await writeReport(dir, report);
  const back = await readReport(dir);
  assert.equal(back.task, 'regression');
  assert.equal(back.summary.r2, 0.55);
  assert.equal((back.summary as Record<string, unknown>).extra, null);
  const md = await fs.readFile(path.join(dir, 'report.md'), 'utf8');
  assert.match(md, /\| MSE \| 0\.5625 \|/);
  assert.match(md, /\| R² \| 0\.5500 \|/);
  assert.match(md, /Residual histogram/);
});

test('readReport explains a missing or foreign file', async () => {
  const dir = await tmpDir();
  await assert.rejects(readReport(dir), /no report yet/);
  await fs.writeFile(path.join(dir, 'report.json'), '{"format":"other"}');
  await assert.rejects(readReport(dir), /not a Model Studio report/);
  await fs.writeFile(path.join(dir, 'report.json'), '{oops');
  await assert.rejects(readReport(dir), /not valid JSON/);
});
