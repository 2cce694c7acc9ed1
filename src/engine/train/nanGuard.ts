/** Stops training as soon as the loss is NaN or infinite, saying where and what to try. */
import type { Callback } from './callbacks';

export function nanGuardCallback(): Callback {
  return {
    onBatchEnd(ctx, epoch, batch, _step, logs) {
      const loss = logs.loss;
      if (Number.isFinite(loss)) return;
      const what = Number.isNaN(loss) ? 'NaN' : 'infinite';
      const lr = ctx.getLearningRate();
      ctx.requestStop('failed', `loss became ${what} at epoch ${epoch}, batch ${batch} — try a lower learningRate (now ${lr})`);
    },
  };
}
