/**
 * Turns the files of a run (report.json, preprocessing.json, run.json, metrics.jsonl) and the
 * results of `runs.predict` into the shapes the dashboard renders (src/protocol/webview.ts).
 * Pure and tolerant: a missing or odd field leaves a gap in the page, never a crash. No `vscode`.
 */
import { isRecord, type BackendInfo, type EngineMessage, type Logs, type RunStatus } from '../protocol/engine';
import type { ClassMetrics, CurveView, ExampleView, FormField, LayerView, PredictionView, ReportView, RunSnapshot, TryItForm } from '../protocol/webview';
import { supersededDropped } from '../engine/run';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const nums = (v: unknown): number[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : NaN)) : []);
const recs = (v: unknown): Array<Record<string, unknown>> => (Array.isArray(v) ? v.filter(isRecord) : []);

// ---------------------------------------------------------------- report.json

const SUMMARY_LABELS: Record<string, string> = {
  accuracy: 'Accuracy', macroF1: 'Macro F1', weightedF1: 'Weighted F1', macroPrecision: 'Macro precision', macroRecall: 'Macro recall',
  logLoss: 'Log loss', auc: 'ROC AUC', ap: 'Average precision', loss: 'Loss',
  mse: 'MSE', rmse: 'RMSE', mae: 'MAE', r2: 'R²', medianAbsoluteError: 'Median abs. error', maxError: 'Max error',
};
const SUMMARY_ORDER = Object.keys(SUMMARY_LABELS);

function classMetrics(v: unknown, label: string): ClassMetrics | undefined {
  if (!isRecord(v)) return undefined;
  return { label: str(v.label) ?? label, precision: num(v.precision) ?? NaN, recall: num(v.recall) ?? NaN, f1: num(v.f1) ?? NaN, support: num(v.support) ?? 0 };
}

function curve(label: string, score: unknown, x: unknown, y: unknown): CurveView | undefined {
  const xs = nums(x);
  const ys = nums(y);
  if (xs.length === 0 || xs.length !== ys.length) return undefined;
  return { label, score: num(score) ?? NaN, x: xs, y: ys };
}

/** A short text of a record for the misclassified list: text fields first, then the rest. */
function recordText(record: Record<string, unknown>): string {
  const entries = Object.entries(record).filter(([k, v]) => !k.startsWith('_') && v !== null && v !== undefined && !(typeof v === 'string' && v.startsWith('data:')));
  entries.sort(([, a], [, b]) => (typeof b === 'string' ? b.length : 0) - (typeof a === 'string' ? a.length : 0));
  const text = entries.map(([k, v]) => `${k}: ${String(v)}`).join(' · ');
  return text.length > 240 ? `${text.slice(0, 239)}…` : text;
}

export const IMAGE_FILE = /\.(png|jpe?g|gif|webp)$/i;

function imageOf(record: Record<string, unknown> | undefined): string | undefined {
  if (!record) return undefined;
  for (const v of Object.values(record)) if (typeof v === 'string' && /^data:image\/(png|jpeg|gif|webp);base64,/.test(v)) return v;
  return undefined;
}

/** report.json (the evaluation engineer's `Report`) → the dashboard's `ReportView`; null when it is not a report. */
export function toReportView(raw: unknown): ReportView | null {
  if (!isRecord(raw) || (raw.task !== 'classification' && raw.task !== 'regression')) return null;
  const summaryRaw = isRecord(raw.summary) ? raw.summary : {};
  const summary = Object.entries(summaryRaw)
    .filter((e): e is [string, number] => num(e[1]) !== undefined)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([key, value]) => ({ key, label: SUMMARY_LABELS[key] ?? key, value }));
  const view: ReportView = { task: raw.task, split: str(raw.split), samples: num(raw.n), summary, layers: [] };

  const model = isRecord(raw.model) ? raw.model : undefined;
  if (model) {
    view.layers = recs(model.layers).map((l): LayerView => ({ name: str(l.name) ?? '', type: str(l.type) ?? '', outputShape: str(l.outputShape) ?? JSON.stringify(l.outputShape ?? ''), params: num(l.params) ?? 0 }));
    view.totalParams = num(model.totalParams);
    view.trainableParams = num(model.trainableParams);
  }

  const c = isRecord(raw.classification) ? raw.classification : undefined;
  if (c) {
    const classes = Array.isArray(c.classes) ? c.classes.map(String) : [];
    const confusion = Array.isArray(c.confusionMatrix) ? c.confusionMatrix.map((row) => nums(row).map((v) => (Number.isFinite(v) ? v : 0))) : [];
    const curves = isRecord(c.curves) ? recs(c.curves.perClass) : [];
    const roc: CurveView[] = [];
    const pr: CurveView[] = [];
    for (const k of curves) {
      const label = str(k.label) ?? '';
      const r = isRecord(k.roc) ? curve(label, k.auc, k.roc.fpr, k.roc.tpr) : undefined;
      const p = isRecord(k.pr) ? curve(label, k.ap, k.pr.recall, k.pr.precision) : undefined;
      if (r) roc.push(r);
      if (p) pr.push(p);
    }
    // Examples with their records (report.examples) give text and thumbnails to the misclassified list.
    const examples = new Map(recs(raw.examples).map((e) => [num(e.index), e]));
    const misclassified = recs(c.misclassified).slice(0, 50).map((m): ExampleView => {
      const record = examples.get(num(m.index))?.record;
      const rec = isRecord(record) ? record : undefined;
      const base = { actual: str(m.trueLabel) ?? '', predicted: str(m.predictedLabel) ?? '', confidence: num(m.confidence) };
      // Image datasets give the file (`_path`); the host turns it into a thumbnail.
      const file = rec && typeof rec._path === 'string' && IMAGE_FILE.test(rec._path) ? rec._path : undefined;
      if (file) return { ...base, imagePath: file, text: file.split(/[\\/]/).slice(-2).join('/') };
      return { ...base, image: imageOf(rec), text: rec ? recordText(rec) : undefined };
    });
    view.classification = {
      classes,
      confusion,
      perClass: recs(c.perClass).map((m, i) => classMetrics(m, classes[i] ?? String(i)) as ClassMetrics),
      macro: classMetrics(c.macro, 'macro avg'),
      weighted: classMetrics(c.weighted, 'weighted avg'),
      roc,
      pr,
      misclassified,
    };
    if (view.summary.every((s) => s.key !== 'accuracy') && num(c.accuracy) !== undefined) {
      view.summary.unshift({ key: 'accuracy', label: 'Accuracy', value: num(c.accuracy) as number });
    }
  }

  const r = isRecord(raw.regression) ? raw.regression : undefined;
  if (r) {
    const pairs = recs(r.pairs);
    const h = isRecord(r.histogram) ? r.histogram : undefined;
    view.regression = {
      actual: pairs.map((p) => num(p.actual) ?? NaN),
      predicted: pairs.map((p) => num(p.predicted) ?? NaN),
      histogram: h && Array.isArray(h.edges) && Array.isArray(h.counts) ? { edges: nums(h.edges), counts: nums(h.counts) } : undefined,
    };
  }
  return view;
}

function rank(key: string): number {
  const i = SUMMARY_ORDER.indexOf(key);
  return i < 0 ? SUMMARY_ORDER.length : i;
}

// ---------------------------------------------------------------- preprocessing.json → Try-it form

export function toTryItForm(raw: unknown, modelDir: string): TryItForm | null {
  if (!isRecord(raw) || !Array.isArray(raw.features)) return null;
  const task = raw.task === 'regression' ? 'regression' : 'classification';
  const fields: FormField[] = [];
  for (const f of recs(raw.features)) {
    const name = str(f.name);
    if (!name) continue;
    switch (f.kind) {
      case 'numeric': {
        const center = num(f.center);
        fields.push({ name, kind: 'number', placeholder: center !== undefined && f.scale === 'standardize' ? `≈ ${+center.toPrecision(4)}` : undefined });
        break;
      }
      case 'boolean':
        fields.push({ name, kind: 'choice', options: ['true', 'false'] });
        break;
      case 'categorical':
        fields.push({ name, kind: 'choice', options: Array.isArray(f.categories) ? f.categories.map(String) : [] });
        break;
      case 'text':
        fields.push({ name, kind: 'text', multiline: true });
        break;
      case 'image':
        fields.push({ name, kind: 'image' });
        break;
      default:
        fields.push({ name, kind: 'text', multiline: false });
    }
  }
  const label = isRecord(raw.label) ? raw.label : {};
  return { task, fields, classes: Array.isArray(label.classes) ? label.classes.map(String) : undefined, modelDir };
}

// ---------------------------------------------------------------- predictions

export function toPredictionView(raw: unknown): PredictionView {
  if (typeof raw === 'number') return { value: raw };
  if (!isRecord(raw)) return {};
  const out: PredictionView = {};
  if (typeof raw.label === 'string') out.label = raw.label;
  if (num(raw.value) !== undefined) out.value = num(raw.value);
  if (isRecord(raw.probabilities)) {
    out.probabilities = Object.entries(raw.probabilities)
      .filter((e): e is [string, number] => num(e[1]) !== undefined)
      .map(([label, p]) => ({ label, p }))
      .sort((a, b) => b.p - a.p);
  }
  return out;
}

// ---------------------------------------------------------------- run.json

export function toRunSnapshot(raw: unknown, runDir: string): RunSnapshot {
  const parts = runDir.split(/[\\/]/).filter(Boolean);
  const snap: RunSnapshot = { runDir, runId: parts[parts.length - 1], modelName: parts[parts.length - 2] };
  if (!isRecord(raw)) return snap;
  const statuses: RunStatus[] = ['queued', 'running', 'completed', 'stopped', 'failed'];
  if (statuses.includes(raw.status as RunStatus)) snap.status = raw.status as RunStatus;
  snap.runId = str(raw.runId) ?? snap.runId;
  snap.modelName = str(raw.modelName) ?? str(raw.name) ?? snap.modelName;
  snap.specPath = str(raw.specPath) ?? snap.specPath;
  const b = isRecord(raw.backend) ? raw.backend : undefined;
  if (b && typeof b.name === 'string') {
    const backend: BackendInfo = { name: b.name, device: str(b.device) ?? b.name, reason: str(b.reason) ?? '', gpu: b.gpu === true };
    snap.backend = backend;
  }
  const err = raw.error;
  snap.error = typeof err === 'string' ? err : isRecord(err) ? str(err.message) : undefined;
  // run.json (src/engine/run.ts RunRecord): epochs { planned, completed }, best { epoch, monitor, value }, durationMs
  snap.epochs = isRecord(raw.epochs) ? num(raw.epochs.planned) ?? num(raw.epochs.completed) : num(raw.epochs);
  if (isRecord(raw.epochs) && num(raw.epochs.completed) !== undefined) snap.epochsCompleted = num(raw.epochs.completed);
  const best = isRecord(raw.best) ? num(raw.best.epoch) : num(raw.bestEpoch);
  if (best !== undefined) snap.bestEpoch = best;
  if (isRecord(raw.best) && best !== undefined && typeof raw.best.monitor === 'string' && num(raw.best.value) !== undefined) {
    snap.best = { epoch: best, monitor: raw.best.monitor, value: num(raw.best.value) as number };
  }
  if (typeof raw.stopReason === 'string') snap.stopReason = raw.stopReason;
  const t = isRecord(raw.timings) ? raw.timings : raw;
  snap.startedAt = str(t.startedAt) ?? str(raw.startedAt);
  snap.elapsedMs = num(t.durationMs) ?? num(t.elapsedMs) ?? num(t.totalMs) ?? num(t.trainMs);
  if (snap.elapsedMs === undefined && snap.startedAt && str(t.endedAt ?? t.finishedAt)) {
    const ms = Date.parse(String(t.endedAt ?? t.finishedAt)) - Date.parse(snap.startedAt);
    if (Number.isFinite(ms)) snap.elapsedMs = ms;
  }
  return snap;
}

// ---------------------------------------------------------------- metrics.jsonl

const META_KEYS = new Set(['type', 'event', 'kind', 'epoch', 'epochs', 'batch', 'batches', 'step', 'samplesPerSec', 'elapsedMs', 'etaMs', 'time', 'timestamp', 't', 'logs', 'size']);

/**
 * metrics.jsonl → engine messages (progress per batch line, epochEnded per epoch line), so the
 * dashboard rebuilds a finished run's charts with the same reducer as a live one. Lines that do not
 * parse (a run that crashed mid-line) are skipped.
 */
export function metricsToMessages(text: string, runKey: string, epochsHint = 0): EngineMessage[] {
  const out: EngineMessage[] = [];
  let lines: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (!isRecord(v)) continue;
      // a resumed run: lines written after its checkpoint (before a crash) are replaced by what follows
      if (v.event === 'resume' && typeof v.step === 'number') lines = supersededDropped(lines, v.step);
      lines.push(v);
    } catch {
      // a partial last line of a crashed run
    }
  }
  // The engine's first line ({"event":"trainBegin", epochs, batches, batchSize, ...}) sizes the run.
  const begin = lines.find((l) => (l.event ?? l.type) === 'trainBegin');
  let maxBatch = 0;
  let epochs = Math.max(epochsHint, num(begin?.epochs) ?? 0);
  for (const l of lines) {
    const kind = kindOf(l);
    if (kind === 'batch') maxBatch = Math.max(maxBatch, num(l.batch) ?? 0);
    if (kind === 'epoch') epochs = Math.max(epochs, num(l.epoch) ?? 0);
  }
  const batches = num(begin?.batches) ?? maxBatch;
  const batchSize = num(begin?.batchSize);
  let step = 0;
  let prev: { step: number; elapsedMs: number } | undefined;
  for (const l of lines) {
    const logs = logsOf(l);
    const epoch = num(l.epoch) ?? 0;
    const kind = kindOf(l);
    if (kind === 'batch') {
      step = num(l.step) ?? step + 1;
      const elapsedMs = num(l.elapsedMs) ?? 0;
      // Batch lines are thinned; throughput follows from steps and time between two of them.
      let samplesPerSec = num(l.samplesPerSec) ?? 0;
      if (!samplesPerSec && batchSize && prev && elapsedMs > prev.elapsedMs && step > prev.step) samplesPerSec = ((step - prev.step) * batchSize * 1000) / (elapsedMs - prev.elapsedMs);
      prev = { step, elapsedMs };
      out.push({
        type: 'progress', id: runKey,
        progress: { epoch, epochs: num(l.epochs) ?? epochs, batch: num(l.batch) ?? 0, batches: num(l.batches) ?? batches, step, logs, samplesPerSec, elapsedMs, etaMs: num(l.etaMs) ?? null },
      });
    } else if (kind === 'epoch') {
      out.push({ type: 'epochEnded', id: runKey, epoch, epochs, logs, elapsedMs: num(l.elapsedMs) ?? 0 });
    }
  }
  return out;
}

function kindOf(l: Record<string, unknown>): 'batch' | 'epoch' | undefined {
  const k = l.type ?? l.event ?? l.kind;
  if (k === 'batch' || k === 'batchEnd' || k === 'batchEnded') return 'batch';
  if (k === 'epoch' || k === 'epochEnd' || k === 'epochEnded') return 'epoch';
  if (k === undefined && num(l.batch) !== undefined) return 'batch';
  if (k === undefined && num(l.epoch) !== undefined) return 'epoch';
  return undefined;
}

function logsOf(l: Record<string, unknown>): Logs {
  const logs: Logs = {};
  const src = isRecord(l.logs) ? l.logs : l;
  for (const [k, v] of Object.entries(src)) if ((src !== l || !META_KEYS.has(k)) && num(v) !== undefined) logs[k] = v as number;
  return logs;
}
