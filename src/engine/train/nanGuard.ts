/**
 * Stops training as soon as the loss is NaN or infinite, saying where and what to try; and at every epoch's
 * end checks the weights themselves: a loss clipped by the cross-entropy (it sat at 16.118 with
 * learningRate 1e308) can look finite while every weight is NaN, and such a run must fail, not complete.
 */
import type * as tfTypes from '@tensorflow/tfjs';
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
    async onEpochEnd(ctx, epoch, logs) {
      const bad = await firstNonFiniteWeight(ctx.tf, ctx.model);
      if (bad === undefined) return;
      ctx.requestStop('failed', `the weights became NaN or infinite by the end of epoch ${epoch} (first: ${bad}) although the loss read ${String(logs.loss)}; ` +
        `training diverged — try a lower learningRate (now ${ctx.getLearningRate()})`);
    },
  };
}

/**
 * The name of the first weight holding a NaN or an infinity, or undefined when all are finite. One small
 * read per call: x·0 sums to 0 for finite values and to NaN otherwise, with kernels every backend has.
 * Read asynchronously: WebGPU has no synchronous readback in Node.
 */
export async function firstNonFiniteWeight(tf: typeof tfTypes, model: tfTypes.LayersModel): Promise<string | undefined> {
  const weights = Array.isArray(model?.weights) ? model.weights : [];
  if (weights.length === 0) return undefined;
  const flags = tf.tidy(() => tf.stack(weights.map((w) => tf.sum(tf.mul(w.read(), tf.scalar(0, w.dtype))).asType('float32'))));
  const values = await flags.data();
  flags.dispose();
  const i = values.findIndex((v) => !Number.isFinite(v));
  return i < 0 ? undefined : weights[i].name;
}
