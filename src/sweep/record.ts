/**
 * sweep.json: the summary of a sweep, in its folder beside the trials' run folders (DESIGN.md §8):
 *
 *   runs/<model>/sweeps/<sweep id>/
 *     sweep.json            method, metric, goal, seed, parameters, and every trial: its parameters,
 *                           status, objective and run folder
 *     trial-000/ …          each trial an ordinary run folder (spec.json with the sampled values, metrics, report, model)
 *     logs/trial-000.log    what the trial's process printed
 *
 * The sweep id is a sortable timestamp, like run ids. Trial run folders are named trial-NNN; a trial
 * interrupted by a stop or a crash continues in its folder on resume (`train --resume`). Paths inside sweep.json are
 * relative to the sweep folder, so a sweep folder can be moved or read on another machine.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../engine/evaluate/atomicWrite';
import type { SweepParam } from '../modelFile/sweepCheck';
import type { SweepGoal, SweepMethod } from '../modelFile/sweepSchema';
import type { TrialParams } from './samplers';

export const SWEEP_FILE = 'sweep.json';
export const SWEEPS_FOLDER = 'sweeps';

export type SweepStatus = 'running' | 'completed' | 'stopped' | 'failed';
/**
 * completed: trained to the end (or its own early stopping); stoppedEarly: ended by the sweep's early
 * termination; failed: the run failed (not retried); interrupted: stopped with the sweep, or its process
 * died (run again on resume); pending/running: not finished.
 */
export type TrialStatus = 'pending' | 'running' | 'completed' | 'stoppedEarly' | 'failed' | 'interrupted';
export const FINISHED: ReadonlySet<TrialStatus> = new Set(['completed', 'stoppedEarly', 'failed']);

export interface TrialRecord {
  index: number;
  /** the run folder, relative to the sweep folder */
  run: string;
  params: TrialParams;
  status: TrialStatus;
  /** the sweep metric: its best epoch value, or the test-report number */
  objective?: number;
  /** the epoch the objective was reached at (epoch metrics) */
  objectiveEpoch?: number;
  epochsCompleted?: number;
  /** test-report numbers of the run (run.json `metrics`) */
  metrics?: Record<string, number>;
  /** why the sweep stopped it (early termination) */
  stopReason?: string;
  /** set when the sweep asked it to stop: 'early' (early termination) or 'sweep' (the sweep was stopped) */
  stopRequested?: 'early' | 'sweep';
  error?: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  /** run folders of earlier attempts that never became runs, oldest first */
  previousRuns?: string[];
  /** how often the trial was continued in its folder after an interruption (`train --resume`) */
  resumes?: number;
}

export interface SweepRecord {
  format: 'model-studio-sweep';
  version: 1;
  sweepId: string;
  modelName: string;
  /** the model file (absolute) */
  specPath: string;
  status: SweepStatus;
  /** the process running the sweep (to tell a live sweep from one whose process is gone) */
  pid: number;
  /** the machine it runs on (a pid means nothing elsewhere) */
  host: string;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  method: SweepMethod;
  metric: string;
  goal: SweepGoal;
  seed: number;
  /** planned number of trials */
  trialCount: number;
  parallel: number;
  earlyTermination?: { type: 'asha' | 'median'; minEpochs: number; reductionFactor?: number; minTrials?: number };
  parameters: SweepParam[];
  /** the model file minus its sweep size (trials, parallel): a resume must train the same thing */
  fingerprint: string;
  /** index of the best finished trial so far */
  best?: { trial: number; run: string; objective: number };
  /** every trial started so far, by index */
  trials: TrialRecord[];
  /** why the sweep failed */
  error?: string;
}

export async function readSweepRecord(sweepDir: string): Promise<SweepRecord> {
  const file = path.join(sweepDir, SWEEP_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${sweepDir}: not a sweep folder (no ${SWEEP_FILE})`);
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!isSweepRecord(raw)) throw new Error(`${file}: not a Model Studio sweep (format model-studio-sweep, version 1)`);
  return raw;
}

function isSweepRecord(v: unknown): v is SweepRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<SweepRecord>;
  return r.format === 'model-studio-sweep' && r.version === 1 && typeof r.sweepId === 'string' && Array.isArray(r.trials) && Array.isArray(r.parameters);
}

export async function writeSweepRecord(sweepDir: string, record: SweepRecord): Promise<void> {
  const finite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);
  await writeFileAtomic(path.join(sweepDir, SWEEP_FILE), `${JSON.stringify(record, finite, 2)}\n`);
}

/** trial-000, trial-000-2, … */
export function trialRunName(index: number, attempt: number): string {
  const base = `trial-${String(index).padStart(3, '0')}`;
  return attempt <= 1 ? base : `${base}-${attempt}`;
}

/** The sweeps of a model (runs/<model>/sweeps/<id>/), newest first; unreadable ones are skipped. */
export async function listSweeps(modelRunsDir: string): Promise<Array<{ dir: string; record: SweepRecord }>> {
  const root = path.join(modelRunsDir, SWEEPS_FOLDER);
  let names: string[];
  try {
    names = (await fsp.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const out: Array<{ dir: string; record: SweepRecord }> = [];
  for (const name of names.sort().reverse()) {
    try {
      out.push({ dir: path.join(root, name), record: await readSweepRecord(path.join(root, name)) });
    } catch {
      // a folder being created, or not a sweep
    }
  }
  return out;
}
