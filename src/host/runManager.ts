/**
 * The live runs: one engine process per training run (DESIGN.md §4); runs on SLURM targets share one engine
 * process that only submits and follows their jobs (one `squeue` call per interval for all of them, and
 * closing the editor stops following, never the jobs). Implements the
 * RunController the dashboard and the commands use. A run ends in exactly one of three ways:
 * the engine says `done`; a stop is asked (graceful, then a kill after a timeout: `stopped`);
 * or the process dies on its own (`failed`, with the last error, and run.json on disk is
 * marked failed so the sidebar and later sessions see it too). No `vscode` at run time.
 */
import * as path from 'node:path';
import type { ReadProgressLike } from '../protocol/dataProgress';
import type { EngineMessage, RunStatus } from '../protocol/engine';
import type { RunController, RunSnapshot } from './context';
import { EngineClient } from './engineClient';
import { describeExit, EngineProcess, type ExitInfo } from './engineProcess';
import { Emitter, errorText, type HostLog } from './events';
import { readJsonFile, writeFileAtomic } from './files';

export interface RunSettings {
  /** the runs folder for a model file (absolute) */
  runsDir(specPath: string): string;
  workspaceRoot(specPath: string): string;
  /** the backend to ask for, or undefined to use the model file's own */
  backend(): string | undefined;
  maxConcurrentRuns(): number;
  /** environment of engine processes (e.g. MODEL_STUDIO_NATIVE_DIR) */
  env(): NodeJS.ProcessEnv;
  /** workspace trust: nothing runs in an untrusted workspace, whoever asks (a command, the dashboard) */
  trusted?(): boolean;
}

/** What a run is asked to do besides training its model file (a sweep's trial). */

export const UNTRUSTED_MESSAGE = 'this workspace is not trusted: Model Studio shows model files, runs and reports here but does not run anything. Trust the workspace (Manage Workspace Trust) to train, evaluate, predict, save or serve.';

export interface RunManagerOptions {
  enginePath: string;
  settings: RunSettings;
  log: HostLog;
  /** how long a stopped run may take to finish its batch and save before it is killed */
  stopTimeoutMs?: number;
  /** how long a finished engine may take to exit after `shutdown` */
  shutdownTimeoutMs?: number;
}

export interface LiveRun extends RunSnapshot {
  proc: EngineProcess;
  startedAt: number;
  modelName?: string;
  /** the last `error` message's text */
  lastError?: string;
  stopRequested: boolean;
  /** the latest progress, for the status bar */
  progress?: Extract<EngineMessage, { type: 'progress' }>['progress'];
  /** how many epochs ended (the last epochEnded's epoch): what a stopped run says it reached */
  epochsCompleted?: number;
  /** reading the data before the first epoch (the latest dataProgress); gone once the run starts */
  reading?: ReadProgressLike;
  epochs?: number;
  /** the SLURM target it was submitted to (the engine process then only submits and follows the job) */
  target?: string;
  /** the SLURM job, once submitted */
  jobId?: string;
  /** SLURM's pending reason while the job waits in the queue */
  queuedReason?: string;
  /** when the run left `running` */
  endedAt?: number;
  /** the test metrics `done` carried */
  summary?: Record<string, number>;
}

export interface StartOptions {
  /** a SLURM target of the workspace's targets file; absent or `local`: train here */
  target?: string;
  /** continue this run folder (its resume checkpoint) instead of starting a new run (`train --resume`) */
  resumeDir?: string;
  /** make exactly this run folder (a sweep's trial) */
  runDir?: string;
  /** fields set on the model file before it is checked (a sweep's sampled values) */
  set?: Array<{ path: string; value: unknown }>;
}



/** Progress messages kept per run before older ones are thinned (every other one dropped). */
const MAX_PROGRESS = 4000;

export class RunManager implements RunController {
  private readonly runs = new Map<string, LiveRun>();
  private readonly messages = new Emitter<{ runKey: string; message: EngineMessage }>();
  private readonly changes = new Emitter<LiveRun>();
  private readonly client: EngineClient;
  /** the engine process that submits and follows every cluster run (started with the first one) */
  private cluster: EngineProcess | undefined;
  private seq = 0;

  readonly onMessage = this.messages.event;
  /** a run started, changed status or ended */
  readonly onDidChangeRun = this.changes.event;

  constructor(private readonly opts: RunManagerOptions) {
    this.client = new EngineClient({ enginePath: opts.enginePath, log: opts.log, env: () => opts.settings.env() });
  }

  /**
   * Starts the engine for the model file; resolves with the run's key at once (the run reports as it goes).
   * On a SLURM target the engine process submits the job and follows it (no training in it, so it does not
   * count against modelStudio.maxConcurrentRuns); with `resumeDir` it continues that run folder.
   */
  async train(specPath: string, how: StartOptions = {}): Promise<string> {
    const { settings, log } = this.opts;
    this.requireTrust();
    const target = how.target && how.target !== 'local' ? how.target : undefined;
    if (how.resumeDir) {
      const key = this.findByRunDir(how.resumeDir);
      const live = key ? this.runs.get(key) : undefined;
      if (live && (live.status === 'running' || live.status === 'queued') && !live.proc.hasExited) throw new Error(`${how.resumeDir} is still training; stop it first`);
    }
    const active = this.active().filter((r) => !r.target).length;
    const max = Math.max(1, settings.maxConcurrentRuns());
    if (!target && active >= max) {
      throw new Error(`${active} run${active === 1 ? ' is' : 's are'} already training and the limit is ${max} (setting modelStudio.maxConcurrentRuns); stop one or raise the limit`);
    }
    this.seq += 1;
    const runKey = `run-${Date.now().toString(36)}-${this.seq}`;
    const workspaceRoot = settings.workspaceRoot(specPath);
    const runsDir = settings.runsDir(specPath);
    const backend = settings.backend();
    log.info(`${how.resumeDir ? `resume ${how.resumeDir}` : `train ${specPath}`} (${target ? `on target ${target}, ` : ''}runs folder ${runsDir}${backend ? `, backend ${backend}` : ''})`);
    const proc = target ? this.clusterProcess(workspaceRoot) : new EngineProcess({
      enginePath: this.opts.enginePath,
      cwd: workspaceRoot,
      env: settings.env(),
      onMessage: (m) => this.onEngineMessage(runKey, m),
      onInvalid: (error) => log.warn(`[${runKey}] ignored an invalid engine message: ${error}`),
      onOutput: (text, stream) => {
        for (const line of text.split('\n')) if (line.trim()) (stream === 'stderr' ? log.warn : log.debug).call(log, `[${runKey}] ${line}`);
      },
      onExit: (info) => void this.onExit(runKey, info),
    });
    // a run whose folder is named in advance (a sweep's trial, a resume) is known by it from the start
    const knownDir = how.runDir ?? how.resumeDir;
    const run: LiveRun = {
      runKey, specPath, status: target ? 'queued' : 'running', messages: [], proc, startedAt: Date.now(), stopRequested: false,
      ...(target ? { target } : {}), ...(knownDir ? { runDir: path.resolve(knownDir) } : {}),
    };
    this.runs.set(runKey, run);
    this.changes.fire(run);
    proc.ready.then(
      () => {
        const overrides = backend ? { backend } : undefined;
        proc.send({
          type: 'train', id: runKey, specPath, workspaceRoot, runsDir, overrides,
          ...(how.runDir ? { runDir: path.resolve(how.runDir) } : {}), ...(how.set?.length ? { set: how.set } : {}),
          ...(how.resumeDir ? { resumeDir: path.resolve(how.resumeDir) } : {}), ...(target ? { target } : {}),
        });
      },
      () => undefined, // onExit reports it
    );
    return runKey;
  }

  /** The shared engine process of cluster runs: messages go to the run their id names. */
  private clusterProcess(cwd: string): EngineProcess {
    if (this.cluster && !this.cluster.hasExited) return this.cluster;
    const { log, settings } = this.opts;
    const proc: EngineProcess = new EngineProcess({
      enginePath: this.opts.enginePath,
      cwd,
      env: settings.env(),
      onMessage: (m) => {
        const id = 'id' in m ? m.id : undefined;
        if (id !== undefined && this.runs.get(id)?.proc === proc) this.onEngineMessage(id, m);
        else if (m.type === 'log' || m.type === 'error') log[m.type === 'error' ? 'error' : m.level === 'warn' ? 'warn' : m.level === 'error' ? 'error' : 'debug'](`[cluster] ${m.message}`);
      },
      onInvalid: (error) => log.warn(`[cluster] ignored an invalid engine message: ${error}`),
      onOutput: (text, stream) => {
        for (const line of text.split('\n')) if (line.trim()) (stream === 'stderr' ? log.warn : log.debug).call(log, `[cluster] ${line}`);
      },
      onExit: (info) => {
        if (this.cluster === proc) this.cluster = undefined;
        for (const r of [...this.runs.values()]) if (r.proc === proc) void this.onExit(r.runKey, info);
      },
    });
    this.cluster = proc;
    return proc;
  }

  /** A run still going: its engine is there and, for a cluster run (whose process is shared), it has not ended. */
  private going(r: LiveRun): boolean {
    return !r.proc.hasExited && (!r.target || r.status === 'queued' || r.status === 'running');
  }

  stop(runKey: string): void {
    const run = this.runs.get(runKey);
    if (!run || !this.going(run)) return;
    if (run.target) {
      // the shared process follows other jobs too: never killed for one; Stop again asks SLURM again
      run.stopRequested = true;
      this.opts.log.info(`[${runKey}] stop requested: cancelling SLURM job ${run.jobId ?? '(being submitted)'}`);
      run.proc.send({ type: 'stop', id: runKey });
      this.changes.fire(run);
      return;
    }
    if (run.stopRequested) {
      // a second stop means "now"
      run.proc.kill();
      return;
    }
    run.stopRequested = true;
    this.opts.log.info(`[${runKey}] stop requested`);
    void run.proc.endWithin({ type: 'stop', id: runKey }, this.opts.stopTimeoutMs ?? 15_000);
    this.changes.fire(run);
  }

  get(runKey: string): RunSnapshot | undefined {
    const run = this.runs.get(runKey);
    return run && { runKey: run.runKey, specPath: run.specPath, runDir: run.runDir, status: run.status, messages: run.messages };
  }

  live(runKey: string): Readonly<LiveRun> | undefined {
    return this.runs.get(runKey);
  }

  /** runs whose engine is still going, oldest first */
  active(): LiveRun[] {
    return [...this.runs.values()].filter((r) => this.going(r));
  }

  all(): LiveRun[] {
    return [...this.runs.values()];
  }

  findByRunDir(runDir: string): string | undefined {
    const want = path.resolve(runDir);
    for (const run of this.runs.values()) if (run.runDir && path.resolve(run.runDir) === want) return run.runKey;
    return undefined;
  }

  /** the live run of a model file, if any */
  findBySpec(specPath: string): LiveRun | undefined {
    const want = path.resolve(specPath);
    return this.active().find((r) => path.resolve(r.specPath) === want);
  }

  async predict(modelDir: string, records: Array<Record<string, unknown>>): Promise<unknown[]> {
    this.requireTrust();
    return this.client.predict(modelDir, records);
  }

  async save(runDir: string, outDir: string): Promise<string[]> {
    this.requireTrust();
    return this.client.save(runDir, outDir);
  }

  async evaluate(runDir: string, dataPath?: string): Promise<Record<string, number>> {
    this.requireTrust();
    return this.client.evaluate(runDir, dataPath);
  }

  private requireTrust(): void {
    if (this.opts.settings.trusted && !this.opts.settings.trusted()) throw new Error(UNTRUSTED_MESSAGE);
  }

  /**
   * Stops everything (extension deactivation): graceful first, killed after a short timeout. Cluster jobs are
   * left to run: only their watcher ends (their run folders say how they end; `model-studio train --resume` or
   * the job's own requeue continue them).
   */
  async dispose(): Promise<void> {
    this.client.dispose();
    const cluster = this.cluster;
    this.cluster = undefined;
    await Promise.all([
      ...this.active().filter((r) => !r.target).map((r) => r.proc.endWithin({ type: 'stop', id: r.runKey }, 3000)),
      ...(cluster ? [cluster.endWithin({ type: 'shutdown' }, 3000)] : []),
    ]);
    this.messages.dispose();
    this.changes.dispose();
  }

  private onEngineMessage(runKey: string, m: EngineMessage): void {
    const run = this.runs.get(runKey);
    if (!run) return;
    if (m.type === 'log') {
      const text = `[${run.modelName ?? runKey}] ${m.message}`;
      this.opts.log[m.level === 'warn' ? 'warn' : m.level === 'error' ? 'error' : m.level](text);
    }
    if (m.type !== 'ready' && m.type !== 'log') this.remember(run, m);
    switch (m.type) {
      case 'queued':
        run.runDir = m.runDir;
        run.jobId = m.jobId;
        run.queuedReason = m.reason;
        run.status = 'queued';
        this.changes.fire(run);
        break;
      case 'dataProgress':
        run.reading = { pass: m.pass, passes: m.passes, rows: m.rows, bytes: m.bytes, totalBytes: m.totalBytes };
        this.changes.fire(run);
        break;
      case 'runStarted':
        run.reading = undefined;
        run.runDir = m.runDir;
        run.status = 'running';
        run.queuedReason = undefined;
        run.modelName = m.modelName;
        run.epochs = m.epochs;
        this.opts.log.info(`[${runKey}] ${m.modelName}: run ${m.runId} on ${m.backend.device} (${m.backend.reason})`);
        this.changes.fire(run);
        break;
      case 'progress':
        run.progress = m.progress;
        this.changes.fire(run);
        break;
      case 'epochEnded':
        run.epochsCompleted = m.epoch;
        break;
      case 'error':
        run.lastError = m.message;
        this.opts.log.error(`[${run.modelName ?? runKey}] ${m.message}${m.location ? ` (${m.location.file}${m.location.line ? `:${m.location.line}` : ''})` : ''}${m.stack ? `\n${m.stack}` : ''}`);
        break;
      case 'done':
        run.status = m.status;
        run.endedAt = Date.now();
        run.summary = m.summary;
        if (m.runDir) run.runDir = m.runDir;
        this.opts.log.info(`[${runKey}] ${m.status}${m.summary ? ` ${formatSummary(m.summary)}` : ''}`);
        this.changes.fire(run);
        // the engine is done with this run: let it exit, and make sure it does (the cluster process once it follows no job)
        if (!run.target || ![...this.runs.values()].some((r) => r.proc === run.proc && this.going(r))) {
          if (this.cluster === run.proc) this.cluster = undefined;
          void run.proc.endWithin({ type: 'shutdown' }, this.opts.shutdownTimeoutMs ?? 5000);
        }
        break;
      default:
        break;
    }
    if (m.type !== 'ready') this.messages.fire({ runKey, message: m });
  }

  private remember(run: LiveRun, m: EngineMessage): void {
    run.messages.push(m);
    if (m.type !== 'progress') return;
    const count = run.messages.reduce((n, x) => n + (x.type === 'progress' ? 1 : 0), 0);
    if (count <= MAX_PROGRESS) return;
    let k = 0;
    run.messages = run.messages.filter((x) => x.type !== 'progress' || k++ % 2 === 1);
  }

  private async onExit(runKey: string, info: ExitInfo): Promise<void> {
    const run = this.runs.get(runKey);
    if (!run) return;
    const { log } = this.opts;
    if (run.status !== 'running' && run.status !== 'queued') {
      log.debug(`[${runKey}] engine exited (${describeExit(info)})`);
      this.changes.fire(run);
      return;
    }
    if (run.target) {
      // only the watcher is gone: the job is SLURM's, and its run folder says how it is doing
      const record = run.runDir ? await readJsonFile(path.join(run.runDir, 'run.json')).catch(() => undefined) : undefined;
      const onDisk = (record as { status?: unknown } | undefined)?.status;
      log.warn(`[${run.modelName ?? runKey}] stopped following SLURM job ${run.jobId ?? '(not submitted)'}: the engine process ended (${describeExit(info)}); the job is not affected${run.runDir ? `, see ${run.runDir}` : ''}`);
      if (!run.jobId) {
        run.status = 'failed';
        run.lastError = `the engine process ended (${describeExit(info)}) before the job was submitted`;
        this.deliver(run, { type: 'error', id: runKey, message: run.lastError });
        this.deliver(run, { type: 'done', id: runKey, status: 'failed', runDir: run.runDir });
      } else {
        run.status = onDisk === 'completed' || onDisk === 'stopped' || onDisk === 'failed' || onDisk === 'running' ? onDisk : 'queued';
      }
      this.changes.fire(run);
      return;
    }
    // no `done`: stopped by us (and killed after the timeout), or it died
    const status: RunStatus = run.stopRequested ? 'stopped' : 'failed';
    const message = status === 'stopped'
      ? `stopped: the engine did not finish in time and was ended (${describeExit(info)})`
      : `the engine process ended unexpectedly (${describeExit(info)})${run.lastError ? `; last error: ${run.lastError}` : ''}`;
    if (status === 'failed') {
      run.lastError = message;
      log.error(`[${run.modelName ?? runKey}] ${message}`);
    } else {
      log.warn(`[${run.modelName ?? runKey}] ${message}`);
    }
    // a cluster run's folder belongs to its job (still in SLURM's hands): only the watcher ended here
    if (run.runDir && !run.target) {
      try {
        await markRunEnded(run.runDir, status, status === 'failed' ? message : undefined);
      } catch (err) {
        log.warn(`[${runKey}] could not update ${path.join(run.runDir, 'run.json')}: ${errorText(err)}`);
      }
    }
    // the status changes once run.json says so, so whoever sees it can trust the folder
    run.status = status;
    run.endedAt = Date.now();
    if (status === 'failed') this.deliver(run, { type: 'error', id: runKey, message });
    this.deliver(run, { type: 'done', id: runKey, status, runDir: run.runDir });
    this.changes.fire(run);
  }

  private deliver(run: LiveRun, m: EngineMessage): void {
    this.remember(run, m);
    this.messages.fire({ runKey: run.runKey, message: m });
  }
}

/**
 * Marks a run folder's run.json as ended when the engine could not (it was killed): the status,
 * the end time and the error; everything else the engine wrote is kept as it was.
 */
export async function markRunEnded(runDir: string, status: RunStatus, error?: string): Promise<void> {
  const file = path.join(runDir, 'run.json');
  const raw = await readJsonFile(file);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file} is not a JSON object`);
  const record = raw as Record<string, unknown>;
  if (record.status !== 'running') return; // the engine got there first
  const end = new Date();
  const started = typeof record.startedAt === 'string' ? Date.parse(record.startedAt) : NaN;
  const next: Record<string, unknown> = { ...record, status, endedAt: end.toISOString(), updatedAt: end.toISOString() };
  if (Number.isFinite(started)) next.durationMs = end.getTime() - started;
  if (error) next.error = { message: error };
  if (status === 'stopped' && !record.stopReason) next.stopReason = 'stopped by the user';
  await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
}

export function formatSummary(summary: Record<string, number>): string {
  return Object.entries(summary)
    .slice(0, 4)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(', ');
}
