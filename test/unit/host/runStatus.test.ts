import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { HostLog } from '../../../src/host/events';
import { RunManager } from '../../../src/host/runManager';
import { ENDED_LINGER_MS, statusView, type RunForStatus } from '../../../src/host/runStatus';
import type { ProgressInfo } from '../../../src/protocol/engine';

const progress = (epoch: number, loss = 0.5): ProgressInfo => ({ epoch, epochs: 10, batch: 1, batches: 4, step: epoch * 4, logs: { loss }, samplesPerSec: 100, elapsedMs: 1000, etaMs: 4000 });
const run = (over: Partial<RunForStatus>): RunForStatus => ({ runKey: 'a', specPath: '/ws/iris.model.yaml', status: 'running', stopRequested: false, startedAt: 1000, ...over });

describe('the status bar text', () => {
  it('follows one run from starting to each end, then goes away', () => {
    assert.match(statusView([run({})], 1100)?.text ?? '', /^\$\(sync~spin\) iris · starting…$/);
    assert.match(statusView([run({ modelName: 'iris', progress: progress(3, 0.25) })], 2000)?.text ?? '', /iris · epoch 3\/10 · loss 0\.25 · ETA 4(\.0)? ?s/);
    const stopping = statusView([run({ modelName: 'iris', progress: progress(3), stopRequested: true })], 2000);
    assert.match(stopping?.text ?? '', /iris · stopping after this batch…/);
    const ends: Array<[Partial<RunForStatus>, RegExp, boolean]> = [
      [{ status: 'completed', summary: { accuracy: 0.96, logLoss: 0.1 } }, /^\$\(pass\) iris · completed · accuracy 0\.96$/, false],
      [{ status: 'completed', summary: { mse: 2, r2: 0.85 } }, /completed · R² 0\.85$/, false],
      [{ status: 'stopped', stopRequested: true }, /^\$\(debug-stop\) iris · stopped at epoch 3\/10$/, false],
      [{ status: 'failed', lastError: 'the engine process ended unexpectedly (killed by SIGKILL)' }, /^\$\(error\) iris · failed$/, true],
    ];
    for (const [end, text, error] of ends) {
      const ended = run({ modelName: 'iris', progress: progress(3), epochsCompleted: 3, endedAt: 5000, ...end });
      const view = statusView([ended], 5000 + 1000);
      assert.match(view?.text ?? '', text);
      assert.equal(view?.error, error);
      assert.equal(view?.until, 5000 + ENDED_LINGER_MS);
      if (end.status === 'failed') assert.match(view?.tooltip ?? '', /SIGKILL/);
      assert.equal(statusView([ended], 5000 + ENDED_LINGER_MS), null, 'an ended run stays only a while');
    }
  });

  it('a run stopped part-way through an epoch says the epochs it finished (as run.json counts them)', () => {
    const stopped = run({ modelName: 'iris', status: 'stopped', stopRequested: true, progress: progress(225), epochsCompleted: 224, endedAt: 5000 });
    assert.match(statusView([stopped], 5100)?.text ?? '', /iris · stopped at epoch 224\/10$/);
    assert.match(statusView([{ ...stopped, epochsCompleted: undefined }], 5100)?.text ?? '', /iris · stopped at epoch 0\/10$/);
  });

  it('while the data is read before the first epoch: how far, which pass; then the epochs', () => {
    const reading = { pass: 2, passes: 2, rows: 1_234_567, bytes: 120 * 1048576, totalBytes: 950 * 1048576 };
    const view = statusView([run({ modelName: 'big', reading })], 1100);
    assert.match(view?.text ?? '', /^\$\(sync~spin\) big · reading data 12% \(pass 2\/2\)$/);
    assert.match(view?.tooltip ?? '', /pass 2\/2: 1,234,567 rows · 120 \/ 950 MB \(12%\)/);
    assert.match(statusView([run({ modelName: 'big', reading: { ...reading, pass: 3, passes: 2 } })], 1100)?.text ?? '', /reading data 12% \(fitting\)$/);
    // the first epoch's progress wins over a reading that was not cleared
    assert.match(statusView([run({ modelName: 'big', reading, progress: progress(1) })], 1100)?.text ?? '', /big · epoch 1\/10/);
    assert.match(statusView([run({ modelName: 'big', reading, stopRequested: true })], 1100)?.text ?? '', /stopping after this batch/);
  });

  it('never shows an earlier run once a newer one started; several running say how many more', () => {
    const old = run({ runKey: 'old', modelName: 'iris', status: 'stopped', stopRequested: true, endedAt: 5000, progress: progress(7) });
    const next = run({ runKey: 'new', modelName: 'cars', startedAt: 6000 });
    assert.equal(statusView([old, next], 6100)?.runKey, 'new');
    assert.match(statusView([old, next], 6100)?.text ?? '', /cars · starting…/);
    // the newer run fails before it even started training: its failure, not the older run's stop
    const failed = { ...next, status: 'failed' as const, endedAt: 6500, lastError: 'data.source: no such file' };
    assert.match(statusView([old, failed], 6600)?.text ?? '', /^\$\(error\) cars · failed$/);
    const both = [run({ runKey: 'x', modelName: 'iris', startedAt: 1 }), run({ runKey: 'y', modelName: 'cars', startedAt: 2 })];
    assert.match(statusView(both, 10)?.text ?? '', /cars · starting… \(\+1 more\)$/);
  });
});

describe('the status bar over real runs (RunManager + the fake engine), in every outcome', () => {
  const roots: string[] = [];
  after(async () => {
    for (const d of roots) await fsp.rm(d, { recursive: true, force: true });
  });
  const quiet: HostLog = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  async function manager(mode: string, stopTimeoutMs = 10_000): Promise<{ m: RunManager; spec: string }> {
    const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'ms-status-'));
    roots.push(root);
    const m = new RunManager({
      enginePath: path.join(__dirname, 'fixtures', 'fakeEngine.cjs'), log: quiet, stopTimeoutMs,
      settings: { runsDir: () => path.join(root, 'runs'), workspaceRoot: () => root, backend: () => undefined, maxConcurrentRuns: () => 2, env: () => ({ ...process.env, FAKE_ENGINE_MODE: mode }) },
    });
    return { m, spec: path.join(root, 'm.model.yaml') };
  }
  async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
    const end = Date.now() + 20_000;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const text = (m: RunManager) => statusView(m.all(), Date.now())?.text ?? '';

  it('completed', async () => {
    const { m, spec } = await manager('normal');
    const key = await m.train(spec);
    await until('completed', () => m.get(key)?.status === 'completed');
    assert.match(text(m), /^\$\(pass\) fake · completed/);
    await m.dispose();
  });

  it('stopped, with "stopping" only while it stops', async () => {
    const { m, spec } = await manager('slow');
    const key = await m.train(spec);
    await until('progress', () => /epoch \d+\/\d+/.test(text(m)));
    m.stop(key);
    assert.match(text(m), /stopping after this batch/);
    await until('stopped', () => m.get(key)?.status === 'stopped');
    assert.match(text(m), /^\$\(debug-stop\) fake · stopped/);
    await m.dispose();
  });

  it('stopped by force (the engine ignored the stop and was killed after the timeout)', async () => {
    const { m, spec } = await manager('ignoreStop', 300);
    const key = await m.train(spec);
    await until('run folder', () => m.get(key)?.runDir);
    m.stop(key);
    await until('stopped', () => m.get(key)?.status === 'stopped');
    assert.match(text(m), /^\$\(debug-stop\) fake · stopped/);
    await m.dispose();
  });

  it('reading the data, then training to the end; stopped while reading', async () => {
    {
      const { m, spec } = await manager('reading');
      const key = await m.train(spec);
      await until('reading', () => /^\$\(sync~spin\) m · reading data \d+% \(pass 1\/2\)$/.test(text(m)));
      await until('completed', () => m.get(key)?.status === 'completed');
      assert.equal(m.live(key)?.reading, undefined, 'the run started: reading is over');
      assert.match(text(m), /^\$\(pass\) fake · completed/);
      await m.dispose();
    }
    const { m, spec } = await manager('readForever');
    const key = await m.train(spec);
    await until('reading', () => /reading data \d+%/.test(text(m)));
    m.stop(key);
    assert.match(text(m), /stopping after this batch/);
    await until('stopped', () => m.get(key)?.status === 'stopped');
    assert.match(text(m), /^\$\(debug-stop\) m · stopped$/);
    await m.dispose();
  });

  it('failed (the engine crashed), and killed from outside', async () => {
    for (const how of ['crash', 'kill'] as const) {
      const { m, spec } = await manager(how === 'crash' ? 'crash' : 'slow');
      const key = await m.train(spec);
      if (how === 'kill') {
        await until('run folder', () => m.get(key)?.runDir);
        process.kill(m.live(key)!.proc.pid!, 'SIGKILL');
      }
      await until('failed', () => m.get(key)?.status === 'failed');
      assert.match(text(m), /^\$\(error\) fake · failed$/, how);
      await m.dispose();
    }
  });
});
