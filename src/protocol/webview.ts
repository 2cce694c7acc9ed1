/**
 * Messages between the extension host and the dashboard webview (DESIGN.md §1, STYLE.md "typed
 * messages, checked on arrival"). Both sides validate what arrives with `parseToWebview` /
 * `parseFromWebview` before use. No `vscode`, no DOM: imported by the host, the webview and tests.
 *
 * The host turns the files of a run (run.json, metrics.jsonl, report.json, preprocessing.json) and
 * the engine's live messages into these shapes, so the webview never parses engine files itself.
 */
import { isRecord, parseEngineMessage, type BackendInfo, type EngineMessage, type RunStatus } from './engine';

/** The viewType of the dashboard panel (declare `onWebviewPanel:modelStudio.dashboard` in activationEvents). */
export const DASHBOARD_VIEW_TYPE = 'modelStudio.dashboard';

// ---------------------------------------------------------------- data shapes the webview renders

/** What the host knows about a run when the panel opens (from the run controller and run.json). */
export interface RunSnapshot {
  runKey?: string;
  runDir?: string;
  specPath?: string;
  modelName?: string;
  runId?: string;
  status?: RunStatus;
  error?: string;
  backend?: BackendInfo;
  epochs?: number;
  bestEpoch?: number;
  best?: { epoch: number; monitor: string; value: number };
  epochsCompleted?: number;
  /** why training ended early (early stopping, a stop request, NaN) */
  stopReason?: string;
  startedAt?: string;
  elapsedMs?: number;
}

export interface ClassMetrics { label: string; precision: number; recall: number; f1: number; support: number }
/** One curve of a classifier: ROC (x = false-positive rate, y = true-positive rate) or PR (x = recall, y = precision). */
export interface CurveView { label: string; score: number; x: number[]; y: number[] }
export interface ExampleView {
  actual: string;
  predicted: string;
  confidence?: number;
  /** a data: URL thumbnail (image models) */
  image?: string;
  /** the image file, for the host to make the thumbnail from */
  imagePath?: string;
  /** a short text of the record (text and tabular models) */
  text?: string;
}
export interface LayerView { name: string; type: string; outputShape: string; params: number }

/** The evaluation report, normalised by the host from report.json. */
export interface ReportView {
  task: 'classification' | 'regression';
  split?: string;
  samples?: number;
  /** headline numbers in display order: accuracy, loss, macro F1, … or MSE, RMSE, MAE, R² */
  summary: Array<{ key: string; label: string; value: number }>;
  classification?: {
    classes: string[];
    /** rows = actual class, columns = predicted class */
    confusion: number[][];
    perClass: ClassMetrics[];
    macro?: ClassMetrics;
    weighted?: ClassMetrics;
    roc: CurveView[];
    pr: CurveView[];
    misclassified: ExampleView[];
  };
  regression?: {
    actual: number[];
    predicted: number[];
    /** residual histogram: counts[i] is the number of residuals in [edges[i], edges[i+1]) */
    histogram?: { edges: number[]; counts: number[] };
  };
  layers: LayerView[];
  totalParams?: number;
  trainableParams?: number;
}

/** One field of the Try-it form, from model/preprocessing.json. */
export type FormField =
  | { name: string; kind: 'number'; placeholder?: string }
  | { name: string; kind: 'choice'; options: string[] }
  | { name: string; kind: 'text'; multiline: boolean }
  | { name: string; kind: 'image' };
export interface TryItForm { task: 'classification' | 'regression'; fields: FormField[]; classes?: string[]; modelDir: string }

/** One prediction, normalised from what `runs.predict` returns. */
export interface PredictionView { label?: string; value?: number; probabilities?: Array<{ label: string; p: number }> }

export interface ServerView {
  url: string;
  name: string;
  curl: string;
  /** said under the URL, e.g. that the server was started again after the window reloaded */
  note?: string;
}

/** metrics.jsonl (or the controller's history) turned into engine messages the reducer already knows. */
export type HistoryMessage = Extract<EngineMessage, { type: 'runStarted' | 'progress' | 'epochEnded' | 'checkpointSaved' | 'reportReady' | 'done' | 'error' }>;

// ---------------------------------------------------------------- host → webview

export type ToWebview =
  /** start over from this snapshot (sent after every `ready`); the engine history follows as `engine` */
  | { type: 'reset'; snapshot: RunSnapshot }
  /** engine messages in order: live ones one by one, history in one batch */
  | { type: 'engine'; messages: EngineMessage[] }
  | { type: 'report'; report: ReportView }
  | { type: 'form'; form: TryItForm }
  | { type: 'predicted'; requestId: number; predictions?: PredictionView[]; error?: string }
  | { type: 'saved'; outDir: string; files: string[] }
  | { type: 'server'; server: ServerView | null }
  | { type: 'actionFailed'; action: WebviewAction; message: string }
  | { type: 'busy'; action: WebviewAction; busy: boolean }
  /** an image for a Try-it field (picked in the host's dialog, or read from a path the page sent), or why not */
  | { type: 'image'; field: string; image?: TryItImage; error?: string };

/** An image a Try-it field holds: its file name and the image as a PNG/JPEG data: URL (also its thumbnail). */
export interface TryItImage { name: string; dataUrl: string }

// ---------------------------------------------------------------- webview → host

export type WebviewAction = 'stop' | 'save' | 'deploy' | 'stopServer' | 'openRunFolder' | 'trainAgain' | 'predict';

export type FromWebview =
  | { type: 'ready' }
  | { type: 'action'; action: Exclude<WebviewAction, 'predict'> }
  | { type: 'predict'; requestId: number; record: Record<string, string | number | boolean | null> }
  | { type: 'copy'; text: string }
  /** open a file at a line (the model file an error points at) */
  | { type: 'openLocation'; file: string; line?: number; column?: number }
  /** Try it: ask the host's file dialog for an image for this field */
  | { type: 'pickImage'; field: string }
  /** Try it: read the image at this path (typed, or dropped from the Explorer); the host checks it is in the workspace */
  | { type: 'loadImage'; field: string; path: string };

// ---------------------------------------------------------------- checks on arrival

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

const ACTIONS: readonly WebviewAction[] = ['stop', 'save', 'deploy', 'stopServer', 'openRunFolder', 'trainAgain', 'predict'];
const isAction = (v: unknown): v is WebviewAction => typeof v === 'string' && (ACTIONS as readonly string[]).includes(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function parseFromWebview(raw: unknown): Parsed<FromWebview> {
  if (!isRecord(raw)) return fail('message is not an object');
  switch (raw.type) {
    case 'ready':
      return { ok: true, message: { type: 'ready' } };
    case 'action':
      if (!isAction(raw.action) || raw.action === 'predict') return fail(`action: unknown action ${JSON.stringify(raw.action)}`);
      return { ok: true, message: { type: 'action', action: raw.action } };
    case 'predict': {
      if (!isFiniteNumber(raw.requestId)) return fail("predict: 'requestId' must be a finite number");
      if (!isRecord(raw.record)) return fail("predict: 'record' must be an object");
      const record: Record<string, string | number | boolean | null> = {};
      for (const [k, v] of Object.entries(raw.record)) {
        if (v !== null && typeof v !== 'string' && typeof v !== 'boolean' && !isFiniteNumber(v)) return fail(`predict: field '${k}' must be a string, number, boolean or null`);
        record[k] = v;
      }
      return { ok: true, message: { type: 'predict', requestId: raw.requestId, record } };
    }
    case 'copy':
      if (typeof raw.text !== 'string' || raw.text.length > 100_000) return fail("copy: 'text' must be a string under 100k characters");
      return { ok: true, message: { type: 'copy', text: raw.text } };
    case 'openLocation':
      if (typeof raw.file !== 'string' || !raw.file) return fail("openLocation: 'file' must be a path");
      if ((raw.line !== undefined && !isFiniteNumber(raw.line)) || (raw.column !== undefined && !isFiniteNumber(raw.column))) return fail("openLocation: 'line' and 'column' must be numbers");
      return { ok: true, message: { type: 'openLocation', file: raw.file, line: raw.line as number | undefined, column: raw.column as number | undefined } };
    case 'pickImage':
      if (typeof raw.field !== 'string' || !raw.field || raw.field.length > 1000) return fail("pickImage: 'field' must be a field name");
      return { ok: true, message: { type: 'pickImage', field: raw.field } };
    case 'loadImage':
      if (typeof raw.field !== 'string' || !raw.field || raw.field.length > 1000) return fail("loadImage: 'field' must be a field name");
      if (typeof raw.path !== 'string' || !raw.path || raw.path.length > 4096) return fail("loadImage: 'path' must be a path");
      return { ok: true, message: { type: 'loadImage', field: raw.field, path: raw.path } };
    default:
      return fail(`unknown message type ${JSON.stringify(raw.type)}`);
  }
}

/**
 * Checks the envelope of a host message and every engine message inside it. The payloads the host
 * built itself (report, form) are checked for their top-level shape; the renderer tolerates gaps.
 */
export function parseToWebview(raw: unknown): Parsed<ToWebview> {
  if (!isRecord(raw)) return fail('message is not an object');
  switch (raw.type) {
    case 'reset':
      return isRecord(raw.snapshot) ? { ok: true, message: raw as ToWebview } : fail("reset: 'snapshot' must be an object");
    case 'engine': {
      if (!Array.isArray(raw.messages)) return fail("engine: 'messages' must be an array");
      const messages: EngineMessage[] = [];
      for (const m of raw.messages) {
        const parsed = parseEngineMessage(m);
        if (!parsed.ok) return fail(`engine: ${parsed.error}`);
        messages.push(parsed.message);
      }
      return { ok: true, message: { type: 'engine', messages } };
    }
    case 'report':
      return isRecord(raw.report) && (raw.report.task === 'classification' || raw.report.task === 'regression') && Array.isArray(raw.report.summary)
        ? { ok: true, message: raw as ToWebview }
        : fail("report: 'report' must have a task and a summary");
    case 'form':
      return isRecord(raw.form) && Array.isArray(raw.form.fields) ? { ok: true, message: raw as ToWebview } : fail("form: 'form.fields' must be an array");
    case 'predicted':
      return isFiniteNumber(raw.requestId) && (raw.predictions === undefined || Array.isArray(raw.predictions)) && (raw.error === undefined || typeof raw.error === 'string')
        ? { ok: true, message: raw as ToWebview }
        : fail("predicted: needs a 'requestId' and 'predictions' or 'error'");
    case 'saved':
      return typeof raw.outDir === 'string' && Array.isArray(raw.files) ? { ok: true, message: raw as ToWebview } : fail("saved: needs 'outDir' and 'files'");
    case 'server':
      return raw.server === null || (isRecord(raw.server) && typeof raw.server.url === 'string' && typeof raw.server.curl === 'string')
        ? { ok: true, message: raw as ToWebview }
        : fail("server: 'server' must be null or have 'url' and 'curl'");
    case 'actionFailed':
      return isAction(raw.action) && typeof raw.message === 'string' ? { ok: true, message: raw as ToWebview } : fail("actionFailed: needs 'action' and 'message'");
    case 'busy':
      return isAction(raw.action) && typeof raw.busy === 'boolean' ? { ok: true, message: raw as ToWebview } : fail("busy: needs 'action' and 'busy'");
    case 'image': {
      const image = raw.image;
      const okImage = image === undefined || (isRecord(image) && typeof image.name === 'string' && typeof image.dataUrl === 'string' && /^data:image\/(png|jpeg);base64,/.test(image.dataUrl));
      return typeof raw.field === 'string' && okImage && (raw.error === undefined || typeof raw.error === 'string')
        ? { ok: true, message: raw as ToWebview }
        : fail("image: needs a 'field' and a PNG/JPEG 'image' or an 'error'");
    }
    default:
      return fail(`unknown message type ${JSON.stringify(raw.type)}`);
  }
}

/** A curl command a person can paste to try a deployed model (TF Serving's REST shape). */
export function predictUrl(url: string, name: string): string {
  if (/:predict$/.test(url)) return url;
  const base = url.replace(/\/+$/, '');
  return /\/v1\/models\/[^/]+$/.test(base) ? `${base}:predict` : `${base}/v1/models/${name}:predict`;
}
export function curlExample(url: string, name: string, instance: Record<string, unknown>): string {
  const body = JSON.stringify({ instances: [instance] }).replace(/'/g, "'\\''");
  return `curl -s -X POST ${predictUrl(url, name)} -H 'Content-Type: application/json' -d '${body}'`;
}
