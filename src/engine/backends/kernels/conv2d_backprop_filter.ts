/**
 * Conv2DBackpropFilter (the weight gradient of conv2d): missing on wasm, and on cpu the stock loop
 * reads every element through TensorBuffer.get (~8 s for one batch of 64 MNIST images).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { asBackend, output, readF32, type TensorInfo } from './io';

type ConvInfo = tfTypes.backend_util.Conv2DInfo;

/**
 * dW[wR, wC, d1, d2] = Σ_{b, yR, yC} x[b, xR, xC, d1] · dy[b, yR, yC, d2], with
 * xR = yR·strideH + wR·dilH − padTop (likewise columns). Accumulates in float64.
 */
export function conv2dBackpropFilterValues(x: Float32Array, dy: Float32Array, info: ConvInfo): Float32Array {
  const {
    batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels,
    strideHeight, strideWidth, dilationHeight, dilationWidth, filterHeight, filterWidth,
  } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const last = info.dataFormat === 'channelsLast';
  // Element strides of x and dy in either layout.
  const xsB = inHeight * inWidth * inChannels;
  const xsR = last ? inWidth * inChannels : inWidth;
  const xsC = last ? inChannels : 1;
  const xsD = last ? 1 : inHeight * inWidth;
  const ysB = outHeight * outWidth * outChannels;
  const ysR = last ? outWidth * outChannels : outWidth;
  const ysC = last ? outChannels : 1;
  const ysD = last ? 1 : outHeight * outWidth;

  const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  const dyRow = new Float64Array(outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyBase = b * ysB + yR * ysR + yC * ysC;
        for (let d2 = 0; d2 < outChannels; d2++) dyRow[d2] = dy[dyBase + d2 * ysD];
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight + wR * dilationHeight - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC * dilationWidth - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xBase = b * xsB + xR * xsR + xC * xsC;
            const wBase = (wR * filterWidth + wC) * inChannels * outChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const xv = x[xBase + d1 * xsD];
              if (xv === 0) continue;
              const o = wBase + d1 * outChannels;
              for (let d2 = 0; d2 < outChannels; d2++) acc[o + d2] += xv * dyRow[d2];
            }
          }
        }
      }
    }
  }
  return new Float32Array(acc); // (a typed-array copy: Float32Array.from iterates, ~10× slower)
}

export function conv2dBackpropFilterKernel(tf: typeof tfTypes): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const a = (attrs ?? {}) as unknown as tfTypes.Conv2DBackpropFilterAttrs;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false,
      tf.backend_util.convertConv2DDataFormat(a.dataFormat));
    const values = conv2dBackpropFilterValues(readF32(be, x), readF32(be, dy), info);
    return output(be, info.filterShape, 'float32', values);
  };
}
