// One build, several entries (STYLE.md): extension host, engine worker, model server, CLI (Node, CJS)
// and the dashboard webview (browser).
//
//   node esbuild.mjs [--watch]                      the development build in dist/ (source maps; TF.js and the
//                                                   other packages with .wasm/.node files resolved from node_modules)
//   node esbuild.mjs --production [--outdir DIR]    what ships (scripts/package.mjs): minified, no source maps,
//                                                   every dependency bundled, TF.js's WebAssembly binaries copied
//                                                   beside the bundles (tfjs-backend-wasm looks for them in __dirname)
//
// Only `vscode`, the optional native TensorFlow packages and `webgpu` (Dawn: one binary per platform, found at
// run time) stay external in production; the exported standalone server keeps TF.js external in both, because
// the folder `model-studio export` writes installs it from npm.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeExamplesArchive } from './scripts/examplesArchive.mjs';

const argv = process.argv.slice(2);
const watch = argv.includes('--watch');
const production = argv.includes('--production');
const outdir = argv.includes('--outdir') ? argv[argv.indexOf('--outdir') + 1] : 'dist';

const native = ['vscode', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
const nodeExternal = production ? native : [...native, '@tensorflow/*'];

const nodeEntries = [
  ['src/extension.ts', 'extension.js'],
  ['src/engine/worker.ts', 'engine.js'],
  ['src/serve/worker.ts', 'server.js'],
  // image decoding off the server's event loop (worker threads; src/serve/decodePool.ts)
  ['src/serve/decodeWorker.ts', 'decode-worker.js'],
  // the standalone server that `model-studio export` copies as server.js (only TF.js stays external)
  ['src/serve/standalone.ts', 'serve-standalone.js', [...native, '@tensorflow/*']],
  ['src/cli.ts', 'cli.js'],
].filter(([src]) => existsSync(src));

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: production ? 'none' : 'inline' };

const builds = nodeEntries.map(([entry, out, external = nodeExternal]) => ({
  ...common, entryPoints: [entry], outfile: path.join(outdir, out), platform: 'node', format: 'cjs', target: 'node20', external,
}));
if (existsSync('webview/main.ts')) {
  builds.push({ ...common, entryPoints: ['webview/main.ts'], outfile: path.join(outdir, 'webview.js'), platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'text' } });
  // the experiment views: compare runs, a model's runs table, the sweep dashboard
  builds.push({ ...common, entryPoints: ['webview/experiments/main.ts'], outfile: path.join(outdir, 'experiments.js'), platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'text' } });
}

mkdirSync(outdir, { recursive: true });
// the examples for "Open Example…", as one file
writeExamplesArchive('examples', path.join(outdir, 'examples.json.gz'));
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  if (production) {
    const wasmDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
      copyFileSync(path.join(wasmDir, f), path.join(outdir, f));
    }
  }
  // The JSON Schema of model files, generated from the same source as the validator.
  const cli = pathToFileURL(path.resolve(outdir, 'cli.js')).href;
  const { writeSchemaFile } = await import(cli).then((m) => m.default ?? m).catch(() => ({}));
  if (typeof writeSchemaFile === 'function') writeSchemaFile(path.join(outdir, 'model-file.schema.json'));
  else writeFileSync(path.join(outdir, '.schema-pending'), 'cli has no writeSchemaFile yet\n');
}
