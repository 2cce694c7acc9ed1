/**
 * The dashboard's state and everything computed from it, as pure functions: the reducer
 * (`reduce(state, message) → state`), min/max decimation, chart series and the confusion-matrix
 * heatmap. No DOM here, so all of it is unit-tested in Node (test/unit/webview/).
 *
 * Long series (per-batch loss, throughput) are append-only arrays: `reduce` returns a new state
 * object but appends to the same arrays, so 100k batch points cost O(1) per message, not O(n).
 */
import type { BackendInfo, EngineMessage, Logs, RunStatus } from '../src/protocol/engine';
import type { PredictionView, ReportView, RunSnapshot, ServerView, ToWebview, TryItForm, TryItImage, WebviewAction } from '../src/protocol/webview';

export interface Series { x: number[]; y: number[] }
export interface EpochRow { epoch: number; logs: Logs; elapsedMs?: number }

export interface UiPrefs {
  logScale: boolean;
  /** series hidden by the legend, by chart and series label, e.g. "loss/val_loss" */
  hidden: Record<string, boolean>;
}

export interface DashboardState {
  version: 1;
  run: RunSnapshot;
  status: RunStatus | 'waiting';
  error?: string;
  /** where the error applies (the model file's line), when the engine said */
  errorLocation?: { file: string; line?: number; column?: number };
  backend?: BackendInfo;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  step: number;
  elapsedMs: number;
  etaMs: number | null;
  samplesPerSec: number;
  samples?: { train: number; validation: number; test: number };
  /** a run on a SLURM target while its job waits in the queue: the job, target and SLURM's state and reason */
  queued?: { jobId: string; target: string; state: string; reason: string };
  /** reading the data before the first epoch (cleared when the run starts) */
  reading?: { pass: number; passes: number; rows: number; bytes: number; totalBytes: number };
  /** per-batch training loss; x = fractional epoch (epoch - 1 + batch / batches) */
  batchLoss: Series;
  /** samples per second; x = fractional epoch */
  throughput: Series;
  epochLogs: EpochRow[];
  best?: { epoch: number; monitor: string; value: number };
  summary?: Record<string, number>;
  report?: ReportView;
  form?: TryItForm;
  server: ServerView | null;
  saved?: { outDir: string; files: string[] };
  prediction?: { requestId: number; predictions?: PredictionView[]; error?: string };
  busy: Partial<Record<WebviewAction, boolean>>;
  notice?: { level: 'error' | 'info'; text: string };
  ui: UiPrefs;
  /** what the Try-it fields hold, by field name (kept across a reload of the window) */
  inputs: Record<string, string>;
  /** the image of each image field of Try it, or why it could not be read */
  images: Record<string, TryItImage | { error: string }>;
  /** how far the page is scrolled (restored after a reload) */
  scrollY: number;
}

/** Changes that start in the webview itself (legend clicks, the log-scale switch, a sent request). */
export type UiEvent =
  | { type: 'ui/logScale'; on: boolean }
  | { type: 'ui/toggle'; key: string }
  | { type: 'ui/predicting'; requestId: number }
  | { type: 'ui/dismiss' }
  | { type: 'ui/input'; field: string; value: string }
  /** an image the page read itself (a file dropped from the desktop) */
  | { type: 'ui/image'; field: string; image?: TryItImage; error?: string }
  | { type: 'ui/scroll'; y: number };

export type DashboardEvent = ToWebview | UiEvent;

export function initialState(ui?: UiPrefs): DashboardState {
  return {
    version: 1,
    run: {},
    status: 'waiting',
    epoch: 0,
    epochs: 0,
    batch: 0,
    batches: 0,
    step: 0,
    elapsedMs: 0,
    etaMs: null,
    samplesPerSec: 0,
    batchLoss: { x: [], y: [] },
    throughput: { x: [], y: [] },
    epochLogs: [],
    server: null,
    busy: {},
    ui: ui ?? { logScale: false, hidden: {} },
    inputs: {},
    images: {},
    scrollY: 0,
  };
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function reduce(state: DashboardState, event: DashboardEvent): DashboardState {
  switch (event.type) {
    case 'reset': {
      const s = initialState(state.ui);
      const snap = event.snapshot;
      // the same run again (every `ready`, a reload): what the person typed and where they were stay
      const same = !state.run.runDir || !snap.runDir || state.run.runDir === snap.runDir;
      return {
        ...s,
        ...(same ? { inputs: state.inputs, images: state.images, scrollY: state.scrollY } : {}),
        run: { ...snap },
        status: snap.status ?? 'waiting',
        error: snap.error,
        backend: snap.backend,
        epochs: snap.epochs ?? 0,
        epoch: snap.epochsCompleted ?? 0,
        elapsedMs: snap.elapsedMs ?? 0,
        best: snap.best,
      };
    }
    case 'engine':
      return event.messages.reduce(reduceEngine, state);
    case 'report':
      return { ...state, report: event.report };
    case 'form':
      return { ...state, form: event.form };
    case 'predicted':
      return { ...state, prediction: { requestId: event.requestId, predictions: event.predictions, error: event.error }, busy: { ...state.busy, predict: false } };
    case 'saved':
      return { ...state, saved: { outDir: event.outDir, files: event.files }, busy: { ...state.busy, save: false }, notice: { level: 'info', text: `Saved ${event.files.length} files to ${event.outDir}` } };
    case 'server':
      return { ...state, server: event.server, busy: { ...state.busy, deploy: false, stopServer: false } };
    case 'actionFailed':
      return { ...state, busy: { ...state.busy, [event.action]: false }, notice: { level: 'error', text: event.message } };
    case 'busy':
      return { ...state, busy: { ...state.busy, [event.action]: event.busy } };
    case 'ui/logScale':
      return { ...state, ui: { ...state.ui, logScale: event.on } };
    case 'ui/toggle':
      return { ...state, ui: { ...state.ui, hidden: { ...state.ui.hidden, [event.key]: !state.ui.hidden[event.key] } } };
    case 'ui/predicting':
      return { ...state, prediction: { requestId: event.requestId }, busy: { ...state.busy, predict: true } };
    case 'ui/dismiss':
      return { ...state, notice: undefined };
    // a changed input makes the prediction shown a stale one: it goes
    case 'ui/input':
      return { ...state, inputs: { ...state.inputs, [event.field]: event.value }, prediction: undefined };
    case 'image':
    case 'ui/image':
      return { ...state, images: { ...state.images, [event.field]: event.image ?? { error: event.error ?? 'no image' } }, prediction: undefined };
    case 'ui/scroll':
      return { ...state, scrollY: event.y };
  }
}

function reduceEngine(state: DashboardState, m: EngineMessage): DashboardState {
  switch (m.type) {
    case 'dataProgress':
      if (state.status !== 'waiting') return state;
      return { ...state, reading: { pass: m.pass, passes: m.passes, rows: m.rows, bytes: m.bytes, totalBytes: m.totalBytes } };
    case 'queued':
      // a requeued job waits again after it ran: the charts keep what it trained
      return { ...state, status: 'queued', queued: { jobId: m.jobId, target: m.target, state: m.state, reason: m.reason }, run: { ...state.run, runDir: m.runDir } };
    case 'runStarted':
      return {
        ...state,
        queued: undefined,
        reading: undefined,
        run: { ...state.run, runDir: m.runDir, runId: m.runId, modelName: m.modelName },
        status: 'running',
        error: undefined,
        backend: m.backend,
        epochs: m.epochs,
        batches: m.batchesPerEpoch,
        samples: m.samples,
      };
    case 'progress': {
      const p = m.progress;
      // Replays (history, then live) can overlap: a step seen before is not appended twice.
      if (p.step <= state.step && state.batchLoss.x.length + state.throughput.x.length > 0) return state;
      const batches = p.batches > 0 ? p.batches : 1;
      const x = p.epoch - 1 + p.batch / batches;
      if (finite(p.logs.loss)) append(state.batchLoss, x, p.logs.loss);
      if (finite(p.samplesPerSec) && p.samplesPerSec > 0) append(state.throughput, x, p.samplesPerSec);
      return {
        ...state,
        status: state.status === 'waiting' || state.status === 'queued' ? 'running' : state.status,
        epoch: p.epoch,
        epochs: p.epochs || state.epochs,
        batch: p.batch,
        batches: p.batches || state.batches,
        step: p.step,
        elapsedMs: p.elapsedMs,
        etaMs: p.etaMs,
        samplesPerSec: p.samplesPerSec,
      };
    }
    case 'epochEnded': {
      const row: EpochRow = { epoch: m.epoch, logs: { ...m.logs }, elapsedMs: m.elapsedMs };
      const last = state.epochLogs[state.epochLogs.length - 1];
      let rows = state.epochLogs;
      // the next epoch (almost always): appended in place, O(1), like the batch series; a replay: replaced
      if (!last || last.epoch < m.epoch) rows.push(row);
      else {
        rows = rows.filter((r) => r.epoch !== m.epoch);
        rows.push(row);
        rows.sort((a, b) => a.epoch - b.epoch);
      }
      return { ...state, epochLogs: rows, epoch: Math.max(state.epoch, m.epoch), epochs: m.epochs || state.epochs, elapsedMs: Math.max(state.elapsedMs, m.elapsedMs) };
    }
    case 'checkpointSaved':
      return { ...state, best: { epoch: m.epoch, monitor: m.monitor, value: m.value } };
    case 'reportReady':
      return { ...state, summary: { ...m.summary } };
    case 'done':
      return {
        ...state,
        status: m.status,
        // the epochs it finished, as run.json counts them and a reopened dashboard shows them (a run stopped
        // or killed part-way through epoch N+1 shows N, not the epoch it was in)
        epoch: state.epochLogs.length > 0 ? state.epochLogs[state.epochLogs.length - 1].epoch : m.status === 'completed' ? state.epoch : 0,
        etaMs: null,
        summary: m.summary ? { ...m.summary } : state.summary,
        run: m.runDir ? { ...state.run, runDir: m.runDir } : state.run,
        busy: { ...state.busy, stop: false },
      };
    case 'error':
      return { ...state, error: m.message, errorLocation: m.location ? { file: m.location.file, line: m.location.line, column: m.location.column } : state.errorLocation, status: state.status === 'completed' ? state.status : 'failed', etaMs: null };
    default:
      return state;
  }
}

function append(series: Series, x: number, y: number): void {
  series.x.push(x);
  series.y.push(y);
}

// ---------------------------------------------------------------- decimation

/**
 * Min/max decimation: split [lo, hi] into `buckets` equal x-ranges and keep, per bucket, the
 * lowest and the highest point (in x order), plus the first and last point. Spikes survive (a
 * mean or every-n-th sample would hide them) and the output has at most 2 * buckets + 2 points,
 * so a chart of 100k batches draws about as fast as one of 1k. Points outside [lo, hi] are skipped
 * except the nearest one on each side, so lines run to the chart's edges when zoomed.
 */
export function decimateMinMax(series: Series, buckets: number, lo?: number, hi?: number): Series {
  const { x, y } = series;
  const n = x.length;
  const start = lo === undefined ? 0 : Math.max(0, lowerBound(x, lo) - 1);
  const end = hi === undefined ? n : Math.min(n, lowerBound(x, hi) + 1);
  const count = end - start;
  if (count <= 2 * buckets + 2 || buckets < 1) return { x: x.slice(start, end), y: y.slice(start, end) };
  const x0 = x[start];
  const width = (x[end - 1] - x0) / buckets || 1;
  const outX: number[] = [x[start]];
  const outY: number[] = [y[start]];
  let i = start + 1;
  while (i < end - 1) {
    const b = Math.floor((x[i] - x0) / width);
    let minI = i;
    let maxI = i;
    for (i = i + 1; i < end - 1 && Math.floor((x[i] - x0) / width) === b; i++) {
      if (y[i] < y[minI]) minI = i;
      if (y[i] > y[maxI]) maxI = i;
    }
    const first = Math.min(minI, maxI);
    const second = Math.max(minI, maxI);
    outX.push(x[first]);
    outY.push(y[first]);
    if (second !== first) {
      outX.push(x[second]);
      outY.push(y[second]);
    }
  }
  outX.push(x[end - 1]);
  outY.push(y[end - 1]);
  return { x: outX, y: outY };
}

function lowerBound(xs: number[], v: number): number {
  let a = 0;
  let b = xs.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (xs[mid] < v) a = mid + 1;
    else b = mid;
  }
  return a;
}

// ---------------------------------------------------------------- chart series

/** Aligned data for one chart (uPlot's shape): x plus one column per series, null where a series has no point. */
export interface ChartData {
  key: string;
  title: string;
  xLabel: string;
  x: number[];
  series: Array<{ label: string; values: Array<number | null>; role: 'batch' | 'train' | 'val' | 'other' }>;
  /** raw points received (before decimation), exposed as data-points for tests */
  points: number;
  /** a log y axis reads this series better (a learning rate decayed over decades) */
  logY?: boolean;
}

/** Merges series with different x (each sorted) into one aligned table: sorted x, nulls where absent. O(total points). */
export function align(columns: Array<{ x: number[]; y: number[] }>): { x: number[]; values: Array<Array<number | null>> } {
  const pos = columns.map(() => 0);
  const xs: number[] = [];
  const values: Array<Array<number | null>> = columns.map(() => []);
  for (;;) {
    let next = Infinity;
    for (let c = 0; c < columns.length; c++) if (pos[c] < columns[c].x.length && columns[c].x[pos[c]] < next) next = columns[c].x[pos[c]];
    if (next === Infinity) break;
    xs.push(next);
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c];
      if (pos[c] < col.x.length && col.x[pos[c]] === next) {
        values[c].push(col.y[pos[c]]);
        pos[c]++;
        while (pos[c] < col.x.length && col.x[pos[c]] === next) pos[c]++; // duplicate x in one column: first wins
      } else values[c].push(null);
    }
  }
  return { x: xs, values };
}

function epochColumn(rows: EpochRow[], key: string): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (const r of rows) {
    const v = r.logs[key];
    if (finite(v)) {
      x.push(r.epoch);
      y.push(v);
    }
  }
  return { x, y };
}

/** Loss chart: per-batch loss (decimated), train loss and validation loss per epoch. */
export function lossChart(state: DashboardState, buckets: number, range?: [number, number]): ChartData {
  const batch = decimateMinMax(state.batchLoss, buckets, range?.[0], range?.[1]);
  const train = epochColumn(state.epochLogs, 'loss');
  const val = epochColumn(state.epochLogs, 'val_loss');
  const a = align([batch, train, val]);
  return {
    key: 'loss',
    title: 'Loss',
    xLabel: 'epoch',
    x: a.x,
    series: [
      { label: 'batch loss', values: a.values[0], role: 'batch' },
      { label: 'loss', values: a.values[1], role: 'train' },
      { label: 'val_loss', values: a.values[2], role: 'val' },
    ],
    points: state.batchLoss.x.length + train.x.length + val.x.length,
  };
}

/** Metric names seen in the epoch logs, other than loss and the learning rate (e.g. acc, mae). */
export function metricNames(rows: EpochRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r.logs)) {
      const base = k.startsWith('val_') ? k.slice(4) : k;
      if (base !== 'loss' && base !== 'lr' && base !== 'learningRate' && base !== 'learning_rate') names.add(base);
    }
  }
  return [...names].sort();
}

/** One chart per metric: train vs validation per epoch. */
export function metricCharts(state: DashboardState): ChartData[] {
  return metricNames(state.epochLogs).map((name) => {
    const train = epochColumn(state.epochLogs, name);
    const val = epochColumn(state.epochLogs, `val_${name}`);
    const a = align([train, val]);
    return {
      key: `metric-${name}`,
      title: name,
      xLabel: 'epoch',
      x: a.x,
      series: [
        { label: name, values: a.values[0], role: 'train' },
        { label: `val_${name}`, values: a.values[1], role: 'val' },
      ],
      points: train.x.length + val.x.length,
    };
  });
}

const LR_KEYS = ['lr', 'learningRate', 'learning_rate'];

/** Learning rate per epoch, or null when the logs carry none. */
export function learningRateChart(state: DashboardState): ChartData | null {
  const key = LR_KEYS.find((k) => state.epochLogs.some((r) => finite(r.logs[k])));
  if (!key) return null;
  const col = epochColumn(state.epochLogs, key);
  const positive = col.y.filter((v) => v > 0);
  const logY = positive.length === col.y.length && positive.length > 1 && Math.max(...positive) / Math.min(...positive) >= 20;
  return { key: 'lr', title: 'Learning rate', xLabel: 'epoch', x: col.x, series: [{ label: 'learning rate', values: col.y, role: 'other' }], points: col.x.length, logY };
}

export function throughputChart(state: DashboardState, buckets: number, range?: [number, number]): ChartData {
  const d = decimateMinMax(state.throughput, buckets, range?.[0], range?.[1]);
  return { key: 'throughput', title: 'Throughput (samples/s)', xLabel: 'epoch', x: d.x, series: [{ label: 'samples/s', values: d.y, role: 'other' }], points: state.throughput.x.length };
}

// ---------------------------------------------------------------- report

export interface HeatCell { actual: string; predicted: string; count: number; rowPercent: number; intensity: number; diagonal: boolean }

/** Confusion-matrix cells with row-normalised percentages (recall per class) and a 0..1 colour intensity. */
export function confusionCells(classes: string[], matrix: number[][]): HeatCell[][] {
  return matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, j) => {
      const rowPercent = total > 0 ? (100 * count) / total : 0;
      return { actual: classes[i] ?? String(i), predicted: classes[j] ?? String(j), count, rowPercent, intensity: rowPercent / 100, diagonal: i === j };
    });
  });
}

export function matrixTotal(matrix: number[][]): number {
  return matrix.reduce((a, row) => a + row.reduce((b, c) => b + c, 0), 0);
}

/** Residual histogram from pairs when the report has none: `bins` equal-width bins over [min, max]. */
export function residualHistogram(actual: number[], predicted: number[], bins = 20): { edges: number[]; counts: number[] } {
  const r = actual.map((a, i) => predicted[i] - a).filter(finite);
  if (r.length === 0) return { edges: [], counts: [] };
  let lo = Math.min(...r);
  let hi = Math.max(...r);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const w = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * w);
  const counts = new Array<number>(bins).fill(0);
  for (const v of r) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  return { edges, counts };
}

// ---------------------------------------------------------------- saved state (vscode.setState)

const SAVED_BUCKETS = 1000;
const SAVED_IMAGE_CHARS = 2_800_000;

/** What goes to `vscode.setState`: long series decimated, transient bits dropped. */
export function toSaved(state: DashboardState): DashboardState {
  return {
    ...state,
    batchLoss: decimateMinMax(state.batchLoss, SAVED_BUCKETS),
    throughput: decimateMinMax(state.throughput, SAVED_BUCKETS),
    busy: {},
    notice: undefined,
    // images up to ~2 MB are kept (a reload shows them again); bigger ones are dropped from the saved state
    images: Object.fromEntries(Object.entries(state.images).filter(([, v]) => !('dataUrl' in v) || v.dataUrl.length <= SAVED_IMAGE_CHARS)),
  };
}

/** Restores a saved state; anything that does not look like one gives a fresh state. */
export function restore(saved: unknown): DashboardState {
  if (typeof saved !== 'object' || saved === null) return initialState();
  const s = saved as Partial<DashboardState>;
  const okSeries = (v: unknown): v is Series =>
    typeof v === 'object' && v !== null && Array.isArray((v as Series).x) && Array.isArray((v as Series).y) && (v as Series).x.length === (v as Series).y.length;
  if (s.version !== 1 || !okSeries(s.batchLoss) || !okSeries(s.throughput) || !Array.isArray(s.epochLogs) || typeof s.run !== 'object' || s.run === null) {
    return initialState();
  }
  const base = initialState(s.ui && typeof s.ui === 'object' ? { logScale: !!s.ui.logScale, hidden: { ...(s.ui.hidden ?? {}) } } : undefined);
  const strings = (v: unknown): Record<string, string> => (typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string> : {});
  const images = typeof s.images === 'object' && s.images !== null
    ? Object.fromEntries(Object.entries(s.images).filter(([, v]) => typeof v === 'object' && v !== null && ((typeof (v as TryItImage).dataUrl === 'string' && typeof (v as TryItImage).name === 'string') || typeof (v as { error?: unknown }).error === 'string')))
    : {};
  return {
    ...base, ...s,
    batchLoss: { x: [...s.batchLoss.x], y: [...s.batchLoss.y] }, throughput: { x: [...s.throughput.x], y: [...s.throughput.y] },
    busy: {}, version: 1,
    inputs: strings(s.inputs), images, scrollY: typeof s.scrollY === 'number' && Number.isFinite(s.scrollY) && s.scrollY > 0 ? s.scrollY : 0,
  } as DashboardState;
}
