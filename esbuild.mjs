// One build, several entries (STYLE.md): extension host, engine worker, model server, CLI (Node, CJS)
// and the dashboard webview (browser). TF.js and other native/wasm-carrying packages stay external:
// they are resolved from node_modules at run time, so their .wasm and .node files are found.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeExternal = ['vscode', '@tensorflow/*', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

const nodeEntries = [
  ['src/extension.ts', 'dist/extension.js'],
  ['src/engine/worker.ts', 'dist/engine.js'],
  ['src/serve/worker.ts', 'dist/server.js'],
  // the standalone server that `model-studio export` copies as server.js (only TF.js stays external)
  ['src/serve/standalone.ts', 'dist/serve-standalone.js'],
  ['src/cli.ts', 'dist/cli.js'],
].filter(([src]) => existsSync(src));

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };

const builds = [
  ...nodeEntries.map(([entry, outfile]) => ({
    ...common, entryPoints: [entry], outfile, platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal,
  })),
];
if (existsSync('webview/main.ts')) {
  builds.push({ ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'text' } });
}

mkdirSync('dist', { recursive: true });
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  // The JSON Schema of model files, generated from the same source as the validator.
  const { writeSchemaFile } = await import('./dist/cli.js').then((m) => m.default ?? m).catch(() => ({}));
  if (typeof writeSchemaFile === 'function') writeSchemaFile('dist/model-file.schema.json');
  else writeFileSync('dist/.schema-pending', 'cli has no writeSchemaFile yet\n');
}
