/**
 * Unpack and GatherV2 as plain typed-array copies. The recurrent layers unstack their input into one
 * tensor per time step (the stock wasm Unpack takes ~1.3 ms per step of a 64×64 slice), and
 * `embedding` gathers rows (stock: ~30 ms for 6400 rows of 64).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { asBackend, blankOutput, output, peek, sizeOf, type TensorInfo } from './io';

export function unpackKernel(_tf: typeof tfTypes, stock?: tfTypes.KernelFunc): tfTypes.KernelFunc {
  return (args) => {
    const value = args.inputs.value as TensorInfo;
    if (value.dtype === 'string' || value.dtype === 'complex64') {
      if (stock) return stock(args);
      throw new Error(`Model Studio Unpack: dtype ${value.dtype} unsupported`);
    }
    const be = asBackend(args.backend);
    const rank = value.shape.length;
    const axis = ((Number(args.attrs?.axis ?? 0) % rank) + rank) % rank;
    const n = value.shape[axis];
    const outer = sizeOf(value.shape.slice(0, axis));
    const inner = sizeOf(value.shape.slice(axis + 1));
    const outShape = value.shape.filter((_, i) => i !== axis);
    const src = peek(be, value);
    const parts: Array<Float32Array | Int32Array | Uint8Array> = [];
    for (let k = 0; k < n; k++) {
      const dst = new (src.constructor as Float32ArrayConstructor)(outer * inner);
      for (let o = 0; o < outer; o++) dst.set(src.subarray((o * n + k) * inner, (o * n + k + 1) * inner), o * inner);
      parts.push(dst);
    }
    // Outputs only now: allocating may move the backend's memory under `src`.
    return parts.map((dst) => output(be, outShape, value.dtype, dst));
  };
}

export function gatherV2Kernel(_tf: typeof tfTypes, stock?: tfTypes.KernelFunc): tfTypes.KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const indices = args.inputs.indices as TensorInfo;
    const axisAttr = Number(args.attrs?.axis ?? 0);
    const batchDims = Number(args.attrs?.batchDims ?? 0);
    const axis = axisAttr < 0 ? axisAttr + x.shape.length : axisAttr;
    // The embedding case: rows of x by int32 ids. Everything else (and bad ids: stock's error) goes to stock.
    if (axis !== 0 || batchDims !== 0 || indices.dtype !== 'int32' || x.dtype === 'string' || x.dtype === 'complex64') {
      if (stock) return stock(args);
      throw new Error('Model Studio GatherV2: only axis 0 with int32 indices is supported');
    }
    const be = asBackend(args.backend);
    const ids = peek(be, indices);
    const rows = x.shape[0];
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= rows) {
        if (stock) return stock(args);
        throw new Error(`GatherV2: index ${ids[i]} is not in [0, ${rows - 1}]`);
      }
    }
    const row = sizeOf(x.shape.slice(1));
    const outShape = [...indices.shape, ...x.shape.slice(1)];
    // The output first, then views (allocating may move the backend's memory): rows copied straight in.
    const out = x.dtype === 'float32' || x.dtype === 'int32' ? blankOutput(be, outShape, x.dtype) : undefined;
    if (!out) {
      const src = peek(be, x);
      const dst = new (src.constructor as Float32ArrayConstructor)(ids.length * row);
      for (let i = 0; i < ids.length; i++) dst.set(src.subarray(ids[i] * row, ids[i] * row + row), i * row);
      return output(be, outShape, x.dtype, dst);
    }
    const src = peek(be, x);
    const at = peek(be, indices);
    const dst = peek(be, out);
    for (let i = 0; i < at.length; i++) dst.set(src.subarray(at[i] * row, at[i] * row + row), i * row);
    return out;
  };
}
