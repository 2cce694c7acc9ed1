/**
 * UnsortedSegmentSum (the gradient of gather, hence of `embedding`): missing on wasm, and on cpu the
 * stock kernel builds a mask per segment (38 s for 640 rows into 5000 segments).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { asBackend, output, peek, sizeOf, type TensorInfo } from './io';

/** out[s, …] = Σ over rows i with ids[i] = s of x[i, …]; ids outside [0, numSegments) are dropped, as in TF. */
export function unsortedSegmentSumValues(
  x: ArrayLike<number>, ids: ArrayLike<number>, rowSize: number, numSegments: number,
): Float64Array {
  const out = new Float64Array(numSegments * rowSize);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * rowSize;
    const xi = i * rowSize;
    for (let j = 0; j < rowSize; j++) out[o + j] += x[xi + j];
  }
  return out;
}

export function unsortedSegmentSumKernel(): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const x = inputs.x as TensorInfo;
    const segmentIds = inputs.segmentIds as TensorInfo;
    const numSegments = Number((attrs ?? {}).numSegments);
    const rest = x.shape.slice(segmentIds.shape.length);
    const sums = unsortedSegmentSumValues(peek(be, x), peek(be, segmentIds), sizeOf(rest), numSegments);
    const values = x.dtype === 'int32' ? new Int32Array(sums) : new Float32Array(sums);
    return output(be, [numSegments, ...rest], x.dtype === 'int32' ? 'int32' : 'float32', values);
  };
}
