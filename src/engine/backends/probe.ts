/**
 * Probes a backend with the user's actual model before training on it (DESIGN.md §5): one training
 * step on two samples, then the loss on them with the updated weights. That runs every forward and
 * gradient kernel and the optimiser once, so a missing kernel, a NaN, or a result that differs from
 * the cpu reference shows here, not after an hour of training. The caller sets the backend first.
 */
import type * as tfTypes from '@tensorflow/tfjs';

export interface ProbeSample {
  x: Float32Array;
  y: Float32Array;
  xShape: number[];
  yShape: number[];
}

export interface ProbeResult {
  ok: boolean;
  /** the loss on the two samples after one step (compare it with the cpu backend's) */
  loss?: number;
  reason?: string;
}

/** Relative difference from the reference that still counts as the same result. */
export const PROBE_TOLERANCE = 1e-4;

/**
 * @param buildModel a compiled model with deterministic (seeded) initial weights: the same on every backend
 * @param reference the loss `probeBackend` returned on the cpu backend, when a comparison is wanted
 */
export async function probeBackend(
  tf: typeof tfTypes, buildModel: () => tfTypes.LayersModel, sample: ProbeSample, reference?: number,
): Promise<ProbeResult> {
  const backend = tf.getBackend();
  const n = Math.min(2, sample.xShape[0] ?? 0, sample.yShape[0] ?? 0);
  if (!(n > 0)) return { ok: false, reason: `no samples to probe ${backend} with (x shape ${JSON.stringify(sample.xShape)})` };
  let model: tfTypes.LayersModel | undefined;
  const tensors: tfTypes.Tensor[] = [];
  try {
    model = buildModel();
    if (!model.optimizer) return { ok: false, reason: 'the probe needs a compiled model (no optimizer set)' };
    const xRow = sizeOf(sample.xShape.slice(1));
    const yRow = sizeOf(sample.yShape.slice(1));
    const xs = tf.tensor(sample.x.subarray(0, n * xRow), [n, ...sample.xShape.slice(1)]);
    const ys = tf.tensor(sample.y.subarray(0, n * yRow), [n, ...sample.yShape.slice(1)]);
    tensors.push(xs, ys);
    await model.trainOnBatch(xs, ys);
    const out = model.evaluate(xs, ys, { batchSize: n });
    const first = Array.isArray(out) ? out[0] : out;
    tensors.push(...(Array.isArray(out) ? out : [out]));
    const loss = (await first.data())[0];
    if (!Number.isFinite(loss)) {
      return { ok: false, loss, reason: `${backend} gave a ${Number.isNaN(loss) ? 'NaN' : 'infinite'} loss after one training step` };
    }
    if (reference !== undefined) {
      const diff = Math.abs(loss - reference) / Math.max(Math.abs(reference), 1e-3);
      if (!(diff <= PROBE_TOLERANCE)) {
        return {
          ok: false, loss,
          reason: `${backend} loss ${loss} differs from the cpu reference ${reference} by ${diff.toExponential(2)} (relative; allowed ${PROBE_TOLERANCE})`,
        };
      }
    }
    return { ok: true, loss };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const missing = /Kernel '([^']+)' not registered/.exec(msg);
    return { ok: false, reason: missing ? `${backend} lacks the kernel ${missing[1]} this model needs` : `${backend} failed a training step: ${msg}` };
  } finally {
    tf.dispose(tensors);
    model?.dispose();
  }
}

function sizeOf(shape: number[]): number {
  return shape.reduce((p, q) => p * q, 1);
}
