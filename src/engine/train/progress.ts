/** Progress events: at most one per `intervalMs` during an epoch, always one at each epoch end. */
import type { ProgressInfo } from '../../protocol/engine';
import type { Callback, Logs } from './callbacks';

export interface ProgressOptions {
  onProgress(p: ProgressInfo): void;
  onEpochEnd?(e: { epoch: number; epochs: number; logs: Logs; elapsedMs: number }): void;
  /** default 100 ms: ≤ 10 events per second */
  intervalMs?: number;
  now?: () => number;
}

export function progressCallback(o: ProgressOptions): Callback {
  const interval = o.intervalMs ?? 100;
  const now = o.now ?? Date.now;
  let lastEmit = -Infinity;
  let epochStart = 0;
  let trainStart = 0;
  let lastBatch: ProgressInfo | null = null;
  return {
    // a resumed run's clock continues from where it stopped
    onTrainBegin(ctx) { trainStart = now() - (ctx.resumedFrom?.elapsedMs ?? 0); },
    onEpochBegin() { epochStart = now(); },
    onBatchEnd(ctx, epoch, batch, step, logs) {
      const t = now();
      const { epochs, batches, batchSize, samples } = ctx.params;
      const epochSamples = Math.min(samples, batch * batchSize);
      const elapsedMs = t - trainStart;
      const totalSteps = epochs * batches;
      const etaMs = step > 0 ? Math.round((elapsedMs / step) * (totalSteps - step)) : null;
      lastBatch = {
        epoch, epochs, batch, batches, step, logs: { ...logs },
        samplesPerSec: t > epochStart ? (epochSamples * 1000) / (t - epochStart) : 0,
        elapsedMs, etaMs,
      };
      if (t - lastEmit >= interval) {
        lastEmit = t;
        o.onProgress(lastBatch);
      }
    },
    onEpochEnd(ctx, epoch, logs) {
      const t = now();
      if (lastBatch) {
        // the end of every epoch is always reported, with the epoch's averaged logs
        o.onProgress({ ...lastBatch, batch: lastBatch.batches, logs: { ...logs }, elapsedMs: t - trainStart });
        lastEmit = t;
      }
      o.onEpochEnd?.({ epoch, epochs: ctx.params.epochs, logs: { ...logs }, elapsedMs: t - trainStart });
    },
  };
}
