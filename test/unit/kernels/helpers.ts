/** Shared by the kernel tests: TF.js with the cpu and wasm backends loaded once, and seeded random data. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };

let wasmReady: Promise<void> | undefined;

/** Initialises wasm once, removing the process handlers it installs (see notes/tfjs-backends.md). */
export function initWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const before = {
      ue: process.listeners('uncaughtException'),
      ur: process.listeners('unhandledRejection'),
    };
    const prev = tf.getBackend();
    await tf.setBackend('wasm');
    for (const l of process.listeners('uncaughtException')) if (!before.ue.includes(l)) process.off('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.ur.includes(l)) process.off('unhandledRejection', l);
    if (prev) await tf.setBackend(prev);
  })();
  return wasmReady;
}

/** mulberry32: a small seeded generator so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(n: number, r: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Largest |a−b| relative to the largest |b| (a scale-aware error for sums of many terms). */
export { relativeError as relError } from '../../../src/engine/backends/kernels/io';
