/**
 * The run folder (DESIGN.md §3):
 *
 *   runs/<model name>/<run id>/
 *     spec.json  metrics.jsonl  run.json  report.json  report.md  model/  checkpoints/best/
 *
 * The run id is a sortable UTC timestamp (2026-11-29T10-57-13-123Z). run.json is rewritten
 * atomically at every change of state.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendInfo, RunStatus } from '../protocol/engine';
import type { ModelSpecFile } from '../modelFile/schema';
import { writeJsonAtomic } from './fsutil';

export interface RunRecord {
  format: 'model-studio-run';
  version: 1;
  runId: string;
  modelName: string;
  task: ModelSpecFile['task'];
  /** the model file that produced the run */
  specPath: string;
  status: RunStatus;
  backend?: BackendInfo;
  device?: string;
  pid: number;
  /** the machine the pid belongs to (a cluster job runs on another node than the editor) */
  host?: string;
  startedAt: string;
  updatedAt: string;
  endedAt?: string;
  durationMs?: number;
  epochs: { planned: number; completed: number };
  samples?: { train: number; validation: number; test: number };
  best?: { epoch: number; monitor: string; value: number };
  /** why training ended early (early stopping, a stop request, NaN) */
  stopReason?: string;
  /** test-split metrics from the report */
  metrics?: Record<string, number>;
  /** fields set from outside the model file (`train --set`, a sweep's trial): path → value */
  overrides?: Record<string, unknown>;
  error?: { message: string; location?: { file: string; line?: number; column?: number; path?: string } };
  /** where the run trains: a target of .model-studio/targets.yaml (absent: this machine) */
  target?: string;
  /** the SLURM job of a run submitted to a cluster target */
  slurm?: SlurmJobRecord;
  /** each time the run continued from its resumable checkpoint: when, and from where */
  resumes?: Array<{ at: string; epoch: number; batch: number; step: number }>;
}

export interface SlurmJobRecord {
  /** the job id sbatch printed (for an array: the array's id) */
  jobId: string;
  /** the array task of this run, for a sweep trial */
  arrayTaskId?: number;
  partition?: string;
  submittedAt: string;
  /** SLURM's output file of the job ("Show Job Log"), relative to the run folder */
  output: string;
  /** the batch script submitted, relative to the run folder */
  script: string;
  /** SLURM's last word on the job: state, reason, exit code */
  state?: string;
  reason?: string;
  exitCode?: string;
}

export const RUN_FILES = {
  spec: 'spec.json',
  metrics: 'metrics.jsonl',
  run: 'run.json',
  report: 'report.json',
  reportMd: 'report.md',
  model: 'model',
  checkpoints: 'checkpoints',
  bestCheckpoint: path.join('checkpoints', 'best'),
  /** the resumable checkpoint (src/engine/train/resume.ts), kept until the run completes */
  resumeCheckpoint: path.join('checkpoints', 'resume'),
} as const;

/** A sortable, filesystem-safe run id from a time: 2026-11-29T10-57-13-123Z. */
export function makeRunId(date = new Date()): string {
  return date.toISOString().replace(/:/g, '-').replace('.', '-');
}

export function defaultRunsDir(workspaceRoot: string): string {
  return path.join(workspaceRoot, 'runs');
}

export class Run {
  private record: RunRecord;
  /** when this process took the run over, and the run's duration before that */
  private readonly since = Date.now();
  private readonly priorMs: number;

  private constructor(readonly dir: string, record: RunRecord) {
    this.record = record;
    this.priorMs = record.status === 'running' ? 0 : record.durationMs ?? 0;
  }

  /**
   * Take over an existing run folder to continue it (resume) in this process: status running again,
   * this pid and host; the end, error and stop reason of its last attempt are cleared.
   */
  static open(dir: string): Run {
    const record = readRunRecord(dir);
    const run = new Run(path.resolve(dir), record);
    const { endedAt: _e, error: _err, stopReason: _s, ...rest } = record;
    run.record = { ...rest, status: 'running', pid: process.pid, host: os.hostname(), updatedAt: new Date().toISOString() };
    run.write();
    return run;
  }

  /** Make a fresh run folder under runsDir/<model name>/ and write spec.json and run.json. */
  static create(runsDir: string, spec: ModelSpecFile, specPath: string, plannedEpochs: number, extra: Partial<RunRecord> = {}): Run {
    const modelDir = path.join(runsDir, spec.name);
    fs.mkdirSync(modelDir, { recursive: true });
    let now = new Date();
    let runId = makeRunId(now);
    // Two runs in the same millisecond: take the next free id, still sortable.
    while (fs.existsSync(path.join(modelDir, runId))) {
      now = new Date(now.getTime() + 1);
      runId = makeRunId(now);
    }
    return Run.createAt(path.join(modelDir, runId), spec, specPath, plannedEpochs, extra);
  }

  /**
   * Make the run folder `dir` itself (a sweep's trial, whose folder the sweep names): it must not exist
   * yet, or be empty. The run id is the folder's name.
   */
  static createAt(dir: string, spec: ModelSpecFile, specPath: string, plannedEpochs: number, extra: Partial<RunRecord> = {}): Run {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      throw new Error(`${dir} already exists and is not empty: a run folder is made fresh (pick a new --run-dir)`);
    }
    const runId = path.basename(dir);
    fs.mkdirSync(path.join(dir, RUN_FILES.checkpoints), { recursive: true });
    const iso = new Date().toISOString();
    const run = new Run(dir, {
      format: 'model-studio-run', version: 1, runId, modelName: spec.name, task: spec.task, specPath,
      status: 'running', pid: process.pid, host: os.hostname(), startedAt: iso, updatedAt: iso,
      epochs: { planned: plannedEpochs, completed: 0 }, ...extra,
    });
    writeJsonAtomic(path.join(dir, RUN_FILES.spec), spec);
    run.write();
    return run;
  }

  /**
   * Make a run folder that waits for a cluster job (status `queued`): spec.json and run.json now, so the
   * job (`model-studio train --resume DIR`) and everyone watching find it before the job starts.
   */
  static prepare(runsDir: string, spec: ModelSpecFile, specPath: string, plannedEpochs: number, extra: Partial<RunRecord> = {}): Run {
    const run = Run.create(runsDir, spec, specPath, plannedEpochs, { ...extra, status: 'queued' });
    return run;
  }

  get id(): string { return this.record.runId; }
  get status(): RunStatus { return this.record.status; }
  get data(): Readonly<RunRecord> { return this.record; }
  file(name: keyof typeof RUN_FILES): string { return path.join(this.dir, RUN_FILES[name]); }

  /** Merge changes into run.json and rewrite it atomically. */
  update(changes: Partial<RunRecord>): void {
    this.record = { ...this.record, ...changes, updatedAt: new Date().toISOString() };
    this.write();
  }

  /** durationMs counts the time spent running, summed over resumes (not the time between them) */
  finish(status: RunStatus, changes: Partial<RunRecord> = {}): void {
    const end = new Date();
    this.update({ ...changes, status, endedAt: end.toISOString(), durationMs: this.priorMs + (end.getTime() - this.since) });
  }

  private write(): void {
    writeJsonAtomic(path.join(this.dir, RUN_FILES.run), this.record);
  }
}

export function readRunRecord(runDir: string): RunRecord {
  const file = path.join(runDir, RUN_FILES.run);
  if (!fs.existsSync(file)) throw new Error(`${runDir}: not a run folder (no run.json)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
}

/**
 * One metrics.jsonl, parsed line by line; a torn line (crash mid-write) is skipped. At a `resume` line,
 * the batch and epoch lines before it with a greater step are dropped: they were written after the
 * checkpoint the run resumed from, and the lines after the marker replace them.
 */
export function readMetricsLog(runDir: string): Array<Record<string, unknown>> {
  const file = path.join(runDir, RUN_FILES.metrics);
  if (!fs.existsSync(file)) return [];
  let out: Array<Record<string, unknown>> = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // a torn line: only the last line of an attempt can be
      continue;
    }
    if (parsed.event === 'resume' && typeof parsed.step === 'number') out = supersededDropped(out, parsed.step);
    out.push(parsed);
  }
  return out;
}

/** The lines a resume at `step` keeps: everything up to that step (and markers such as trainEnd). */
export function supersededDropped<T extends Record<string, unknown>>(lines: T[], step: number): T[] {
  return lines.filter((l) => !((l.event === 'batch' || l.event === 'epoch') && typeof l.step === 'number' && l.step > step));
}

/**
 * The status a person should see: a run that says `running` but whose process is gone was killed
 * or crashed (kill -9, power loss) and is shown as failed.
 */
export function observedStatus(record: Pick<RunRecord, 'status' | 'pid' | 'host'>): RunStatus | 'crashed' {
  if (record.status !== 'running') return record.status;
  // a process on another machine (a cluster node) cannot be looked up from here
  if (record.host && record.host !== os.hostname()) return 'running';
  try {
    process.kill(record.pid, 0);
    return 'running';
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'running' : 'crashed';
  }
}
