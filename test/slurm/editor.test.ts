/**
 * The editor's path to a cluster run, without the editor: the RunManager the extension uses, forking the
 * bundled engine (dist/engine.js) as "Train on…" does. The engine process submits the job and follows it;
 * the host sees queued (with the job), then the ordinary run messages, then the end — and Stop on a
 * queued job cancels it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { EngineMessage } from '../../src/protocol/engine';
import type { HostLog } from '../../src/host/events';
import { RunManager } from '../../src/host/runManager';
import { readJson, REPO, slurm, until, workspace } from './helpers';

const quiet: HostLog = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function manager(ws: { dir: string; runs: string }) {
  const runs = new RunManager({
    enginePath: path.join(REPO, 'dist', 'engine.js'), log: quiet, stopTimeoutMs: 5_000,
    settings: { runsDir: () => ws.runs, workspaceRoot: () => ws.dir, backend: () => undefined, maxConcurrentRuns: () => 1, env: () => process.env },
  });
  const seen: EngineMessage[] = [];
  runs.onMessage((e) => void seen.push(e.message));
  return { runs, seen };
}

/** Ends the engine processes, and cancels any job a failed test left in the queue. */
async function cleanUp(runs: RunManager): Promise<void> {
  const jobs = runs.all().map((r) => r.jobId).filter((j): j is string => typeof j === 'string');
  await runs.dispose();
  for (const j of jobs) spawnSync('scancel', [j], { timeout: 10_000 });
}

test('Train on… a SLURM target from the editor: queued with the job, then the run\'s messages, then completed', async () => {
  const ws = workspace(4, 'irisEditor');
  const { runs, seen } = manager(ws);
  try {
    const key = await runs.train(ws.model, { target: 'debug' });
    const queued = await until('queued', () => seen.find((m): m is Extract<EngineMessage, { type: 'queued' }> => m.type === 'queued'), 60_000);
    assert.equal(queued.target, 'debug');
    assert.match(queued.jobId, /^\d+$/);
    assert.equal(runs.live(key)?.jobId, queued.jobId);
    const done = await until('done', () => seen.find((m): m is Extract<EngineMessage, { type: 'done' }> => m.type === 'done'), 180_000);
    assert.equal(done.status, 'completed');
    assert.equal(done.runDir, queued.runDir);
    const kinds = seen.map((m) => m.type);
    for (const k of ['runStarted', 'epochEnded', 'reportReady'] as const) assert.ok(kinds.includes(k), `${k} in ${kinds.join(' ')}`);
    assert.equal(seen.filter((m) => m.type === 'epochEnded').length, 4);
    assert.equal(runs.get(key)?.status, 'completed');
    const record = readJson(path.join(queued.runDir, 'run.json'));
    assert.equal(record.status, 'completed');
    assert.equal((record.slurm as Record<string, unknown>).jobId, queued.jobId);
  } finally {
    await cleanUp(runs);
  }
});

test('cluster runs share one watcher process; Stop on one queued run cancels its job only; closing the editor leaves jobs alone', async () => {
  const ws = workspace(3, 'irisEditorStop');
  const { runs, seen } = manager(ws);
  try {
    const a = await runs.train(ws.model, { target: 'later' });
    const b = await runs.train(ws.model, { target: 'later' });
    assert.equal(runs.live(a)?.proc.pid, runs.live(b)?.proc.pid, 'one engine process follows both jobs');
    const queued = (key: string) => until(`${key} queued (BeginTime)`, () => runs.live(key)?.queuedReason === 'BeginTime' && runs.live(key), 60_000);
    const [qa, qb] = [await queued(a), await queued(b)];
    const dirA = qa.runDir as string;
    const jobA = qa.jobId as string;
    const jobB = qb.jobId as string;
    runs.stop(a);
    await until('a stopped', () => runs.get(a)?.status === 'stopped', 60_000);
    const record = readJson(path.join(dirA, 'run.json'));
    assert.equal(record.status, 'stopped');
    assert.equal(record.stopReason, 'cancelled before it started');
    assert.equal(slurm('squeue', ['-h', '-j', jobA]).trim(), '');
    assert.equal(runs.get(b)?.status, 'queued', 'the other run is still followed');
    assert.ok(seen.some((m) => m.type === 'done' && m.id === a), 'a ended');
    // the editor closes: its watcher ends, the job stays in SLURM's queue
    await runs.dispose();
    assert.match(slurm('squeue', ['-h', '-j', jobB, '-o', '%T']).trim(), /^PENDING$/);
  } finally {
    await cleanUp(runs);
  }
});
