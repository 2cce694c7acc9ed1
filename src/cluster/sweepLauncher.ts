/**
 * Sweep trials on a SLURM target: the sweep runner's trials go out as one job array whose `%parallel`
 * is the sweep's concurrency (SLURM holds the rest back, "JobArrayTaskLimit"). Each trial's run folder is
 * made `queued` first (its model file with the trial's values, validated), array task i trains trial i
 * (`model-studio train --resume <its folder>`), and the runner follows the folders as it does local trials.
 * A requeued task resumes its trial by itself; one SLURM ended is settled `failed` with SLURM's reason.
 *
 * The runner calls launch() for every trial it can start, then flush(): the launches of one round become
 * one array (bayes, which samples a trial only when the ones it learns from are done, gets arrays of one).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelSpecFile } from '../modelFile/schema';
import { Run, readRunRecord, RUN_FILES, type RunRecord, type SlurmJobRecord } from '../engine/run';
import { writeFileAtomic, writeJsonAtomic } from '../engine/fsutil';
import type { TrialEnd, TrialHandle, TrialLaunch, TrialLauncher } from '../sweep/launcher';
import { SlurmMonitor } from './monitor';
import { exec as defaultExec, sbatch, scancel, SlurmError, slurmWords, stopJob, type Exec } from './slurm';
import { settleRun } from './slurmRun';
import { cliCommand, installedCli, sbatchOptions, shQuote } from './submit';
import type { ResolvedTarget } from './targets';

export interface SlurmLauncherOptions {
  target: ResolvedTarget;
  workspaceRoot: string;
  monitor?: SlurmMonitor;
  exec?: Exec;
  cli?: () => string;
}

interface Pending {
  trial: TrialLaunch;
  /** the folder was made for this launch (removed if it is never submitted) */
  made: boolean;
  /** run.json of an interrupted trial before it was queued again (put back if it is never submitted) */
  before?: RunRecord;
  job?: string;
  stopped?: boolean;
  resolve(end: TrialEnd): void;
  handle: SlurmTrialHandle;
}

class SlurmTrialHandle implements TrialHandle {
  readonly ended: Promise<TrialEnd>;
  key: string | undefined;
  /** SLURM's state of the task, once the monitor has seen it */
  state: string | undefined;
  private stopAsked = false;
  private settle!: (end: TrialEnd) => void;

  constructor(private readonly runDir: string, private readonly launcher: SlurmLauncher) {
    this.ended = new Promise<TrialEnd>((resolve) => { this.settle = resolve; });
  }

  /** The array task is known: follow it until it leaves the queue, then settle its run.json. */
  follow(key: string): void {
    this.key = key;
    const sub = this.launcher.monitor.watch(key, (u) => {
      this.state = u.state;
      if (u.inQueue) return;
      sub.dispose();
      void settleRun(this.runDir, key, u.final, { stopRequested: this.stopAsked }).then(
        () => this.finish({ exitCode: exitOf(u.final?.exitCode), signal: null }),
        (err: unknown) => this.finish({ exitCode: null, signal: null, message: `could not settle ${key}: ${err instanceof Error ? err.message : String(err)}` }),
      );
    });
    if (this.stopAsked) this.stop();
  }

  finish(end: TrialEnd): void {
    this.settle(end);
  }

  stop(): void {
    this.stopAsked = true;
    if (!this.key) return; // not submitted yet: flush() leaves it out
    void stopJob(this.key, this.state, this.launcher.targetName, this.launcher.exec).catch(() => undefined);
    this.launcher.monitor.nudge();
  }

  get stopRequested(): boolean {
    return this.stopAsked;
  }

  kill(): void {
    if (this.key) void scancel(this.key, {}, this.launcher.exec).catch(() => undefined);
  }
}

const exitOf = (code: string | undefined): number | null => {
  const n = Number(code?.split(':')[0]);
  return Number.isInteger(n) ? n : null;
};

export class SlurmLauncher implements TrialLauncher {
  readonly name: string;
  /** SLURM holds the array's tasks back itself (`%parallel`): the runner hands over every trial it can */
  readonly limitsConcurrency = true;
  readonly monitor: SlurmMonitor;
  readonly exec: Exec;
  private pending: Pending[] = [];
  private arrays = 0;

  get targetName(): string {
    return this.o.target.name;
  }

  constructor(private readonly o: SlurmLauncherOptions) {
    this.name = `slurm:${o.target.name}`;
    this.exec = o.exec ?? defaultExec;
    this.monitor = o.monitor ?? new SlurmMonitor({ exec: this.exec, pollMs: (o.target.target.pollSeconds ?? 5) * 1000 });
  }

  /** Make the trial's run folder (queued) now, so a value the model cannot take fails this trial alone. */
  async launch(t: TrialLaunch): Promise<TrialHandle> {
    let made = false;
    let before: RunRecord | undefined;
    if (t.resume) {
      // an interrupted trial continues in its folder: queued again until its task starts
      const record = readRunRecord(t.runDir);
      before = record;
      writeJsonAtomic(path.join(t.runDir, RUN_FILES.run), { ...record, status: 'queued', target: this.o.target.name, updatedAt: new Date().toISOString() });
    } else {
      const { loadModelFile } = await import('../modelFile');
      const { withOverrides } = await import('../engine/session');
      const spec: ModelSpecFile = withOverrides(await loadModelFile(t.specPath, { workspaceRoot: t.workspaceRoot, overrides: t.overrides }), { backend: t.backend });
      Run.createAt(t.runDir, spec, t.specPath, spec.train.epochs, {
        status: 'queued', target: this.o.target.name,
        ...(t.overrides.length ? { overrides: Object.fromEntries(t.overrides.map((x) => [x.path, x.value])) } : {}),
      });
      made = true;
    }
    const handle = new SlurmTrialHandle(t.runDir, this);
    this.pending.push({ trial: t, made, ...(before ? { before } : {}), handle, resolve: (end) => handle.finish(end) });
    return handle;
  }

  /** Submit what launch() prepared as one array (held, ids recorded in each run.json, released). */
  async flush(parallel: number): Promise<void> {
    const batch = this.pending.filter((p) => !p.handle.stopRequested);
    for (const p of this.pending.filter((x) => x.handle.stopRequested)) this.abandon(p, 'stopped before it was submitted');
    this.pending = [];
    if (batch.length === 0) return;
    const sweepDir = batch[0].trial.sweepDir;
    const slurmDir = path.join(sweepDir, 'slurm');
    fs.mkdirSync(slurmDir, { recursive: true });
    fs.mkdirSync(path.join(sweepDir, 'logs'), { recursive: true });
    this.arrays += 1;
    const name = `array-${new Date().toISOString().replace(/[:.]/g, '-')}-${this.arrays}`;
    const script = path.join(slurmDir, `${name}.sh`);
    const command = cliCommand(this.o.target.target, this.o.cli ?? installedCli);
    const cases = batch.map((p) => `  ${p.trial.index}) RUN=${shQuote(p.trial.runDir)} ;;`);
    writeFileAtomic(script, [
      '#!/bin/bash',
      `# Model Studio: sweep trials ${batch.map((p) => p.trial.index).join(', ')} of ${sweepDir}, on target '${this.o.target.name}' (${this.o.target.file}).`,
      '# One array task per trial; SLURM requeues a task after a preemption or a node failure, and it resumes its trial.',
      'set -e',
      `cd ${shQuote(this.o.workspaceRoot)}`,
      ...(this.o.target.target.setup?.trim() ? ['# setup (from the target)', this.o.target.target.setup.trim()] : []),
      'case "$SLURM_ARRAY_TASK_ID" in',
      ...cases,
      '  *) echo "no trial for array task $SLURM_ARRAY_TASK_ID" >&2; exit 2 ;;',
      'esac',
      `exec ${command} train --resume "$RUN" --workspace ${shQuote(this.o.workspaceRoot)}`,
      '',
    ].join('\n'));
    fs.chmodSync(script, 0o755);
    // where the runner reads a trial's output (logs/trial-000.log), as it does for local trials
    const output = path.join(sweepDir, 'logs', 'trial-%3a.log');
    const indices = batch.map((p) => p.trial.index).sort((a, b) => a - b).join(',');
    let job: string;
    try {
      job = await sbatch([
        '--hold', '--requeue', `--array=${indices}%${Math.max(1, parallel)}`, `--job-name=ms-sweep-${path.basename(path.dirname(path.dirname(sweepDir)))}`,
        `--output=${output}`, '--open-mode=append', `--chdir=${this.o.workspaceRoot}`, ...sbatchOptions(this.o.target.target), script,
      ], this.exec, this.o.target.name);
    } catch (err) {
      for (const p of batch) this.abandon(p, err instanceof Error ? err.message : String(err));
      throw err;
    }
    for (const p of batch) {
      const slurm: SlurmJobRecord = {
        jobId: job, arrayTaskId: p.trial.index, ...(this.o.target.target.partition ? { partition: this.o.target.target.partition } : {}),
        submittedAt: new Date().toISOString(), output: path.relative(p.trial.runDir, path.join(sweepDir, 'logs', `trial-${String(p.trial.index).padStart(3, '0')}.log`)),
        script: path.relative(p.trial.runDir, script), state: 'PENDING',
      };
      const record = readRunRecord(p.trial.runDir);
      writeJsonAtomic(path.join(p.trial.runDir, RUN_FILES.run), { ...record, slurm, updatedAt: new Date().toISOString() });
    }
    const released = await this.exec('scontrol', ['release', job], { timeoutMs: 30_000 });
    if (released.code !== 0) {
      await scancel(job, { target: this.o.target.name }, this.exec).catch(() => undefined);
      const message = `target '${this.o.target.name}': array ${job} was submitted held but could not be released (scontrol release: ${released.notFound ? 'scontrol is not on PATH' : slurmWords(released)}); it was cancelled`;
      for (const p of batch) this.abandon(p, message);
      throw new SlurmError(message);
    }
    for (const p of batch) p.handle.follow(`${job}_${p.trial.index}`);
  }

  /** A trial that will not be submitted: its fresh folder goes, an interrupted one is stopped again. */
  private abandon(p: Pending, why: string): void {
    if (p.made) fs.rmSync(p.trial.runDir, { recursive: true, force: true });
    else if (p.before) writeJsonAtomic(path.join(p.trial.runDir, RUN_FILES.run), p.before);
    p.resolve({ exitCode: null, signal: null, message: why });
  }

  /** A trial of an earlier session still queued or training in its array task: follow it. */
  adopt(runDir: string, run: Partial<RunRecord>): TrialHandle | undefined {
    const slurm = run.slurm;
    if (!slurm?.jobId) return undefined;
    const handle = new SlurmTrialHandle(runDir, this);
    handle.follow(slurm.arrayTaskId !== undefined ? `${slurm.jobId}_${slurm.arrayTaskId}` : slurm.jobId);
    return handle;
  }

  dispose(): void {
    this.monitor.dispose();
  }
}
