/**
 * Runs side by side (MLflow's runs table, TensorBoard's hparams view): what each run's folder says —
 * status, timings, backend, its best and final epoch metrics, its test-report numbers, its note and tags —
 * and, across the runs, which settings of their resolved specs differ. No `vscode`, async file I/O only:
 * the CLI (`compare`, `runs`), the runs table and the compare view all read runs through here.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { RunRecord } from '../engine/run';
import { goalOf } from '../modelFile/sweepCheck';
import type { SweepGoal } from '../modelFile/sweepSchema';
import { epochsOfLines } from './epochLines';
import { readRunNotes, type RunNotes } from './notes';
import type { Cell, Column, ColumnGroup, RunTable } from '../protocol/experiments';

export type { Cell, Column, ColumnGroup, RunTable };

export interface RunSummary {
  runDir: string;
  runId: string;
  modelName: string;
  task?: 'classification' | 'regression';
  status: RunRecord['status'] | 'crashed';
  startedAt?: string;
  durationMs?: number;
  backend?: string;
  epochs?: { planned: number; completed: number };
  /** each epoch metric's best value over the epochs (min for losses, max for accuracy-like) */
  bestEpoch: Record<string, number>;
  /** each epoch metric at the last epoch */
  finalEpoch: Record<string, number>;
  /** test-report numbers (run.json `metrics`) */
  test: Record<string, number>;
  /** the resolved spec flattened to leaf paths (`train.optimizer.learningRate` → 0.01) */
  params: Record<string, unknown>;
  /** when the run is a sweep's trial: the sweep folder and the trial index */
  sweep?: { dir: string; trial?: number };
  notes: RunNotes;
  error?: string;
}

/** Spec fields that never explain a difference in results. */
const IGNORED_PARAMS = /^(sweep(\.|$)|\$schema$|description$)/;

/** A spec flattened to leaf paths; lists of scalars stay one value (`data.features`). */
export function flattenSpec(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) {
      out[prefix] = value;
      return out;
    }
    value.forEach((v, i) => flattenSpec(v, `${prefix}.${i}`, out));
    if (value.length === 0) out[prefix] = [];
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) out[prefix] = {};
    for (const [k, v] of entries) flattenSpec(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  if (prefix) out[prefix] = value;
  return out;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The epoch lines of metrics.jsonl, as numbers only. */
export async function readEpochLines(runDir: string): Promise<Array<Record<string, number>>> {
  let text: string;
  try {
    text = await fsp.readFile(path.join(runDir, 'metrics.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const lines: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"epoch')) continue;
    try {
      lines.push(JSON.parse(line));
    } catch {
      // a torn last line
    }
  }
  return epochsOfLines(lines).map((e) => ({ epoch: e.epoch, ...e.logs }));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Everything the tables show about one run folder. Throws when it is not a run folder. */
export async function readRunSummary(runDir: string): Promise<RunSummary> {
  const dir = path.resolve(runDir);
  const run = await readJson(path.join(dir, 'run.json'));
  if (!isRecord(run)) throw new Error(`${runDir}: not a run folder (no readable run.json)`);
  const r = run as Partial<RunRecord>;
  const [spec, epochs, notes, sweep] = await Promise.all([readJson(path.join(dir, 'spec.json')), readEpochLines(dir), readRunNotes(dir), readJson(path.join(path.dirname(dir), 'sweep.json'))]);
  const bestEpoch: Record<string, number> = {};
  for (const line of epochs) {
    for (const [k, v] of Object.entries(line)) {
      if (k === 'epoch' || k === 'lr' || !Number.isFinite(v)) continue;
      const goal = goalOf(k);
      if (bestEpoch[k] === undefined || (goal === 'maximize' ? v > bestEpoch[k] : v < bestEpoch[k])) bestEpoch[k] = v;
    }
  }
  const finalEpoch = Object.fromEntries(Object.entries(epochs[epochs.length - 1] ?? {}).filter(([k]) => k !== 'epoch'));
  const params = Object.fromEntries(Object.entries(flattenSpec(spec)).filter(([k]) => !IGNORED_PARAMS.test(k)));
  let status: RunSummary['status'] = r.status === 'running' || r.status === 'completed' || r.status === 'stopped' || r.status === 'failed' ? r.status : 'failed';
  if (status === 'running' && typeof r.pid === 'number' && !alive(r.pid)) status = 'crashed';
  const trial = isRecord(sweep) && Array.isArray(sweep.trials)
    ? (sweep.trials as Array<{ index?: number; run?: string }>).find((t) => t.run === path.basename(dir))?.index
    : undefined;
  return {
    runDir: dir,
    runId: r.runId ?? path.basename(dir),
    modelName: r.modelName ?? path.basename(path.dirname(dir)),
    ...(r.task ? { task: r.task } : {}),
    status,
    ...(r.startedAt ? { startedAt: r.startedAt } : {}),
    ...(typeof r.durationMs === 'number' ? { durationMs: r.durationMs } : {}),
    ...(r.backend?.name ? { backend: r.backend.name } : {}),
    ...(r.epochs ? { epochs: r.epochs } : {}),
    bestEpoch, finalEpoch,
    test: isRecord(r.metrics) ? Object.fromEntries(Object.entries(r.metrics).filter(([, v]) => typeof v === 'number')) as Record<string, number> : {},
    params,
    ...(isRecord(sweep) && sweep.format === 'model-studio-sweep' ? { sweep: { dir: path.dirname(dir), ...(trial !== undefined ? { trial } : {}) } } : {}),
    notes,
    ...(r.error?.message ? { error: r.error.message } : {}),
  };
}

// ---------------------------------------------------------------- the table

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A run's name in a table: its start as the sidebar shows it (2026-12-02 10:57:13), or `trial 3 (sweep …)`. */
export function runLabel(s: RunSummary): string {
  if (s.sweep && s.sweep.trial !== undefined) return `trial ${s.sweep.trial} (sweep ${timeOf(path.basename(s.sweep.dir))})`;
  return timeOf(s.runId);
}

/** A run as the CLI names it: its folder, with its sweep's for a trial (`2026-…Z/trial-003`). */
export function runName(s: RunSummary): string {
  return s.sweep ? `${path.basename(s.sweep.dir)}/${s.runId}` : s.runId;
}

/** Labels for runs shown together: runLabel, or the full run id where two would read the same. */
export function runLabels(runs: readonly RunSummary[]): string[] {
  const labels = runs.map(runLabel);
  return labels.map((l, i) => (labels.indexOf(l) !== labels.lastIndexOf(l) ? (runs[i].sweep?.trial !== undefined ? `${l} ${runs[i].runId}` : runs[i].runId) : l));
}

/** "2026-11-29 10:57:13" from an id like 2026-11-29T10-57-13-123Z (other names as they are). */
function timeOf(id: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})/.exec(id);
  return m ? `${m[1]} ${m[2]}:${m[3]}:${m[4]}` : id;
}

/** The parameter value as a cell: numbers and strings as they are, other values as JSON. */
function paramCell(v: unknown): Cell {
  if (v === undefined) return null;
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/**
 * The runs × (run info, differing parameters, best and final epoch metrics, test metrics) table. With
 * `allParams`, parameters that are the same everywhere are columns too (marked `differs: false`).
 */
export function buildRunTable(runs: readonly RunSummary[], opts: { allParams?: boolean } = {}): RunTable {
  const columns: Column[] = [];
  const labels = runLabels(runs);
  const rows = runs.map((s, i) => ({ runDir: s.runDir, label: labels[i], cells: {} as Record<string, Cell> }));
  const add = (key: string, group: ColumnGroup, label: string, values: Cell[], goal?: SweepGoal) => {
    const present = values.filter((v) => v !== null);
    // run information nobody has (no tags, no notes) is no column
    if (group === 'run' && present.length === 0) return;
    const differs = present.length > 0 && (present.length < values.length || present.some((v) => !same(v, present[0])));
    let best: number | undefined;
    if (goal && differs) {
      values.forEach((v, i) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) return;
        const b = best === undefined ? undefined : values[best];
        if (typeof b !== 'number' || (goal === 'maximize' ? v > b : v < b)) best = i;
      });
    }
    columns.push({ key, group, label, ...(goal ? { goal } : {}), differs, ...(best !== undefined ? { best } : {}) });
    values.forEach((v, i) => { rows[i].cells[key] = v; });
  };
  add('status', 'run', 'status', runs.map((s) => s.status));
  add('epochs', 'run', 'epochs', runs.map((s) => s.epochs?.completed ?? null));
  add('duration', 'run', 'duration (s)', runs.map((s) => (s.durationMs === undefined ? null : Math.round(s.durationMs / 100) / 10)));
  add('backend', 'run', 'backend', runs.map((s) => s.backend ?? null));
  add('tags', 'run', 'tags', runs.map((s) => (s.notes.tags.length ? s.notes.tags.join(', ') : null)));
  add('note', 'run', 'note', runs.map((s) => s.notes.note || null));

  const paramKeys = [...new Set(runs.flatMap((s) => Object.keys(s.params)))];
  for (const k of paramKeys) {
    const values = runs.map((s) => paramCell(s.params[k]));
    const differs = values.some((v) => !same(v, values[0]));
    if (differs || opts.allParams) add(`param:${k}`, 'param', k, values);
  }
  const metricKeys = (pick: (s: RunSummary) => Record<string, number>) => {
    const keys = [...new Set(runs.flatMap((s) => Object.keys(pick(s))))];
    // losses first, then the rest in the order they were seen
    return keys.sort((a, b) => Number(!/loss/.test(a)) - Number(!/loss/.test(b)));
  };
  for (const k of metricKeys((s) => s.bestEpoch)) add(`best:${k}`, 'best', k, runs.map((s) => s.bestEpoch[k] ?? null), goalOf(k));
  for (const k of metricKeys((s) => s.finalEpoch).filter((k) => k !== 'lr')) add(`final:${k}`, 'final', k, runs.map((s) => s.finalEpoch[k] ?? null), goalOf(k));
  for (const k of metricKeys((s) => s.test)) add(`test:${k}`, 'test', k, runs.map((s) => s.test[k] ?? null), goalOf(k));
  return { columns, rows };
}

/** The parameters that differ between runs, with each run's value (`compare`'s "what changed"). */
export function changedParams(runs: readonly RunSummary[]): Array<{ path: string; values: unknown[] }> {
  const keys = [...new Set(runs.flatMap((s) => Object.keys(s.params)))];
  return keys
    .map((k) => ({ path: k, values: runs.map((s) => s.params[k]) }))
    .filter((p) => p.values.some((v) => !same(v, p.values[0])));
}

/**
 * A sort key for `runs --sort METRIC`: a test-report number (`accuracy`, `test_accuracy`), an epoch
 * metric's best (`val_loss`), `duration` or `started`. Returns the value and which way is better.
 */
export function sortValue(s: RunSummary, metric: string): { value: number | undefined; goal: SweepGoal } {
  if (metric === 'duration') return { value: s.durationMs, goal: 'minimize' };
  if (metric === 'started') return { value: s.startedAt ? Date.parse(s.startedAt) : undefined, goal: 'maximize' };
  const name = metric.replace(/^test_/, '');
  if (metric.startsWith('test_') || (s.test[name] !== undefined && s.bestEpoch[metric] === undefined)) return { value: s.test[name], goal: goalOf(name) };
  return { value: s.bestEpoch[metric] ?? s.test[metric], goal: goalOf(metric) };
}

/**
 * Sorts runs in place: newest first, or best first by `metric` (see sortValue; runs without it last).
 * Returns what is wrong when no run has that metric.
 */
export function sortRuns(runs: RunSummary[], metric?: string): string | undefined {
  if (!metric) {
    runs.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
    return undefined;
  }
  const known = new Set(['duration', 'started', ...runs.flatMap((s) => [...Object.keys(s.bestEpoch), ...Object.keys(s.test), ...Object.keys(s.test).map((k) => `test_${k}`)])]);
  if (!known.has(metric)) return `no run has the metric '${metric}'; sort by one of: ${[...known].join(', ')}`;
  runs.sort((a, b) => {
    const x = sortValue(a, metric);
    const y = sortValue(b, metric);
    if (x.value === undefined) return y.value === undefined ? 0 : 1;
    if (y.value === undefined) return -1;
    return x.goal === 'maximize' ? y.value - x.value : x.value - y.value;
  });
  return undefined;
}

/** Run folders of one model: its runs, then every sweep's trials (runs/<model>/sweeps/<id>/<trial>/). */
export async function listModelRuns(modelRunsDir: string): Promise<string[]> {
  const dir = path.resolve(modelRunsDir);
  const subdirs = async (d: string) => (await fsp.readdir(d, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => path.join(d, e.name));
  const isRun = async (d: string) => fsp.access(path.join(d, 'run.json')).then(() => true, () => false);
  const runs: string[] = [];
  for (const d of await subdirs(dir)) if (await isRun(d)) runs.push(d);
  for (const sweep of await subdirs(path.join(dir, 'sweeps'))) {
    for (const d of await subdirs(sweep)) if (await isRun(d)) runs.push(d);
  }
  return runs;
}
