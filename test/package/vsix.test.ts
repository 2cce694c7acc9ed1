/**
 * What `npm run package` built (build/package/): each VSIX holds what the installed extension needs and
 * nothing else, within the limits, with its own platform's Dawn where it loads from. Run `npm run package`
 * first (test:all does).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DAWN_FILES, LIMITS, OUT_DIR, TARGETS, vsixName } from '../../scripts/package';
import { readZipEntries, readZipEntry, type ZipEntry } from '../../scripts/zip';

const REPO = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };
const vsixPath = (target: string) => path.join(REPO, OUT_DIR, vsixName(pkg, target));

function open(target: string): { zip: Buffer; entries: ZipEntry[]; names: string[] } {
  const file = vsixPath(target);
  assert.ok(fs.existsSync(file), `${path.relative(REPO, file)} is missing: run \`npm run package\` first`);
  const zip = fs.readFileSync(file);
  const entries = readZipEntries(zip);
  return { zip, entries, names: entries.map((e) => e.name) };
}

function extract(zip: Buffer, entries: ZipEntry[], into: string): void {
  for (const e of entries) {
    if (e.name.endsWith('/')) continue;
    const to = path.join(into, e.name);
    assert.ok(to.startsWith(into + path.sep), `an entry leaves the folder: ${e.name}`);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, readZipEntry(zip, e));
  }
}

/** Every file the manifest points at (main, icons, schema, walkthrough media…), as paths inside the VSIX. */
function referencedFiles(manifest: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const visit = (v: unknown, key = '') => {
    if (typeof v === 'string') {
      const looksLikeFile = /^\.?\/?(dist|media|schemas)\/[\w./-]+\.\w+$/.test(v);
      if (looksLikeFile && !/^(command|when|description)$/.test(key)) out.add(`extension/${v.replace(/^\.?\//, '')}`);
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  visit(manifest);
  return [...out];
}

test('linux-x64 VSIX: within the limits, the bundles, the wasm binaries and only its own Dawn', () => {
  const { zip, entries, names } = open('linux-x64');
  const bytes = fs.statSync(vsixPath('linux-x64')).size;
  assert.ok(bytes <= LIMITS.bytes, `${bytes} bytes > ${LIMITS.bytes}`);
  assert.ok(entries.length <= LIMITS.files, `${entries.length} files > ${LIMITS.files}`);
  for (const f of ['extension.js', 'engine.js', 'server.js', 'cli.js', 'decode-worker.js', 'webview.js', 'experiments.js', 'model-file.schema.json', 'examples.json.gz',
    'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    assert.ok(names.includes(`extension/dist/${f}`), `dist/${f} is missing`);
  }
  for (const f of ['extension/package.json', 'extension/readme.md', 'extension/changelog.md', 'extension/LICENSE.txt', 'extension/schemas/model-file.schema.json']) {
    assert.ok(names.includes(f), `${f} is missing`);
  }
  const dawn = names.filter((n) => /dawn\.node$/.test(n));
  assert.deepEqual(dawn, ['extension/dist/node_modules/webgpu/dist/linux-x64/dawn.node']);
  // nothing a user's extension does not run: sources, maps, tests, dev configuration, other packages
  const dev = names.filter((n) => /\.map$|\.ts$|\/(src|test|bench|scripts|native|examples|\.ci)\/|tsconfig|eslint|esbuild|package-lock|\.vscodeignore|\.gitignore/.test(n) || /^extension\/node_modules\//.test(n));
  assert.deepEqual(dev, []);
  // the manifest ships without what only the checkout needs, and every file it names is inside
  const manifest = JSON.parse(readZipEntry(zip, entries.find((e) => e.name === 'extension/package.json') as ZipEntry).toString('utf8')) as Record<string, unknown>;
  for (const k of ['scripts', 'dependencies', 'devDependencies']) assert.equal(manifest[k], undefined, `package.json still has ${k}`);
  for (const k of ['icon', 'galleryBanner', 'repository', 'keywords', 'categories']) assert.ok(manifest[k], `package.json lacks the marketplace field ${k}`);
  const named = referencedFiles(manifest);
  assert.ok(named.includes('extension/dist/extension.js') && named.includes('extension/media/icon.png'), `referenced: ${named.join(', ')}`);
  for (const f of named) assert.ok(names.includes(f), `package.json names ${f}, which is not in the VSIX`);
});

test('linux-x64 VSIX: the bundles need no node_modules, and Dawn loads from where the engine looks', () => {
  const { zip, entries } = open('linux-x64');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-studio-vsix-'));
  try {
    extract(zip, entries, dir);
    const dist = path.join(dir, 'extension', 'dist');
    // TF.js is inside engine.js: its require of the wasm backend resolves without any node_modules around
    const probe = `
      const dist = ${JSON.stringify(dist)};
      const webgpu = require.resolve('webgpu', { paths: [dist] });
      if (!webgpu.startsWith(dist)) throw new Error('webgpu resolved outside the extension: ' + webgpu);
      import(require('url').pathToFileURL(webgpu).href).then((m) => {
        if (typeof m.create !== 'function') throw new Error('Dawn did not load');
        console.log('ok');
      });`;
    const r = spawnSync(process.execPath, ['-e', probe], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ok/);
    // the CLI a SLURM job starts on the nodes (this install's dist/cli.js) runs from the installed folder
    const iris = path.join(__dirname, '..', '..', 'examples', 'iris', 'iris.model.yaml');
    const cli = spawnSync(process.execPath, [path.join(dist, 'cli.js'), 'validate', iris], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(cli.status, 0, `${cli.stdout}${cli.stderr}`);
    for (const bundle of ['engine.js', 'server.js', 'extension.js', 'cli.js']) {
      const text = fs.readFileSync(path.join(dist, bundle), 'utf8');
      assert.doesNotMatch(text, /require\(["']@tensorflow\/tfjs(-backend-wasm|-core)?["']\)/, `${bundle} requires TF.js from node_modules`);
      assert.doesNotMatch(text, /sourceMappingURL/, `${bundle} points at a source map`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every VSIX that was built: within the limits, and the Dawn of its own platform only', () => {
  let checked = 0;
  for (const [target, dawnDir] of Object.entries(TARGETS)) {
    if (!fs.existsSync(vsixPath(target))) continue;
    const { entries, names } = open(target);
    checked += 1;
    assert.ok(fs.statSync(vsixPath(target)).size <= LIMITS.bytes, `${target}: over ${LIMITS.bytes} bytes`);
    assert.ok(entries.length <= LIMITS.files, `${target}: ${entries.length} files`);
    const dawn = names.filter((n) => n.includes('/node_modules/webgpu/dist/'));
    if (dawnDir === null) assert.deepEqual(dawn, [], `${target} should have no Dawn`);
    else {
      assert.ok(dawn.length > 0, `${target} has no Dawn`);
      for (const n of dawn) {
        assert.ok(n.startsWith(`extension/dist/node_modules/webgpu/dist/${dawnDir}/`), `${target} holds ${n}`);
        assert.match(path.basename(n), DAWN_FILES);
      }
    }
  }
  assert.ok(checked >= 1, 'no VSIX found: run `npm run package` first');
});
