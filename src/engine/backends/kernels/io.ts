/**
 * Reading kernel inputs and making kernel outputs on the two backends we extend (cpu, wasm), behind
 * one small interface so every kernel is written once over plain typed arrays.
 */
import type * as tfTypes from '@tensorflow/tfjs';

export type TensorInfo = tfTypes.TensorInfo;
export type DataType = tfTypes.DataType;
export type Values = Float32Array | Int32Array | Uint8Array;

/** What our kernels need from a backend; both the cpu and the wasm backend have it. */
export interface KernelBackend {
  readSync(dataId: unknown): unknown;
  /** wasm: allocate in its heap; `values` are copied in. (cpu has one too, with other arguments.) */
  makeOutput?(shape: number[], dtype: DataType, memoryOffset?: number | null, values?: Values): TensorInfo;
  /** cpu */
  makeTensorInfo?(shape: number[], dtype: DataType, values?: Values): TensorInfo;
  /** wasm: a view of a tensor's bytes inside its heap (no copy). */
  typedArrayFromHeap?(t: TensorInfo): Values;
  disposeData?(dataId: unknown, force?: boolean): boolean;
}

export function asBackend(b: unknown): KernelBackend {
  if (typeof b !== 'object' || b === null || typeof (b as KernelBackend).readSync !== 'function') {
    throw new Error('Model Studio kernels: the backend has no readSync(); cannot run a custom kernel on it');
  }
  return b as KernelBackend;
}

/** The values of a tensor as a typed array (a copy on wasm, the stored array on cpu: never write to it). */
export function read(backend: KernelBackend, t: TensorInfo): Values {
  const v = backend.readSync(t.dataId);
  if (v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array) return v;
  throw new Error(`Model Studio kernels: tensor of dtype ${t.dtype} has no numeric values`);
}

export function readF32(backend: KernelBackend, t: TensorInfo): Float32Array {
  const v = read(backend, t);
  return v instanceof Float32Array ? v : new Float32Array(v);
}

/** A new tensor holding `values` (already computed in our own memory). */
export function output(backend: KernelBackend, shape: number[], dtype: DataType, values: Values): TensorInfo {
  // cpu also has a makeOutput, with another signature (values first): prefer makeTensorInfo.
  if (backend.makeTensorInfo) return backend.makeTensorInfo(shape, dtype, values);
  if (backend.makeOutput) return backend.makeOutput(shape, dtype, null, values);
  throw new Error('Model Studio kernels: the backend can make no output tensor (neither makeOutput nor makeTensorInfo)');
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The float32 values of a tensor without copying where the backend allows (wasm: a view of its heap,
 * valid only until the backend next allocates; cpu: its stored array). Read it at once; never write to it.
 */
export function view(backend: KernelBackend, t: TensorInfo): Float32Array {
  if (t.dtype === 'float32' && backend.typedArrayFromHeap) {
    const v = backend.typedArrayFromHeap(t);
    if (v instanceof Float32Array) return v;
  }
  return readF32(backend, t);
}

/**
 * A new uninitialised tensor in the backend's own memory, to be filled through `peek` (wasm), or
 * undefined where the backend has no such memory (cpu: build the values, then `output`).
 */
export function blankOutput(backend: KernelBackend, shape: number[], dtype: DataType): TensorInfo | undefined {
  if (backend.makeTensorInfo || !backend.makeOutput || !backend.typedArrayFromHeap) return undefined;
  return backend.makeOutput(shape, dtype);
}

/** A new float32 tensor with a copy of `values` (which may be a view of our own scratch memory). */
export function outputFrom(backend: KernelBackend, shape: number[], values: Float32Array): TensorInfo {
  if (backend.makeTensorInfo) return backend.makeTensorInfo(shape, 'float32', values.slice());
  if (backend.makeOutput && backend.typedArrayFromHeap) {
    const out = backend.makeOutput(shape, 'float32');
    (backend.typedArrayFromHeap(out) as Float32Array).set(values);
    return out;
  }
  return output(backend, shape, 'float32', values.slice());
}

/**
 * Any numeric tensor's values without a copy where the backend allows (see `view`): valid only until
 * the backend next allocates, so read everything before making outputs. Never write to it.
 */
export function peek(backend: KernelBackend, t: TensorInfo): Values {
  if ((t.dtype === 'float32' || t.dtype === 'int32') && backend.typedArrayFromHeap) return backend.typedArrayFromHeap(t);
  return read(backend, t);
}

/** Largest |a−b| relative to the largest |b|; Infinity when the lengths differ or a value is NaN. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}
