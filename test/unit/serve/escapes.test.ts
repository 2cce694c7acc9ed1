/**
 * An edited model folder cannot make serve, export, predict or evaluate read or write outside it (issue 12,
 * item 9): weight paths in model.json are plain file names of regular files inside the folder. And an export
 * killed mid-way leaves no litter for long (item 21).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadSavedModel } from '../../../src/engine/saved';
import { exportModel } from '../../../src/serve/export';
import { startServer } from '../../../src/serve/server';
import { loadTf } from '../../../src/serve/tf';
import { IRIS_PREP, saveTinyModel, tempDir } from './fixtures';

function editPaths(modelDir: string, paths: string[]): void {
  const file = path.join(modelDir, 'model.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { weightsManifest: Array<{ paths: string[] }> };
  json.weightsManifest[0].paths = paths;
  fs.writeFileSync(file, JSON.stringify(json));
}

test('weight paths that leave the model folder are refused by serve, export and loading, naming model.json and the entry', async () => {
  const tmp = tempDir('escape');
  try {
    const tf = await loadTf();
    const ws = path.join(tmp.dir, 'ws');
    const outside = path.join(tmp.dir, 'outside');
    fs.mkdirSync(outside, { recursive: true });
    const model = path.join(ws, 'model');
    await saveTinyModel(model, IRIS_PREP);
    fs.copyFileSync(path.join(model, 'weights.bin'), path.join(outside, 'weights-outside.bin'));
    const bundle = path.join(tmp.dir, 'bundle.js');
    fs.writeFileSync(bundle, '// server');
    const cases: Array<[string, () => void, RegExp]> = [
      ['dot-dot', () => editPaths(model, ['../../outside/weights-outside.bin']), /weightsManifest\[0\]\.paths\[0\] is "\.\.\/\.\.\/outside\/weights-outside\.bin", but a weight file must be a plain file name inside the model folder/],
      ['absolute', () => editPaths(model, [path.join(outside, 'weights-outside.bin')]), /must be a plain file name/],
      ['symlink', () => {
        editPaths(model, ['weights.bin']);
        fs.rmSync(path.join(model, 'weights.bin'));
        fs.symlinkSync(path.join(outside, 'weights-outside.bin'), path.join(model, 'weights.bin'));
      }, /"weights\.bin" is a symbolic link that leads outside the model folder/],
    ];
    for (const [what, make, message] of cases) {
      make();
      await assert.rejects(startServer({ dir: model, name: 'iris', port: 0, tf }), message, `serve: ${what}`);
      await assert.rejects(loadSavedModel(model, { tf: tf.tf }), message, `load: ${what}`);
      const out = path.join(tmp.dir, `exp-${what}`);
      await assert.rejects(exportModel(model, out, { serverBundle: bundle }), message, `export: ${what}`);
      assert.equal(fs.existsSync(out), false, 'nothing exported');
      assert.deepEqual(fs.readdirSync(outside), ['weights-outside.bin'], 'nothing written outside');
    }
  } finally {
    tmp.cleanup();
  }
});

test('an export killed mid-way leaves <out>.tmp-PID-* behind: the next export to the same place removes it', async () => {
  const tmp = tempDir('stale');
  try {
    const model = path.join(tmp.dir, 'model');
    await saveTinyModel(model, IRIS_PREP);
    const bundle = path.join(tmp.dir, 'bundle.js');
    fs.writeFileSync(bundle, '// server');
    const out = path.join(tmp.dir, 'exp');
    // A process id no process has (above the kernel's pid_max), and a live one (ours).
    const stale = `${out}.tmp-4194305-abc123`;
    fs.mkdirSync(path.join(stale, 'model'), { recursive: true });
    fs.writeFileSync(path.join(stale, 'model', 'weights.bin'), 'half');
    const live = `${out}.tmp-${process.ppid}-zzz`;
    fs.mkdirSync(live);
    const result = await exportModel(model, out, { serverBundle: bundle });
    assert.equal(fs.existsSync(stale), false, 'the dead export\'s folder is gone');
    assert.equal(fs.existsSync(live), true, 'a running export\'s folder is left alone');
    assert.ok(result.files.includes(path.join('model', 'weights.bin')));
  } finally {
    tmp.cleanup();
  }
});
