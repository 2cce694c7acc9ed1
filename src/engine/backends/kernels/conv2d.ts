/**
 * Conv2D and its two gradients as im2col + GEMM (NHWC, any stride, padding, dilation): the wasm
 * backend lacks the filter gradient and its input gradient and forward pass are plain loops.
 * channelsFirst goes to the stock kernel where one exists.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { Arena } from './gemm';
import { asBackend, outputFrom, view, type TensorInfo } from './io';
import { conv2dBackpropFilterValues } from './conv2d_backprop_filter';

type ConvInfo = tfTypes.backend_util.Conv2DInfo;
type Shape4 = [number, number, number, number];

function geometry(info: ConvInfo): number[] {
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ];
}

export const rowsOf = (i: ConvInfo) => i.batchSize * i.outHeight * i.outWidth;
export const colsOf = (i: ConvInfo) => i.filterHeight * i.filterWidth * i.inChannels;

/** The four steps below work on operands already in the arena and return the result's offset. */
function im2colIn(ar: Arena, x: number, info: ConvInfo): number {
  const cols = ar.alloc(rowsOf(info) * colsOf(info));
  ar.run(rowsOf(info) * colsOf(info), (g) => g.im2col(x, ...geometry(info), cols));
  return cols;
}

/** y[rows, cout] = act(im2col(x) · filter[(ky, kx, cin), cout] + bias). */
export function convForwardIn(ar: Arena, x: number, filter: number, info: ConvInfo, bias = 0, act = 0): number {
  const cols = im2colIn(ar, x, info);
  const y = ar.alloc(rowsOf(info) * info.outChannels);
  ar.sgemm(rowsOf(info), info.outChannels, colsOf(info), cols, false, filter, false, y, { bias, act });
  return y;
}

/** dW[(ky, kx, cin), cout] = im2col(x)ᵀ · dy[rows, cout]. */
export function convFilterGradIn(ar: Arena, x: number, dy: number, info: ConvInfo): number {
  const cols = im2colIn(ar, x, info);
  const dw = ar.alloc(colsOf(info) * info.outChannels);
  ar.sgemm(colsOf(info), info.outChannels, rowsOf(info), cols, true, dy, false, dw);
  return dw;
}

/** dx = col2im(dy[rows, cout] · filterᵀ). */
export function convInputGradIn(ar: Arena, dy: number, filter: number, info: ConvInfo): number {
  const dcols = ar.alloc(rowsOf(info) * colsOf(info));
  ar.sgemm(rowsOf(info), colsOf(info), info.outChannels, dy, false, filter, true, dcols);
  const dx = ar.alloc(info.batchSize * info.inHeight * info.inWidth * info.inChannels);
  ar.run(rowsOf(info) * colsOf(info), (g) => g.col2im(dcols, ...geometry(info), dx));
  return dx;
}

const inSize = (i: ConvInfo) => i.batchSize * i.inHeight * i.inWidth * i.inChannels;

export function conv2dForward(x: Float32Array, filter: Float32Array, info: ConvInfo): Float32Array {
  const ar = new Arena();
  return ar.view(convForwardIn(ar, ar.put(x), ar.put(filter), info), rowsOf(info) * info.outChannels);
}

export function conv2dFilterGradient(x: Float32Array, dy: Float32Array, info: ConvInfo): Float32Array {
  const ar = new Arena();
  return ar.view(convFilterGradIn(ar, ar.put(x), ar.put(dy), info), colsOf(info) * info.outChannels);
}

export function conv2dInputGradient(dy: Float32Array, filter: Float32Array, info: ConvInfo): Float32Array {
  const ar = new Arena();
  return ar.view(convInputGradIn(ar, ar.put(dy), ar.put(filter), info), inSize(info));
}

function dataFormat(tf: typeof tfTypes, attrs: tfTypes.NamedAttrMap | undefined): 'channelsFirst' | 'channelsLast' {
  return tf.backend_util.convertConv2DDataFormat(String(attrs?.dataFormat ?? 'NHWC') as 'NHWC' | 'NCHW');
}

export function conv2dKernel(tf: typeof tfTypes, stock?: tfTypes.KernelFunc): tfTypes.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const x = inputs.x as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const a = (attrs ?? {}) as unknown as tfTypes.Conv2DAttrs;
    const fmt = dataFormat(tf, attrs);
    if ((fmt !== 'channelsLast' || x.dtype !== 'float32') && stock) return stock(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, a.strides, a.dilations,
      a.pad, a.dimRoundingMode, false, fmt);
    const be = asBackend(args.backend);
    return outputFrom(be, info.outShape, conv2dForward(view(be, x), view(be, filter), info));
  };
}

export function conv2dBackpropFilterGemmKernel(tf: typeof tfTypes): tfTypes.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const a = (attrs ?? {}) as unknown as tfTypes.Conv2DBackpropFilterAttrs;
    const fmt = dataFormat(tf, attrs);
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, a.filterShape, a.strides, 1, a.pad,
      a.dimRoundingMode, false, fmt);
    const be = asBackend(args.backend);
    const dw = fmt === 'channelsLast'
      ? conv2dFilterGradient(view(be, x), view(be, dy), info)
      : conv2dBackpropFilterValues(view(be, x), view(be, dy), info);
    return outputFrom(be, info.filterShape, dw);
  };
}

export function conv2dBackpropInputKernel(tf: typeof tfTypes, stock?: tfTypes.KernelFunc): tfTypes.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const dy = inputs.dy as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const a = (attrs ?? {}) as unknown as tfTypes.Conv2DBackpropInputAttrs;
    const fmt = dataFormat(tf, attrs);
    if (fmt !== 'channelsLast' && stock) return stock(args);
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as Shape4, a.strides, 1, a.pad,
      a.dimRoundingMode, false, fmt);
    const be = asBackend(args.backend);
    return outputFrom(be, info.inShape, conv2dInputGradient(view(be, dy), view(be, filter), info));
  };
}
