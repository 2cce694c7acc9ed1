/**
 * Sweeps started from VS Code. The sweep runner (src/sweep/runner.ts) runs here, in the extension host
 * (it only reads and writes small files); its trials are ordinary runs of the run manager, each its
 * own engine process, so they show in the sidebar, the status bar and their dashboards like any run,
 * and count against modelStudio.maxConcurrentRuns together with the runs started by hand.
 * No `vscode` at run time (tested in plain Node with a fake engine).
 */
import * as path from 'node:path';
import type { SweepEvent } from '../sweep/runner';
import { adoptProcess, type TrialEnd, type TrialHandle, type TrialLaunch, type TrialLauncher } from '../sweep/launcher';
import type { SweepStatus } from '../sweep/record';
import { Emitter, errorText, type HostLog } from './events';
import type { RunManager, RunSettings } from './runManager';

/** Trials as runs of the run manager. */
export class RunManagerLauncher implements TrialLauncher {
  readonly name = 'vscode';
  /** run keys of this launcher's trials */
  readonly keys = new Set<string>();

  constructor(private readonly runs: RunManager) {}

  async launch(t: TrialLaunch): Promise<TrialHandle> {
    const runKey = await this.runs.train(t.specPath, t.resume ? { resumeDir: t.runDir } : { runDir: t.runDir, set: t.overrides });
    this.keys.add(runKey);
    const ended = new Promise<TrialEnd>((resolve) => {
      const check = () => {
        const live = this.runs.live(runKey);
        // over once the process is gone and the run manager has settled its status (and run.json)
        if (!live || (live.proc.hasExited && live.status !== 'running')) {
          sub.dispose();
          this.keys.delete(runKey);
          resolve({ exitCode: null, signal: null, ...(live?.lastError ? { message: live.lastError } : {}) });
        }
      };
      const sub = this.runs.onDidChangeRun((r) => {
        if (r.runKey === runKey) check();
      });
      check();
    });
    return {
      stop: () => this.runs.stop(runKey),
      // a second stop ends the engine at once
      kill: () => {
        this.runs.stop(runKey);
        this.runs.stop(runKey);
      },
      ended,
    };
  }

  adopt(runDir: string, run: { pid?: number; host?: string; slurm?: unknown }): TrialHandle | undefined {
    return adoptProcess(run);
  }
}

export interface LiveSweep {
  /** the sweep folder, once the runner has made or found it */
  sweepDir?: string;
  specPath: string;
  status: SweepStatus;
  /** every event so far, in order (the sweep dashboard's history) */
  events: SweepEvent[];
  controller: AbortController;
  launcher: RunManagerLauncher;
  error?: string;
}

export class SweepManager {
  private readonly sweeps = new Set<LiveSweep>();
  private readonly eventsEmitter = new Emitter<{ sweep: LiveSweep; event: SweepEvent }>();
  private readonly changes = new Emitter<LiveSweep>();
  /** every event of every live sweep */
  readonly onEvent = this.eventsEmitter.event;
  /** a sweep started, ended or changed status */
  readonly onDidChange = this.changes.event;

  constructor(private readonly opts: { runs: RunManager; settings: RunSettings; log: HostLog; pollMs?: number }) {}

  /**
   * Starts (or, with `resume`, continues) the sweep of a model file. Resolves once the sweep has its
   * folder; rejects when it cannot start (a model-file error, nothing to resume, an untrusted workspace).
   */
  async start(specPath: string, o: { resume?: true | string } = {}): Promise<LiveSweep> {
    const { settings, runs, log } = this.opts;
    if (settings.trusted && !settings.trusted()) throw new Error('this workspace is not trusted: sweeps train models, so they do not run here. Trust the workspace (Manage Workspace Trust) to run one.');
    const already = [...this.sweeps].find((s) => s.status === 'running' && path.resolve(s.specPath) === path.resolve(specPath));
    if (already) throw new Error(`a sweep of ${path.basename(specPath)} is already running${already.sweepDir ? ` (${already.sweepDir})` : ''}; stop it first`);
    const launcher = new RunManagerLauncher(runs);
    const sweep: LiveSweep = { specPath, status: 'running', events: [], controller: new AbortController(), launcher };
    this.sweeps.add(sweep);
    const { runSweep } = await import('../sweep/runner');
    let onStarted: (s: LiveSweep) => void = () => undefined;
    let onFailed: (err: unknown) => void = () => undefined;
    const started = new Promise<LiveSweep>((resolve, reject) => {
      onStarted = resolve;
      onFailed = reject;
    });
    const onEvent = (e: SweepEvent) => {
      sweep.events.push(e);
      if (e.event === 'sweepStarted') {
        sweep.sweepDir = e.sweep;
        log.info(`sweep ${e.sweepId} of ${e.model}: ${e.method}, ${e.trials} trials, ${e.parallel} at a time (${e.metric}, ${e.goal})${e.resumed ? ', resumed' : ''}`);
        this.changes.fire(sweep);
        onStarted(sweep);
      } else if (e.event === 'trialEnded') {
        log.info(`sweep ${path.basename(sweep.sweepDir ?? '')}: trial ${e.trial} ${e.status}${e.objective !== null ? ` (${e.objective})` : ''}${e.error ? `: ${e.error}` : ''}`);
      } else if (e.event === 'log') {
        log[e.level](`sweep: ${e.message}`);
      } else if (e.event === 'done') {
        sweep.status = e.status;
      }
      this.eventsEmitter.fire({ sweep, event: e });
    };
    const ours = launcher.keys;
    runSweep({
      specPath,
      workspaceRoot: settings.workspaceRoot(specPath),
      runsDir: settings.runsDir(specPath),
      ...(o.resume ? { resume: o.resume } : {}),
      // the setting caps all runs together: what the other runs leave free
      maxConcurrent: () => settings.maxConcurrentRuns() - runs.active().filter((r) => !ours.has(r.runKey)).length,
      launcher,
      signal: sweep.controller.signal,
      onEvent,
      ...(this.opts.pollMs ? { pollMs: this.opts.pollMs } : {}),
    }).then(
      (outcome) => {
        sweep.status = outcome.status;
        sweep.sweepDir = outcome.sweepDir;
        this.changes.fire(sweep);
      },
      (err: unknown) => {
        sweep.status = 'failed';
        sweep.error = errorText(err);
        log.error(`sweep of ${specPath}: ${sweep.error}`);
        this.changes.fire(sweep);
        onFailed(err);
      },
    ).finally(() => this.sweeps.delete(sweep));
    return started;
  }

  /** Stops a sweep: every running trial finishes its batch and is marked interrupted (Resume Sweep continues it). */
  stop(sweepDir: string): boolean {
    const s = this.find(sweepDir);
    if (!s || s.status !== 'running') return false;
    this.opts.log.info(`sweep ${path.basename(sweepDir)}: stop requested`);
    s.controller.abort();
    return true;
  }

  find(sweepDir: string): LiveSweep | undefined {
    const want = path.resolve(sweepDir);
    return [...this.sweeps].find((s) => s.sweepDir && path.resolve(s.sweepDir) === want);
  }

  /** the live sweep of a model file, if any */
  findBySpec(specPath: string): LiveSweep | undefined {
    const want = path.resolve(specPath);
    return [...this.sweeps].find((s) => path.resolve(s.specPath) === want);
  }

  /** whether a run key belongs to a trial of a live sweep */
  isTrial(runKey: string): boolean {
    return [...this.sweeps].some((s) => s.launcher.keys.has(runKey));
  }

  all(): LiveSweep[] {
    return [...this.sweeps];
  }

  /** Window closing: every sweep is stopped (its trials saved and marked interrupted, to resume later). */
  async dispose(): Promise<void> {
    for (const s of this.sweeps) s.controller.abort();
    this.eventsEmitter.dispose();
    this.changes.dispose();
  }
}
