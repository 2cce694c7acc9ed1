/**
 * A fused Adam update: the stock optimizer runs ~13 element-wise kernels per variable per step (each
 * a full pass and a kernel dispatch); this runs one pass. The kernel `ModelStudioAdam` takes the
 * variable, both moments and the gradient and returns the three new tensors; `AdamOptimizer`'s
 * applyGradients is patched to use it on backends where it is registered, and is left as it was elsewhere.
 * Same formula as tfjs-core's adam_optimizer.ts, in float32 SIMD (native/gemm/gemm.c).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { Arena } from './gemm';
import { asBackend, relativeError, type KernelBackend, type TensorInfo } from './io';

export const ADAM_KERNEL = 'ModelStudioAdam';

function newFloat(be: KernelBackend, shape: number[], n: number): { info: TensorInfo; values: Float32Array } {
  if (be.makeOutput && be.typedArrayFromHeap) {
    const info = be.makeOutput(shape, 'float32');
    return { info, values: new Float32Array(0) }; // filled through the heap view once all are allocated
  }
  const values = new Float32Array(n);
  if (!be.makeTensorInfo) throw new Error('Model Studio Adam: the backend can make no output tensor');
  return { info: be.makeTensorInfo(shape, 'float32', values), values };
}

export function adamKernel(): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const value = inputs.value as TensorInfo;
    const n = value.shape.reduce((p, q) => p * q, 1);
    const outs = [newFloat(be, value.shape, n), newFloat(be, value.shape, n), newFloat(be, value.shape, n)];
    // Views last: on wasm, allocating may grow the heap and detach earlier views.
    const heapView = (t: TensorInfo) => (be.typedArrayFromHeap ? be.typedArrayFromHeap(t) : be.readSync(t.dataId)) as Float32Array;
    const [w, m, v, g] = [value, inputs.m as TensorInfo, inputs.v as TensorInfo, inputs.grad as TensorInfo].map(heapView);
    const [ow, om, ov] = outs.map((o) => (o.values.length ? o.values : heapView(o.info)));
    const a = attrs ?? {};
    // In the GEMM module (SIMD): copy in, update in place, copy out. Float32 throughout, like stock.
    const ar = new Arena();
    const wo = ar.put(w), mo = ar.put(m), vo = ar.put(v), go = ar.put(g);
    ar.run(8 * n, (g) => g.adam(wo, mo, vo, go, n, Number(a.beta1), Number(a.beta2), Number(a.epsilon), Number(a.learningRate),
      Number(a.oneMinusAccBeta1), Number(a.oneMinusAccBeta2)));
    ow.set(ar.view(wo, n));
    om.set(ar.view(mo, n));
    ov.set(ar.view(vo, n));
    return outs.map((o) => o.info);
  };
}

interface AdamLike {
  learningRate: number; beta1: number; beta2: number; epsilon: number;
  accBeta1: tfTypes.Variable; accBeta2: tfTypes.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tfTypes.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tfTypes.Variable } | undefined>;
  incrementIterations(): void;
}
type Grads = tfTypes.NamedTensorMap | Array<{ name: string; tensor: tfTypes.Tensor }>;

type ApplyGradients = (this: AdamLike, g: Grads) => void;
/** The stock applyGradients of each AdamOptimizer class we patched (one per loaded copy of tfjs). */
const originals = new WeakMap<object, ApplyGradients>();
/** Cleared when the start-up self-check finds the patch unsafe with this TF.js: stock Adam runs then. */
const healthy = new WeakMap<object, boolean>();

interface InPlaceBackend { refCount?(dataId: unknown): number; typedArrayFromHeap?(t: tfTypes.TensorInfo): unknown }

/** Views of w, m, v and g in the backend's own memory when the update may overwrite w, m and v there. */
function inPlaceViews(tf: typeof tfTypes, tensors: tfTypes.Tensor[]): Float32Array[] | undefined {
  const be = tf.backend() as unknown as InPlaceBackend;
  if (typeof be.refCount !== 'function' || typeof be.typedArrayFromHeap !== 'function') return undefined;
  // A tensor that shares its data (a clone kept by early stopping or a checkpoint) must keep the old values.
  for (const t of tensors.slice(0, 3)) if (be.refCount((t as unknown as { dataId: unknown }).dataId) !== 1) return undefined;
  const views = tensors.map((t) => be.typedArrayFromHeap!(t as unknown as tfTypes.TensorInfo));
  return views.every((v) => v instanceof Float32Array) ? (views as Float32Array[]) : undefined;
}

/**
 * The Adam step written straight into the variables' memory: no kernel dispatch, no copies, no new
 * tensors (the out-of-place kernel copies 7 arrays). Same formula and operation order as tfjs-core.
 */
function adamInPlace(w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, a: Record<string, number>, fault: boolean): void {
  const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr, oneMinusAccBeta1: c1, oneMinusAccBeta2: c2 } = a;
  const g1 = 1 - b1, g2 = 1 - b2;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = Math.fround(Math.fround(m[i] * b1) + Math.fround(gi * g1));
    const vi = Math.fround(Math.fround(v[i] * b2) + Math.fround(Math.fround(gi * gi) * g2));
    m[i] = mi;
    v[i] = vi;
    w[i] -= lr * ((mi / c1) / (Math.sqrt(vi / c2) + eps));
  }
  if (fault && w.length > 0) w[0] += 1; // MODEL_STUDIO_KERNEL_FAULT (tests of the self-check)
}

/**
 * Routes AdamOptimizer.applyGradients through our update whenever the active backend has ADAM_KERNEL:
 * in place where the variables' memory is ours alone, else through the kernel. `fault` simulates a
 * broken update (tests).
 */
export function patchAdam(tf: typeof tfTypes, enabled: () => boolean, fault: () => boolean = () => false): void {
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients };
  if (originals.has(proto)) return;
  const original = proto.applyGradients;
  originals.set(proto, original);
  healthy.set(proto, true);
  proto.applyGradients = function (this: AdamLike, grads: Grads): void {
    if (!enabled() || !healthy.get(proto) || !tf.getKernel(ADAM_KERNEL, tf.getBackend())) return original.call(this, grads);
    const names = Array.isArray(grads) ? grads.map((v) => v.name) : Object.keys(grads);
    const engine = tf.engine() as unknown as { registeredVariables: Record<string, tfTypes.Variable> };
    const accBeta1 = this.accBeta1.dataSync()[0];
    const accBeta2 = this.accBeta2.dataSync()[0];
    const attrs = {
      beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, learningRate: this.learningRate,
      oneMinusAccBeta1: Math.fround(1 - accBeta1), oneMinusAccBeta2: Math.fround(1 - accBeta2),
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = engine.registeredVariables[name];
        this.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        this.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(grads) ? grads[i].tensor : grads[name];
        if (gradient == null) return;
        const m = this.accumulatedFirstMoment[i]!.variable;
        const v = this.accumulatedSecondMoment[i]!.variable;
        if (value.dtype !== 'float32' || gradient.dtype !== 'float32') return; // as stock: only float variables train
        const views = value.size === gradient.size ? inPlaceViews(tf, [value, m, v, gradient]) : undefined;
        if (views) {
          adamInPlace(views[0], views[1], views[2], views[3], attrs, fault());
          return;
        }
        const [nw, nm, nv] = tf.engine().runKernel(ADAM_KERNEL, { value, m, v, grad: gradient },
          attrs as unknown as tfTypes.NamedAttrMap) as tfTypes.Tensor[];
        m.assign(nm);
        v.assign(nv);
        value.assign(nw);
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
    this.incrementIterations();
  };
}

const ADAM_FIELDS = ['accBeta1', 'accBeta2', 'accumulatedFirstMoment', 'accumulatedSecondMoment', 'learningRate', 'beta1', 'beta2', 'epsilon'];

/**
 * The start-up self-check of the Adam patch on the active backend: the internals it uses are there,
 * a few steps on a tiny variable give the stock result, and the optimizer's state survives
 * getWeights()/setWeights() (resumable runs save and restore it that way). Returns what is wrong, or
 * null. On a problem the patch is switched off for this TF.js, so stock Adam runs.
 */
export async function checkAdamPatch(tf: typeof tfTypes): Promise<string | null> {
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients };
  const original = originals.get(proto);
  const fail = (why: string) => { healthy.set(proto, false); return `Adam optimizer patch: ${why}`; };
  if (!original) return fail('not installed');
  const engine = tf.engine() as unknown as { registeredVariables?: unknown };
  if (typeof engine.registeredVariables !== 'object' || engine.registeredVariables === null) return fail('tf.engine().registeredVariables is missing');
  const missing: string[] = [];
  try {
    const probe = tf.train.adam(0.1) as unknown as Record<string, unknown>;
    missing.push(...ADAM_FIELDS.filter((k) => probe[k] === undefined));
    if (typeof probe.incrementIterations !== 'function') missing.push('incrementIterations()');
    for (const k of ['accBeta1', 'accBeta2']) (probe[k] as tfTypes.Variable | undefined)?.dispose();
  } catch (err) {
    return fail(`an AdamOptimizer cannot be made: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (missing.length) return fail(`this TF.js's AdamOptimizer has no ${missing.join(', ')}`);
  healthy.set(proto, true); // a check after an earlier failure (faults are simulated in tests) starts afresh

  const w0 = [0.5, -1.25, 2, 0.03, -0.7, 1.1, -0.2];
  const grads = [[0.3, -0.1, 0.7, 2.5, -0.02, 0.9, -1.3], [-0.4, 0.2, 0.1, -1.5, 0.05, 0.3, 0.8], [0.1, 0.1, -0.6, 0.4, -0.3, -0.9, 0.2]];
  /**
   * Steps with the stock or the patched update on two variables: one whose memory is its own (updated in
   * place) and one sharing its memory with a kept tensor (updated out of place by the kernel); the last
   * step on a fresh optimizer restored with setWeights.
   */
  const run = async (patched: boolean): Promise<number[]> => {
    const apply = (opt: tfTypes.AdamOptimizer, g: Array<{ name: string; tensor: tfTypes.Tensor }>) =>
      patched ? opt.applyGradients(g) : original.call(opt as unknown as AdamLike, g);
    const kept = tf.tensor1d(w0);
    const shared = tf.variable(kept, true);
    const alone = tf.tidy(() => tf.variable(tf.tensor1d(w0.map((x) => -x)), true));
    const step = (opt: tfTypes.AdamOptimizer, g: number[]) => tf.tidy(() => apply(opt, [
      { name: alone.name, tensor: tf.tensor1d(g) }, { name: shared.name, tensor: tf.tensor1d(g.map((x) => x * 0.5)) },
    ]));
    const opt = tf.train.adam(0.05, 0.8, 0.95, 1e-6);
    let restored: tfTypes.AdamOptimizer | undefined;
    try {
      for (const g of grads.slice(0, 2)) step(opt, g);
      const saved = await opt.getWeights();
      restored = tf.train.adam(0.05, 0.8, 0.95, 1e-6);
      const copies = saved.map((s) => ({ name: s.name, tensor: s.tensor.clone() }));
      await restored.setWeights(copies);
      tf.dispose(copies.map((c) => c.tensor));
      step(restored, grads[2]);
      const state = await restored.getWeights();
      return [...(await alone.data()), ...(await shared.data()), ...(await kept.data()),
        ...(await Promise.all(state.map(async (s) => [...(await s.tensor.data())]))).flat()];
    } finally {
      tf.dispose([kept, shared, alone]);
      opt.dispose();
      restored?.dispose();
    }
  };
  try {
    const stock = await run(false);
    const ours = await run(true);
    const err = relativeError(ours, stock);
    if (!(err <= 1e-4)) return fail(`differs from stock Adam on a tiny case (relative error ${err.toExponential(2)})`);
  } catch (err) {
    return fail(`failed on a tiny case: ${err instanceof Error ? err.message : String(err)}`);
  }
  return null;
}
