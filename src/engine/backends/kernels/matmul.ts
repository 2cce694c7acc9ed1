/**
 * BatchMatMul and _FusedMatMul on the GEMM: the wasm backend's own matmul runs at ~0.4 GFLOP/s with
 * a transposed operand (every gradient of a dense layer), ours packs operands so transposes are free.
 * Cases we do not cover (non-float, general batch broadcasting, other activations) go to the stock kernel.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { gemm, ACTIVATIONS, type GemmActivation } from './gemm';
import { asBackend, outputFrom, sizeOf, view, type TensorInfo } from './io';

interface Plan { M: number; N: number; K: number; batchA: number; batchB: number; outShape: number[] }

/** Shapes of a (possibly batched) matmul, or undefined when the batch dims broadcast in a way we skip. */
export function planMatMul(aShape: number[], bShape: number[], transA: boolean, transB: boolean): Plan | undefined {
  if (aShape.length < 2 || bShape.length < 2) return undefined;
  const ra = aShape.length;
  const rb = bShape.length;
  const M = transA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transA ? aShape[ra - 2] : aShape[ra - 1];
  const K2 = transB ? bShape[rb - 1] : bShape[rb - 2];
  const N = transB ? bShape[rb - 2] : bShape[rb - 1];
  if (K !== K2) return undefined;
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  let outer: number[];
  if (batchA === batchB && (outerA.length === outerB.length || batchA === 1)) outer = outerA.length >= outerB.length ? outerA : outerB;
  else if (batchA === 1) outer = outerB.length >= outerA.length ? outerB : [...outerA.slice(0, outerA.length - outerB.length), ...outerB];
  else if (batchB === 1) outer = outerA.length >= outerB.length ? outerA : [...outerB.slice(0, outerB.length - outerA.length), ...outerA];
  else return undefined;
  if (outerA.length === outerB.length && batchA === batchB && outerA.some((d, i) => d !== outerB[i])) return undefined;
  return { M, N, K, batchA, batchB, outShape: [...outer, M, N] };
}

export function matMulKernel(_tf: typeof tfTypes, stock?: tfTypes.KernelFunc): tfTypes.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const transA = Boolean(attrs?.transposeA);
    const transB = Boolean(attrs?.transposeB);
    const plan = a.dtype === 'float32' && b.dtype === 'float32' ? planMatMul(a.shape, b.shape, transA, transB) : undefined;
    if (!plan) {
      if (stock) return stock(args);
      throw new Error(`Model Studio matmul: unsupported shapes ${JSON.stringify(a.shape)}·${JSON.stringify(b.shape)}`);
    }
    const be = asBackend(args.backend);
    const c = gemm({ ...plan, a: view(be, a), transA, b: view(be, b), transB });
    return outputFrom(be, plan.outShape, c);
  };
}

export function fusedMatMulKernel(_tf: typeof tfTypes, stock?: tfTypes.KernelFunc): tfTypes.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const bias = inputs.bias as TensorInfo | undefined;
    const transA = Boolean(attrs?.transposeA);
    const transB = Boolean(attrs?.transposeB);
    const activation = String(attrs?.activation ?? 'linear');
    let plan = a.dtype === 'float32' && b.dtype === 'float32' && activation in ACTIVATIONS && !inputs.preluActivationWeights
      ? planMatMul(a.shape, b.shape, transA, transB) : undefined;
    // Bias must broadcast along rows only: [N] or [1, N] (anything else: stock).
    if (plan && bias && (bias.dtype !== 'float32' || sizeOf(bias.shape) !== plan.N || bias.shape[bias.shape.length - 1] !== plan.N)) plan = undefined;
    if (!plan) {
      if (stock) return stock(args);
      throw new Error(`Model Studio fused matmul: unsupported case (activation ${activation})`);
    }
    const be = asBackend(args.backend);
    const c = gemm({
      ...plan, a: view(be, a), transA, b: view(be, b), transB,
      bias: bias ? view(be, bias).slice() : undefined, activation: activation as GemmActivation,
    });
    return outputFrom(be, plan.outShape, c);
  };
}
