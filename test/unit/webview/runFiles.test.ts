import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { locationAllowed, readForm, readHistory, readReport, readSnapshot } from '../../../src/panels/runFiles';
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
    const view = await readReport(runDir, [dir]);
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

test('webview paths stay inside: thumbnails only from the workspace or the run, openLocation only there or the model file', async () => {
  const top = await realpath(await mkdtemp(path.join(os.tmpdir(), 'ms-dash-')));
  try {
    const ws = path.join(top, 'ws');
    const runDir = path.join(ws, 'runs', 'digits', 'r1');
    const outside = path.join(top, 'outside');
    await mkdir(runDir, { recursive: true });
    await mkdir(outside, { recursive: true });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    await writeFile(path.join(outside, 'secret.png'), png);
    await writeFile(path.join(ws, 'ok.png'), png);
    await symlink(path.join(outside, 'secret.png'), path.join(ws, 'link.png'));
    const report = classificationReport();
    const examples = report.examples as Array<{ record: Record<string, unknown> }>;
    const paths = [path.join(ws, 'ok.png'), path.join(outside, 'secret.png'), path.join(ws, 'link.png'), '/etc/passwd.png'];
    paths.forEach((p, i) => { examples[i].record = { _path: p, label: 'low' }; });
    await writeFile(path.join(runDir, 'report.json'), JSON.stringify(report));
    const view = await readReport(runDir, [ws]);
    const images = new Map((view?.classification?.misclassified ?? []).map((e) => [e.text, e.image]));
    assert.ok(images.get('ws/ok.png')?.startsWith('data:image/png'));
    assert.equal(images.get('outside/secret.png'), undefined, 'outside the workspace: no thumbnail');
    assert.equal(images.get('ws/link.png'), undefined, 'a symlink out: no thumbnail');
    assert.equal(images.get('etc/passwd.png'), undefined);
    const where = { workspaceFolders: [ws], runDir, specPath: path.join(top, 'elsewhere', 'digits.model.yaml') };
    assert.equal(await locationAllowed(path.join(ws, 'digits.model.yaml'), where), true);
    assert.equal(await locationAllowed(path.join(runDir, 'report.md'), where), true);
    assert.equal(await locationAllowed(where.specPath, where), true, 'the run\'s own model file');
    assert.equal(await locationAllowed('/etc/passwd', where), false);
    assert.equal(await locationAllowed(path.join(ws, 'link.png'), where), false);
    assert.equal(await locationAllowed('relative/file.yaml', where), false);
  } finally {
    await rm(top, { recursive: true, force: true });
  }
});
