/**
 * The resumable checkpoint (Keras's BackupAndRestore): everything a run needs to continue exactly
 * where it was — the weights, the optimiser's state, where in which epoch it stopped, the partial sums
 * of that epoch's logs, the random generators (data order and dropout), the learning rate and each
 * callback's state (early stopping's patience and best weights, the schedule's plateau count, the best
 * checkpoint's best value). Written every epoch and when a run is stopped, into
 * `checkpoints/resume/` as a whole folder swapped in atomically: `state.json` plus `tensors.bin`
 * (every tensor's float32/int32 bytes, little-endian, in the order `state.json` lists them).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logs } from '../../protocol/engine';
import { replaceDirAtomic, writeDurable } from '../fsutil';
import type { OptimizerState, SavedTensor } from './optimizerState';
import type { SeedSourceState } from './rng';

export const RESUME_FORMAT = 'model-studio-resume';
export const RESUME_VERSION = 1;
export const RESUME_FILES = { state: 'state.json', tensors: 'tensors.bin' } as const;

/** A callback's part of the checkpoint: plain JSON and, when it keeps tensors (best weights), those. */
export interface CallbackState {
  json?: unknown;
  tensors?: SavedTensor[];
}

/** Where training continues: `batch` batches of `epoch` are already trained (0: at its start). */
export interface ResumePosition {
  /** 1-based epoch to continue (or start) */
  epoch: number;
  /** batches of that epoch already trained */
  batch: number;
  /** global steps taken so far */
  step: number;
}

export interface LoopState extends ResumePosition {
  /** epochs finished (with their epoch-end callbacks run) */
  epochsCompleted: number;
  /** what the run was started with; resuming with other values is refused */
  batchSize: number;
  samples: number;
  /** training time so far, so elapsed times continue rather than restart */
  elapsedMs: number;
  lr: number;
  rng: {
    /** the data-order generator as it was when `epoch` began (its order is drawn again from here) */
    shuffle: number;
    /** the dropout/augmentation seed source after the last trained batch */
    seeds?: SeedSourceState;
  };
  /** sums of batch logs × batch size, and samples seen, for the epoch in progress */
  partial: { sums: Logs; seen: number };
  /** logs of the last finished epoch */
  lastLogs: Logs;
}

export interface ResumeCheckpoint {
  loop: LoopState;
  /** model.getWeights(), in order */
  weights: SavedTensor[];
  optimizer: OptimizerState;
  /** by callback key */
  callbacks: Record<string, CallbackState>;
}

interface TensorEntry { group: string; name: string; shape: number[]; dtype: 'float32' | 'int32'; offset: number; length: number }

interface StateFile {
  format: typeof RESUME_FORMAT;
  version: typeof RESUME_VERSION;
  savedAt: string;
  loop: LoopState;
  optimizer: Omit<OptimizerState, 'slots'>;
  callbacks: Record<string, { json?: unknown; tensors: number }>;
  /** groups: `weights`, `optimizer`, `callback:<key>` */
  tensors: TensorEntry[];
}

export class ResumeError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'ResumeError';
  }
}

/** Write the checkpoint into `dir`, replacing the previous one whole. */
export function writeResumeCheckpoint(dir: string, c: ResumeCheckpoint): void {
  const entries: TensorEntry[] = [];
  const blobs: Uint8Array[] = [];
  let offset = 0;
  const add = (group: string, ts: SavedTensor[]) => {
    for (const t of ts) {
      const bytes = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
      entries.push({ group, name: t.name, shape: t.shape, dtype: t.dtype, offset, length: t.values.length });
      blobs.push(bytes);
      offset += bytes.byteLength;
    }
  };
  add('weights', c.weights);
  add('optimizer', c.optimizer.slots);
  const callbacks: StateFile['callbacks'] = {};
  for (const [key, s] of Object.entries(c.callbacks)) {
    add(`callback:${key}`, s.tensors ?? []);
    callbacks[key] = { ...(s.json !== undefined ? { json: s.json } : {}), tensors: s.tensors?.length ?? 0 };
  }
  const { slots: _slots, ...optimizer } = c.optimizer;
  const state: StateFile = {
    format: RESUME_FORMAT, version: RESUME_VERSION, savedAt: new Date().toISOString(),
    loop: c.loop, optimizer, callbacks, tensors: entries,
  };
  const all = new Uint8Array(offset);
  let at = 0;
  for (const b of blobs) { all.set(b, at); at += b.byteLength; }
  replaceDirAtomic(dir, (tmp) => {
    writeDurable(path.join(tmp, RESUME_FILES.tensors), all);
    // state.json last: a folder with it is complete
    writeDurable(path.join(tmp, RESUME_FILES.state), `${JSON.stringify(state, null, 1)}\n`);
  });
}

export function hasResumeCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, RESUME_FILES.state)) && fs.existsSync(path.join(dir, RESUME_FILES.tensors));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read a checkpoint written by writeResumeCheckpoint; a damaged one is a ResumeError naming the file. */
export function readResumeCheckpoint(dir: string): ResumeCheckpoint {
  const stateFile = path.join(dir, RESUME_FILES.state);
  const tensorsFile = path.join(dir, RESUME_FILES.tensors);
  let state: StateFile;
  try {
    state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as StateFile;
  } catch (err) {
    throw new ResumeError(`${stateFile} cannot be read (${(err as Error).message}); the resume checkpoint is damaged`, stateFile);
  }
  if (!isObj(state) || state.format !== RESUME_FORMAT) throw new ResumeError(`${stateFile} is not a Model Studio resume checkpoint`, stateFile);
  if (state.version !== RESUME_VERSION) throw new ResumeError(`${stateFile} has version ${String(state.version)}; this Model Studio reads version ${RESUME_VERSION}`, stateFile);
  if (!isObj(state.loop) || !Array.isArray(state.tensors) || !isObj(state.optimizer) || !isObj(state.callbacks)) {
    throw new ResumeError(`${stateFile} lacks loop, optimizer, callbacks or tensors; the resume checkpoint is damaged`, stateFile);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(tensorsFile);
  } catch (err) {
    throw new ResumeError(`${tensorsFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, tensorsFile);
  }
  const groups = new Map<string, SavedTensor[]>();
  for (const e of state.tensors) {
    const per = 4;
    const end = e.offset + e.length * per;
    if (!Number.isInteger(e.offset) || !Number.isInteger(e.length) || e.offset < 0 || end > bytes.byteLength) {
      throw new ResumeError(`${tensorsFile} is ${bytes.byteLength} bytes but ${stateFile} needs ${end} for '${e.name}' (truncated)`, tensorsFile);
    }
    const copy = new Uint8Array(e.length * per);
    copy.set(bytes.subarray(e.offset, end));
    const values = e.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    const list = groups.get(e.group) ?? [];
    list.push({ name: e.name, shape: e.shape, dtype: e.dtype, values });
    groups.set(e.group, list);
  }
  const callbacks: Record<string, CallbackState> = {};
  for (const [key, s] of Object.entries(state.callbacks)) {
    callbacks[key] = { ...(s.json !== undefined ? { json: s.json } : {}), ...(s.tensors > 0 ? { tensors: groups.get(`callback:${key}`) ?? [] } : {}) };
  }
  return {
    loop: state.loop,
    weights: groups.get('weights') ?? [],
    optimizer: { ...state.optimizer, slots: groups.get('optimizer') ?? [] },
    callbacks,
  };
}
