import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { copyExample, existingFiles, freeFolder, isSafeRelativePath, mainModelFile, readExamples, type Example } from '../../../src/host/examples';
import { validateModelText } from '../../../src/modelFile';
import { writeExamplesArchive } from '../../../scripts/examplesArchive.mjs';

const REPO = path.resolve(__dirname, '..', '..', '..');

describe('the examples archive and Open Example', () => {
  let dir: string;
  let examples: Example[];
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-examples-'));
    writeExamplesArchive(path.join(REPO, 'examples'), path.join(dir, 'examples.json.gz'));
    examples = await readExamples(path.join(dir, 'examples.json.gz'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('holds every example with its files, a title and a summary', () => {
    assert.deepEqual(examples.map((e) => e.name).sort(), ['cars', 'iris', 'seed-mlp', 'shapes', 'text']);
    const shapes = examples.find((e) => e.name === 'shapes') as Example;
    assert.equal(shapes.files.filter((f) => f.path.endsWith('.png')).length, 600);
    for (const e of examples) {
      assert.ok(e.title && e.summary, `${e.name} has no title or summary`);
      assert.ok(mainModelFile(e), `${e.name} has no model file`);
    }
    assert.equal(mainModelFile(examples.find((e) => e.name === 'text') as Example), 'headlines.model.yaml');
  });

  it('copies an example byte for byte; its model file validates where it lands', async () => {
    const ws = path.join(dir, 'ws-copy');
    const iris = examples.find((e) => e.name === 'iris') as Example;
    const written = await copyExample(iris, path.join(ws, 'iris'));
    assert.equal(written.length, iris.files.length);
    for (const f of iris.files) {
      assert.deepEqual(fs.readFileSync(path.join(ws, 'iris', f.path)), fs.readFileSync(path.join(REPO, 'examples', 'iris', f.path)));
    }
    const file = path.join(ws, 'iris', 'iris.model.yaml');
    const { problems } = await validateModelText(fs.readFileSync(file, 'utf8'), file, { workspaceRoot: ws, checkData: true });
    assert.deepEqual(problems.filter((p) => p.severity === 'error'), []);
  });

  it('never writes over a file unless asked; asked, replaces only the example\'s files', async () => {
    const target = path.join(dir, 'ws-keep', 'iris');
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, 'iris.csv'), 'mine\n');
    fs.writeFileSync(path.join(target, 'notes.txt'), 'my notes\n');
    const iris = examples.find((e) => e.name === 'iris') as Example;
    assert.deepEqual(await existingFiles(iris, target), ['iris.csv']);
    await assert.rejects(copyExample(iris, target), /already exist.*iris\.csv/);
    assert.equal(fs.readFileSync(path.join(target, 'iris.csv'), 'utf8'), 'mine\n');
    assert.equal(fs.existsSync(path.join(target, 'iris.model.yaml')), false, 'a refused copy wrote something');
    assert.equal(await freeFolder(path.dirname(target), 'iris'), path.join(path.dirname(target), 'iris-2'));
    await copyExample(iris, target, { replace: true });
    assert.notEqual(fs.readFileSync(path.join(target, 'iris.csv'), 'utf8'), 'mine\n');
    assert.equal(fs.readFileSync(path.join(target, 'notes.txt'), 'utf8'), 'my notes\n');
  });

  it('refuses archive paths that leave the folder, and links on the way out', async () => {
    for (const bad of ['../x', '/etc/passwd', 'a/../../x', 'C:/x', 'a\\..\\x', '', 'a//b']) assert.equal(isSafeRelativePath(bad), false, bad);
    assert.equal(isSafeRelativePath('data/circle/circle_001.png'), true);
    const evil = path.join(dir, 'evil.json.gz');
    fs.writeFileSync(evil, gzipSync(JSON.stringify({ format: 'model-studio-examples', version: 1, examples: [{ name: 'x', files: [{ path: '../escape.txt', base64: '' }] }] })));
    await assert.rejects(readExamples(evil), /leaves its folder/);
    // a folder of the example that is a symlink to elsewhere: nothing is written through it
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    const target = path.join(dir, 'ws-link', 'shapes');
    fs.mkdirSync(target, { recursive: true });
    fs.symlinkSync(outside, path.join(target, 'data'));
    const shapes = examples.find((e) => e.name === 'shapes') as Example;
    await assert.rejects(copyExample({ ...shapes, files: shapes.files.filter((f) => f.path.startsWith('data/')) }, target), /is a link/);
    assert.deepEqual(fs.readdirSync(outside), []);
  });
});
