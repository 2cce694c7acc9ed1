/**
 * The contract of the experiment views (STYLE.md: one contract per webview, imported by both sides):
 * the compare view (runs side by side), the runs table of a model and the sweep dashboard. The host builds
 * these shapes from run folders and sweep.json; the webview only renders them. Every message is checked on
 * arrival (`parseToExperiments` in the webview, `parseFromExperiments` in the host). No `vscode`, no DOM.
 */
import type { SweepGoal } from '../modelFile/sweepSchema';

export const COMPARE_VIEW_TYPE = 'modelStudio.compare';
export const RUNS_VIEW_TYPE = 'modelStudio.runs';
export const SWEEP_VIEW_TYPE = 'modelStudio.sweep';
export type ExperimentsView = 'compare' | 'runs' | 'sweep';

// ---------------------------------------------------------------- the runs table (src/experiments/runTable.ts builds it)

export type ColumnGroup = 'run' | 'param' | 'best' | 'final' | 'test';

export interface Column {
  key: string;
  group: ColumnGroup;
  /** what the header says: `val_loss`, `learningRate`, … (the group says best/final/test) */
  label: string;
  /** metrics: which way is better; params and run info have none */
  goal?: SweepGoal;
  /** whether the runs do not all have the same value (DVC's "show only changed" is a filter on this) */
  differs: boolean;
  /** index of the row with the best value (metrics only; undefined when all equal or none) */
  best?: number;
}

export type Cell = string | number | boolean | null;

export interface RunTable {
  columns: Column[];
  rows: Array<{ runDir: string; label: string; cells: Record<string, Cell> }>;
}


/** One epoch of a run: its number and its logged metrics (loss, val_loss, accuracy, …). */
export type EpochPoint = Record<string, number> & { epoch: number };

/** What the compare view shows of a classification report. */
export interface CompareReport {
  task: 'classification' | 'regression';
  classes?: string[];
  /** rows = actual, columns = predicted */
  confusion?: number[][];
  perClass?: Array<{ label: string; precision: number; recall: number; f1: number; support: number }>;
}

export interface CompareRun {
  runDir: string;
  label: string;
  /** the run's colour, an index into the palette, the same in the table and every chart */
  colour: number;
  status: string;
  /** the resolved spec flattened to leaf paths (for the diff of two runs) */
  params: Record<string, unknown>;
  epochs: EpochPoint[];
  report?: CompareReport;
  note: string;
  tags: string[];
}

export interface CompareData { runs: CompareRun[]; table: RunTable; changed: Array<{ path: string; values: unknown[] }> }

export interface RunsData {
  model: string;
  /** the runs folder of the model */
  dir: string;
  table: RunTable;
  /** per row: when it started (ISO) and which sweep it belongs to, for sorting and grouping */
  rows: Array<{ runDir: string; startedAt?: string; sweep?: string; trial?: number }>;
}

export interface SweepTrialView {
  index: number;
  runDir: string;
  status: string;
  params: Record<string, unknown>;
  objective: number | null;
  epochsCompleted?: number;
  epochsPlanned?: number;
  stopReason?: string;
  error?: string;
  /** the sweep metric per epoch (epoch → value) */
  curve: Array<[number, number]>;
}

export interface SweepView {
  sweepDir: string;
  sweepId: string;
  model: string;
  specPath: string;
  method: string;
  metric: string;
  goal: 'minimize' | 'maximize';
  status: string;
  trialCount: number;
  parallel: number;
  /** live in this window (Stop applies); otherwise the sweep.json of a sweep that is over or runs elsewhere */
  live: boolean;
  parameters: Array<{ path: string; kind: 'choice' | 'range'; min?: number; max?: number; log?: boolean; integer?: boolean; values?: unknown[] }>;
  trials: SweepTrialView[];
  best?: { trial: number; objective: number };
  earlyTermination?: string;
  error?: string;
}

// ---------------------------------------------------------------- messages

export type ToExperiments =
  | { type: 'compare'; data: CompareData }
  | { type: 'runs'; data: RunsData }
  | { type: 'sweep'; data: SweepView }
  | { type: 'error'; message: string }
  | { type: 'busy'; action: ExperimentsAction; busy: boolean };

export type ExperimentsAction = 'stopSweep' | 'resumeSweep' | 'openBest' | 'writeBest' | 'refresh';

export type FromExperiments =
  | { type: 'ready' }
  | { type: 'action'; action: ExperimentsAction }
  /** open a run's dashboard */
  | { type: 'openRun'; runDir: string }
  /** compare these runs (the runs table's selection) */
  | { type: 'compare'; runDirs: string[] }
  /** edit a run's note and tags */
  | { type: 'editNote'; runDir: string };

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const ACTIONS: readonly ExperimentsAction[] = ['stopSweep', 'resumeSweep', 'openBest', 'writeBest', 'refresh'];
const isPath = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 4096;

/** Checks what a view sends (the host acts on run folders only after checking they are the view's own). */
export function parseFromExperiments(raw: unknown): Parsed<FromExperiments> {
  if (!isRecord(raw)) return { ok: false, error: 'message is not an object' };
  switch (raw.type) {
    case 'ready':
      return { ok: true, message: { type: 'ready' } };
    case 'action':
      return typeof raw.action === 'string' && (ACTIONS as readonly string[]).includes(raw.action)
        ? { ok: true, message: { type: 'action', action: raw.action as ExperimentsAction } }
        : { ok: false, error: `action: unknown action ${JSON.stringify(raw.action)}` };
    case 'openRun':
    case 'editNote':
      return isPath(raw.runDir) ? { ok: true, message: { type: raw.type, runDir: raw.runDir } } : { ok: false, error: `${raw.type}: 'runDir' must be a path` };
    case 'compare':
      return Array.isArray(raw.runDirs) && raw.runDirs.length >= 2 && raw.runDirs.length <= 64 && raw.runDirs.every(isPath)
        ? { ok: true, message: { type: 'compare', runDirs: raw.runDirs as string[] } }
        : { ok: false, error: "compare: 'runDirs' must be 2 to 64 paths" };
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(raw.type)}` };
  }
}

/** Checks what the host sends (the envelope and the top-level shape of each payload). */
export function parseToExperiments(raw: unknown): Parsed<ToExperiments> {
  if (!isRecord(raw)) return { ok: false, error: 'message is not an object' };
  const d = raw.data;
  switch (raw.type) {
    case 'compare':
      return isRecord(d) && Array.isArray(d.runs) && isRecord(d.table) && Array.isArray(d.changed) ? { ok: true, message: raw as ToExperiments } : { ok: false, error: 'compare: needs runs, table and changed' };
    case 'runs':
      return isRecord(d) && typeof d.model === 'string' && isRecord(d.table) && Array.isArray(d.rows) ? { ok: true, message: raw as ToExperiments } : { ok: false, error: 'runs: needs model, table and rows' };
    case 'sweep':
      return isRecord(d) && typeof d.sweepDir === 'string' && Array.isArray(d.trials) && Array.isArray(d.parameters) ? { ok: true, message: raw as ToExperiments } : { ok: false, error: 'sweep: needs sweepDir, trials and parameters' };
    case 'error':
      return typeof raw.message === 'string' ? { ok: true, message: raw as ToExperiments } : { ok: false, error: "error: needs 'message'" };
    case 'busy':
      return typeof raw.action === 'string' && (ACTIONS as readonly string[]).includes(raw.action) && typeof raw.busy === 'boolean' ? { ok: true, message: raw as ToExperiments } : { ok: false, error: 'busy: needs action and busy' };
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(raw.type)}` };
  }
}
