/**
 * Messages between the extension host and the engine child process (DESIGN.md §4).
 * Each message is a plain JSON object with a `type`; every message that arrives is checked
 * with `parseHostMessage` / `parseEngineMessage` before use, never trusted.
 */

import { arr, fieldSets, isRecord, num, obj, oneOf, optObj, optStr, parseWith, str, type Check, type Parsed } from './check';

export { isRecord, type Parsed };

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
  /** Model Studio's own kernels on this backend, and any that failed their start-up self-check */
  kernels?: KernelReport;
}

export interface KernelReport {
  /** false when MODEL_STUDIO_FAST_KERNELS=0 (only kernels the backend lacks are added) */
  fast: boolean;
  /** our kernels and patches in use */
  active: string[];
  /** ours that failed the self-check (at start, or when first needed), and what runs instead */
  fallbacks: Array<{ kernel: string; reason: string; instead: string }>;
  /** patches whose self-check runs when first needed (the LSTM ones, when an LSTM layer is built); off until then */
  deferred?: string[];
  /** threads our WebAssembly kernels split big jobs over, and which SIMD build runs ('relaxed': fused multiply-add) */
  threads?: number;
  simd?: 'relaxed' | 'plain';
}

/** `queued`: submitted to a cluster target, waiting for SLURM to start it (or to start it again after a requeue) */
export type RunStatus = 'queued' | 'running' | 'completed' | 'stopped' | 'failed';

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

/** Where a resumed run continued: `batch` batches of `epoch` were already trained, `step` steps in all. */
export interface ResumedFrom {
  epoch: number;
  batch: number;
  step: number;
}

// ---------------------------------------------------------------- host → engine

export type HostMessage =
  /** `target`: submit to that SLURM target (.model-studio/targets.yaml) and follow the job instead of training here */
  | { type: 'train'; id: string; specPath: string; workspaceRoot: string; runsDir: string; overrides?: { epochs?: number; backend?: string }; resumeDir?: string; target?: string;
      /** make exactly this run folder (a sweep's trial) */
      runDir?: string;
      /** fields set on the model file before it is checked (a sweep's sampled values; `train --set`) */
      set?: Array<{ path: string; value: unknown }> }
  | { type: 'evaluate'; id: string; runDir: string; dataPath?: string }
  | { type: 'predict'; id: string; modelDir: string; records: Array<Record<string, unknown>> }
  | { type: 'save'; id: string; runDir: string; outDir: string }
  | { type: 'stop'; id: string }
  | { type: 'shutdown' };

// ---------------------------------------------------------------- engine → host

export type EngineMessage =
  | { type: 'ready'; protocol: number; pid: number }
  | { type: 'runStarted'; id: string; runDir: string; runId: string; modelName: string; backend: BackendInfo; epochs: number; batchesPerEpoch: number; samples: { train: number; validation: number; test: number }; resumed?: ResumedFrom }
  | { type: 'progress'; id: string; progress: ProgressInfo }
  /** reading the data before the first epoch: pass 1 (statistics) and pass 2 (storing rows), rows and bytes so far */
  | { type: 'dataProgress'; id: string; pass: number; passes: number; rows: number; bytes: number; totalBytes: number }
  | { type: 'epochEnded'; id: string; epoch: number; epochs: number; logs: Logs; elapsedMs: number }
  | { type: 'checkpointSaved'; id: string; epoch: number; path: string; monitor: string; value: number }
  | { type: 'reportReady'; id: string; runDir: string; summary: Record<string, number> }
  | { type: 'predicted'; id: string; predictions: unknown[] }
  | { type: 'saved'; id: string; outDir: string; files: string[] }
  | { type: 'log'; level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; message: string; id?: string }
  | { type: 'done'; id: string; status: RunStatus; runDir?: string; summary?: Record<string, number> }
  /** a run on a cluster target waits in SLURM's queue: its state (PENDING) and SLURM's reason (Resources, Priority, …) */
  | { type: 'queued'; id: string; runDir: string; jobId: string; target: string; state: string; reason: string }
  | { type: 'error'; id?: string; message: string; location?: ProblemLocation; stack?: string };

export type HostMessageType = HostMessage['type'];
export type EngineMessageType = EngineMessage['type'];

// ---------------------------------------------------------------- checks on arrival

const HOST_CHECKS: Record<HostMessageType, Check[]> = {
  train: [str('id'), str('specPath'), str('workspaceRoot'), str('runsDir'), optObj('overrides'), optStr('resumeDir'), optStr('target'), optStr('runDir'), fieldSets('set')],
  evaluate: [str('id'), str('runDir'), optStr('dataPath')],
  predict: [str('id'), str('modelDir'), arr('records')],
  save: [str('id'), str('runDir'), str('outDir')],
  stop: [str('id')],
  shutdown: [],
};

const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'completed', 'stopped', 'failed'];
const ENGINE_CHECKS: Record<EngineMessageType, Check[]> = {
  ready: [num('protocol'), num('pid')],
  runStarted: [str('id'), str('runDir'), str('runId'), str('modelName'), obj('backend'), num('epochs'), num('batchesPerEpoch'), obj('samples'), optObj('resumed')],
  progress: [str('id'), obj('progress')],
  dataProgress: [str('id'), num('pass'), num('passes'), num('rows'), num('bytes'), num('totalBytes')],
  epochEnded: [str('id'), num('epoch'), num('epochs'), obj('logs'), num('elapsedMs')],
  checkpointSaved: [str('id'), num('epoch'), str('path'), str('monitor'), num('value')],
  reportReady: [str('id'), str('runDir'), obj('summary')],
  predicted: [str('id'), arr('predictions')],
  saved: [str('id'), str('outDir'), arr('files')],
  log: [oneOf('level', ['trace', 'debug', 'info', 'warn', 'error']), str('message'), optStr('id')],
  done: [str('id'), oneOf('status', RUN_STATUSES), optStr('runDir'), optObj('summary')],
  queued: [str('id'), str('runDir'), str('jobId'), str('target'), str('state'), str('reason')],
  error: [str('message'), optStr('id'), optObj('location'), optStr('stack')],
};

export const parseHostMessage = (raw: unknown): Parsed<HostMessage> => parseWith<HostMessage>(HOST_CHECKS, raw);
export const parseEngineMessage = (raw: unknown): Parsed<EngineMessage> => parseWith<EngineMessage>(ENGINE_CHECKS, raw);
