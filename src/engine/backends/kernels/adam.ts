/**
 * A fused Adam update: the stock optimizer runs ~13 element-wise kernels per variable per step (each
 * a full pass and a kernel dispatch); this runs one pass. The kernel `ModelStudioAdam` takes the
 * variable, both moments and the gradient and returns the three new tensors; `AdamOptimizer`'s
 * applyGradients is patched to use it on backends where it is registered, and is left as it was elsewhere.
 * Same formula as tfjs-core's adam_optimizer.ts, in float32 SIMD (native/gemm/gemm.c).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { Arena } from './gemm';
import { asBackend, type KernelBackend, type TensorInfo } from './io';

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
    ar.g.adam(wo, mo, vo, go, n, Number(a.beta1), Number(a.beta2), Number(a.epsilon), Number(a.learningRate),
      Number(a.oneMinusAccBeta1), Number(a.oneMinusAccBeta2));
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

const patched = new WeakSet<object>();

/** Routes AdamOptimizer.applyGradients through ADAM_KERNEL whenever the active backend has it. */
export function patchAdam(tf: typeof tfTypes, enabled: () => boolean): void {
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients(g: Grads): void };
  if (patched.has(proto)) return;
  patched.add(proto);
  const original = proto.applyGradients;
  proto.applyGradients = function (this: AdamLike, grads: Grads): void {
    if (!enabled() || !tf.getKernel(ADAM_KERNEL, tf.getBackend())) return original.call(this, grads);
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
