/**
 * Runs a sweep: samples each trial's parameters, starts trials through a launcher (at most `parallel`
 * at once, and at most what `maxConcurrent` allows), follows each trial's run folder (metrics.jsonl for
 * the metric each epoch, run.json for how it ended), stops hopeless trials (asha / median), and keeps
 * sweep.json current after every change, so a sweep interrupted at any point resumes where it was.
 *
 * No `vscode`, async file I/O only: it runs in the CLI and in the extension host alike.
 *
 * - A failed trial is recorded and the sweep goes on.
 * - Stop (the signal): every running trial is asked to stop, is marked `interrupted`, and the sweep
 *   ends `stopped`. Resume runs interrupted trials again (same index, same parameters) in a new folder and
 *   never redoes a finished one; a trial still running from the earlier session is followed, not restarted.
 * - bayes: trial k learns from trials 0 … k−parallel and starts only when those have finished, so the
 *   sequence of parameters does not depend on the order in which trials happen to finish.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../engine/evaluate/atomicWrite';
import { makeRunId, type RunRecord } from '../engine/run';
import { epochOfLine, epochsOfLines, plannedEpochsOfLine, resumeOfLine, supersededBy, type EpochLine } from '../experiments/epochLines';
import { loadModelFileWithSweep, SpecError, type ModelSpecFile, type SweepPlan } from '../modelFile';
import { fileProblem } from '../modelFile/problems';
import { findWorkspaceRootAsync } from '../modelFile/paths';
import type { BackendName } from '../modelFile/schema';
import { alive, hostName, type TrialHandle, type TrialLauncher } from './launcher';
import { FINISHED, listSweeps, readSweepRecord, SWEEPS_FOLDER, trialRunName, writeSweepRecord, type SweepRecord, type SweepStatus, type TrialRecord, type TrialStatus } from './record';
import { gridSize, sampleParams, startupTrials, type Observation, type TrialParams } from './samplers';
import { EarlyTermination } from './termination';

// ---------------------------------------------------------------- events

export interface TrialSummary { trial: number; run: string; params: TrialParams; status: TrialStatus; objective: number | null }

export type SweepEvent =
  | { event: 'sweepStarted'; sweep: string; sweepId: string; model: string; method: SweepPlan['method']; metric: string; goal: SweepPlan['goal']; trials: number; parallel: number; resumed: boolean; finished: number }
  | { event: 'trialStarted'; trial: number; run: string; params: TrialParams; attempt: number; resumed: boolean }
  | { event: 'trialEpoch'; trial: number; run: string; epoch: number; epochs: number; value: number | null; logs: Record<string, number> }
  | { event: 'trialStopping'; trial: number; run: string; reason: string }
  | { event: 'trialEnded'; trial: number; run: string; params: TrialParams; status: TrialStatus; objective: number | null; metrics?: Record<string, number>; error?: string; stopReason?: string }
  | { event: 'best'; trial: number; run: string; params: TrialParams; objective: number }
  | { event: 'log'; level: 'info' | 'warn'; message: string }
  | { event: 'done'; sweep: string; status: SweepStatus; best: { run: string; params: TrialParams; metrics: Record<string, number> } | null; trials: TrialSummary[] };

export interface SweepOptions {
  specPath: string;
  workspaceRoot?: string;
  /** the runs folder (default: <workspace>/runs) */
  runsDir?: string;
  /** true: the newest unfinished sweep of this model file; a path: that sweep folder */
  resume?: boolean | string;
  /** override the file's `sweep.trials` */
  trials?: number;
  /** override the file's `sweep.parallel` */
  parallel?: number;
  /** a further cap on trials at once, read before each start (VS Code: maxConcurrentRuns less the other runs) */
  maxConcurrent?: () => number;
  backend?: BackendName;
  launcher: TrialLauncher;
  signal?: AbortSignal;
  onEvent: (e: SweepEvent) => void;
  /** how often running trials' files are read (default 250 ms) */
  pollMs?: number;
  /** how long a stopped trial may take to save before it is killed (default 60 s) */
  stopTimeoutMs?: number;
}

export interface SweepOutcome {
  sweepDir: string;
  status: SweepStatus;
  record: SweepRecord;
}

// ---------------------------------------------------------------- following a run folder

interface Active {
  index: number;
  runDir: string;
  handle: TrialHandle;
  ended: boolean;
  /** metrics.jsonl read so far */
  offset: number;
  partial: string;
  epochs: EpochLine[];
  plannedEpochs: number;
  /** a stop was sent (a second SIGINT would end a trial without saving) */
  stopSent?: boolean;
  killTimer?: NodeJS.Timeout;
}

async function readNewLines(a: Active): Promise<Array<Record<string, unknown>>> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path.join(a.runDir, 'metrics.jsonl'), 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    if (size <= a.offset) return [];
    const buffer = Buffer.alloc(size - a.offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, a.offset);
    a.offset += bytesRead;
    const text = a.partial + buffer.subarray(0, bytesRead).toString('utf8');
    const lines = text.split('\n');
    a.partial = lines.pop() ?? '';
    const out: Array<Record<string, unknown>> = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const v = JSON.parse(line) as unknown;
        if (typeof v === 'object' && v !== null) out.push(v as Record<string, unknown>);
      } catch {
        // a torn line (only the last one can be, and it stays in `partial`)
      }
    }
    return out;
  } finally {
    await handle.close();
  }
}

async function readRunJson(runDir: string): Promise<Partial<RunRecord> | undefined> {
  try {
    return JSON.parse(await fsp.readFile(path.join(runDir, 'run.json'), 'utf8')) as Partial<RunRecord>;
  } catch {
    return undefined;
  }
}

/** Every epoch line of a finished run (for objectives and the early-termination history on resume). */
async function readEpochs(runDir: string): Promise<EpochLine[]> {
  const a = { runDir, offset: 0, partial: '' } as Active;
  return epochsOfLines(await readNewLines(a));
}

const exists = (p: string) => fsp.access(p).then(() => true, () => false);

async function tail(file: string, lines = 6): Promise<string> {
  try {
    const text = await fsp.readFile(file, 'utf8');
    return text.trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- the runner

const better = (goal: SweepPlan['goal'], a: number, b: number) => (goal === 'maximize' ? a > b : a < b);

/** The model file as the trials train it, without the sweep's size: resuming with other trials/parallel is fine. */
function fingerprintOf(spec: ModelSpecFile): string {
  const { sweep, ...rest } = spec;
  const { trials: _t, parallel: _p, ...kept } = sweep ?? ({} as NonNullable<ModelSpecFile['sweep']>);
  return createHash('sha256').update(JSON.stringify({ ...rest, sweep: kept })).digest('hex').slice(0, 16);
}

export async function runSweep(opts: SweepOptions): Promise<SweepOutcome> {
  const specPath = path.resolve(opts.specPath);
  const workspaceRoot = path.resolve(opts.workspaceRoot ?? (await findWorkspaceRootAsync(specPath)));
  const { spec, sweep } = await loadModelFileWithSweep(specPath, { workspaceRoot });
  if (!sweep) {
    throw new SpecError([fileProblem(specPath, 'this model file has no `sweep:` section: add one (method, metric, parameters; see "Sweeps" in the README) to run a sweep')]);
  }
  const plan: SweepPlan = { ...sweep, ...(opts.trials ? { trials: opts.trials } : {}), ...(opts.parallel ? { parallel: opts.parallel } : {}) };
  const cap = (n: number) => (plan.method === 'grid' ? Math.min(n, gridSize(plan)) : n);
  plan.trials = cap(plan.trials);
  const runsDir = path.resolve(opts.runsDir ?? path.join(workspaceRoot, 'runs'));
  const sweepsDir = path.join(runsDir, spec.name, SWEEPS_FOLDER);
  const fingerprint = fingerprintOf(spec);
  const emit = opts.onEvent;
  const pollMs = opts.pollMs ?? 250;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 60_000;

  // ---- the sweep folder and its record
  let sweepDir: string;
  let record: SweepRecord;
  const now = () => new Date().toISOString();
  if (opts.resume) {
    sweepDir = typeof opts.resume === 'string' ? path.resolve(opts.resume) : await newestUnfinished(sweepsDir, specPath);
    record = await readSweepRecord(sweepDir);
    if (record.fingerprint !== fingerprint) {
      throw new Error(`${sweepDir}: the model file changed since this sweep started (its settings, layers or sweep section differ), so its trials would not be comparable; undo the change, or start a new sweep (without --resume)`);
    }
    if (record.status === 'running' && record.host === hostName() && record.pid !== process.pid && alive(record.pid)) {
      throw new Error(`${sweepDir}: this sweep is still running (process ${record.pid}); stop it first`);
    }
    record = { ...record, status: 'running', pid: process.pid, host: hostName(), updatedAt: now(), trialCount: cap(opts.trials ?? record.trialCount), parallel: opts.parallel ?? record.parallel };
    delete record.endedAt;
    delete record.error;
  } else {
    await fsp.mkdir(sweepsDir, { recursive: true });
    let sweepId = makeRunId();
    for (let t = Date.now(); ; t++) {
      sweepId = makeRunId(new Date(t));
      try {
        await fsp.mkdir(path.join(sweepsDir, sweepId));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    sweepDir = path.join(sweepsDir, sweepId);
    record = {
      format: 'model-studio-sweep', version: 1, sweepId, modelName: spec.name, specPath, status: 'running', pid: process.pid, host: hostName(),
      createdAt: now(), updatedAt: now(), method: plan.method, metric: plan.metric, goal: plan.goal, seed: plan.seed, trialCount: plan.trials,
      parallel: plan.parallel, ...(plan.earlyTermination ? { earlyTermination: plan.earlyTermination } : {}), parameters: plan.parameters, fingerprint, trials: [],
    };
  }
  const effective: SweepPlan = { ...plan, trials: record.trialCount, parallel: record.parallel };
  const isEpochMetric = !plan.metric.startsWith('test_');
  const termination = plan.earlyTermination ? new EarlyTermination(plan.earlyTermination, plan.goal, plan.epochs) : undefined;

  // sweep.json writes go one after another, the last state last
  let writing: Promise<void> = Promise.resolve();
  const save = () => {
    record.updatedAt = now();
    const snapshot = structuredClone(record);
    writing = writing.then(() => writeSweepRecord(sweepDir, snapshot), () => writeSweepRecord(sweepDir, snapshot));
    return writing;
  };
  const trialOf = (index: number) => record.trials.find((t) => t.index === index);
  const abs = (t: TrialRecord) => path.join(sweepDir, t.run);

  // ---- what an ended run folder says
  const objectiveOf = async (t: TrialRecord, run: Partial<RunRecord> | undefined, epochs?: EpochLine[]) => {
    const lines = epochs ?? (await readEpochs(abs(t)));
    t.epochsCompleted = run?.epochs?.completed ?? lines.length;
    if (run?.metrics) t.metrics = run.metrics;
    delete t.objective;
    delete t.objectiveEpoch;
    if (isEpochMetric) {
      for (const l of lines) {
        const v = l.logs[plan.metric];
        if (typeof v === 'number' && Number.isFinite(v) && (t.objective === undefined || better(plan.goal, v, t.objective))) {
          t.objective = v;
          t.objectiveEpoch = l.epoch;
        }
      }
    } else {
      const v = run?.metrics?.[plan.metric.slice('test_'.length)];
      if (typeof v === 'number' && Number.isFinite(v)) t.objective = v;
    }
  };

  const updateBest = () => {
    let best: TrialRecord | undefined;
    for (const t of record.trials) {
      if ((t.status !== 'completed' && t.status !== 'stoppedEarly') || t.objective === undefined) continue;
      if (!best || better(plan.goal, t.objective, best.objective as number)) best = t;
    }
    const before = record.best?.trial;
    record.best = best ? { trial: best.index, run: best.run, objective: best.objective as number } : undefined;
    if (best && before !== best.index) emit({ event: 'best', trial: best.index, run: abs(best), params: best.params, objective: best.objective as number });
  };

  const active = new Map<number, Active>();
  const rerun: number[] = [];

  // ---- resume: settle what the earlier session left
  if (opts.resume) {
    for (const t of [...record.trials].sort((a, b) => a.index - b.index)) {
      if (FINISHED.has(t.status)) continue;
      const runDir = abs(t);
      const run = await readRunJson(runDir);
      if (run?.status === 'completed' || (run?.status === 'stopped' && t.stopRequested === 'early')) {
        t.status = run.status === 'completed' ? 'completed' : 'stoppedEarly';
        await objectiveOf(t, run);
        t.endedAt = run.endedAt ?? now();
        continue;
      }
      if (run?.status === 'failed') {
        t.status = 'failed';
        t.error = run.error?.message ?? 'the run failed';
        continue;
      }
      const handle = (run?.status === 'running' && typeof run.pid === 'number') || run?.status === 'queued' ? opts.launcher.adopt?.(runDir, run) : undefined;
      if (handle) {
        t.status = 'running';
        const a: Active = { index: t.index, runDir, handle, ended: false, offset: 0, partial: '', epochs: [], plannedEpochs: run?.epochs?.planned ?? plan.epochs };
        active.set(t.index, a);
        // like a launched trial: its end wakes the loop (without this an adopted trial was followed forever)
        void handle.ended.then(() => {
          a.ended = true;
          wake();
        });
        const where = run?.slurm ? `SLURM job ${run.slurm.jobId}${run.slurm.arrayTaskId !== undefined ? `_${run.slurm.arrayTaskId}` : ''}` : `process ${run?.pid}`;
        emit({ event: 'log', level: 'info', message: `trial ${t.index} is still ${run?.status === 'queued' ? 'queued' : 'training'} from the earlier session (${where}); following it` });
        continue;
      }
      t.status = 'interrupted';
      rerun.push(t.index);
    }
    // The early-termination history: finished trials' curves, in trial order.
    if (termination) {
      for (const t of [...record.trials].sort((a, b) => a.index - b.index)) {
        if (!FINISHED.has(t.status) || t.status === 'failed') continue;
        for (const l of await readEpochs(abs(t))) termination.report(t.index, l.epoch, l.logs[plan.metric]);
      }
    }
    updateBest();
  }
  await save();
  emit({
    event: 'sweepStarted', sweep: sweepDir, sweepId: record.sweepId, model: spec.name, method: plan.method, metric: plan.metric, goal: plan.goal,
    trials: record.trialCount, parallel: record.parallel, resumed: Boolean(opts.resume), finished: record.trials.filter((t) => FINISHED.has(t.status)).length,
  });

  // ---- the loop
  let wake: () => void = () => undefined;
  const sleep = () => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, pollMs);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  let stopping = false;
  const onAbort = () => {
    stopping = true;
    wake();
  };
  opts.signal?.addEventListener('abort', onAbort);
  if (opts.signal?.aborted) stopping = true;

  const stopTrial = (a: Active, why: 'early' | 'sweep') => {
    const t = trialOf(a.index);
    if (t && !t.stopRequested) t.stopRequested = why;
    if (a.stopSent) return;
    a.stopSent = true;
    a.handle.stop();
    if (!a.killTimer) {
      a.killTimer = setTimeout(() => a.handle.kill(), stopTimeoutMs);
      a.killTimer.unref?.();
    }
  };

  /** bayes: the finished trials trial `index` may learn from; undefined while one of them is unfinished */
  const historyFor = (index: number): Observation[] | undefined => {
    if (plan.method !== 'bayes' || index < startupTrials(effective)) return [];
    const upTo = index - effective.parallel;
    const out: Observation[] = [];
    for (let i = 0; i <= upTo; i++) {
      const t = trialOf(i);
      if (!t || !FINISHED.has(t.status)) return undefined;
      if (t.objective !== undefined && t.status !== 'failed') out.push({ params: t.params, objective: t.objective });
    }
    return out;
  };

  const start = async (index: number): Promise<boolean> => {
    const earlier = trialOf(index);
    let params: TrialParams;
    if (earlier) {
      params = earlier.params;
    } else {
      const history = historyFor(index);
      if (history === undefined) return false;
      params = sampleParams(effective, index, history);
    }
    // An interrupted trial continues in its own folder (`train --resume`: from its last checkpoint, or from the
    // start behind a resume marker); only a folder that never became a run is left for a fresh one.
    let run = earlier?.run ?? trialRunName(index, 1);
    let previousRuns = earlier?.previousRuns ?? [];
    let resume = false;
    if (earlier) {
      const folder = path.join(sweepDir, earlier.run);
      if (await exists(path.join(folder, 'run.json'))) resume = true;
      else if (await exists(folder)) {
        previousRuns = [...previousRuns, earlier.run];
        run = trialRunName(index, previousRuns.length + 1);
      }
    }
    const resumes = (earlier?.resumes ?? 0) + (resume ? 1 : 0);
    const t: TrialRecord = { index, run, params, status: 'running', startedAt: earlier?.startedAt && resume ? earlier.startedAt : now(), ...(previousRuns.length ? { previousRuns } : {}), ...(resumes ? { resumes } : {}) };
    record.trials = [...record.trials.filter((x) => x.index !== index), t].sort((a, b) => a.index - b.index);
    await save();
    const runDir = abs(t);
    emit({ event: 'trialStarted', trial: index, run: runDir, params, attempt: previousRuns.length + resumes + 1, resumed: resume });
    const overrides = plan.parameters.map((p) => ({ path: p.path, value: params[p.path] }));
    try {
      const handle = await opts.launcher.launch({
        sweepDir, index, runDir, specPath, workspaceRoot, overrides, logFile: path.join(sweepDir, 'logs', `${run}.log`), ...(opts.backend ? { backend: opts.backend } : {}), ...(resume ? { resume } : {}),
      });
      const a: Active = { index, runDir, handle, ended: false, offset: 0, partial: '', epochs: [], plannedEpochs: plan.epochs };
      active.set(index, a);
      void handle.ended.then(() => {
        a.ended = true;
        wake();
      });
    } catch (err) {
      t.status = 'failed';
      t.error = `could not start the trial: ${err instanceof Error ? err.message : String(err)}`;
      t.endedAt = now();
      await save();
      emit({ event: 'trialEnded', trial: index, run: runDir, params, status: 'failed', objective: null, error: t.error });
    }
    return true;
  };

  const follow = async (a: Active) => {
    const t = trialOf(a.index);
    if (!t) return;
    for (const line of await readNewLines(a)) {
      a.plannedEpochs = plannedEpochsOfLine(line) ?? a.plannedEpochs;
      const resumed = resumeOfLine(line);
      if (resumed) a.epochs = a.epochs.filter((x) => !supersededBy(x, resumed));
      const e = epochOfLine(line);
      if (!e) continue;
      if (e.epochs !== undefined) a.plannedEpochs = e.epochs;
      const logs = e.logs;
      a.epochs.push(e);
      const value = isEpochMetric && typeof logs[plan.metric] === 'number' ? logs[plan.metric] : null;
      emit({ event: 'trialEpoch', trial: a.index, run: a.runDir, epoch: e.epoch, epochs: a.plannedEpochs, value, logs });
      if (!termination || !isEpochMetric) continue;
      const decision = termination.report(a.index, e.epoch, value ?? undefined);
      if (decision.stop && !t.stopRequested && !stopping && decision.reason) {
        t.stopReason = decision.reason;
        stopTrial(a, 'early');
        await save();
        emit({ event: 'trialStopping', trial: a.index, run: a.runDir, reason: decision.reason });
      }
    }
  };

  const finish = async (a: Active) => {
    active.delete(a.index);
    if (a.killTimer) clearTimeout(a.killTimer);
    const t = trialOf(a.index);
    if (!t) return;
    await follow(a);
    const end = await a.handle.ended;
    const run = await readRunJson(a.runDir);
    t.endedAt = run?.endedAt ?? now();
    if (t.startedAt) t.durationMs = Date.parse(t.endedAt) - Date.parse(t.startedAt);
    let status: TrialStatus;
    if (run?.status === 'completed') status = 'completed';
    else if (run?.status === 'stopped') status = t.stopRequested === 'sweep' ? 'interrupted' : 'stoppedEarly';
    else if (run?.status === 'failed') status = 'failed';
    else if (t.stopRequested === 'sweep') status = 'interrupted';
    else status = 'failed';
    if (status === 'stoppedEarly' && !t.stopReason) t.stopReason = run?.stopReason ?? 'stopped';
    if (status === 'failed') {
      const why = run?.error?.message
        ?? (run?.status === 'running' ? `the trial's process ended without finishing (${end.signal ? `killed by ${end.signal}` : `exit code ${end.exitCode}`})` : undefined)
        ?? end.message
        ?? ((await tail(path.join(sweepDir, 'logs', `${t.run}.log`))) || `the trial's process ended with ${end.signal ? `signal ${end.signal}` : `exit code ${end.exitCode}`} before it created its run folder`);
      t.error = why;
    }
    if (run && run.status === 'running') await markEnded(a.runDir, run, status === 'interrupted' ? 'stopped' : 'failed', t.error);
    t.status = status;
    if (status === 'completed' || status === 'stoppedEarly') await objectiveOf(t, run, a.epochs);
    else t.epochsCompleted = a.epochs.length;
    if (status === 'interrupted') rerun.push(t.index);
    updateBest();
    await save();
    emit({
      event: 'trialEnded', trial: t.index, run: a.runDir, params: t.params, status, objective: t.objective ?? null,
      ...(t.metrics ? { metrics: t.metrics } : {}), ...(t.error ? { error: t.error } : {}), ...(t.stopReason ? { stopReason: t.stopReason } : {}),
    });
  };

  let nextIndex = record.trials.reduce((m, t) => Math.max(m, t.index + 1), 0);
  rerun.sort((a, b) => a - b);
  let waitingLogged = false;
  try {
    for (;;) {
      if (stopping) {
        for (const a of active.values()) if (!a.ended) stopTrial(a, 'sweep');
      } else {
        // fill the free slots: interrupted trials first, then new ones
        for (;;) {
          // a launcher that holds trials back itself (a job array's %parallel) gets them all; bayes still waits
          const cap = opts.launcher.limitsConcurrency && plan.method !== 'bayes'
            ? Infinity
            : Math.min(effective.parallel, Math.max(0, Math.floor(opts.maxConcurrent?.() ?? Infinity)));
          if (active.size >= cap) {
            if (active.size === 0 && !waitingLogged) {
              emit({ event: 'log', level: 'warn', message: 'waiting for a free slot: other runs use every one allowed (modelStudio.maxConcurrentRuns)' });
              waitingLogged = true;
            }
            break;
          }
          const fromRerun = rerun.length > 0;
          const index = fromRerun ? rerun[0] : nextIndex < record.trialCount ? nextIndex : undefined;
          if (index === undefined) break;
          if (!(await start(index))) break; // bayes waits for the trials it learns from
          if (fromRerun) rerun.shift();
          else nextIndex++;
          waitingLogged = false;
        }
        await opts.launcher.flush?.(effective.parallel);
      }
      for (const a of [...active.values()]) {
        if (a.ended) await finish(a);
        else await follow(a);
      }
      const more = !stopping && (rerun.length > 0 || nextIndex < record.trialCount);
      if (active.size === 0 && !more) break;
      await sleep();
    }
  } catch (err) {
    record.error = err instanceof Error ? err.message : String(err);
    for (const a of active.values()) stopTrial(a, 'sweep');
    await Promise.all([...active.values()].map((a) => a.handle.ended));
    record.status = 'failed';
    record.endedAt = now();
    await save();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }

  record.status = stopping && (rerun.length > 0 || nextIndex < record.trialCount) ? 'stopped' : 'completed';
  record.endedAt = now();
  updateBest();
  await save();
  const best = record.best ? trialOf(record.best.trial) : undefined;
  emit({
    event: 'done', sweep: sweepDir, status: record.status,
    best: best ? { run: abs(best), params: best.params, metrics: { [plan.metric]: best.objective as number, ...(best.metrics ?? {}) } } : null,
    trials: record.trials.map((t) => ({ trial: t.index, run: abs(t), params: t.params, status: t.status, objective: t.objective ?? null })),
  });
  return { sweepDir, status: record.status, record };
}

/** The newest sweep of this model file that did not complete. */
async function newestUnfinished(sweepsDir: string, specPath: string): Promise<string> {
  const sweeps = await listSweeps(path.dirname(sweepsDir));
  const mine = sweeps.filter((s) => path.resolve(s.record.specPath) === specPath);
  const open = mine.find((s) => s.record.status !== 'completed');
  if (open) return open.dir;
  if (mine.length === 0) throw new Error(`no sweep of ${specPath} to resume in ${sweepsDir}; run it without --resume to start one`);
  throw new Error(`every sweep of ${specPath} in ${sweepsDir} has completed (newest: ${mine[0].dir}); run it without --resume to start a new one, or resume one by folder with --sweep DIR --resume and more --trials`);
}

/** run.json of a trial whose process died without saying how it ended. */
async function markEnded(runDir: string, run: Partial<RunRecord>, status: 'stopped' | 'failed', error?: string): Promise<void> {
  const end = new Date();
  const started = typeof run.startedAt === 'string' ? Date.parse(run.startedAt) : NaN;
  const next = {
    ...run, status, endedAt: end.toISOString(), updatedAt: end.toISOString(),
    ...(Number.isFinite(started) ? { durationMs: end.getTime() - started } : {}),
    ...(status === 'failed' && error ? { error: { message: error } } : {}),
    ...(status === 'stopped' ? { stopReason: run.stopReason ?? 'stopped with the sweep' } : {}),
  };
  await writeFileAtomic(path.join(runDir, 'run.json'), `${JSON.stringify(next, null, 2)}\n`);
}
