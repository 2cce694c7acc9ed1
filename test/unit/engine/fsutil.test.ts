import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { replaceDirAtomic } from '../../../src/engine/fsutil';

const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ms-fsutil-'));

test('replaceDirAtomic swaps an older copy of the same files for the new one', () => {
  const root = fresh();
  const dir = path.join(root, 'model');
  replaceDirAtomic(dir, (tmp) => fs.writeFileSync(path.join(tmp, 'model.json'), 'old'));
  replaceDirAtomic(dir, (tmp) => fs.writeFileSync(path.join(tmp, 'model.json'), 'new'));
  assert.equal(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'), 'new');
  assert.deepEqual(fs.readdirSync(root), ['model']);
});

test('replaceDirAtomic refuses to replace a folder that holds anything else, and leaves it intact', () => {
  const root = fresh();
  const project = path.join(root, 'project');
  fs.mkdirSync(path.join(project, 'src'), { recursive: true });
  fs.writeFileSync(path.join(project, 'src', 'main.ts'), 'precious');
  fs.writeFileSync(path.join(project, 'model.json'), 'old model');
  assert.throws(
    () => replaceDirAtomic(project, (tmp) => fs.writeFileSync(path.join(tmp, 'model.json'), 'new')),
    /refusing to replace .*project: it holds other files \(src\)/,
  );
  assert.equal(fs.readFileSync(path.join(project, 'src', 'main.ts'), 'utf8'), 'precious');
  assert.equal(fs.readFileSync(path.join(project, 'model.json'), 'utf8'), 'old model');
  assert.deepEqual(fs.readdirSync(root), ['project'], 'no temp folder left behind');
});
