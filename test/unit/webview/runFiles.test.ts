import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { readForm, readHistory, readReport, readSnapshot } from '../../../src/panels/runFiles';
import { classificationReport, preprocessing } from '../../fixtures/dashboard/recording';

test('a run folder on disk: run.json, metrics.jsonl, report.json with image thumbnails, preprocessing.json', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-dash-'));
  try {
    const runDir = path.join(dir, 'digits', 'r1');
    await mkdir(path.join(runDir, 'model'), { recursive: true });
    const image = path.join(dir, 'seven.png');
    await writeFile(image, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const report = classificationReport();
    (report.examples as Array<{ record: Record<string, unknown> }>)[0].record = { _path: image, label: 'low' };
    await writeFile(path.join(runDir, 'report.json'), JSON.stringify(report));
    await writeFile(path.join(runDir, 'run.json'), JSON.stringify({ status: 'completed', modelName: 'digits', runId: 'r1', epochs: { planned: 3, completed: 3 } }));
    await writeFile(path.join(runDir, 'metrics.jsonl'), '{"event":"trainBegin","epochs":3,"batches":2,"batchSize":8}\n{"event":"batch","epoch":1,"batch":2,"step":2,"loss":0.5,"elapsedMs":20}\n');
    await writeFile(path.join(runDir, 'model', 'preprocessing.json'), JSON.stringify(preprocessing()));

    const snap = await readSnapshot(runDir);
    assert.equal(snap.status, 'completed');
    assert.equal(snap.epochs, 3);
    const history = await readHistory(runDir, 'k');
    assert.equal(history.length, 1);
    const view = await readReport(runDir);
    const first = view?.classification?.misclassified[0];
    assert.equal(first?.image, `data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64')}`);
    assert.equal(first?.imagePath, undefined, 'the host-only path is not posted');
    const form = await readForm(runDir);
    assert.equal(form?.fields.length, 6);

    const empty = path.join(dir, 'digits', 'r2');
    await mkdir(empty, { recursive: true });
    assert.equal(await readReport(empty), null, 'no report yet is not an error');
    assert.equal(await readForm(empty), null);
    assert.deepEqual(await readHistory(empty, 'k'), []);
    await writeFile(path.join(empty, 'report.json'), '{"task":');
    await assert.rejects(readReport(empty), /report\.json: not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
