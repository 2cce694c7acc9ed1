/**
 * How a sweep starts its trials. The runner decides what to train and when; a launcher only starts one
 * trial (`model-studio train FILE --run-dir DIR --set PATH=VALUE …`) somewhere and says when it has
 * ended. The runner follows every trial through its run folder (run.json, metrics.jsonl), whatever the
 * launcher, so a launcher that submits to a cluster (a SLURM job writing the same folder on a shared
 * filesystem) plugs in without the runner changing.
 *
 * Today: LocalLauncher (a child process per trial on this machine). In VS Code the extension's own
 * launcher starts trials as engine processes of the run manager, so they show as live runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FieldOverride } from '../modelFile';
import type { BackendName } from '../modelFile/schema';

export interface TrialLaunch {
  /** the sweep's folder */
  sweepDir: string;
  index: number;
  /** the run folder the trial creates (it does not exist yet) */
  runDir: string;
  specPath: string;
  workspaceRoot: string;
  /** the sampled parameters, as fields set on the model file */
  overrides: FieldOverride[];
  backend?: BackendName;
  /** where the trial's own output goes */
  logFile: string;
  /** continue the interrupted run in `runDir` (`train --resume`) instead of starting one */
  resume?: boolean;
}

export interface TrialEnd {
  exitCode: number | null;
  signal: string | null;
  /** what went wrong when the trial could not run at all (the last lines of its output) */
  message?: string;
}

export interface TrialHandle {
  /** asks the trial to stop at the next batch: it saves, evaluates and ends `stopped` */
  stop(): void;
  /** ends the trial at once (when a stop was not heeded in time) */
  kill(): void;
  /** resolves once the trial is over, however it ended */
  readonly ended: Promise<TrialEnd>;
}

export interface TrialLauncher {
  /** `local`, `vscode`, `slurm`, … (for messages and sweep.json) */
  readonly name: string;
  launch(trial: TrialLaunch): Promise<TrialHandle>;
  /**
   * A trial still running from an earlier session of the sweep (the sweep's process died but the trial's
   * did not), or still waiting in a cluster's queue: a handle to follow and stop it, or undefined when this
   * launcher cannot reach it.
   */
  adopt?(runDir: string, run: { pid?: number; host?: string; status?: string; slurm?: { jobId: string; arrayTaskId?: number } }): TrialHandle | undefined;
  /**
   * The launcher holds trials back itself (a SLURM job array's `%parallel`): the runner hands it every trial
   * it can start (not just `parallel` of them) and calls flush() after each round of launch() calls.
   */
  readonly limitsConcurrency?: boolean;
  /** Send out the trials launched since the last flush (as one job array running `parallel` at once). */
  flush?(parallel: number): Promise<void>;
}

/** `--set` arguments of a trial: values as JSON (which is YAML), so `"16"` stays a string and 16 a number. */
export function setArgs(overrides: readonly FieldOverride[]): string[] {
  return overrides.flatMap((o) => ['--set', `${o.path}=${JSON.stringify(o.value)}`]);
}

/** The `model-studio train` arguments of a trial (after the command itself). */
export function trainArgs(t: TrialLaunch): string[] {
  if (t.resume) return ['train', '--resume', t.runDir, ...(t.backend ? ['--backend', t.backend] : [])];
  return ['train', t.specPath, '--run-dir', t.runDir, '--workspace', t.workspaceRoot, ...(t.backend ? ['--backend', t.backend] : []), ...setArgs(t.overrides)];
}

export interface LocalLauncherOptions {
  /** how to run the CLI: [node, cli.js] (default: this Node and the running CLI bundle) */
  command?: string[];
  env?: NodeJS.ProcessEnv;
  /** working folder of the trials (default: this process's, so the command resolves as it did here) */
  cwd?: string;
}

/** Each trial a `model-studio train` child process on this machine. */
export class LocalLauncher implements TrialLauncher {
  readonly name = 'local';
  private readonly command: string[];
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly opts: LocalLauncherOptions = {}) {
    this.command = opts.command ?? [process.execPath, defaultCli()];
  }

  async launch(t: TrialLaunch): Promise<TrialHandle> {
    await fsp.mkdir(path.dirname(t.logFile), { recursive: true });
    const log = await fsp.open(t.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.command[0], [...this.command.slice(1), ...trainArgs(t)], {
        cwd: this.opts.cwd ?? process.cwd(),
        env: this.opts.env ?? process.env,
        stdio: ['ignore', log.fd, log.fd],
        // Its own process group: a Ctrl-C in the terminal reaches the sweep, which stops each trial once
        // (a second SIGINT would make a trial quit without saving).
        detached: true,
      });
    } finally {
      await log.close();
    }
    this.children.add(child);
    const ended = new Promise<TrialEnd>((resolve) => {
      child.once('error', (err) => {
        this.children.delete(child);
        resolve({ exitCode: null, signal: null, message: `could not start ${this.command[0]}: ${err.message}` });
      });
      child.once('exit', (code, signal) => {
        this.children.delete(child);
        resolve({ exitCode: code, signal });
      });
    });
    return {
      stop: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      },
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
      ended,
    };
  }

  adopt(_runDir: string, run: { pid?: number; host?: string; slurm?: unknown }): TrialHandle | undefined {
    return adoptProcess(run);
  }

  /** Ends every trial process at once (the sweep itself is being killed). */
  killAll(): void {
    for (const c of this.children) c.kill('SIGKILL');
  }
}

/** A handle on a trial process of this machine that an earlier session started (by its pid in run.json). */
export function adoptProcess(run: { pid?: number; host?: string; slurm?: unknown }): TrialHandle | undefined {
  const pid = run.pid;
  // a cluster job's pid is on its node: only a cluster launcher can follow it
  if (run.slurm !== undefined || pid === undefined || (run.host !== undefined && run.host !== hostName()) || !alive(pid)) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<TrialEnd>((resolve) => {
    timer = setInterval(() => {
      if (alive(pid)) return;
      clearInterval(timer);
      resolve({ exitCode: null, signal: null });
    }, 500);
  });
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // already gone
    }
  };
  return { stop: () => signal('SIGINT'), kill: () => signal('SIGKILL'), ended };
}

function defaultCli(): string {
  // In the bundled CLI (dist/cli.js) this is the bundle itself; elsewhere the bundle next to the sources.
  const here = typeof __filename === 'string' ? __filename : '';
  return path.basename(here) === 'cli.js' ? here : path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
}

export function hostName(): string {
  return os.hostname();
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
