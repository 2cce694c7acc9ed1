/**
 * Learning-rate schedules, applied per epoch: the rate is set on the optimiser before each epoch
 * (decays) or after an epoch without improvement (reduceOnPlateau), and logged as `lr`.
 */
import type { Static } from '@sinclair/typebox';
import type { LrScheduleSpec } from '../../modelFile/schema';
import { fromJsonNumber, jsonNumber, monitored, monitorMode, type Callback } from './callbacks';

export type LrSchedule = Static<typeof LrScheduleSpec>;

/** The rate for a 1-based epoch under a decay schedule (not reduceOnPlateau). */
export function scheduledRate(s: LrSchedule, initial: number, epoch: number, epochs: number): number {
  const e = epoch - 1;
  const floor = s.minLearningRate ?? 0;
  let lr: number;
  switch (s.type) {
    case 'exponentialDecay':
      lr = initial * Math.pow(s.decayRate ?? 0.96, e / (s.decaySteps ?? 1));
      break;
    case 'stepDecay':
      lr = initial * Math.pow(s.factor ?? 0.5, Math.floor(e / (s.stepSize ?? 10)));
      break;
    case 'cosine': {
      const warm = s.warmupEpochs ?? 0;
      if (e < warm) {
        lr = (initial * (e + 1)) / (warm + 1);
      } else {
        const span = Math.max(1, epochs - warm);
        lr = floor + 0.5 * (initial - floor) * (1 + Math.cos((Math.PI * (e - warm)) / span));
      }
      break;
    }
    default:
      lr = initial;
  }
  return Math.max(floor, lr);
}

export function lrScheduleCallback(s: LrSchedule, onChange?: (e: { epoch: number; lr: number; why: string }) => void): Callback {
  let initial = 0;
  let best = Infinity;
  let wait = 0;
  const mode = monitorMode(s.monitor ?? 'val_loss');
  return {
    key: 'lrSchedule',
    saveState: () => ({ json: { initial, best: jsonNumber(best), wait } }),
    restoreState(_ctx, s) {
      const j = (s.json ?? {}) as { initial?: number; best?: unknown; wait?: number };
      initial = j.initial ?? initial;
      best = fromJsonNumber(j.best, best);
      wait = j.wait ?? 0;
    },
    onTrainBegin(ctx) {
      initial = ctx.getLearningRate();
      best = mode === 'min' ? Infinity : -Infinity;
      wait = 0;
    },
    onEpochBegin(ctx, epoch) {
      if (s.type === 'reduceOnPlateau') return;
      const lr = scheduledRate(s, initial, epoch, ctx.params.epochs);
      if (lr !== ctx.getLearningRate()) ctx.setLearningRate(lr);
    },
    onEpochEnd(ctx, epoch, logs) {
      if (s.type !== 'reduceOnPlateau') return;
      const m = monitored(logs, s.monitor ?? 'val_loss');
      if (!m) return;
      if (mode === 'min' ? m.value < best : m.value > best) {
        best = m.value;
        wait = 0;
        return;
      }
      wait++;
      if (wait > (s.patience ?? 10) - 1) {
        wait = 0;
        const old = ctx.getLearningRate();
        const lr = Math.max(s.minLearningRate ?? 0, old * (s.factor ?? 0.1));
        if (lr < old) {
          ctx.setLearningRate(lr);
          onChange?.({ epoch, lr, why: `${m.key} has not improved for ${s.patience ?? 10} epochs` });
        }
      }
    },
  };
}
