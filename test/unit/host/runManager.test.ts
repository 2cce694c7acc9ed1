import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { EngineMessage } from '../../../src/protocol/engine';
import type { HostLog } from '../../../src/host/events';
import { markRunEnded, RunManager } from '../../../src/host/runManager';

const FAKE = path.join(__dirname, 'fixtures', 'fakeEngine.cjs');

function memoryLog(): HostLog & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (m: string | Error) => void lines.push(`${level} ${m instanceof Error ? m.message : m}`);
  return { lines, trace: add('trace'), debug: add('debug'), info: add('info'), warn: add('warn'), error: add('error') };
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tmpRoots: string[] = [];
after(async () => {
  for (const d of tmpRoots) await fsp.rm(d, { recursive: true, force: true });
});

async function setup(mode: string, extra: { max?: number; backend?: string; stopTimeoutMs?: number } = {}) {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-host-'));
  tmpRoots.push(root);
  const log = memoryLog();
  const manager = new RunManager({
    enginePath: FAKE,
    log,
    stopTimeoutMs: extra.stopTimeoutMs ?? 10_000,
    settings: {
      runsDir: () => path.join(root, 'runs'),
      workspaceRoot: () => root,
      backend: () => extra.backend,
      maxConcurrentRuns: () => extra.max ?? 2,
      env: () => ({ ...process.env, FAKE_ENGINE_MODE: mode }),
    },
  });
  const seen: Array<{ runKey: string; message: EngineMessage }> = [];
  manager.onMessage((e) => void seen.push(e));
  return { root, log, manager, seen, spec: path.join(root, 'm.model.yaml') };
}

const readRun = async (runDir: string) => JSON.parse(await fsp.readFile(path.join(runDir, 'run.json'), 'utf8')) as Record<string, unknown>;

describe('RunManager against a fake engine', () => {
  it('trains to completion: messages arrive in order, the run has its folder, the process exits', async () => {
    const { manager, seen, spec } = await setup('normal', { backend: 'wasm' });
    const key = await manager.train(spec);
    const done = await until('done', () => manager.get(key)?.status === 'completed' && manager.get(key));
    assert.ok(done.runDir && done.runDir.includes(path.join('runs', 'fake')));
    const types = done.messages.map((m) => m.type);
    assert.equal(types[0], 'runStarted');
    assert.equal(types.at(-1), 'done');
    assert.equal(types.filter((t) => t === 'epochEnded').length, 3);
    assert.ok(!types.includes('ready') && !types.includes('log'), 'ready and log are not run history');
    assert.ok(seen.some((e) => e.runKey === key && e.message.type === 'log'), 'logs still reach listeners');
    assert.ok(!seen.some((e) => e.message.type === 'ready'));
    const started = seen.find((e) => e.message.type === 'runStarted')?.message;
    assert.equal(started?.type === 'runStarted' && started.backend.reason, 'asked for wasm', 'the backend setting reaches the engine');
    await until('exit', () => manager.active().length === 0);
    assert.equal(manager.findByRunDir(done.runDir), key);
    await manager.dispose();
  });

  it('stops a run gracefully: status stopped, written by the engine', async () => {
    const { manager, spec } = await setup('slow');
    const key = await manager.train(spec);
    await until('a first epoch', () => manager.get(key)?.messages.some((m) => m.type === 'epochEnded'));
    manager.stop(key);
    const run = await until('stopped', () => manager.get(key)?.status === 'stopped' && manager.get(key));
    assert.equal((await readRun(run.runDir!)).status, 'stopped');
    await manager.dispose();
  });

  it('kills an engine that ignores stop after the timeout, and marks run.json stopped', async () => {
    const { manager, spec } = await setup('ignoreStop', { stopTimeoutMs: 300 });
    const key = await manager.train(spec);
    const started = await until('run folder', () => manager.get(key)?.runDir);
    manager.stop(key);
    await until('stopped', () => manager.get(key)?.status === 'stopped');
    await until('engine gone', () => manager.active().length === 0);
    const record = await readRun(started);
    assert.equal(record.status, 'stopped');
    assert.equal(record.stopReason, 'stopped by the user');
    await manager.dispose();
  });

  it('a crash marks the run failed with the last error, on disk too, and keeps what was written', async () => {
    const { manager, seen, spec } = await setup('crash');
    const key = await manager.train(spec);
    const run = await until('failed', () => manager.get(key)?.status === 'failed' && manager.get(key));
    const record = await readRun(run.runDir!);
    assert.equal(record.status, 'failed');
    const err = (record.error as { message: string }).message;
    assert.match(err, /exit code 3/);
    assert.match(err, /out of memory in the fake engine/);
    const lines = (await fsp.readFile(path.join(run.runDir!, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 2);
    const last = seen.filter((e) => e.runKey === key).map((e) => e.message);
    assert.equal(last.at(-1)?.type, 'done');
    assert.ok(last.some((m) => m.type === 'error' && /exit code 3/.test(m.message)));
    await manager.dispose();
  });

  it('a kill from outside is a failure, not a stop', async () => {
    const { manager, spec } = await setup('slow');
    const key = await manager.train(spec);
    await until('run folder', () => manager.get(key)?.runDir);
    const pid = manager.live(key)!.proc.pid!;
    process.kill(pid, 'SIGKILL');
    const run = await until('failed', () => manager.get(key)?.status === 'failed' && manager.get(key));
    assert.match(((await readRun(run.runDir!)).error as { message: string }).message, /SIGKILL/);
    await manager.dispose();
  });

  it('a run on a SLURM target is queued with its folder and job first, then runs; it does not count against maxConcurrentRuns', async () => {
    const { manager, seen, spec } = await setup('normal', { max: 1 });
    const key = await manager.train(spec, { target: 'gpu-cluster' });
    assert.equal(manager.live(key)?.status, 'queued');
    const queued = await until('queued', () => seen.find((e) => e.runKey === key && e.message.type === 'queued'));
    assert.equal(queued.message.type === 'queued' && queued.message.target, 'gpu-cluster');
    assert.equal(manager.live(key)?.jobId, '41');
    assert.equal(manager.live(key)?.queuedReason, 'Priority');
    assert.equal(manager.get(key)?.runDir, queued.message.type === 'queued' ? queued.message.runDir : undefined);
    // the limit is about this machine: a local run may start beside a cluster job
    const local = await manager.train(spec);
    await until('both done', () => manager.get(key)?.status === 'completed' && manager.get(local)?.status === 'completed');
    const kinds = seen.filter((e) => e.runKey === key).map((e) => e.message.type);
    assert.ok(kinds.indexOf('queued') < kinds.indexOf('runStarted'), kinds.join(' '));
  });

  it('Stop on a queued cluster run ends it stopped without writing its folder (the job owns it)', async () => {
    const { manager, spec } = await setup('slow', { stopTimeoutMs: 50 });
    const key = await manager.train(spec, { target: 'gpu-cluster' });
    const runDir = await until('queued', () => manager.get(key)?.runDir);
    manager.stop(key);
    await until('stopped', () => manager.get(key)?.status === 'stopped');
    // the stop timeout (50 ms) does not apply: the watcher had time to see the job leave the queue and say so itself
    assert.ok(!manager.live(key)?.lastError);
    assert.equal((await readRun(runDir)).status, 'queued');
  });

  it('resume continues the given run folder, and refuses one that is still training', async () => {
    const { manager, spec, seen } = await setup('normal');
    const first = await manager.train(spec);
    const done = await until('first done', () => manager.get(first)?.status === 'completed' && manager.get(first));
    const again = await manager.train(spec, { resumeDir: done.runDir });
    assert.equal(manager.get(again)?.runDir, done.runDir);
    await until('resumed done', () => manager.get(again)?.status === 'completed');
    const end = seen.find((e) => e.runKey === again && e.message.type === 'done');
    assert.equal(end?.message.type === 'done' && end.message.runDir, done.runDir);

    const { manager: m2, spec: spec2 } = await setup('slow');
    const live = await m2.train(spec2);
    const liveDir = await until('run folder', () => m2.get(live)?.runDir);
    await assert.rejects(m2.train(spec2, { resumeDir: liveDir }), /still training; stop it first/);
    m2.stop(live);
    await until('stopped', () => m2.get(live)?.status === 'stopped');
  });

  it('refuses a run over the concurrency limit with a message that names the setting', async () => {
    const { manager, spec } = await setup('slow', { max: 1 });
    const key = await manager.train(spec);
    await assert.rejects(manager.train(spec), /modelStudio\.maxConcurrentRuns/);
    manager.stop(key);
    await until('stopped', () => manager.get(key)?.status === 'stopped');
    await manager.dispose();
  });

  it('rejects invalid engine messages without acting on them', async () => {
    const { manager, log, spec } = await setup('garbage');
    const key = await manager.train(spec);
    await until('completed', () => manager.get(key)?.status === 'completed');
    assert.ok(log.lines.some((l) => l.startsWith('warn') && l.includes("'id' must be a string")));
    await manager.dispose();
  });

  it('runs nothing in an untrusted workspace', async () => {
    const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-host-'));
    tmpRoots.push(root);
    const manager = new RunManager({
      enginePath: FAKE,
      log: memoryLog(),
      settings: { runsDir: () => root, workspaceRoot: () => root, backend: () => undefined, maxConcurrentRuns: () => 2, env: () => process.env, trusted: () => false },
    });
    await assert.rejects(manager.train(path.join(root, 'm.model.yaml')), /not trusted/);
    await assert.rejects(manager.predict('/m', []), /not trusted/);
    assert.equal(manager.active().length, 0, 'no engine process was started');
    await manager.dispose();
  });

  it('predict and save go to a shared engine process; an engine error rejects with its text', async () => {
    const { manager } = await setup('normal');
    assert.deepEqual(await manager.predict('/m', [{ x: 1 }]), [{ label: 'a', echo: { x: 1 } }]);
    assert.deepEqual(await manager.save('/run', '/out'), ['model.json', 'weights.bin']);
    await assert.rejects(manager.evaluate('/nowhere'), /no run folder at \/nowhere/);
    await manager.dispose();
  });
});

describe('markRunEnded', () => {
  it('leaves a run the engine already ended alone', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-run-'));
    tmpRoots.push(dir);
    await fsp.writeFile(path.join(dir, 'run.json'), JSON.stringify({ status: 'completed', startedAt: new Date().toISOString() }));
    await markRunEnded(dir, 'failed', 'boom');
    assert.equal((await readRun(dir)).status, 'completed');
  });
});
