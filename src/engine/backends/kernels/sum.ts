/**
 * Sum over leading or trailing axes (float32), in the GEMM module. The stock wasm Sum reduces the
 * last axis only and transposes first otherwise: the bias gradient of a conv layer (sum over batch,
 * rows and columns of a 64×26×26×16 tensor) took ~2.5 ms. Other axis sets go to the stock kernel.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { Arena } from './gemm';
import { asBackend, outputFrom, sizeOf, view, type TensorInfo } from './io';

export function sumKernel(_tf: typeof tfTypes, stock?: tfTypes.KernelFunc): tfTypes.KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const rank = x.shape.length;
    const raw = args.attrs?.axis;
    // No axis means every axis (tf.sum(x)).
    const list = raw == null ? x.shape.map((_, i) => i) : Array.isArray(raw) ? raw : [raw];
    const axes = [...new Set(list.map((a) => ((Number(a) % rank) + rank) % rank))].sort((p, q) => p - q);
    const leading = axes.every((a, i) => a === i);
    const trailing = axes.every((a, i) => a === rank - axes.length + i);
    if (x.dtype !== 'float32' || rank === 0 || axes.length === 0 || (!leading && !trailing)) {
      if (stock) return stock(args);
      throw new Error('Model Studio Sum: unsupported case');
    }
    const split = leading ? axes.length : rank - axes.length;
    const outer = sizeOf(x.shape.slice(0, split));
    const inner = sizeOf(x.shape.slice(split));
    const keep = Boolean(args.attrs?.keepDims);
    const outShape = x.shape.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d]));
    const be = asBackend(args.backend);
    const ar = new Arena();
    const xo = ar.put(view(be, x));
    const n = leading ? inner : outer;
    const out = ar.alloc(n);
    ar.run(outer * inner, (g) => (leading ? g.col_sum(xo, outer, inner, out) : g.row_sum(xo, outer, inner, out)));
    return outputFrom(be, outShape, ar.view(out, n));
  };
}
