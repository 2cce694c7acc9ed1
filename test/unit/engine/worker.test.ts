import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fork } from 'node:child_process';
import { parseEngineMessage, type EngineMessage } from '../../../src/protocol/engine';
import { createWorker } from '../../../src/engine/worker';
import { irisWorkspace, REPO } from './fixtures';

function inProcess() {
  const sent: EngineMessage[] = [];
  let exitCode: number | null = null;
  const worker = createWorker({ send: (m) => sent.push(m), exit: (c) => { exitCode = c; } });
  return { worker, sent, exitCode: () => exitCode };
}

const until = async (pred: () => boolean, what: string) => {
  for (let i = 0; i < 2000 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(pred(), `timed out waiting for ${what}`);
};

test('malformed messages are rejected with an error, never run', async () => {
  const { worker, sent } = inProcess();
  const bad: unknown[] = [null, 'train', 42, [], { type: 'nope', id: 'x' }, { id: 'a' }, { type: 'train', id: 'r1' },
    { type: 'train', id: 'r2', specPath: 1, workspaceRoot: '/', runsDir: '/' }, { type: 'predict', id: 'p', modelDir: '/m', records: 'x' }, { type: 'stop' }];
  for (const m of bad) worker.receive(m);
  assert.equal(sent.length, bad.length);
  for (const m of sent) {
    assert.equal(m.type, 'error');
    assert.match((m as { message: string }).message, /rejected a malformed message/);
    assert.ok(parseEngineMessage(m).ok, 'our own messages pass the host-side check');
  }
  assert.equal((sent[6] as { id?: string }).id, 'r1', 'the id is echoed when there is one');
  assert.equal(worker.training, 0);
});

test('bad overrides and a missing model are errors with the request id', async () => {
  const { worker, sent } = inProcess();
  worker.receive({ type: 'train', id: 't', specPath: '/nope.model.yaml', workspaceRoot: '/', runsDir: '/tmp', overrides: { backend: 'tpu' } });
  worker.receive({ type: 'predict', id: 'p', modelDir: '/definitely/not/here', records: [{}] });
  await until(() => sent.filter((m) => m.type === 'error').length >= 2, 'two errors');
  const errors = sent.filter((m): m is Extract<EngineMessage, { type: 'error' }> => m.type === 'error');
  assert.ok(errors.some((e) => e.id === 't' && /overrides\.backend 'tpu'/.test(e.message)));
  assert.ok(errors.some((e) => e.id === 'p' && /no saved model here/.test(e.message)));
});

test('the forked worker says ready, trains over IPC, predicts, and shuts down', async () => {
  const ws = irisWorkspace((y) => y.replace(/backend: \w+/, 'backend: cpu'));
  const child = fork(path.join(REPO, 'src', 'engine', 'worker.ts'), [], { cwd: REPO, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  const got: EngineMessage[] = [];
  child.on('message', (raw) => {
    const parsed = parseEngineMessage(raw);
    assert.ok(parsed.ok, `engine sent a malformed message: ${JSON.stringify(raw)}`);
    if (parsed.ok) got.push(parsed.message);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until(() => got.some((m) => m.type === 'ready'), 'ready');
  assert.equal(got[0].type, 'ready');
  child.send({ type: 'hello' });
  child.send({ type: 'train', id: 'run1', specPath: ws.modelFile, workspaceRoot: ws.dir, runsDir: ws.runsDir, overrides: { epochs: 2 } });
  await until(() => got.some((m) => m.type === 'done' && m.id === 'run1'), 'done');
  assert.ok(got.some((m) => m.type === 'error' && /unknown message type "hello"/.test(m.message)));
  const done = got.find((m) => m.type === 'done' && m.id === 'run1') as Extract<EngineMessage, { type: 'done' }>;
  assert.equal(done.status, 'completed');
  for (const t of ['runStarted', 'progress', 'epochEnded', 'reportReady']) assert.ok(got.some((m) => m.type === t), t);
  child.send({ type: 'predict', id: 'p1', modelDir: done.runDir, records: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] });
  await until(() => got.some((m) => m.type === 'predicted'), 'predicted');
  const predicted = got.find((m) => m.type === 'predicted') as Extract<EngineMessage, { type: 'predicted' }>;
  assert.equal(predicted.predictions.length, 1);
  const outDir = path.join(ws.dir, 'exported');
  child.send({ type: 'save', id: 's1', runDir: done.runDir ?? '', outDir });
  await until(() => got.some((m) => m.type === 'saved'), 'saved');
  const saved = got.find((m) => m.type === 'saved') as Extract<EngineMessage, { type: 'saved' }>;
  assert.deepEqual(saved.files.map((f) => path.basename(f)), ['model.json', 'weights.bin', 'preprocessing.json']);
  for (const f of saved.files) assert.ok(fs.existsSync(f), f);
  // saving into a folder that holds other things writes the three files beside them, deleting nothing
  const project = path.join(ws.dir, 'project');
  fs.mkdirSync(path.join(project, 'src'), { recursive: true });
  fs.writeFileSync(path.join(project, 'src', 'keep.ts'), 'keep');
  fs.writeFileSync(path.join(project, 'README.md'), 'keep');
  child.send({ type: 'save', id: 's2', runDir: done.runDir ?? '', outDir: project });
  await until(() => got.some((m) => m.type === 'saved' && m.id === 's2') || got.some((m) => m.type === 'error' && m.id === 's2'), 'saved s2');
  assert.equal(fs.readFileSync(path.join(project, 'src', 'keep.ts'), 'utf8'), 'keep');
  assert.equal(fs.readFileSync(path.join(project, 'README.md'), 'utf8'), 'keep');
  for (const f of ['model.json', 'weights.bin', 'preprocessing.json']) assert.ok(fs.existsSync(path.join(project, f)), f);
  child.send({ type: 'shutdown' });
  assert.equal(await exited, 0);
  assert.equal(stdout, '', 'the worker never writes to stdout');
});
