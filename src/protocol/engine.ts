/**
 * Messages between the extension host and the engine child process (DESIGN.md §4).
 * Each message is a plain JSON object with a `type`; every message that arrives is checked
 * with `parseHostMessage` / `parseEngineMessage` before use, never trusted.
 */

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------- shared shapes

export interface BackendInfo {
  /** the TF.js backend that runs: tensorflow | webgpu | wasm | cpu */
  name: string;
  /** what the person reads, e.g. "wasm (SIMD, 1 thread)", "WebGPU — NVIDIA H200", "tensorflow (GPU: …)" */
  device: string;
  /** why this backend was chosen (and why the ones before it were not) */
  reason: string;
  gpu: boolean;
}

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed';

/** Metrics of one batch or epoch: loss, acc, val_loss, val_acc, lr, … */
export type Logs = Record<string, number>;

export interface ProgressInfo {
  epoch: number; // 1-based
  epochs: number;
  batch: number; // 1-based within the epoch
  batches: number; // per epoch
  /** global step, 1-based, across epochs */
  step: number;
  logs: Logs;
  samplesPerSec: number;
  elapsedMs: number;
  etaMs: number | null;
}

export interface ProblemLocation {
  file: string;
  line?: number;
  column?: number;
  path?: string;
}

// ---------------------------------------------------------------- host → engine

export type HostMessage =
  | { type: 'train'; id: string; specPath: string; workspaceRoot: string; runsDir: string; overrides?: { epochs?: number; backend?: string } }
  | { type: 'evaluate'; id: string; runDir: string; dataPath?: string }
  | { type: 'predict'; id: string; modelDir: string; records: Array<Record<string, unknown>> }
  | { type: 'save'; id: string; runDir: string; outDir: string }
  | { type: 'stop'; id: string }
  | { type: 'shutdown' };

// ---------------------------------------------------------------- engine → host

export type EngineMessage =
  | { type: 'ready'; protocol: number; pid: number }
  | { type: 'runStarted'; id: string; runDir: string; runId: string; modelName: string; backend: BackendInfo; epochs: number; batchesPerEpoch: number; samples: { train: number; validation: number; test: number } }
  | { type: 'progress'; id: string; progress: ProgressInfo }
  | { type: 'epochEnded'; id: string; epoch: number; epochs: number; logs: Logs; elapsedMs: number }
  | { type: 'checkpointSaved'; id: string; epoch: number; path: string; monitor: string; value: number }
  | { type: 'reportReady'; id: string; runDir: string; summary: Record<string, number> }
  | { type: 'predicted'; id: string; predictions: unknown[] }
  | { type: 'saved'; id: string; outDir: string; files: string[] }
  | { type: 'log'; level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; message: string; id?: string }
  | { type: 'done'; id: string; status: RunStatus; runDir?: string; summary?: Record<string, number> }
  | { type: 'error'; id?: string; message: string; location?: ProblemLocation; stack?: string };

export type HostMessageType = HostMessage['type'];
export type EngineMessageType = EngineMessage['type'];

// ---------------------------------------------------------------- checks on arrival

type Check = (m: Record<string, unknown>) => string | null;
const str = (k: string): Check => (m) => (typeof m[k] === 'string' ? null : `'${k}' must be a string`);
const optStr = (k: string): Check => (m) => (m[k] === undefined || typeof m[k] === 'string' ? null : `'${k}' must be a string`);
const num = (k: string): Check => (m) => (typeof m[k] === 'number' && Number.isFinite(m[k]) ? null : `'${k}' must be a finite number`);
const obj = (k: string): Check => (m) => (isRecord(m[k]) ? null : `'${k}' must be an object`);
const optObj = (k: string): Check => (m) => (m[k] === undefined || isRecord(m[k]) ? null : `'${k}' must be an object`);
const arr = (k: string): Check => (m) => (Array.isArray(m[k]) ? null : `'${k}' must be an array`);
const oneOf = (k: string, values: readonly string[]): Check => (m) =>
  values.includes(m[k] as string) ? null : `'${k}' must be one of ${values.join(', ')}`;

const HOST_CHECKS: Record<HostMessageType, Check[]> = {
  train: [str('id'), str('specPath'), str('workspaceRoot'), str('runsDir'), optObj('overrides')],
  evaluate: [str('id'), str('runDir'), optStr('dataPath')],
  predict: [str('id'), str('modelDir'), arr('records')],
  save: [str('id'), str('runDir'), str('outDir')],
  stop: [str('id')],
  shutdown: [],
};

const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'stopped', 'failed'];
const ENGINE_CHECKS: Record<EngineMessageType, Check[]> = {
  ready: [num('protocol'), num('pid')],
  runStarted: [str('id'), str('runDir'), str('runId'), str('modelName'), obj('backend'), num('epochs'), num('batchesPerEpoch'), obj('samples')],
  progress: [str('id'), obj('progress')],
  epochEnded: [str('id'), num('epoch'), num('epochs'), obj('logs'), num('elapsedMs')],
  checkpointSaved: [str('id'), num('epoch'), str('path'), str('monitor'), num('value')],
  reportReady: [str('id'), str('runDir'), obj('summary')],
  predicted: [str('id'), arr('predictions')],
  saved: [str('id'), str('outDir'), arr('files')],
  log: [oneOf('level', ['trace', 'debug', 'info', 'warn', 'error']), str('message'), optStr('id')],
  done: [str('id'), oneOf('status', RUN_STATUSES), optStr('runDir'), optObj('summary')],
  error: [str('message'), optStr('id'), optObj('location'), optStr('stack')],
};

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

function parseWith<T>(checks: Record<string, Check[]>, raw: unknown): Parsed<T> {
  if (!isRecord(raw)) return { ok: false, error: 'message is not an object' };
  const type = raw.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(checks, type)) {
    return { ok: false, error: `unknown message type ${JSON.stringify(type)}` };
  }
  for (const check of checks[type]) {
    const problem = check(raw);
    if (problem) return { ok: false, error: `${type}: ${problem}` };
  }
  return { ok: true, message: raw as T };
}

export const parseHostMessage = (raw: unknown): Parsed<HostMessage> => parseWith<HostMessage>(HOST_CHECKS, raw);
export const parseEngineMessage = (raw: unknown): Parsed<EngineMessage> => parseWith<EngineMessage>(ENGINE_CHECKS, raw);
