/**
 * `npm run package`: a production build, then one VSIX per platform and the CLI's npm tarball, and a table
 * of their sizes. Offline: vsce 3 and npm pack need no network.
 *
 *   node --import tsx scripts/package.ts [--targets linux-x64,universal,…] [--no-npm] [--out DIR]   (DIR: build/package)
 *
 * What ships is listed here (an allow-list), never found by ignoring: a new file ships only when added below.
 * Each VSIX: package.json (the manifest, without scripts and dependencies), the bundles (every dependency
 * inside, TF.js included), TF.js's WebAssembly binaries, the model-file JSON Schema, the examples archive,
 * media, README, LICENSE, CHANGELOG, and that platform's Dawn binary for WebGPU (the universal VSIX has none:
 * it trains on wasm or cpu). Dawn sits in dist/node_modules/webgpu, where `require.resolve('webgpu')` from
 * the bundles finds it (vsce --no-dependencies leaves out only the top-level node_modules).
 * The npm package: the CLI bundle, the standalone server `model-studio export` copies, the WebAssembly
 * binaries, the schema; no dependencies (everything is bundled), so it installs offline from the tarball;
 * webgpu and the native TensorFlow backend are optional dependencies, skipped where they cannot install.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readZipEntries } from './zip';

const root = path.resolve(__dirname, '..');

/** vsce target → the folder of node_modules/webgpu/dist with its Dawn (null: the universal VSIX, no WebGPU). */
export const TARGETS: Record<string, string | null> = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-universal',
  'darwin-arm64': 'darwin-universal',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
  universal: null,
};
/** What we hold each VSIX to (issue 13). */
export const LIMITS = { bytes: 15 * 1024 * 1024, files: 100 };
/** Where `npm run package` writes, relative to the checkout. */
export const OUT_DIR = path.join('build', 'package');

/**
 * Files of a Dawn folder that ship. Windows' dxcompiler.dll (the DXC shader compiler, 17 MB) stays out: with
 * it the win32 VSIXs pass 15 MB, and Dawn compiles with FXC (d3dcompiler_47.dll, shipped) when DXC is absent.
 */
export const DAWN_FILES = /^(dawn\.node|d3dcompiler_47\.dll)$/;

/**
 * The bundles and files the extension loads from dist/ (the export server is the npm package's). The CLI is in
 * both: a run on a SLURM target starts this install's dist/cli.js on the nodes unless the target names a command.
 */
const EXTENSION_DIST = ['extension.js', 'engine.js', 'server.js', 'cli.js', 'decode-worker.js', 'webview.js', 'experiments.js', 'model-file.schema.json', 'examples.json.gz'];
const CLI_DIST = ['cli.js', 'serve-standalone.js', 'decode-worker.js', 'model-file.schema.json'];
/** Files of the production build that ship in neither package, on purpose. */
const LEFT_OUT: string[] = [];
const WASM = /^tfjs-backend-wasm.*\.wasm$/;
/** media/ files the manifest or the webview names (the marketplace icon's SVG source stays home). */
const MEDIA = (rel: string) => rel !== 'icon.svg';
const DOCS = ['README.md', 'LICENSE', 'CHANGELOG.md'];

type Manifest = Record<string, unknown> & {
  name: string;
  version: string;
  license?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  engines?: Record<string, string>;
};

export const vsixName = (pkg: { name: string; version: string }, target: string) => `${pkg.name}-${target}-${pkg.version}.vsix`;

const say = (...a: unknown[]) => console.log('[package]', ...a);

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (exit ${r.status}):\n${String(r.stdout ?? '')}${String(r.stderr ?? '')}`);
  return String(r.stdout ?? '');
}

function copy(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  copyFileSync(from, to);
}

/** Copies a folder; `keep` gets each file's path relative to `from`, with / separators. */
function copyTree(from: string, to: string, keep: (rel: string) => boolean = () => true, rel = ''): void {
  for (const name of readdirSync(path.join(from, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(from, r)).isDirectory()) copyTree(from, to, keep, r);
    else if (keep(r)) copy(path.join(from, r), path.join(to, r));
  }
}

/** The extension's manifest as it ships: what VS Code reads, without what only the checkout needs. */
export function extensionManifest(pkg: Manifest): Manifest {
  const manifest: Manifest = { ...pkg };
  for (const k of ['scripts', 'dependencies', 'devDependencies', 'optionalDependencies', 'bin', 'private']) delete manifest[k];
  return manifest;
}

/** The CLI's npm manifest: bundled, so no dependencies; the optional ones install where they can. */
export function npmManifest(pkg: Manifest): Manifest {
  const optional = { ...(pkg.optionalDependencies ?? {}) };
  if (pkg.dependencies?.webgpu) optional.webgpu = pkg.dependencies.webgpu;
  return {
    name: pkg.name,
    version: pkg.version,
    description: 'Train, evaluate and serve TensorFlow.js models from a model-definition file: the command line of Model Studio.',
    license: pkg.license,
    keywords: pkg.keywords,
    repository: pkg.repository,
    homepage: pkg.homepage,
    bugs: pkg.bugs,
    engines: { node: pkg.engines?.node ?? '>=20' },
    bin: pkg.bin,
    files: ['bin', 'dist', 'schemas', ...DOCS],
    optionalDependencies: optional,
  };
}

function stageExtension(dist: string, dir: string, pkg: Manifest): void {
  rmSync(dir, { recursive: true, force: true });
  for (const f of [...EXTENSION_DIST, ...readdirSync(dist).filter((f) => WASM.test(f))]) copy(path.join(dist, f), path.join(dir, 'dist', f));
  copyTree(path.join(root, 'media'), path.join(dir, 'media'), MEDIA);
  copyTree(path.join(root, 'schemas'), path.join(dir, 'schemas'));
  for (const f of DOCS) copy(path.join(root, f), path.join(dir, f));
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(extensionManifest(pkg), null, 2)}\n`);
}

/** Puts the target's Dawn into the extension's stage (none for the universal VSIX). */
function stageDawn(dir: string, dawnDir: string | null): void {
  rmSync(path.join(dir, 'dist', 'node_modules'), { recursive: true, force: true });
  if (!dawnDir) return;
  const webgpu = path.join(dir, 'dist', 'node_modules', 'webgpu');
  const source = path.dirname(require.resolve('webgpu/package.json'));
  const meta = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')) as Record<string, unknown>;
  mkdirSync(webgpu, { recursive: true });
  // its manifest without the scripts (a postinstall only npm runs)
  const manifest = { name: meta.name, version: meta.version, license: meta.license, type: meta.type, main: meta.main };
  writeFileSync(path.join(webgpu, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const f of ['index.js', 'LICENSE.md']) copy(path.join(source, f), path.join(webgpu, f));
  for (const f of readdirSync(path.join(source, 'dist', dawnDir)).filter((f) => DAWN_FILES.test(f))) {
    copy(path.join(source, 'dist', dawnDir, f), path.join(webgpu, 'dist', dawnDir, f));
  }
}

function stageNpm(dist: string, dir: string, pkg: Manifest): void {
  rmSync(dir, { recursive: true, force: true });
  for (const f of [...CLI_DIST, ...readdirSync(dist).filter((f) => WASM.test(f))]) copy(path.join(dist, f), path.join(dir, 'dist', f));
  copy(path.join(root, 'bin', 'model-studio.js'), path.join(dir, 'bin', 'model-studio.js'));
  copyTree(path.join(root, 'schemas'), path.join(dir, 'schemas'));
  for (const f of DOCS) copy(path.join(root, f), path.join(dir, f));
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(npmManifest(pkg), null, 2)}\n`);
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;

interface Row { what: string; file: string; bytes: number; files?: number; dawn: string }

function main(argv: string[]): void {
  if (argv.includes('--refuse-vsce-in-checkout')) {
    // `vsce package` in the checkout runs this (vscode:prepublish): it would pack all of node_modules
    throw new Error('package the extension with `npm run package` (one VSIX per platform, only what ships), not `vsce package` in the checkout');
  }
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const out = path.resolve(root, opt('--out') ?? OUT_DIR);
  const targets = (opt('--targets') ?? Object.keys(TARGETS).join(',')).split(',').filter(Boolean);
  for (const t of targets) if (!(t in TARGETS)) throw new Error(`unknown target '${t}' (known: ${Object.keys(TARGETS).join(', ')})`);
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
  const stage = path.join(out, 'stage');
  const dist = path.join(stage, 'build');
  rmSync(stage, { recursive: true, force: true });
  say('production build');
  run(process.execPath, ['esbuild.mjs', '--production', '--outdir', dist], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

  // every file the build writes is in a package or left out on purpose: a new bundle is never lost silently
  const unlisted = readdirSync(dist).filter((f) => !WASM.test(f) && ![...EXTENSION_DIST, ...CLI_DIST, ...LEFT_OUT].includes(f));
  if (unlisted.length) throw new Error(`the production build wrote ${unlisted.map((f) => `dist/${f}`).join(', ')}, which scripts/package.ts does not know: add each to EXTENSION_DIST and/or CLI_DIST (what ships), or to LEFT_OUT`);

  const rows: Row[] = [];
  const ext = path.join(stage, 'extension');
  stageExtension(dist, ext, pkg);
  const vsce = require.resolve('@vscode/vsce/vsce');
  for (const target of targets) {
    stageDawn(ext, TARGETS[target]);
    const file = path.join(out, vsixName(pkg, target));
    rmSync(file, { force: true });
    say(`vsce package ${target}`);
    run(process.execPath, [vsce, 'package', '--no-dependencies', '--out', file, ...(target === 'universal' ? [] : ['--target', target])], { cwd: ext });
    rows.push({ what: target, file, bytes: statSync(file).size, files: readZipEntries(readFileSync(file)).length, dawn: TARGETS[target] ?? '— (wasm, cpu)' });
  }
  if (!argv.includes('--no-npm')) {
    const npmDir = path.join(stage, 'npm');
    stageNpm(dist, npmDir, pkg);
    say('npm pack');
    const name = run('npm', ['pack', '--silent', '--pack-destination', out], { cwd: npmDir }).trim().split('\n').pop() ?? '';
    const file = path.join(out, name);
    rows.push({ what: 'npm (CLI)', file, bytes: statSync(file).size, dawn: 'optional dependency' });
  }
  rmSync(stage, { recursive: true, force: true });

  console.log('');
  console.log('| package | size | files | WebGPU (Dawn) | file |');
  console.log('| --- | ---: | ---: | --- | --- |');
  for (const r of rows) console.log(`| ${r.what} | ${mb(r.bytes)} | ${r.files ?? ''} | ${r.dawn} | ${path.relative(root, r.file)} |`);
  console.log('');
  const over = rows.filter((r) => r.files !== undefined && (r.bytes > LIMITS.bytes || r.files > LIMITS.files));
  if (over.length) throw new Error(`over the limits (${mb(LIMITS.bytes)}, ${LIMITS.files} files): ${over.map((r) => r.what).join(', ')}`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
