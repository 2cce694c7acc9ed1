/**
 * Serving benchmark: requests/s and p50/p99 latency of `model-studio serve` on an iris-sized model
 * (4 features → 16 → 16 → 3), one client and 64 concurrent clients, over loopback. Beside it, the
 * ceilings on the same machine: a no-op Node HTTP server answering the same requests, and the model
 * called directly (no HTTP). Bounded: SECONDS per scenario (default 3).
 *
 *   npx tsx bench/serve.ts [MODEL_OR_RUN_DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Preprocessing } from '../src/engine/data/types';
import { saveModelDir } from '../src/engine/saved';
import { predictEncoded } from '../src/engine/predict';
import { readLayersModel, readPreprocessing } from '../src/serve/loader';
import { loadTf } from '../src/serve/tf';

const SECONDS = Number(process.env.SECONDS_PER_SCENARIO ?? 3);
const ROOT = path.resolve(__dirname, '..');
const WARM_MS = 1500;

const PREP: Preprocessing = {
  format: 'model-studio-preprocessing', version: 1, task: 'classification', inputKind: 'tabular', inputShape: [4],
  features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((name, i) => ({ name, kind: 'numeric' as const, impute: 3 + i, scale: 'standardize' as const, center: 3 + i, divisor: 1 })),
  label: { name: 'species', classes: ['setosa', 'versicolor', 'virginica'] }, missing: 'mean',
};
const BODY = JSON.stringify({ instances: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] });

async function makeModel(dir: string): Promise<void> {
  const { tf } = await loadTf();
  const model = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [4], units: 16, activation: 'relu' }),
    tf.layers.dense({ units: 16, activation: 'relu' }),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  await saveModelDir(model, PREP, dir);
}

function startChild(args: string[], re: RegExp): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

const NOOP = `require('http').createServer((q, s) => { const b = []; q.on('data', (c) => b.push(c)); q.on('end', () => { JSON.parse(Buffer.concat(b)); const t = '{"predictions":[{"label":"setosa"}]}'; s.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': t.length }); s.end(t); }); }).listen(0, '127.0.0.1', function () { console.log('listening http://127.0.0.1:' + this.address().port); });`;

interface Result { rps: number; p50: number; p99: number; errors: number; n: number }

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function load(url: string, clients: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const one = (): Promise<number> => new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BODY) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(BODY);
  });
  // Warm-up: V8 tiers the wasm kernels and the JS up over the first second or so of traffic.
  const warm = Date.now() + WARM_MS;
  while (Date.now() < warm) await one();
  const latencies: number[] = [];
  let errors = 0;
  const start = Date.now();
  const deadline = start + SECONDS * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (Date.now() < deadline) {
      try { latencies.push(await one()); } catch { errors++; }
    }
  }));
  const elapsed = (Date.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: pct(latencies, 50), p99: pct(latencies, 99), errors, n: latencies.length };
}

async function direct(dir: string): Promise<Result> {
  const { tf } = await loadTf();
  const loaded = { model: await readLayersModel(tf, dir), tf, preprocessing: await readPreprocessing(dir) };
  const x = new Float32Array([0.1, 0.2, -0.3, 0.4]);
  const warm = Date.now() + WARM_MS;
  while (Date.now() < warm) await predictEncoded(loaded, x, 1);
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  const start = Date.now();
  while (Date.now() < deadline) {
    const t0 = process.hrtime.bigint();
    await predictEncoded(loaded, x, 1);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / ((Date.now() - start) / 1000), p50: pct(latencies, 50), p99: pct(latencies, 99), errors: 0, n: latencies.length };
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'ms-bench-serve-'));
  const children: ChildProcess[] = [];
  try {
    const dir = process.argv[2] ?? path.join(tmp, 'model');
    if (!process.argv[2]) await makeModel(dir);
    const served = await startChild(['--import', 'tsx', 'src/cli.ts', 'serve', dir, '--name', 'iris', '--port', '0'], /on (http:\/\/127\.0\.0\.1:\d+)/);
    children.push(served.child);
    const noop = await startChild(['-e', NOOP], /listening (http:\/\/127\.0\.0\.1:\d+)/);
    children.push(noop.child);
    const rows: Array<[string, Result]> = [];
    for (const clients of [1, 64]) {
      rows.push([`model-studio serve, ${clients} client${clients > 1 ? 's' : ''}`, await load(`${served.url}/v1/models/iris:predict`, clients)]);
      rows.push([`no-op Node HTTP server, ${clients} client${clients > 1 ? 's' : ''}`, await load(noop.url, clients)]);
    }
    rows.push(['model call alone (batch 1, no HTTP)', await direct(dir)]);
    const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');
    console.log(`\nServing benchmark (iris-sized model, ${SECONDS} s per row, loopback, ${process.platform} ${process.arch}, Node ${process.version})\n`);
    console.log('| scenario | requests/s | p50 ms | p99 ms | requests | errors |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, r] of rows) console.log(`| ${name} | ${f(r.rps, 0)} | ${f(r.p50)} | ${f(r.p99)} | ${r.n} | ${r.errors} |`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
