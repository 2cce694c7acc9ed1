/**
 * What the experiment views compute from the host's data, as pure functions (no DOM; tested in Node):
 * sorting and filtering a runs table, the overlaid curves of several runs, the best-so-far series of a
 * sweep and the axes of its parallel-coordinates plot.
 */
import type { Cell, Column, CompareRun, RunTable, SweepView } from '../../src/protocol/experiments';
import { align } from '../state';

export interface SortState { key: string; descending: boolean }

/** A cell as text for filtering and for display of non-numbers. */
export function cellText(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  return String(v);
}

/**
 * The row order of a table: sorted by a column (numbers numerically, text alphabetically, empty cells
 * last whichever the direction), then filtered: every word of `filter` must appear in the row's label or
 * one of its cells (case-insensitive).
 */
export function visibleRows(table: RunTable, sort: SortState | undefined, filter: string): number[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  let rows = table.rows.map((_, i) => i);
  if (words.length) {
    rows = rows.filter((i) => {
      const r = table.rows[i];
      const hay = [r.label, ...Object.values(r.cells).map(cellText)].join(' ').toLowerCase();
      return words.every((w) => hay.includes(w));
    });
  }
  if (sort && table.columns.some((c) => c.key === sort.key)) {
    const value = (i: number) => table.rows[i].cells[sort.key];
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const xe = x === null || x === undefined;
      const ye = y === null || y === undefined;
      if (xe || ye) return xe === ye ? a - b : xe ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      return (sort.descending ? -c : c) || a - b;
    });
  }
  return rows;
}

/** The direction a first click on a column sorts: best first for metrics, ascending otherwise. */
export function firstSort(c: Column): SortState {
  return { key: c.key, descending: c.goal === 'maximize' };
}

/** Columns shown: all, or (onlyChanged) run info plus the columns whose values differ. */
export function shownColumns(table: RunTable, onlyChanged: boolean): Column[] {
  return table.columns.filter((c) => !onlyChanged || c.group === 'run' || c.differs);
}

/** Every metric logged per epoch by any of the runs, losses first, without the learning rate. */
export function curveMetrics(runs: readonly CompareRun[]): string[] {
  const seen: string[] = [];
  for (const r of runs) for (const e of r.epochs) for (const k of Object.keys(e)) if (k !== 'epoch' && k !== 'lr' && !seen.includes(k)) seen.push(k);
  const base = (k: string) => k.replace(/^val_/, '');
  return seen.sort((a, b) => Number(!/loss/.test(a)) - Number(!/loss/.test(b)) || base(a).localeCompare(base(b)) || Number(a.startsWith('val_')) - Number(b.startsWith('val_')));
}

/** One metric of every run on a shared epoch axis (null where a run has no value at that epoch). */
export function overlay(runs: readonly CompareRun[], metric: string): { x: number[]; values: Array<Array<number | null>> } {
  return align(runs.map((r) => {
    const pts = r.epochs.filter((e) => typeof e[metric] === 'number' && Number.isFinite(e[metric]));
    return { x: pts.map((e) => e.epoch), y: pts.map((e) => e[metric]) };
  }));
}

/** A sweep's objective per trial index and the best value so far (finished trials with a value). */
export function bestSoFar(view: Pick<SweepView, 'trials' | 'goal'>): { x: number[]; objective: Array<number | null>; best: Array<number | null> } {
  const trials = [...view.trials].sort((a, b) => a.index - b.index);
  const x: number[] = [];
  const objective: Array<number | null> = [];
  const best: Array<number | null> = [];
  let current: number | null = null;
  for (const t of trials) {
    x.push(t.index);
    const v = t.objective !== null && Number.isFinite(t.objective) && (t.status === 'completed' || t.status === 'stoppedEarly') ? t.objective : null;
    objective.push(v);
    if (v !== null && (current === null || (view.goal === 'maximize' ? v > current : v < current))) current = v;
    best.push(current);
  }
  return { x, objective, best };
}

/** An axis of the parallel-coordinates plot: where a value sits, from 0 (bottom) to 1 (top). */
export interface PcAxis { label: string; position: (v: unknown) => number | undefined; ticks: Array<{ at: number; label: string }> }

/** A parameter's name in a narrow column: `learningRate`, `units (layer 0)`, `rate (layer 1)`. */
export function paramLabel(path: string): string {
  const parts = path.split(/[.[\]]+/).filter(Boolean);
  const last = parts[parts.length - 1] ?? path;
  const m = /^model\.layers[.[](\d+)\]?\./.exec(path);
  return m ? `${last} (layer ${m[1]})` : last;
}

const short = (v: unknown): string => (typeof v === 'number' ? String(Number(v.toPrecision(3))) : typeof v === 'string' ? v : JSON.stringify(v));

/** One axis per parameter (lists: evenly spaced values; ranges: linear or log), and the objective last. */
export function parallelAxes(view: Pick<SweepView, 'parameters' | 'trials' | 'metric' | 'goal'>): PcAxis[] {
  const axes: PcAxis[] = view.parameters.map((p) => {
    const label = paramLabel(p.path);
    if (p.kind === 'choice') {
      const keys = (p.values ?? []).map((v) => JSON.stringify(v));
      const n = Math.max(1, keys.length - 1);
      return {
        label,
        position: (v) => {
          const i = keys.indexOf(JSON.stringify(v));
          return i < 0 ? undefined : keys.length === 1 ? 0.5 : i / n;
        },
        ticks: (p.values ?? []).map((v, i) => ({ at: keys.length === 1 ? 0.5 : i / n, label: short(v) })),
      };
    }
    return numericAxis(label, p.min ?? 0, p.max ?? 1, Boolean(p.log));
  });
  const values = view.trials.map((t) => t.objective).filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const objective = numericAxis(view.metric, lo === hi ? lo - 0.5 : lo, lo === hi ? hi + 0.5 : hi, false);
  // the better end at the top
  if (view.goal === 'minimize') {
    const pos = objective.position;
    objective.position = (v) => {
      const p = pos(v);
      return p === undefined ? undefined : 1 - p;
    };
    objective.ticks = objective.ticks.map((t) => ({ ...t, at: 1 - t.at }));
  }
  return [...axes, objective];
}

function numericAxis(label: string, min: number, max: number, log: boolean): PcAxis {
  const f = (v: number) => (log ? Math.log(v) : v);
  const lo = f(min);
  const span = f(max) - lo || 1;
  const position = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && (!log || v > 0) ? Math.min(1, Math.max(0, (f(v) - lo) / span)) : undefined);
  const ticks = [0, 0.5, 1].map((at) => {
    const x = lo + at * span;
    return { at, label: short(log ? Math.exp(x) : x) };
  });
  return { label, position, ticks };
}
