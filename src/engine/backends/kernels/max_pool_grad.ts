/**
 * MaxPoolGrad (NHWC, in the GEMM module): the stock wasm kernel takes ~20 ms for one 64×26×26×16
 * batch (a JS loop too: 13 ms). Scatter each dy
 * to the first maximum of its window in row-major window order, as the stock cpu kernel does
 * (which matters for ties, e.g. windows of relu zeros).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { Arena } from './gemm';
import { asBackend, outputFrom, view, type TensorInfo } from './io';

type PoolInfo = tfTypes.backend_util.Conv2DInfo;

export function maxPoolGradValues(dy: Float32Array, x: Float32Array, info: PoolInfo): Float32Array {
  const ar = new Arena();
  const dyOff = ar.put(dy);
  const xOff = ar.put(x);
  const n = info.batchSize * info.inHeight * info.inWidth * info.inChannels;
  const dx = ar.alloc(n);
  const work = info.batchSize * info.outHeight * info.outWidth * info.inChannels * info.filterHeight * info.filterWidth;
  ar.run(work, (g) => g.max_pool_grad(dyOff, xOff, info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight,
    info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight,
    info.dilationWidth, info.padInfo.top, info.padInfo.left, dx));
  return ar.view(dx, n);
}

export function maxPoolGradKernel(tf: typeof tfTypes, stock?: tfTypes.KernelFunc): tfTypes.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const dy = inputs.dy as TensorInfo;
    const x = inputs.input as TensorInfo;
    const a = (attrs ?? {}) as unknown as tfTypes.MaxPoolGradAttrs;
    if ((x.dtype !== 'float32' || x.shape.length !== 4) && stock) return stock(args);
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides,
      1, a.pad, a.dimRoundingMode);
    const be = asBackend(args.backend);
    return outputFrom(be, x.shape, maxPoolGradValues(view(be, dy), view(be, x), info));
  };
}
