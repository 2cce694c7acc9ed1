/**
 * The server as people start it: versions from a runs folder, the CLI (spawned; SIGTERM exits 0),
 * the IPC worker the extension forks, and an exported folder run with plain `node server.js`.
 */
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { loadSavedModel } from '../../../src/engine/saved';
import { predictRecords } from '../../../src/engine/predict';
import { parseServeArgs, run as runServe } from '../../../src/cli/serve';
import { parseServeWorkerMessage, type ServeWorkerMessage } from '../../../src/protocol/serve';
import { exportModel } from '../../../src/serve/export';
import { startServer } from '../../../src/serve/server';
import { loadTf } from '../../../src/serve/tf';
import { resolveModel } from '../../../src/serve/versions';
import { IRIS_PREP, IRIS_RECORDS, makeRunsFolder, saveTinyModel, tempDir } from './fixtures';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Resolves with the first stdout line matching `re` (rejects if the process exits first). */
function waitForLine(child: ChildProcess, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing ${re}: ${out}\n${err}`)));
  });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

/** TF Serving predictions, probabilities turned back into a map by class (the answer has them in `classes` order). */
async function predict(url: string, name: string, version?: number): Promise<Array<{ label: string; probabilities: Record<string, number> }>> {
  const res = await fetch(`${url}/v1/models/${name}${version ? `/versions/${version}` : ''}:predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ instances: IRIS_RECORDS }) });
  assert.equal(res.status, 200);
  const rows = ((await res.json()) as { predictions: Array<{ label: string; probabilities: number[]; classes: string[] }> }).predictions;
  return rows.map((r) => ({ label: r.label, probabilities: Object.fromEntries(r.classes.map((c, j) => [c, r.probabilities[j]])) }));
}

describe('serve: versions, CLI, worker, export', () => {
  const tmp = tempDir('process');
  let runs: string;

  before(async () => {
    runs = await makeRunsFolder(tmp.dir, 'iris', ['20261129-100000', '20261129-110000', '20261129-113000', '20261129-120000'], ['20261129-113000']);
  });
  after(() => tmp.cleanup());

  it('a runs folder serves each completed run as a version, newest by default', async () => {
    const resolved = await resolveModel(runs);
    assert.equal(resolved.name, 'iris');
    assert.deepEqual(resolved.versions.map((v) => [v.version, v.runId]), [[1, '20261129-100000'], [2, '20261129-110000'], [3, '20261129-120000']]);
    assert.equal(resolved.defaultVersion, 3);
    const { tf } = await loadTf();
    const s = await startServer({ dir: runs, port: 0 });
    try {
      const status = (await (await fetch(`${s.url}/v1/models/iris`)).json()) as { model_version_status: Array<{ version: string }> };
      assert.deepEqual(status.model_version_status.map((v) => v.version), ['1', '2', '3']);
      const one = (await (await fetch(`${s.url}/v1/models/iris/versions/2`)).json()) as { model_version_status: Array<{ version: string }> };
      assert.deepEqual(one.model_version_status.map((v) => v.version), ['2']);
      for (const v of [1, 3]) {
        const expected = await predictRecords(await loadSavedModel(resolved.versions[v - 1].dir, { tf }), IRIS_RECORDS);
        const got = await predict(s.url, 'iris', v);
        expected.forEach((e, i) => assert.ok('probabilities' in e && Math.abs(got[i].probabilities.setosa - e.probabilities.setosa) < 1e-5));
      }
      const v1 = await predict(s.url, 'iris', 1);
      const latest = await predict(s.url, 'iris');
      assert.deepEqual(latest, await predict(s.url, 'iris', 3));
      assert.notDeepEqual(latest, v1);
    } finally {
      await s.close();
    }
  });

  it('a runs folder whose only run was killed serves its best checkpoint, and says so (as predict takes it)', async () => {
    const killed = path.join(tmp.dir, 'killed', 'runs', 'movies');
    const runDir = path.join(killed, '2026-11-29T11-52-47-048Z');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ modelName: 'movies', status: 'running' }));
    await saveTinyModel(path.join(runDir, 'checkpoints', 'best'), IRIS_PREP, 3);
    const resolved = await resolveModel(killed);
    assert.equal(resolved.name, 'movies');
    assert.deepEqual(resolved.versions.map((v) => [v.version, v.dir]), [[1, path.join(runDir, 'checkpoints', 'best')]]);
    assert.match(resolved.note ?? '', /no run here completed; serving the best checkpoint of 2026-11-29T11-52-47-048Z \(running, checkpoints\/best\)/);
    // the run folder itself too
    assert.equal((await resolveModel(runDir)).versions[0].dir, path.join(runDir, 'checkpoints', 'best'));
    const logs: string[] = [];
    const s = await startServer({ dir: killed, port: 0, log: (level, m) => logs.push(`${level}: ${m}`) });
    try {
      assert.ok(logs.some((l) => l.startsWith('warn: ') && l.includes('best checkpoint')), logs.join('\n'));
      assert.equal((await predict(s.url, 'movies')).length, IRIS_RECORDS.length);
    } finally {
      await s.close();
    }
    // a folder of runs folders names the models in it
    await assert.rejects(resolveModel(path.join(tmp.dir, 'killed', 'runs')), /holds the runs of 1 model \(movies\); serve one of them, e\.g\. model-studio serve .*movies/);
    await assert.rejects(resolveModel(path.join(tmp.dir, 'runs')), /holds the runs of 1 model \(iris\)/);
  });

  it('the CLI prints where it listens and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'serve', runs, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const m = await waitForLine(child, /Serving (\S+) \(versions 1–3\) on (http:\/\/127\.0\.0\.1:\d+) — bound to loopback only/);
      assert.equal(m[1], 'iris');
      assert.equal((await predict(m[2], 'iris')).length, IRIS_RECORDS.length);
      child.kill('SIGTERM');
      assert.equal(await exited(child), 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('the CLI parses its options and refuses bad ones (exit 2) or a missing folder (exit 1)', async () => {
    assert.deepEqual(parseServeArgs([runs, '--name', 'flowers', '--host=0.0.0.0', '--port', '9000', '--max-body', '2mb', '--backend', 'cpu']),
      { dir: runs, name: 'flowers', host: '0.0.0.0', port: 9000, maxBodyBytes: 2 * 2 ** 20, backend: 'cpu' });
    assert.throws(() => parseServeArgs([runs, '--port', 'x']), /--port must be a port number/);
    assert.throws(() => parseServeArgs([runs, '--backend', 'tpu']), /--backend must be one of/);
    assert.throws(() => parseServeArgs([runs, '--max-body', 'big']), /not a size/);
    assert.throws(() => parseServeArgs([]), /which model/);
    const quiet = process.stderr.write;
    process.stderr.write = () => true;
    try {
      assert.equal(await runServe([]), 2);
      assert.equal(await runServe([runs, '--port', '-1']), 2);
      assert.equal(await runServe([path.join(tmp.dir, 'nope'), '--port', '0']), 1);
    } finally {
      process.stderr.write = quiet;
    }
  });

  it('the IPC worker serves, rejects malformed messages and stops on shutdown', async () => {
    const child = fork(path.join(ROOT, 'src', 'serve', 'worker.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const messages: ServeWorkerMessage[] = [];
    const next = (type: ServeWorkerMessage['type']): Promise<ServeWorkerMessage> => new Promise((resolve, reject) => {
      const found = messages.find((m) => m.type === type);
      if (found) { resolve(found); return; }
      const onMessage = (raw: unknown): void => {
        const parsed = parseServeWorkerMessage(raw);
        assert.ok(parsed.ok, 'the worker sent a malformed message');
        if (parsed.message.type === type) { child.off('message', onMessage); resolve(parsed.message); }
      };
      child.on('message', onMessage);
      child.once('exit', () => reject(new Error(`worker exited before '${type}'`)));
    });
    try {
      child.send({ type: 'serve', dir: 42 });
      const rejected = await next('error');
      assert.match((rejected as { message: string }).message, /'dir'/);
      child.send({ type: 'serve', dir: runs, port: 0 });
      const listening = await next('listening');
      assert.ok(listening.type === 'listening');
      assert.equal(listening.name, 'iris');
      assert.deepEqual(listening.versions.map((v) => v.version), [1, 2, 3]);
      assert.equal((await predict(listening.url, 'iris')).length, IRIS_RECORDS.length);
      child.send({ type: 'shutdown' });
      assert.equal(await exited(child), 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('export writes a folder that serves with plain node and only TF.js installed', async () => {
    const bundle = path.join(tmp.dir, 'serve-standalone.js');
    await esbuild.build({ entryPoints: [path.join(ROOT, 'src', 'serve', 'standalone.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['@tensorflow/*', 'webgpu'], logLevel: 'error' });
    const out = path.join(tmp.dir, 'export', 'iris-server');
    const result = await exportModel(path.join(runs, '20261129-110000'), out, { serverBundle: bundle });
    assert.deepEqual(result.files, ['README.md', 'model/model.json', 'model/preprocessing.json', 'model/serve.json', 'model/weights.bin', 'package.json', 'server.js']);
    const pkg = JSON.parse(readFileSync(path.join(out, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(pkg.dependencies).sort(), ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm']);
    assert.equal(pkg.dependencies['@tensorflow/tfjs'], (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), 'utf8')) as { version: string }).version);
    assert.equal(pkg.scripts.start, 'node server.js');
    const readme = readFileSync(path.join(out, 'README.md'), 'utf8');
    assert.match(readme, /curl -X POST http:\/\/127\.0\.0\.1:8501\/v1\/models\/iris:predict/);
    // arrays are raw values in feature order; encoded input is asked for by signature_name
    assert.match(readme, /an array of the values in feature order\n\(sepal_length, petal_width, color, flag\)/);
    assert.match(readme, /-d '\{"instances":\[\[5\.8,1\.2,"blue",true\]\]\}'/);
    assert.match(readme, /add `"signature_name": "encoded"` to the request body/);
    assert.match(readme, /"probabilities": \[…, …, …\], "classes": \["setosa", "versicolor", "virginica"\]/);
    assert.doesNotMatch(readme, /always taken as encoded/);
    // exporting over a non-empty folder is refused
    await assert.rejects(exportModel(runs, out, { serverBundle: bundle }), /not empty/);

    const child = spawn(process.execPath, ['server.js'], { cwd: out, env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const m = await waitForLine(child, /Serving iris \(version 1\) on (http:\/\/127\.0\.0\.1:\d+)/);
      const expected = await predictRecords(await loadSavedModel(path.join(runs, '20261129-110000', 'model'), { tf: (await loadTf()).tf }), IRIS_RECORDS);
      const got = await predict(m[1], 'iris');
      expected.forEach((e, i) => {
        assert.ok('label' in e);
        assert.equal(got[i].label, e.label);
        assert.ok(Math.abs(got[i].probabilities.virginica - e.probabilities.virginica) < 1e-5);
      });
      child.kill('SIGTERM');
      assert.equal(await exited(child), 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    assert.ok(existsSync(path.join(out, 'server.js')));
  });
});
