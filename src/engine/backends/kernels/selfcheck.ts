/**
 * The start-up self-check of our kernels: each one we registered runs one tiny case (cases.ts) and
 * must agree with TF.js's own kernel (the stock cpu kernel, the reference backend, or the stock kernel
 * of the same backend) to a relative error of 1e-4. A kernel that throws or disagrees is reported so
 * the caller puts the stock kernel back: a TF.js upgrade then costs speed, never correctness.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { KERNEL_CASES, type KernelCase } from './cases';
import { asBackend, output, read, relativeError, type KernelBackend, type TensorInfo } from './io';
import { createRng } from '../../train/rng';

export const SELF_CHECK_TOLERANCE = 1e-4;

interface Outputs { shapes: number[][]; values: number[][] }

/** Runs a kernel function directly on a backend with fresh copies of the case's inputs. */
export function runKernelFunc(kernelFunc: tfTypes.KernelFunc, backend: KernelBackend, c: KernelCase): Outputs {
  const inputs: Record<string, TensorInfo> = {};
  for (const [k, v] of Object.entries(c.inputs)) inputs[k] = output(backend, v.shape, v.dtype, v.values.slice());
  try {
    const out = kernelFunc({ inputs, backend: backend as unknown as tfTypes.KernelBackend, attrs: c.attrs as tfTypes.NamedAttrMap });
    const list = Array.isArray(out) ? out : [out];
    const result = { shapes: list.map((t) => [...t.shape]), values: list.map((t) => [...read(backend, t)]) };
    for (const t of list) backend.disposeData?.(t.dataId);
    return result;
  } finally {
    for (const t of Object.values(inputs)) backend.disposeData?.(t.dataId);
  }
}

/** What is wrong with `ours` next to `reference`, or null when they agree. */
export function compareOutputs(ours: Outputs, reference: Outputs): string | null {
  if (ours.shapes.length !== reference.shapes.length) return `${ours.shapes.length} outputs where stock gives ${reference.shapes.length}`;
  for (let i = 0; i < ours.shapes.length; i++) {
    if (ours.shapes[i].join() !== reference.shapes[i].join()) return `output ${i} has shape [${ours.shapes[i]}], stock [${reference.shapes[i]}]`;
    const err = relativeError(ours.values[i], reference.values[i]);
    if (!(err <= SELF_CHECK_TOLERANCE)) return `output ${i} differs from stock (relative error ${err.toExponential(2)})`;
  }
  return null;
}

export interface Reference { kernelFunc: tfTypes.KernelFunc; backend: KernelBackend }

/**
 * One tiny case of `kernelName` through our kernel function and the reference. Returns what went
 * wrong, or null; kernels without a case (our own fused kernels) are checked through their patches.
 */
export function checkKernel(kernelName: string, ours: tfTypes.KernelFunc, backend: unknown, reference: Reference | undefined): string | null {
  const make = KERNEL_CASES[kernelName];
  if (!make || !reference) return null;
  const c = make(createRng(17), true);
  try {
    const got = runKernelFunc(ours, asBackend(backend), c);
    const want = runKernelFunc(reference.kernelFunc, reference.backend, c);
    const problem = compareOutputs(got, want);
    return problem && `${problem} on ${c.label}`;
  } catch (err) {
    return `failed on ${c.label}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
}
