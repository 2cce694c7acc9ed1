/**
 * `model-studio export`: a self-contained deploy folder — model/ (model.json, weights, 
 * preprocessing.json), server.js (the bundled standalone server), package.json (depending only on
 * @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm, our versions) and a README with curl
 * examples. Built in a temp folder beside the target and renamed into place, so a failed export
 * leaves nothing half-written.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Preprocessing } from '../engine/data/types';
import { modelWeightFiles } from '../engine/saved';
import { readPreprocessing } from './loader';
import { resolveModel } from './versions';

export interface ExportOptions {
  /** the built standalone server bundle (default: serve-standalone.js in dist/) */
  serverBundle?: string;
  name?: string;
}

export interface ExportResult {
  outDir: string;
  name: string;
  /** the model folder that was exported */
  modelDir: string;
  files: string[];
}

/** Where the bundled standalone server is: next to the running bundle (dist/) or in dist/ of the checkout. */
export function findServerBundle(): string | null {
  const candidates = [
    process.env.MODEL_STUDIO_SERVER_BUNDLE,
    path.join(__dirname, 'serve-standalone.js'),
    path.join(__dirname, '..', '..', 'dist', 'serve-standalone.js'),
  ].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? null;
}

function tfVersion(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '4.22.0';
  }
}

function exampleValue(f: Preprocessing['features'][number]): unknown {
  switch (f.kind) {
    case 'numeric': return +(f.scale === 'standardize' ? f.center : f.scale === 'minmax' ? f.center + f.divisor / 2 : (f.impute ?? 0)).toPrecision(3);
    case 'boolean': return true;
    case 'categorical': return f.categories[0] ?? '';
    case 'text': return 'some text to classify';
    case 'image': return { b64: '<base64 of a PNG or JPEG>' };
  }
}

function readme(name: string, prep: Preprocessing, runId: string | undefined): string {
  const record = Object.fromEntries(prep.features.map((f) => [f.name, exampleValue(f)]));
  const instances = JSON.stringify({ instances: [record] });
  const columns = prep.features.map((f) => f.name);
  const split = JSON.stringify({ dataframe_split: { columns, data: [columns.map((c) => record[c])] } });
  const tabular = prep.inputKind === 'tabular';
  const csv = tabular ? `${columns.join(',')}\n${columns.map((c) => String(record[c])).join(',')}` : '';
  const shown = (prep.label.classes ?? []).slice(0, 3);
  const more = (prep.label.classes ?? []).length > 3 ? ', …' : '';
  const out = prep.task === 'classification'
    ? `{"predictions": [{"label": "…", "probabilities": [${shown.map(() => '…').join(', ')}${more}], "classes": [${shown.map((c) => `"${c}"`).join(', ')}${more}]}]}`
    : '{"predictions": [<number>, …]}';
  const mlflowOut = prep.task === 'classification'
    ? `{"predictions": [{"label": "…", "probabilities": {${shown.map((c) => `"${c}": …`).join(', ')}${more}}, "classes": [...]}]}`
    : '{"predictions": [<number>, …]}';
  const rowArray = JSON.stringify({ instances: [columns.map((c) => record[c])] });
  const width = prep.inputShape.reduce((a, b) => a * b, 1);
  const encodedNames = prep.encodedNames && width !== prep.features.length ? `: ${prep.encodedNames.slice(0, 6).join(', ')}${prep.encodedNames.length > 6 ? ', …' : ''}` : '';
  return `# ${name} — model server

A ${prep.task} model exported by Model Studio${runId ? ` from run ${runId}` : ''}. It predicts \`${prep.label.name}\` from
${prep.features.map((f) => `\`${f.name}\``).join(', ')}.

## Start

Needs Node.js 20 or later.

    npm install
    npm start

It listens on http://127.0.0.1:8501 (loopback only). Settings: \`PORT=9000 npm start\`, \`HOST=0.0.0.0\` to accept
other machines (e.g. in a container), \`MAX_BODY=20mb\` for larger requests, \`MODEL_NAME=…\` to rename the model.
Ctrl-C or SIGTERM stops it after the requests in flight.

## Predict (TF Serving REST API)

    curl http://127.0.0.1:8501/v1/models/${name}
    curl http://127.0.0.1:8501/v1/models/${name}/metadata
    curl -X POST http://127.0.0.1:8501/v1/models/${name}:predict \\
      -H 'Content-Type: application/json' \\
      -d '${instances}'

Answer: \`${out}\`${prep.task === 'classification' ? ' (probabilities in \`classes\` order, as the metadata\'s signature says)' : ' (one number per instance)'}.

Instances are raw feature values, the way TF Serving and MLflow clients send them; the saved preprocessing is
applied (\`null\` uses the value the model imputes). ${tabular ? `A record as above, or an array of the values in feature order
(${columns.join(', ')}):

    curl -X POST http://127.0.0.1:8501/v1/models/${name}:predict -d '${rowArray}'

` : `${prep.inputKind === 'image' ? 'An image is \`{"b64": "<base64 PNG or JPEG>"}\`' : 'A text is a string'}, alone or in a record. `}To send what the network itself takes (${width} numbers${encodedNames}; see
\`model_studio.encoded\` in the metadata), add \`"signature_name": "encoded"\` to the request body.${tabular && width !== prep.features.length ? ` An array of ${width} numbers
is also taken as encoded without it (its length tells it apart from the ${prep.features.length} raw values).` : ''}

Columnar: \`{"inputs": {"feature": [v1, v2, …], …}}\` answers columnar, \`{"outputs": ${prep.task === 'classification' ? '{"label": [...], "probabilities": [[...]], "classes": [[...]]}' : '[<number>, …]'}}\`.
\`:${prep.task === 'classification' ? 'classify' : 'regress'}\` with \`{"examples": [record, …]}\` answers TF Serving's \`{"result": …}\`.

## Predict (MLflow scoring protocol)

    curl -X POST http://127.0.0.1:8501/invocations \\
      -H 'Content-Type: application/json' \\
      -d '${split}'
${tabular ? `
    curl -X POST http://127.0.0.1:8501/invocations -H 'Content-Type: text/csv' --data-binary $'${csv.replace(/\n/g, '\\n')}'
` : ''}
Answer: \`${mlflowOut}\`. \`dataframe_records\`, \`instances\` and \`inputs\` work too (arrays are raw values in feature
order, as above). \`GET /ping\` and \`GET /health\` answer 200 when it is up.

Errors are JSON with the HTTP status: 400 (the message names the bad field), 404, 405, 413 (body over the limit), 415.
`;
}

/**
 * `<out>.tmp-PID-*` folders that an export killed mid-way left behind (its process is gone): removed before
 * the next export to the same place. A live export's folder (its PID still running) is left alone.
 */
export function removeStaleTemps(out: string): string[] {
  const parent = path.dirname(out);
  const prefix = `${path.basename(out)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)-[0-9a-z]+$/.exec(name.slice(prefix.length)) : null;
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    rmSync(path.join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function exportModel(input: string, outDir: string, options: ExportOptions = {}): Promise<ExportResult> {
  const resolved = await resolveModel(input, options.name);
  const version = resolved.versions.find((v) => v.version === resolved.defaultVersion) ?? resolved.versions[0];
  const modelDir = version.dir;
  const prep = await readPreprocessing(modelDir);
  const bundle = options.serverBundle ?? findServerBundle();
  if (!bundle || !existsSync(bundle)) {
    throw new Error(`the standalone server bundle (serve-standalone.js) is not built; run \`node esbuild.mjs\` first${bundle ? ` (looked for ${bundle})` : ''}`);
  }
  const out = path.resolve(outDir);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`${outDir} already exists and is not empty; choose another --out or remove it`);

  removeStaleTemps(out);
  const tmp = `${out}.tmp-${process.pid}-${Date.now().toString(36)}`;
  mkdirSync(path.join(tmp, 'model'), { recursive: true });
  try {
    // model.json names its weight files: copy exactly those.
    // model.json names its weight files: copy exactly those (plain names inside the model folder only).
    const modelJson = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as { weightsManifest?: unknown };
    const weightFiles = modelWeightFiles(modelDir, modelJson.weightsManifest ?? []).map((f) => path.basename(f));
    for (const f of ['model.json', 'preprocessing.json', ...weightFiles]) copyFileSync(path.join(modelDir, f), path.join(tmp, 'model', f));
    copyFileSync(bundle, path.join(tmp, 'server.js'));
    // The server decodes images on worker threads from this file, when it is there (else in-process).
    const decoder = path.join(path.dirname(bundle), 'decode-worker.js');
    if (existsSync(decoder)) copyFileSync(decoder, path.join(tmp, 'decode-worker.js'));
    const pkg = {
      name: `${resolved.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}-server`,
      version: '1.0.0',
      private: true,
      description: `${resolved.name}: a ${prep.task} model served over TF Serving and MLflow REST (exported by Model Studio)`,
      main: 'server.js',
      scripts: { start: 'node server.js' },
      engines: { node: '>=20' },
      dependencies: {
        '@tensorflow/tfjs': tfVersion('@tensorflow/tfjs'),
        '@tensorflow/tfjs-backend-wasm': tfVersion('@tensorflow/tfjs-backend-wasm'),
      },
    };
    writeFileSync(path.join(tmp, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    // The name is baked in so the exported server answers under the same name as `serve`.
    writeFileSync(path.join(tmp, 'model', 'serve.json'), `${JSON.stringify({ name: resolved.name, runId: version.runId ?? null }, null, 2)}\n`);
    writeFileSync(path.join(tmp, 'README.md'), readme(resolved.name, prep, version.runId));
    if (existsSync(out)) rmSync(out, { recursive: true, force: true });
    mkdirSync(path.dirname(out), { recursive: true });
    renameSync(tmp, out);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(path.relative(out, p));
    }
  };
  walk(out);
  return { outDir: out, name: resolved.name, modelDir, files: files.sort() };
}
