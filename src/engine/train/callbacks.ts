/**
 * The one seam of training (Keras callbacks): hooks at the begin and end of training, each epoch and
 * each batch, with a `logs` object (`loss`, metrics, `val_` prefixed validation values, `lr`).
 * Progress, the metrics file, checkpoints, early stopping, LR schedules and the NaN guard are all
 * callbacks; the loop knows none of them.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { Logs } from '../../protocol/engine';
import type { CallbackState, ResumePosition } from './resume';

export type { Logs, CallbackState };

export interface TrainParams {
  epochs: number;
  batchSize: number;
  /** batches per epoch */
  batches: number;
  /** training samples */
  samples: number;
  /** validation samples (0: no validation) */
  validationSamples: number;
  /** names in batch logs: 'loss' and the metrics */
  metrics: string[];
}

export type EndReason = 'completed' | 'earlyStopped' | 'stopped' | 'failed';

/** What callbacks can see and do. */
export interface TrainContext {
  readonly tf: typeof tfTypes;
  readonly model: tfTypes.LayersModel;
  readonly params: TrainParams;
  /** milliseconds since training began */
  elapsedMs(): number;
  getLearningRate(): number;
  setLearningRate(lr: number): void;
  /** end training after the current batch (reason: completed after early stopping, stopped, failed) */
  requestStop(reason: Exclude<EndReason, 'completed'>, message?: string): void;
  readonly stopRequested: boolean;
  /**
   * Set when training continues from a resumable checkpoint: where, and the training time before.
   * onTrainBegin runs first (callbacks set themselves up), then each callback's restoreState, then
   * onEpochBegin for the epoch being continued.
   */
  readonly resumedFrom?: ResumePosition & { elapsedMs: number };
}

export interface Callback {
  /** names the callback's part of a resumable checkpoint (needed with saveState) */
  key?: string;
  /** what the callback must remember across a resume (patience counts, best values, best weights) */
  saveState?(ctx: TrainContext): CallbackState | Promise<CallbackState>;
  restoreState?(ctx: TrainContext, state: CallbackState): void;
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext, result: { reason: EndReason; epochsRun: number; logs: Logs }): void | Promise<void>;
  /** epoch is 1-based */
  onEpochBegin?(ctx: TrainContext, epoch: number): void | Promise<void>;
  onEpochEnd?(ctx: TrainContext, epoch: number, logs: Logs): void | Promise<void>;
  /** batch is 1-based within the epoch; step is 1-based across epochs */
  onBatchBegin?(ctx: TrainContext, epoch: number, batch: number, step: number): void | Promise<void>;
  onBatchEnd?(ctx: TrainContext, epoch: number, batch: number, step: number, logs: Logs): void | Promise<void>;
}

/** Runs the callbacks in order; a hook that throws ends training (the loop reports it). */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}

  async trainBegin(ctx: TrainContext) { for (const c of this.callbacks) await c.onTrainBegin?.(ctx); }
  async trainEnd(ctx: TrainContext, result: { reason: EndReason; epochsRun: number; logs: Logs }) { for (const c of this.callbacks) await c.onTrainEnd?.(ctx, result); }
  async epochBegin(ctx: TrainContext, epoch: number) { for (const c of this.callbacks) await c.onEpochBegin?.(ctx, epoch); }
  async epochEnd(ctx: TrainContext, epoch: number, logs: Logs) { for (const c of this.callbacks) await c.onEpochEnd?.(ctx, epoch, logs); }
  async batchBegin(ctx: TrainContext, epoch: number, batch: number, step: number) { for (const c of this.callbacks) await c.onBatchBegin?.(ctx, epoch, batch, step); }
  async batchEnd(ctx: TrainContext, epoch: number, batch: number, step: number, logs: Logs) { for (const c of this.callbacks) await c.onBatchEnd?.(ctx, epoch, batch, step, logs); }

  async saveStates(ctx: TrainContext): Promise<Record<string, CallbackState>> {
    const out: Record<string, CallbackState> = {};
    for (const c of this.callbacks) if (c.key && c.saveState) out[c.key] = await c.saveState(ctx);
    return out;
  }

  /** Give each callback its saved state; one the checkpoint lacks (added since) starts fresh. */
  restoreStates(ctx: TrainContext, states: Record<string, CallbackState>): void {
    for (const c of this.callbacks) {
      const s = c.key ? states[c.key] : undefined;
      if (s && c.restoreState) c.restoreState(ctx, s);
    }
  }
}

/** ±Infinity survive JSON as strings (JSON turns them into null). */
export const jsonNumber = (v: number): number | string => (Number.isFinite(v) ? v : String(v));
export const fromJsonNumber = (v: unknown, fallback: number): number =>
  typeof v === 'number' ? v : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : fallback;

/** Whether a monitored value should go down or up: `auto` infers it from the name (Keras). */
export function monitorMode(monitor: string, mode: 'auto' | 'min' | 'max' = 'auto'): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|accuracy|precision|recall|auc|f1|r2/i.test(monitor) ? 'max' : 'min';
}

/** The value a callback monitors in epoch logs; falls back from val_x to x when there is no validation. */
export function monitored(logs: Logs, monitor: string): { key: string; value: number } | null {
  if (typeof logs[monitor] === 'number') return { key: monitor, value: logs[monitor] };
  if (monitor.startsWith('val_')) {
    const key = monitor.slice(4);
    if (typeof logs[key] === 'number') return { key, value: logs[key] };
  }
  return null;
}
