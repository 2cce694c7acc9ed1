/** Early stopping (Keras): stop after `patience` epochs without an improvement of at least `minDelta`. */
import type * as tfTypes from '@tensorflow/tfjs';
import { fromJsonNumber, jsonNumber, monitored, monitorMode, type Callback } from './callbacks';
import { saveTensor, toTensor } from './optimizerState';

export interface EarlyStoppingOptions {
  monitor: string;
  patience: number;
  minDelta: number;
  mode: 'auto' | 'min' | 'max';
  restoreBestWeights: boolean;
  onStopped?(e: { epoch: number; bestEpoch: number; monitor: string; best: number }): void;
}

export function earlyStoppingCallback(o: EarlyStoppingOptions): Callback & { stoppedEpoch(): number | null } {
  const mode = monitorMode(o.monitor, o.mode);
  let best = mode === 'min' ? Infinity : -Infinity;
  let bestEpoch = 0;
  let wait = 0;
  let stoppedAt: number | null = null;
  let bestWeights: tfTypes.Tensor[] | null = null;
  const drop = () => { bestWeights?.forEach((t) => t.dispose()); bestWeights = null; };
  return {
    key: 'earlyStopping',
    stoppedEpoch: () => stoppedAt,
    saveState: async () => ({
      json: { best: jsonNumber(best), bestEpoch, wait, stoppedAt },
      ...(bestWeights ? { tensors: await Promise.all(bestWeights.map((w, i) => saveTensor(String(i), w))) } : {}),
    }),
    restoreState(ctx, s) {
      const j = (s.json ?? {}) as { best?: unknown; bestEpoch?: number; wait?: number; stoppedAt?: number | null };
      best = fromJsonNumber(j.best, best);
      bestEpoch = j.bestEpoch ?? 0;
      wait = j.wait ?? 0;
      stoppedAt = j.stoppedAt ?? null;
      drop();
      if (s.tensors && s.tensors.length > 0) bestWeights = s.tensors.map((t) => toTensor(ctx.tf, t));
    },
    onTrainBegin() { best = mode === 'min' ? Infinity : -Infinity; wait = 0; stoppedAt = null; drop(); },
    onEpochEnd(ctx, epoch, logs) {
      const m = monitored(logs, o.monitor);
      if (!m) return;
      const improved = mode === 'min' ? m.value < best - o.minDelta : m.value > best + o.minDelta;
      if (improved) {
        best = m.value;
        bestEpoch = epoch;
        wait = 0;
        if (o.restoreBestWeights) {
          drop();
          bestWeights = ctx.model.getWeights().map((w) => w.clone());
        }
        return;
      }
      wait++;
      if (wait >= o.patience) {
        stoppedAt = epoch;
        ctx.requestStop('earlyStopped', `early stopping: ${m.key} did not improve for ${o.patience} epochs (best ${best.toPrecision(5)} at epoch ${bestEpoch})`);
        o.onStopped?.({ epoch, bestEpoch, monitor: m.key, best });
      }
    },
    onTrainEnd(ctx) {
      if (o.restoreBestWeights && bestWeights && bestEpoch > 0) ctx.model.setWeights(bestWeights);
      drop();
    },
  };
}
