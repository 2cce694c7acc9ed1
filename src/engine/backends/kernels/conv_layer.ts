/**
 * A conv2d layer and a max-pooling layer as fused kernels (NHWC). In training, tfjs-layers runs a
 * conv2d layer with relu as conv2d, add, relu and, backwards, step, multiply, sum and two convolution
 * gradients; a max pool recomputes every window's maximum in its gradient.
 *  - `ModelStudioConv2D`: y = act(im2col(x)·W + b), bias and relu in the GEMM's epilogue;
 *    `ModelStudioConv2DGradWeights`: dW and db from one masked dy; `ModelStudioConv2DGradInput`: dx,
 *    only when something needs it (not for the first layer).
 *  - `ModelStudioMaxPool`: y and the index of each window's first maximum (the stock rule for ties);
 *    its gradient `ModelStudioMaxPoolGrad` is a scatter through those indices.
 * Conv2D.call and MaxPooling2D.call are patched to use them (channels last, no dilation; anything else:
 * stock); layers.ts keeps each patch off until its self-check passes.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { Arena } from './gemm';
import { asBackend, output, outputFrom, peek, sizeOf, view, type TensorInfo } from './io';
import { colsOf, convFilterGradIn, convForwardIn, convInputGradIn, rowsOf } from './conv2d';
import { FUSED_ACT, maskedGradient } from './dense';
import { installLayerPatch, type LayerPatch } from './layers';

export const CONV = 'ModelStudioConv2D';
export const CONV_GRAD_WEIGHTS = 'ModelStudioConv2DGradWeights';
export const CONV_GRAD_INPUT = 'ModelStudioConv2DGradInput';
export const MAX_POOL = 'ModelStudioMaxPool';
export const MAX_POOL_GRAD = 'ModelStudioMaxPoolGrad';

type Shape4 = [number, number, number, number];

function convInfo(tf: typeof tfTypes, xShape: number[], filterShape: number[], attrs: tfTypes.NamedAttrMap | undefined) {
  return tf.backend_util.computeConv2DInfo(xShape as Shape4, filterShape as Shape4, attrs?.strides as [number, number],
    1, attrs?.pad as 'same' | 'valid', undefined, false, 'channelsLast');
}

export function convKernel(tf: typeof tfTypes): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const x = inputs.x as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const info = convInfo(tf, x.shape, filter.shape, attrs);
    const ar = new Arena();
    const xo = ar.put(view(be, x));
    const fo = ar.put(view(be, filter));
    const bo = inputs.b ? ar.put(view(be, inputs.b as TensorInfo)) : 0;
    const y = convForwardIn(ar, xo, fo, info, bo, Number(attrs?.activation));
    return outputFrom(be, info.outShape, ar.view(y, rowsOf(info) * info.outChannels));
  };
}

/** [dW, db] (db only with a bias) from x, dy and the forward output y. */
export function convGradWeightsKernel(tf: typeof tfTypes): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const info = convInfo(tf, x.shape, attrs?.filterShape as number[], attrs);
    const ar = new Arena();
    const dz = maskedGradient(ar, be, dy, inputs.y as TensorInfo | undefined, Number(attrs?.activation));
    const xo = ar.put(view(be, x));
    const dW = convFilterGradIn(ar, xo, dz, info);
    const out = [outputFrom(be, info.filterShape, ar.view(dW, colsOf(info) * info.outChannels))];
    if (attrs?.hasBias) {
      const db = ar.alloc(info.outChannels);
      ar.run(rowsOf(info) * info.outChannels, (g) => g.col_sum(dz, rowsOf(info), info.outChannels, db));
      out.push(outputFrom(be, [info.outChannels], ar.view(db, info.outChannels)));
    }
    return out;
  };
}

export function convGradInputKernel(tf: typeof tfTypes): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const dy = inputs.dy as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const info = convInfo(tf, attrs?.inputShape as number[], filter.shape, attrs);
    const ar = new Arena();
    const dz = maskedGradient(ar, be, dy, inputs.y as TensorInfo | undefined, Number(attrs?.activation));
    const fo = ar.put(view(be, filter));
    const dx = convInputGradIn(ar, dz, fo, info);
    return outputFrom(be, info.inShape, ar.view(dx, sizeOf(info.inShape)));
  };
}

function poolInfo(tf: typeof tfTypes, xShape: number[], attrs: tfTypes.NamedAttrMap | undefined) {
  return tf.backend_util.computePool2DInfo(xShape as Shape4, attrs?.filterSize as [number, number], attrs?.strides as [number, number],
    1, attrs?.pad as 'same' | 'valid');
}

/** [y, argmax]: argmax holds each output's flat input index (int32). */
export function maxPoolKernel(tf: typeof tfTypes): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const x = inputs.x as TensorInfo;
    const info = poolInfo(tf, x.shape, attrs);
    const ar = new Arena();
    const xo = ar.put(view(be, x));
    const n = sizeOf(info.outShape);
    const y = ar.alloc(n);
    const arg = ar.alloc(n);
    ar.run(n * info.filterHeight * info.filterWidth, (g) => g.max_pool(xo, info.batchSize, info.inHeight, info.inWidth, info.inChannels,
      info.outHeight, info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, y, arg));
    return [outputFrom(be, info.outShape, ar.view(y, n)), output(be, info.outShape, 'int32', ar.intView(arg, n).slice())];
  };
}

export function maxPoolScatterKernel(): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const dy = inputs.dy as TensorInfo;
    const arg = inputs.argmax as TensorInfo;
    const inShape = attrs?.inputShape as number[];
    const B = inShape[0];
    const ar = new Arena();
    const dyo = ar.put(view(be, dy));
    const ao = ar.put(peek(be, arg) as Int32Array);
    const n = sizeOf(inShape);
    const dx = ar.alloc(n);
    ar.run(n, (g) => g.max_pool_scatter(dyo, ao, B, n / B, sizeOf(dy.shape) / B, dx));
    return outputFrom(be, inShape, ar.view(dx, n));
  };
}

interface ConvLike {
  rank: number; dataFormat: string; dilationRate: number[]; strides: number[]; padding: string;
  activation: { getClassName(): string; apply(t: tfTypes.Tensor): tfTypes.Tensor };
  kernel: { read(): tfTypes.Tensor } | null; bias: { read(): tfTypes.Tensor } | null;
}

const oneInput = (tf: typeof tfTypes, inputs: unknown) => {
  const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
  return x instanceof tf.Tensor && x.rank === 4 && x.dtype === 'float32' ? x : undefined;
};

export const CONV_PATCH: LayerPatch<ConvLike> = {
  kernel: CONV,
  probe: (tf) => tf.layers.conv2d({ filters: 1, kernelSize: 1 }),
  fields: ['rank', 'dataFormat', 'dilationRate', 'strides', 'padding', 'activation', 'kernel', 'bias'],
  fast(tf, layer, inputs) {
    const x = oneInput(tf, inputs);
    if (!x || layer.rank !== 2 || layer.dataFormat !== 'channelsLast' || !layer.kernel || layer.dilationRate.some((d) => d !== 1) ||
      (layer.padding !== 'same' && layer.padding !== 'valid')) return undefined;
    const name = layer.activation.getClassName();
    const fused = name in FUSED_ACT ? FUSED_ACT[name as keyof typeof FUSED_ACT] : FUSED_ACT.linear;
    return tf.tidy(() => {
      const ins: Record<string, tfTypes.Tensor> = { x, filter: layer.kernel!.read() };
      if (layer.bias) ins.b = layer.bias.read();
      const y = tf.engine().runKernel(CONV, ins, { strides: layer.strides, pad: layer.padding, activation: fused, hasBias: !!layer.bias }) as tfTypes.Tensor;
      return name in FUSED_ACT ? y : layer.activation.apply(y);
    });
  },
  cases: (tf) => [
    { layer: tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }), biasInitializer: tf.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: 9 }) }), shape: [2, 6, 5, 2] },
    { layer: tf.layers.conv2d({ filters: 3, kernelSize: [2, 3], strides: 2, padding: 'same', activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 10 }) }), shape: [1, 5, 7, 3] },
  ],
};

interface PoolLike { dataFormat: string; poolSize: number[]; strides: number[]; padding: string }

export const MAX_POOL_PATCH: LayerPatch<PoolLike> = {
  kernel: MAX_POOL,
  probe: (tf) => tf.layers.maxPooling2d({ poolSize: 2 }),
  fields: ['dataFormat', 'poolSize', 'strides', 'padding'],
  fast(tf, layer, inputs) {
    const x = oneInput(tf, inputs);
    if (!x || layer.dataFormat !== 'channelsLast' || (layer.padding !== 'same' && layer.padding !== 'valid')) return undefined;
    const attrs = { filterSize: layer.poolSize, strides: layer.strides, pad: layer.padding, inputShape: x.shape };
    return tf.tidy(() => (tf.engine().runKernel(MAX_POOL, { x }, attrs) as tfTypes.Tensor[])[0]);
  },
  cases: (tf) => [
    { layer: tf.layers.maxPooling2d({ poolSize: 2 }), shape: [2, 5, 4, 3] },
    { layer: tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), shape: [1, 6, 7, 2] },
  ],
};

export function patchConvLayers(tf: typeof tfTypes, enabled: () => boolean, onBuild: (kernel: string) => void): void {
  if (!tf.getGradient(CONV)) {
    tf.registerGradient({
      kernelName: CONV,
      inputsToSave: ['x', 'filter'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, filter, y] = saved;
        const g = dy as tfTypes.Tensor;
        const common = { ...attrs, filterShape: filter.shape, inputShape: x.shape };
        const [dW, db] = tf.engine().runKernel(CONV_GRAD_WEIGHTS, { x, dy: g, y }, common as unknown as tfTypes.NamedAttrMap) as tfTypes.Tensor[];
        return {
          x: () => tf.engine().runKernel(CONV_GRAD_INPUT, { dy: g, filter, y }, common as unknown as tfTypes.NamedAttrMap) as tfTypes.Tensor,
          filter: () => dW,
          ...(db ? { b: () => db } : {}),
        };
      },
    });
  }
  if (!tf.getGradient(MAX_POOL)) {
    tf.registerGradient({
      kernelName: MAX_POOL,
      inputsToSave: [],
      outputsToSave: [false, true],
      gradFunc: (dy, saved, attrs) => {
        const [argmax] = saved;
        const [g] = dy as tfTypes.Tensor[];
        return { x: () => tf.engine().runKernel(MAX_POOL_GRAD, { dy: g, argmax }, { inputShape: attrs.inputShape }) as tfTypes.Tensor };
      },
    });
  }
  installLayerPatch(tf, CONV_PATCH, enabled, () => onBuild(CONV));
  installLayerPatch(tf, MAX_POOL_PATCH, enabled, () => onBuild(MAX_POOL));
}
