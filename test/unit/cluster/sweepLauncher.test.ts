/**
 * Sweeps on a SLURM target without a cluster: the runner hands an array launcher every trial it can
 * (one flush per round, bayes in rounds), and the SLURM launcher turns a round into one held job array
 * (`--array=…%parallel`) with each trial's run folder queued and its array task recorded.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSweep } from '../../../src/sweep/runner';
import type { TrialLaunch } from '../../../src/sweep/launcher';
import { SlurmLauncher } from '../../../src/cluster/sweepLauncher';
import type { Exec, ExecResult } from '../../../src/cluster/slurm';
import { FakeLauncher, sweepWorkspace } from '../sweep/fakeLauncher';

const SWEEP = (method: string, trials: number, parallel: number) => `sweep:
  method: ${method}
  trials: ${trials}
  parallel: ${parallel}
  metric: val_loss
  seed: 7
  parameters:
    train.optimizer.learningRate: { min: 0.0001, max: 0.1, scale: log }
    train.batchSize: [16, 32, 64]
`;

/** FakeLauncher as a launcher that limits concurrency itself (a job array): records each flush's trials. */
class ArrayFake extends FakeLauncher {
  readonly limitsConcurrency = true;
  readonly rounds: Array<{ trials: number[]; parallel: number }> = [];
  private since: number[] = [];
  override async launch(t: TrialLaunch) {
    this.since.push(t.index);
    return super.launch(t);
  }
  async flush(parallel: number) {
    if (this.since.length) this.rounds.push({ trials: this.since, parallel });
    this.since = [];
  }
}

test('an array launcher gets every trial of a random sweep in one round, with the sweep\'s parallel; bayes in rounds', async () => {
  const ws = sweepWorkspace(SWEEP('random', 5, 2));
  try {
    const launcher = new ArrayFake();
    const out = await runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher, onEvent: () => undefined, pollMs: 5, maxConcurrent: () => 1 });
    assert.equal(out.status, 'completed');
    assert.deepEqual(launcher.rounds, [{ trials: [0, 1, 2, 3, 4], parallel: 2 }], 'one array of all five trials, %2; maxConcurrent (local slots) does not apply');
  } finally {
    ws.dispose();
  }
  const bayes = sweepWorkspace(SWEEP('bayes', 6, 2));
  try {
    const launcher = new ArrayFake();
    const out = await runSweep({ specPath: bayes.file, workspaceRoot: bayes.root, launcher, onEvent: () => undefined, pollMs: 5 });
    assert.equal(out.status, 'completed');
    assert.ok(launcher.rounds.length > 1, 'bayes samples a trial only when the ones it learns from are done');
    assert.ok(launcher.maxRunning <= 2);
  } finally {
    bayes.dispose();
  }
});

type Call = { cmd: string; args: string[] };
function fakeExec(answer: (c: Call) => Partial<ExecResult>): Exec & { calls: Call[] } {
  const calls: Call[] = [];
  const fn = (async (cmd: string, args: string[]) => {
    calls.push({ cmd, args });
    return { code: 0, stdout: '', stderr: '', ...answer({ cmd, args }) };
  }) as Exec & { calls: Call[] };
  fn.calls = calls;
  return fn;
}

const target = { name: 'gpu', file: '/ws/.model-studio/targets.yaml', target: { type: 'slurm' as const, partition: 'gpu', time: 30 } };

test('the SLURM launcher: trial folders queued, one held array with %parallel, each run.json with its array task, then released', async () => {
  const ws = sweepWorkspace(SWEEP('random', 3, 2));
  const exec = fakeExec((c) => (c.cmd === 'sbatch' ? { stdout: '900\n' } : c.cmd === 'squeue' ? { stdout: '900|0|901|RUNNING|None\n900|1|902|PENDING|JobArrayTaskLimit\n900|3|903|PENDING|JobArrayTaskLimit\n' } : {}));
  const launcher = new SlurmLauncher({ target, workspaceRoot: ws.root, exec, cli: () => '/opt/ms/dist/cli.js' });
  try {
    const sweepDir = path.join(ws.runs, 'flowers', 'sweeps', 's1');
    const trial = (index: number, lr: number): TrialLaunch => ({
      sweepDir, index, runDir: path.join(sweepDir, `trial-00${index}`), specPath: ws.file, workspaceRoot: ws.root, logFile: path.join(sweepDir, 'logs', `trial-00${index}.log`),
      overrides: [{ path: 'train.optimizer.learningRate', value: lr }],
    });
    const handles = [await launcher.launch(trial(0, 0.01)), await launcher.launch(trial(1, 0.02)), await launcher.launch(trial(3, 0.03))];
    await assert.rejects(launcher.launch(trial(2, -1)), /learningRate/, 'a value the model cannot take fails that trial alone, before anything is submitted');
    assert.equal(fs.existsSync(path.join(sweepDir, 'trial-002')), false);
    assert.equal(JSON.parse(fs.readFileSync(path.join(sweepDir, 'trial-000', 'run.json'), 'utf8')).status, 'queued');
    await launcher.flush(2);
    const sb = exec.calls.find((c) => c.cmd === 'sbatch');
    assert.ok(sb);
    for (const a of ['--hold', '--requeue', '--array=0,1,3%2', '--partition=gpu', '--time=30', `--output=${path.join(sweepDir, 'logs', 'trial-%3a.log')}`]) assert.ok(sb.args.includes(a), a);
    const script = fs.readFileSync(sb.args[sb.args.length - 1], 'utf8');
    assert.match(script, /case "\$SLURM_ARRAY_TASK_ID" in\n {2}0\) RUN=\S+trial-000 ;;\n {2}1\) RUN=\S+trial-001 ;;\n {2}3\) RUN=\S+trial-003 ;;/);
    assert.match(script, /\nexec \S+ \/opt\/ms\/dist\/cli\.js train --resume "\$RUN" --workspace /);
    const rec = JSON.parse(fs.readFileSync(path.join(sweepDir, 'trial-003', 'run.json'), 'utf8'));
    assert.deepEqual([rec.status, rec.target, rec.slurm.jobId, rec.slurm.arrayTaskId, rec.slurm.output], ['queued', 'gpu', '900', 3, '../logs/trial-003.log']);
    assert.deepEqual(exec.calls.find((c) => c.cmd === 'scontrol')?.args, ['release', '900']);
    // once the monitor has seen task 1 pending, Stop cancels it (no signal: it never started); task 0 runs: SIGTERM
    const stateOf = (h: unknown) => (h as { state?: string }).state;
    while (stateOf(handles[1]) !== 'PENDING' || stateOf(handles[0]) !== 'RUNNING') await new Promise((r) => setTimeout(r, 10));
    handles[1].stop();
    handles[0].stop();
    while (exec.calls.filter((c) => c.cmd === 'scancel').length < 2) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(exec.calls.filter((c) => c.cmd === 'scancel').map((c) => c.args), [['900_1'], ['--full', '--signal=TERM', '900_0']]);
  } finally {
    launcher.dispose();
    ws.dispose();
  }
});

test('the SLURM launcher leaves nothing behind when SLURM refuses the array', async () => {
  const ws = sweepWorkspace(SWEEP('random', 2, 2));
  const exec = fakeExec((c) => (c.cmd === 'sbatch' ? { code: 1, stderr: 'sbatch: error: invalid partition specified: gpu' } : {}));
  const launcher = new SlurmLauncher({ target, workspaceRoot: ws.root, exec });
  try {
    const out = runSweep({ specPath: ws.file, workspaceRoot: ws.root, launcher, onEvent: () => undefined, pollMs: 5 });
    await assert.rejects(out, /^SlurmError: target 'gpu': sbatch refused the job: sbatch: error: invalid partition specified: gpu$/);
    const sweeps = path.join(ws.runs, 'flowers', 'sweeps');
    const dirs = fs.readdirSync(sweeps);
    assert.equal(dirs.length, 1);
    assert.deepEqual(fs.readdirSync(path.join(sweeps, dirs[0])).filter((f) => f.startsWith('trial-')), [], 'no trial folder is left');
  } finally {
    launcher.dispose();
    ws.dispose();
  }
});
