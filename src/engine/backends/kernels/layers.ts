/**
 * Patching a tfjs-layers layer class so that its `call` runs our fused kernels, safely. Every patch is
 * off until its self-check passes: the check runs the first time a layer of that class is built (model
 * construction, outside any gradient tape), comparing tiny layers' outputs and gradients (input and
 * every weight) with the stock layer's. While a check computes the stock side, every patch is off
 * (`stockMode`), so "stock" means stock through and through.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { relativeError } from './io';

type Call = (this: unknown, inputs: unknown, kwargs: Record<string, unknown> | undefined) => unknown;
interface LayerProto { call: Call; build(shape: unknown): void }

export interface LayerPatch<L> {
  /** the name reports use: our forward kernel's */
  kernel: string;
  /** a fresh layer of the class to patch (its prototype is patched; its fields are checked) */
  probe(tf: typeof tfTypes): object;
  /** fields of the layer the fast path reads (a TF.js upgrade that renames one switches the patch off) */
  fields: string[];
  /** the fast path's result, or undefined to run the stock call for these inputs */
  fast(tf: typeof tfTypes, layer: L, inputs: unknown, kwargs: Record<string, unknown> | undefined): tfTypes.Tensor | tfTypes.Tensor[] | undefined;
  /** tiny layers and input shapes whose outputs and gradients must match the stock ones */
  cases(tf: typeof tfTypes): Array<{ layer: tfTypes.layers.Layer; shape: number[] }>;
}

interface State { original: Call; healthy: boolean }
const states = new WeakMap<object, State>();
let stockMode = false;

/** Runs `f` with every layer patch off (the stock side of a self-check). */
export function inStockMode<T>(f: () => T): T {
  const before = stockMode;
  stockMode = true;
  try {
    return f();
  } finally {
    stockMode = before;
  }
}

export function isStockMode(): boolean {
  return stockMode;
}

const protoOf = <L>(tf: typeof tfTypes, patch: LayerPatch<L>) => Object.getPrototypeOf(patch.probe(tf)) as LayerProto;

/** Patches the class's call (off until checked) and build (which calls `onBuild` after the stock build). */
export function installLayerPatch<L>(tf: typeof tfTypes, patch: LayerPatch<L>, enabled: () => boolean, onBuild: () => void): void {
  const proto = protoOf(tf, patch);
  if (states.has(proto)) return;
  const state: State = { original: proto.call, healthy: false };
  states.set(proto, state);
  const build = proto.build;
  proto.build = function (this: unknown, shape: unknown): void {
    build.call(this, shape);
    onBuild();
  };
  proto.call = function (this: unknown, inputs: unknown, kwargs: Record<string, unknown> | undefined): unknown {
    if (state.healthy && !stockMode && enabled() && tf.getKernel(patch.kernel, tf.getBackend())) {
      const out = patch.fast(tf, this as L, inputs, kwargs);
      if (out !== undefined) return out;
    }
    return state.original.call(this, inputs, kwargs);
  };
}

/** Switches the patch off until its check passes again (a fresh install of the kernels). */
export function resetLayerPatch<L>(tf: typeof tfTypes, patch: LayerPatch<L>): void {
  const state = states.get(protoOf(tf, patch));
  if (state) state.healthy = false;
}

/** Loss = Σ_k <out_k, fixed weights>; returns it and its gradients for the input and every trainable weight. */
export function outputsAndGrads(tf: typeof tfTypes, layer: tfTypes.layers.Layer, shape: number[], input?: ArrayLike<number>, seed = 0.37): number[] {
  const wave = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * k + seed));
  const x = tf.variable(tf.tensor(input ? Array.from(input) : wave(shape.reduce((p, q) => p * q, 1), 1.7), shape));
  try {
    tf.tidy(() => layer.apply(x) as tfTypes.Tensor); // builds the layer
    return tf.tidy(() => {
      const loss = () => {
        const out = layer.apply(x) as tfTypes.Tensor | tfTypes.Tensor[];
        const parts = Array.isArray(out) ? out : [out];
        return parts.reduce((acc: tfTypes.Scalar, p, k) => tf.add(acc, tf.sum(tf.mul(p, tf.tensor(wave(p.size, 0.7 + k), p.shape)))) as tfTypes.Scalar, tf.scalar(0));
      };
      const vars = [x, ...layer.trainableWeights.map((w) => w.read() as tfTypes.Variable)];
      const { value, grads } = tf.variableGrads(loss, vars);
      return [value.dataSync()[0], ...vars.flatMap((v) => [...grads[v.name].dataSync()])];
    });
  } finally {
    x.dispose();
  }
}

/**
 * The patch's self-check: the internals it reads are there, and its cases give the stock outputs and
 * gradients to 1e-4. Returns what is wrong, or null; the patch is on only after a pass.
 */
export function checkLayerPatch<L>(tf: typeof tfTypes, patch: LayerPatch<L>, label: string): string | null {
  const proto = protoOf(tf, patch);
  const state = states.get(proto);
  if (!state) return `${label}: not installed`;
  state.healthy = false;
  const fail = (why: string) => `${label}: ${why}`;
  const probe = patch.probe(tf) as Record<string, unknown>;
  const missing = patch.fields.filter((k) => !(k in probe));
  if (missing.length) return fail(`this TF.js's layer has no ${missing.join(', ')}`);
  try {
    state.healthy = true;
    for (const c of patch.cases(tf)) {
      const stock = inStockMode(() => outputsAndGrads(tf, c.layer, c.shape));
      const ours = outputsAndGrads(tf, c.layer, c.shape);
      c.layer.dispose();
      const err = relativeError(ours, stock);
      if (!(err <= 1e-4)) {
        state.healthy = false;
        return fail(`differs from the stock layer on a tiny case (relative error ${err.toExponential(2)})`);
      }
    }
  } catch (err) {
    state.healthy = false;
    return fail(`failed on a tiny case: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  return null;
}
