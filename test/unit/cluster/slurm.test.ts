/**
 * The SLURM side without a cluster: a fake `exec` answers as sbatch, squeue, scontrol, sacct and scancel
 * do (their outputs copied from slurm 22.05), so submission, polling, settling and errors are checked
 * in plain Node. test/slurm/ runs the same against a real cluster.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exec, finalJobInfo, parseScontrol, sbatch, scancel, squeue, type Exec, type ExecResult } from '../../../src/cluster/slurm';
import { sharedMonitor, SlurmMonitor, type JobUpdate } from '../../../src/cluster/monitor';
import { JOB_SCRIPT, jobScript, sbatchOptions, shQuote, submitRun } from '../../../src/cluster/submit';
import { settleRun } from '../../../src/cluster/slurmRun';
import { RunFolderFollower } from '../../../src/cluster/follow';
import { isThisJob, thisSlurmJob } from '../../../src/cluster/inJob';
import type { EngineMessage } from '../../../src/protocol/engine';
import { irisWorkspace } from '../engine/fixtures';

type Call = { cmd: string; args: string[] };
function fakeExec(answer: (c: Call) => Partial<ExecResult>): Exec & { calls: Call[] } {
  const calls: Call[] = [];
  const fn = (async (cmd: string, args: string[]) => {
    const c = { cmd, args };
    calls.push(c);
    return { code: 0, stdout: '', stderr: '', ...answer(c) };
  }) as Exec & { calls: Call[] };
  fn.calls = calls;
  return fn;
}

const TARGET = { name: 'gpu', file: '/ws/.model-studio/targets.yaml', target: { type: 'slurm' as const, partition: 'gpu', gres: 'gpu:1', cpusPerTask: 8, mem: '32G', time: '04:00:00', account: 'proj', setup: 'module load cuda/12.2', sbatchArgs: ['--exclusive'] } };

test('sbatch: the job id (also "id;cluster"); a refusal names the target and quotes SLURM; no sbatch on PATH says what to do', async () => {
  assert.equal(await sbatch(['x.sh'], fakeExec(() => ({ stdout: '4242\n' }))), '4242');
  assert.equal(await sbatch(['x.sh'], fakeExec(() => ({ stdout: '77;cluster2\n' }))), '77');
  await assert.rejects(sbatch(['x.sh'], fakeExec(() => ({ code: 1, stderr: 'sbatch: error: invalid partition specified: gpu\nsbatch: error: Batch job submission failed: Invalid partition name specified\n' })), 'gpu'),
    { name: 'SlurmError', message: "target 'gpu': sbatch refused the job: sbatch: error: invalid partition specified: gpu; sbatch: error: Batch job submission failed: Invalid partition name specified" });
  const saved = process.env.PATH;
  process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-nopath-'));
  try {
    await assert.rejects(sbatch(['x.sh'], exec, 'gpu'), /^SlurmError: target 'gpu': sbatch is not on PATH: this machine has no SLURM client tools/);
  } finally {
    process.env.PATH = saved;
  }
});

test('squeue: one call for many jobs; array tasks one by one; scontrol and sacct', async () => {
  const run = fakeExec(() => ({ stdout: '4|2|4|PENDING|JobArrayTaskLimit\n4|0|5|RUNNING|None\n9|N/A|9|PENDING|Priority\n' }));
  const q = await squeue(['4_0', '4_2', '9', '4_1'], run);
  assert.equal(run.calls.length, 1);
  assert.deepEqual(run.calls[0].args, ['-h', '-r', '-j', '4,9', '-o', '%F|%K|%A|%T|%r']);
  assert.deepEqual([...q.keys()].sort(), ['4_0', '4_2', '9']);
  assert.equal(q.get('4_2')?.reason, 'JobArrayTaskLimit');
  assert.equal(q.get('9')?.state, 'PENDING');
  assert.deepEqual(parseScontrol('JobId=13 JobName=ms-x JobState=TIMEOUT Reason=TimeLimit Dependency=(null) ExitCode=0:15 TimeLimit=00:01:00'), {
    JobId: '13', JobName: 'ms-x', JobState: 'TIMEOUT', Reason: 'TimeLimit', Dependency: '(null)', ExitCode: '0:15', TimeLimit: '00:01:00',
  });
  const noAcct = fakeExec((c) => (c.cmd === 'sacct' ? { code: 1, stderr: 'Slurm accounting storage is disabled' } : { stdout: 'JobId=13 JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 TimeLimit=00:01:00\n' }));
  assert.deepEqual(await finalJobInfo('13', noAcct), { state: 'TIMEOUT', reason: 'TimeLimit', exitCode: '0:15', timeLimit: '00:01:00', runTime: undefined });
  const acct = fakeExec(() => ({ stdout: '13|PREEMPTED|0:15|None|01:00:00|00:10:00\n' }));
  assert.equal((await finalJobInfo('13', acct))?.state, 'PREEMPTED');
  assert.equal(acct.calls.length, 1, 'accounting answers: no scontrol call');
});

test('scancel: a running job gets SIGTERM in every process (--full); a pending one is cancelled', async () => {
  const run = fakeExec(() => ({}));
  await scancel('12', { signal: 'TERM' }, run);
  await scancel('13_2', {}, run);
  assert.deepEqual(run.calls.map((c) => c.args), [['--full', '--signal=TERM', '12'], ['13_2']]);
});

test('the monitor: many watched jobs share one squeue call per poll, at most every 2 s; a job that left the queue gets the final word once', async () => {
  let tick = 0;
  const run = fakeExec((c) => {
    if (c.cmd === 'squeue') {
      tick++;
      return { stdout: tick === 1 ? '1|N/A|1|PENDING|Resources\n2|N/A|2|RUNNING|None\n3|N/A|3|RUNNING|None\n' : '2|N/A|2|RUNNING|None\n3|N/A|3|RUNNING|None\n' };
    }
    if (c.cmd === 'sacct') return { code: 1, stderr: 'Slurm accounting storage is disabled' };
    return { stdout: 'JobId=1 JobState=CANCELLED Reason=None ExitCode=0:0\n' };
  });
  const monitor = new SlurmMonitor({ exec: run, pollMs: 10 });
  const seen: Record<string, JobUpdate[]> = { 1: [], 2: [], 3: [] };
  const subs = ['1', '2', '3'].map((k) => monitor.watch(k, (u) => seen[k].push(u)));
  const t0 = Date.now();
  await new Promise<void>((resolve) => { const i = setInterval(() => { if (seen[1].some((u) => !u.inQueue)) { clearInterval(i); resolve(); } }, 20); });
  const elapsed = Date.now() - t0;
  assert.equal(run.calls.filter((c) => c.cmd === 'squeue').length, 2, 'one squeue call per poll for all three jobs');
  assert.ok(elapsed >= 1900, `the second poll came ${elapsed} ms after the first: the minimum interval is 2 s`);
  assert.deepEqual(seen[1].map((u) => [u.inQueue, u.state, u.reason]), [[true, 'PENDING', 'Resources'], [false, 'CANCELLED', 'None']]);
  assert.equal(seen[2].length, 2);
  for (const s of subs) s.dispose();
});

test('sharedMonitor: one monitor per interval for the whole process (the editor\'s cluster runs share one engine process), never below the minimum', () => {
  assert.equal(sharedMonitor(5000), sharedMonitor(5000));
  assert.notEqual(sharedMonitor(5000), sharedMonitor(10_000));
  assert.equal(sharedMonitor(10), sharedMonitor(2000), 'intervals under 2 s are 2 s');
});

test('sbatch options and the job script come from the target; words are shell-quoted', () => {
  assert.deepEqual(sbatchOptions(TARGET.target), ['--partition=gpu', '--account=proj', '--gres=gpu:1', '--cpus-per-task=8', '--mem=32G', '--time=04:00:00', '--exclusive']);
  const script = jobScript({ target: TARGET, workspaceRoot: "/ws/it's here", command: 'model-studio', trainArgs: ['train', '--resume', '/ws/runs/a b'], what: 'run x' });
  assert.match(script, /^#!\/bin\/bash\n/);
  assert.match(script, /\ncd '\/ws\/it'\\''s here'\n# setup \(from the target\)\nmodule load cuda\/12\.2\nexec model-studio train --resume '\/ws\/runs\/a b'\n$/);
  assert.equal(shQuote('plain/path-1.2'), 'plain/path-1.2');
});

function answering(overrides: Partial<Record<string, Partial<ExecResult>>> = {}) {
  return fakeExec((c) => overrides[c.cmd] ?? (c.cmd === 'sbatch' ? { stdout: '321\n' } : {}));
}

test('submitRun: validates, makes the queued run folder, submits held with --requeue, records the job id, then releases', async () => {
  const ws = irisWorkspace();
  const run = answering();
  const s = await submitRun({ specPath: ws.modelFile, workspaceRoot: ws.dir, runsDir: ws.runsDir, target: TARGET, epochs: 3, exec: run, cli: () => '/opt/ms/dist/cli.js' });
  assert.equal(s.jobId, '321');
  assert.deepEqual(run.calls.map((c) => c.cmd), ['sbatch', 'scontrol']);
  const args = run.calls[0].args;
  for (const a of ['--parsable', '--hold', '--requeue', '--open-mode=append', `--chdir=${ws.dir}`, '--partition=gpu', '--gres=gpu:1', '--time=04:00:00', `--output=${path.join(s.runDir, 'slurm-%j.out')}`]) assert.ok(args.includes(a), a);
  assert.equal(args[args.length - 1], path.join(s.runDir, JOB_SCRIPT));
  assert.deepEqual(run.calls[1].args, ['release', '321']);
  const record = JSON.parse(fs.readFileSync(path.join(s.runDir, 'run.json'), 'utf8'));
  assert.equal(record.status, 'queued');
  assert.equal(record.target, 'gpu');
  assert.equal(record.slurm.jobId, '321');
  assert.equal(record.slurm.output, 'slurm-321.out');
  assert.equal(JSON.parse(fs.readFileSync(path.join(s.runDir, 'spec.json'), 'utf8')).train.epochs, 3);
  const script = fs.readFileSync(path.join(s.runDir, JOB_SCRIPT), 'utf8');
  assert.ok(script.endsWith(`\nexec ${shQuote(process.execPath)} /opt/ms/dist/cli.js train --resume ${shQuote(s.runDir)} --workspace ${shQuote(ws.dir)}\n`), script);
  assert.ok(script.includes('\nmodule load cuda/12.2\n'));
});

test('submitRun leaves nothing behind: a refused submission, a failed release (the job is cancelled), a model file with errors', async () => {
  const ws = irisWorkspace();
  await assert.rejects(submitRun({ specPath: ws.modelFile, workspaceRoot: ws.dir, runsDir: ws.runsDir, target: TARGET, exec: answering({ sbatch: { code: 1, stderr: 'sbatch: error: Batch job submission failed: Requested node configuration is not available' } }) }),
    /^SlurmError: target 'gpu': sbatch refused the job: sbatch: error: Batch job submission failed: Requested node configuration is not available$/);
  assert.equal(fs.existsSync(path.join(ws.runsDir, 'iris')), false);
  const run = answering({ scontrol: { code: 1, stderr: 'Access/permission denied' } });
  await assert.rejects(submitRun({ specPath: ws.modelFile, workspaceRoot: ws.dir, runsDir: ws.runsDir, target: TARGET, exec: run }), /could not be released \(scontrol release: Access\/permission denied\); it was cancelled/);
  assert.deepEqual(run.calls.map((c) => c.cmd), ['sbatch', 'scontrol', 'scancel', 'scancel']);
  assert.equal(fs.existsSync(path.join(ws.runsDir, 'iris')), false);
  const bad = irisWorkspace((y) => y.replace('type: adam,', 'type: adamm,'));
  const none = answering();
  await assert.rejects(submitRun({ specPath: bad.modelFile, workspaceRoot: bad.dir, runsDir: bad.runsDir, target: TARGET, exec: none }), /iris\.model\.yaml:\d+:\d+: error: .*adamm/);
  assert.equal(none.calls.length, 0);
  assert.equal(fs.existsSync(bad.runsDir), false);
});

function runFolder(record: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-settle-'));
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: 'model-studio-run', version: 1, runId: 'r', modelName: 'm', pid: 1, startedAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', epochs: { planned: 5, completed: 2 }, slurm: { jobId: '7', output: 'slurm-7.out', script: JOB_SCRIPT, submittedAt: '2026-01-01T00:00:00Z' }, ...record }));
  fs.writeFileSync(path.join(dir, 'slurm-7.out'), 'epoch 1/5 …\nslurmstepd: error: *** JOB 7 ON n1 CANCELLED AT 2026-01-01T00:01:00 DUE TO NODE FAILURE ***\n');
  return dir;
}

test('settling a run when its job has left the queue: SLURM\'s reason wins over "stopped", a silent death is failed with the exit code and the log', async () => {
  const timeout = await settleRun(runFolder({ status: 'stopped' }), '7', { state: 'TIMEOUT', reason: 'TimeLimit', timeLimit: '01:00:00', exitCode: '0:15' });
  assert.equal(timeout.status, 'failed');
  assert.match(timeout.error?.message ?? '', /^SLURM ended job 7 at its time limit \(01:00:00\); its best checkpoint and resume checkpoint are kept: continue it with Resume Run or `model-studio train --resume /);
  assert.equal(timeout.slurm?.state, 'TIMEOUT');
  const node = await settleRun(runFolder({ status: 'running' }), '7', { state: 'NODE_FAIL', exitCode: '0:9' });
  assert.equal(node.status, 'failed');
  assert.match(node.error?.message ?? '', /job 7 ended because its node failed \(NODE_FAIL\).*The job log ends:\n.*DUE TO NODE FAILURE/s);
  const oom = await settleRun(runFolder({ status: 'running' }), '7', { state: 'OUT_OF_MEMORY', exitCode: '0:125' });
  assert.match(oom.error?.message ?? '', /ran out of memory \(OUT_OF_MEMORY\): raise the target's `mem`/);
  const died = await settleRun(runFolder({ status: 'running' }), '7', { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: '1:0' });
  assert.match(died.error?.message ?? '', /^job 7 ended \(FAILED, NonZeroExitCode, exit code 1:0\) without the run finishing/);
  const stopped = await settleRun(runFolder({ status: 'stopped', stopReason: 'stopped on request' }), '7', { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: '130:0' }, { stopRequested: true });
  assert.equal(stopped.status, 'stopped');
  assert.equal(stopped.slurm?.exitCode, '130:0');
  const cancelled = await settleRun(runFolder({ status: 'queued' }), '7', { state: 'CANCELLED' });
  assert.deepEqual([cancelled.status, cancelled.stopReason], ['stopped', 'cancelled before it started']);
  const forgotten = await settleRun(runFolder({ status: 'running' }), '7', undefined);
  assert.match(forgotten.error?.message ?? '', /left the queue and SLURM no longer describes it/);
  const done = await settleRun(runFolder({ status: 'completed' }), '7', { state: 'COMPLETED', exitCode: '0:0' });
  assert.equal(done.status, 'completed');
});

test('following a run folder: metrics.jsonl lines become the engine messages of a local run; a half-written line waits', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-follow-'));
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({ train: {}, data: { split: { validation: 0.2 } } }));
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ runId: 'r1', modelName: 'm', status: 'running', backend: { name: 'cpu', device: 'cpu', reason: 'r', gpu: false }, samples: { train: 8, validation: 2, test: 2 } }));
  const got: EngineMessage[] = [];
  const f = new RunFolderFollower(dir, 'k', (m) => got.push(m));
  const metrics = path.join(dir, 'metrics.jsonl');
  fs.writeFileSync(metrics, '{"event":"trainBegin","epochs":2,"batchSize":4,"batches":2,"samples":8,"validationSamples":2}\n{"event":"batch","epoch":1,"batch":1,"step":1,"loss":1,"elapsedMs":10}\n{"event":"batch","epoch":1,"batch":2,"st');
  await f.poll();
  assert.deepEqual(got.map((m) => m.type), ['runStarted', 'progress']);
  fs.appendFileSync(metrics, 'ep":2,"loss":0.8,"elapsedMs":20}\n{"event":"epoch","epoch":1,"step":2,"loss":0.9,"val_loss":0.7,"lr":0.01,"elapsedMs":25}\n{"event":"epoch","epoch":2,"step":4,"loss":0.5,"val_loss":0.8,"lr":0.01,"elapsedMs":45}\n');
  await f.poll();
  assert.deepEqual(got.map((m) => m.type), ['runStarted', 'progress', 'progress', 'progress', 'epochEnded', 'checkpointSaved', 'progress', 'epochEnded']);
  const p = got[2];
  assert.ok(p.type === 'progress' && p.progress.samplesPerSec === 400 && p.progress.etaMs === 20);
  const end = got[4];
  assert.ok(end.type === 'epochEnded' && end.logs.val_loss === 0.7 && end.epochs === 2);
  const saved = got[5];
  assert.ok(saved.type === 'checkpointSaved' && saved.epoch === 1 && saved.monitor === 'val_loss', 'val_loss rose in epoch 2: one checkpoint');
});

test('which job a process is: SLURM_JOB_ID, or the array task (array id + task id) of a sweep trial', () => {
  assert.deepEqual(thisSlurmJob({ SLURM_JOB_ID: '12' }), { key: '12', jobId: '12' });
  assert.deepEqual(thisSlurmJob({ SLURM_JOB_ID: '15', SLURM_ARRAY_JOB_ID: '12', SLURM_ARRAY_TASK_ID: '3' }), { key: '12_3', jobId: '15', arrayJobId: '12', arrayTaskId: 3 });
  assert.equal(thisSlurmJob({}), undefined);
  assert.equal(isThisJob({ jobId: '12' }, { SLURM_JOB_ID: '12' }), true);
  assert.equal(isThisJob({ jobId: '12', arrayTaskId: 3 }, { SLURM_JOB_ID: '15', SLURM_ARRAY_JOB_ID: '12', SLURM_ARRAY_TASK_ID: '3' }), true);
  assert.equal(isThisJob({ jobId: '12', arrayTaskId: 3 }, { SLURM_JOB_ID: '16', SLURM_ARRAY_JOB_ID: '12', SLURM_ARRAY_TASK_ID: '4' }), false);
  assert.equal(isThisJob({ jobId: '12' }, {}), false);
});
