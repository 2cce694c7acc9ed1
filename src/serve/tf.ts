/**
 * TensorFlow.js for the server. The server (and the exported standalone bundle) depends only on
 * `@tensorflow/tfjs` and `@tensorflow/tfjs-backend-wasm`, so it loads TF.js itself: wasm by
 * default (fastest embedded backend), cpu as the fallback. Other backends are resolved by the
 * caller (the CLI passes the engine's loader) and handed in as `BackendLoader`.
 */
import type * as tfTypes from '@tensorflow/tfjs';

export type Tf = typeof tfTypes;

export interface LoadedTf {
  tf: Tf;
  /** the backend that runs, as TF.js names it */
  backend: string;
}

/** Something that can set up a named backend (e.g. the engine's `selectBackend`). */
export type BackendLoader = (name: string) => Promise<LoadedTf>;

let cached: Promise<LoadedTf> | null = null;

/** wasm (or cpu when asked or when wasm fails to load); called once per process. */
export function loadTf(name: 'wasm' | 'cpu' | 'auto' = 'auto'): Promise<LoadedTf> {
  if (!cached) cached = init(name);
  return cached;
}

async function init(name: 'wasm' | 'cpu' | 'auto'): Promise<LoadedTf> {
  const tf = require('@tensorflow/tfjs') as Tf;
  if (name !== 'cpu') {
    // Initialising wasm installs process-wide handlers that re-throw (notes/tfjs-backends.md):
    // remove the ones it adds so a stray rejection elsewhere cannot kill the server.
    const before = { ex: process.listeners('uncaughtException'), rej: process.listeners('unhandledRejection') };
    try {
      require('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, backend: 'wasm' };
      }
      if (name === 'wasm') throw new Error('the wasm backend did not initialise');
    } catch (err) {
      if (name === 'wasm') throw new Error(`cannot load the wasm backend (@tensorflow/tfjs-backend-wasm): ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      for (const l of process.listeners('uncaughtException')) if (!before.ex.includes(l)) process.removeListener('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection')) if (!before.rej.includes(l)) process.removeListener('unhandledRejection', l);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu' };
}
