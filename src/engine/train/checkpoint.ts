/** Keeps the best model so far (by a monitored value) in a folder, replaced atomically each time. */
import type * as tfTypes from '@tensorflow/tfjs';
import { monitored, monitorMode, type Callback } from './callbacks';
import { firstNonFiniteWeight } from './nanGuard';

export interface BestCheckpointOptions {
  monitor: string;
  mode?: 'auto' | 'min' | 'max';
  save(model: tfTypes.LayersModel): Promise<void>;
  onSaved?(e: { epoch: number; monitor: string; value: number }): void;
}

export interface BestCheckpoint extends Callback {
  best(): { epoch: number; monitor: string; value: number } | null;
}

export function bestCheckpointCallback(o: BestCheckpointOptions): BestCheckpoint {
  const mode = monitorMode(o.monitor, o.mode);
  let best: { epoch: number; monitor: string; value: number } | null = null;
  return {
    key: 'bestCheckpoint',
    best: () => best,
    saveState: () => ({ json: { best } }),
    restoreState(_ctx, s) {
      const j = (s.json ?? {}) as { best?: { epoch: number; monitor: string; value: number } | null };
      best = j.best ?? null;
    },
    async onEpochEnd(ctx, epoch, logs) {
      const m = monitored(logs, o.monitor);
      if (!m || !Number.isFinite(m.value)) return;
      const better = best === null || (mode === 'min' ? m.value < best.value : m.value > best.value);
      // Never a best checkpoint of weights that are not numbers (the NaN guard fails the run this epoch).
      if (!better || (await firstNonFiniteWeight(ctx.tf, ctx.model)) !== undefined) return;
      await o.save(ctx.model);
      best = { epoch, monitor: m.key, value: m.value };
      o.onSaved?.(best);
    },
  };
}
