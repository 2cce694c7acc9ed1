/**
 * Runs on a real SLURM target (test/slurm/run.ts starts a single-node cluster): the same run folder and
 * numbers as a local run, Stop while running and while queued, a requeued job that resumes by itself and
 * still ends with the local run's weights, and a clear error for a partition SLURM does not know.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, epochLines, filesUnder, last, readJson, slurm, until, workspace } from './helpers';

const SLURM_ONLY = /^slurm-(job\.sh|\d+\.out)$/;

test('a run on the target ends with the files, events and numbers of the same file trained locally', async () => {
  const ws = workspace(6);
  const local = cli(['train', ws.model, '--json'], ws.dir);
  assert.equal(await local.exited, 0, local.stderr());
  const remote = cli(['train', ws.model, '--target', 'debug', '--json'], ws.dir);
  assert.equal(await remote.exited, 0, remote.stderr());

  const a = last(local);
  const b = last(remote);
  assert.equal(b.event, 'done');
  assert.equal(b.status, 'completed');
  assert.equal(b.target, 'debug');
  assert.match(String(b.jobId), /^\d+$/);
  assert.deepEqual(b.metrics, a.metrics, 'the report on the target equals the local one');
  for (const k of ['backend', 'device', 'split']) assert.equal(b[k], a[k], k);

  const localDir = String(a.run);
  const remoteDir = String(b.run);
  assert.deepEqual(filesUnder(remoteDir).filter((f) => !SLURM_ONLY.test(f)), filesUnder(localDir), 'the same files, plus the job script and log');
  assert.ok(filesUnder(remoteDir).includes(`slurm-${String(b.jobId)}.out`));
  assert.deepEqual(epochLines(remoteDir), epochLines(localDir));
  assert.ok(fs.readFileSync(path.join(remoteDir, 'model', 'weights.bin')).equals(fs.readFileSync(path.join(localDir, 'model', 'weights.bin'))), 'same weights');

  // the same event stream (a cluster run adds `submitted` and, while it waits, `queued`); the live-only events
  // (`progress`, and `dataProgress` while the data is read) are not in the run folder, which is what a watcher reads
  const LIVE_ONLY = new Set(['log', 'submitted', 'queued', 'progress', 'dataProgress']);
  const kinds = (c: typeof local) => c.events().map((e) => String(e.event)).filter((k) => !LIVE_ONLY.has(k));
  assert.deepEqual(kinds(remote), kinds(local));
  const submitted = remote.events().find((e) => e.event === 'submitted');
  assert.ok(submitted && submitted.runDir === remoteDir && submitted.jobId === b.jobId);
  const record = readJson(path.join(remoteDir, 'run.json'));
  assert.equal(record.status, 'completed');
  assert.equal(record.target, 'debug');
  assert.equal((record.slurm as Record<string, unknown>).jobId, b.jobId);
  assert.equal((record.slurm as Record<string, unknown>).state, 'COMPLETED');
});

test('Stop (Ctrl-C) cancels gracefully: the job gets SIGTERM, saves, and the run ends stopped (exit 130)', async () => {
  const ws = workspace(5000);
  const run = cli(['train', ws.model, '--target', 'debug', '--json'], ws.dir);
  const started = await until('runStarted', () => run.events().find((e) => e.event === 'runStarted'));
  const runDir = String(started.runDir);
  await until('two epochs', () => epochLines(runDir).length >= 2);
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 130, run.stderr());
  const done = last(run);
  assert.equal(done.status, 'stopped');
  const record = readJson(path.join(runDir, 'run.json'));
  assert.equal(record.status, 'stopped');
  assert.equal((record.slurm as Record<string, unknown>).exitCode, '130:0');
  for (const f of ['checkpoints/best/weights.bin', 'checkpoints/resume/state.json', 'model/weights.bin', 'report.json']) assert.ok(fs.existsSync(path.join(runDir, f)), f);
});

test('Stop while queued: the pending job is cancelled, the run says it never started', async () => {
  const ws = workspace(3);
  const run = cli(['train', ws.model, '--target', 'later', '--json'], ws.dir);
  // SLURM's reason once its scheduler has looked at the job (None before that)
  const queued = await until('queued (BeginTime)', () => run.events().find((e) => e.event === 'queued' && e.reason === 'BeginTime'));
  assert.equal(queued.state, 'PENDING');
  const runDir = String(queued.runDir);
  assert.equal(readJson(path.join(runDir, 'run.json')).status, 'queued');
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 130, run.stderr());
  const record = readJson(path.join(runDir, 'run.json'));
  assert.equal(record.status, 'stopped');
  assert.equal(record.stopReason, 'cancelled before it started');
  assert.equal(slurm('squeue', ['-h', '-j', String(queued.jobId)]).trim(), '');
});

test('a requeued job (preemption, node failure) resumes by itself and ends with the weights of an uninterrupted run', async () => {
  const ws = workspace(120);
  const local = cli(['train', ws.model, '--json'], ws.dir);
  assert.equal(await local.exited, 0, local.stderr());
  const remote = cli(['train', ws.model, '--target', 'debug', '--json'], ws.dir);
  const submitted = await until('submitted', () => remote.events().find((e) => e.event === 'submitted'));
  const runDir = String(submitted.runDir);
  const job = String(submitted.jobId);
  await until('three epochs', () => epochLines(runDir).length >= 3);
  slurm('scontrol', ['requeue', job]);
  // SLURM holds a requeued job back for a while (BeginTime); let it start again now
  await until('requeued', () => /PENDING/.test(slurm('squeue', ['-h', '-j', job, '-o', '%T'])));
  slurm('scontrol', ['update', `JobId=${job}`, 'StartTime=now']);
  assert.equal(await remote.exited, 0, remote.stderr());
  assert.equal(last(remote).status, 'completed');
  const record = readJson(path.join(runDir, 'run.json'));
  assert.equal((record.resumes as unknown[]).length, 1);
  assert.ok(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').includes('"event":"resume"'));
  assert.ok(remote.events().some((e) => e.event === 'runStarted' && typeof e.resumed === 'object'));
  assert.deepEqual(last(remote).metrics, last(local).metrics);
  assert.ok(fs.readFileSync(path.join(runDir, 'model', 'weights.bin')).equals(fs.readFileSync(path.join(String(last(local).run), 'model', 'weights.bin'))));
});

test('an unknown partition: a clear error naming the target and quoting SLURM; no run folder left behind', async () => {
  const ws = workspace(3);
  const run = cli(['train', ws.model, '--target', 'nopart'], ws.dir);
  assert.equal(await run.exited, 2);
  assert.match(run.stderr(), /target 'nopart': sbatch refused the job: .*invalid partition/i);
  assert.deepEqual(fs.existsSync(ws.runs) ? filesUnder(ws.runs) : [], []);
  const typo = cli(['train', ws.model, '--target', 'debgu'], ws.dir);
  assert.equal(await typo.exited, 2);
  assert.match(typo.stderr(), /targets\.yaml:\d+:\d+: error: no target named 'debgu'; did you mean `debug`\?/);
});
