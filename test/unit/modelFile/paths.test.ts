import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { findWorkspaceRoot, findWorkspaceRootAsync, loadModelFile, resolveDataSource, resolveInWorkspace, resolveInWorkspaceAsync, SpecError } from '../../../src/modelFile';
import { check, edit, FLOWERS_CSV, only, VALID, workspace } from './helpers';

test('relative paths resolve against the model file folder', () => {
  const ws = workspace();
  try {
    const sub = path.join(ws.root, 'models');
    assert.equal(resolveInWorkspace(sub, '../flowers.csv', ws.root), path.join(ws.root, 'flowers.csv'));
    assert.equal(resolveInWorkspace(sub, 'data/x.csv', ws.root), path.join(sub, 'data/x.csv'));
    assert.equal(resolveInWorkspace(sub, path.join(ws.root, 'flowers.csv'), ws.root), path.join(ws.root, 'flowers.csv'));
  } finally {
    ws.dispose();
  }
});

test('escaping with .., an absolute path or a symlink is rejected (sync and async)', async () => {
  const ws = workspace();
  const outside = workspace({ 'secret.csv': 'a,b\n1,2\n' });
  try {
    const checkError = (rel: string, why: RegExp) => (err: unknown) => {
      assert.ok(err instanceof SpecError);
      assert.equal(err.problems[0].path, 'data.source');
      assert.equal(err.problems[0].value, rel);
      assert.match(err.problems[0].message, why);
      return true;
    };
    const pending: Array<Promise<void>> = [];
    const escape = (rel: string, why: RegExp) => {
      assert.throws(() => resolveInWorkspace(ws.root, rel, ws.root), checkError(rel, why));
      pending.push(assert.rejects(resolveInWorkspaceAsync(ws.root, rel, ws.root), checkError(rel, why)));
    };
    escape('../x.csv', /points outside the workspace/);
    escape('a/../../x.csv', /points outside the workspace/);
    escape(path.join(outside.root, 'secret.csv'), /absolute path outside the workspace/);
    escape('/etc/passwd', /absolute path outside/);
    symlinkSync(outside.root, path.join(ws.root, 'linked'));
    escape('linked/secret.csv', /through a symbolic link/);
    escape('linked/not-yet-there.csv', /through a symbolic link/);
    symlinkSync(path.join(outside.root, 'later.csv'), path.join(ws.root, 'dangling.csv'));
    escape('dangling.csv', /through a symbolic link/);
    // a link that stays inside is fine
    mkdirSync(path.join(ws.root, 'real'));
    symlinkSync(path.join(ws.root, 'real'), path.join(ws.root, 'inner'));
    assert.equal(resolveInWorkspace(ws.root, 'inner/x.csv', ws.root), path.join(ws.root, 'inner/x.csv'));
    assert.equal(await resolveInWorkspaceAsync(ws.root, 'inner/x.csv', ws.root), path.join(ws.root, 'inner/x.csv'));
    await Promise.all(pending);
  } finally {
    ws.dispose();
    outside.dispose();
  }
});

test('an escaping data.source is a located validation error, not a read', async () => {
  const r = await check(edit('  source: flowers.csv', '  source: ../../../../etc/passwd'));
  const p = only(r.errors, 'data.source');
  assert.equal(p.line, 4);
  assert.equal(p.column, 11);
  assert.match(p.message, /paths in a model file must stay inside the workspace/);
  const abs = await check(edit('  source: flowers.csv', '  source: /etc/hostname'));
  assert.match(only(abs.errors, 'data.source').message, /absolute path outside/);
});

test('resolveDataSource confines and locates the field', async () => {
  const ws = workspace({ 'flowers.csv': FLOWERS_CSV });
  try {
    const file = ws.write('m.model.yaml', VALID);
    const spec = await loadModelFile(file, { workspaceRoot: ws.root });
    assert.equal(resolveDataSource(spec, file, ws.root), path.join(ws.root, 'flowers.csv'));
    const escaping = { ...spec, data: { ...spec.data, source: '../elsewhere.csv' } };
    assert.throws(() => resolveDataSource(escaping, file, ws.root), (err: unknown) => err instanceof SpecError && err.problems[0].line === 4 && err.problems[0].file === file);
  } finally {
    ws.dispose();
  }
});

test('the default workspace root is the nearest folder with .git or package.json', async () => {
  const ws = workspace({ 'proj/package.json': '{}', 'proj/models/deep/m.model.yaml': '', 'loose/m.model.yaml': '' });
  try {
    assert.equal(findWorkspaceRoot(path.join(ws.root, 'proj/models/deep/m.model.yaml')), path.join(ws.root, 'proj'));
    assert.equal(await findWorkspaceRootAsync(path.join(ws.root, 'proj/models/deep/m.model.yaml')), path.join(ws.root, 'proj'));
    // no marker up to / (tmp has none, normally): the file's own folder
    const loose = findWorkspaceRoot(path.join(ws.root, 'loose/m.model.yaml'));
    assert.ok(loose === path.join(ws.root, 'loose') || !loose.startsWith(ws.root));
  } finally {
    ws.dispose();
  }
});

test('loadModelFile reports a missing file as a problem at 1:1', async () => {
  await assert.rejects(loadModelFile('/nonexistent/x.model.yaml'), (err: unknown) => {
    assert.ok(err instanceof SpecError);
    assert.equal(err.problems[0].line, 1);
    assert.match(err.message, /x.model.yaml:1:1: error: the file does not exist/);
    return true;
  });
});
