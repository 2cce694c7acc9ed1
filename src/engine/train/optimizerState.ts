/**
 * An optimiser's state for resumable checkpoints: its slots (Adam's first and second moments,
 * momentum's accumulations, …) and its step count, through the public `getWeights()` /
 * `setWeights()`. Two things those leave out are added so a resumed run is exact, not merely close:
 * Adam's running β₁ᵗ and β₂ᵗ (setWeights recomputes them with pow, which differs from the repeated
 * products in the last bits), and Adamax, whose getWeights/setWeights TF.js does not implement.
 */
import type * as tfTypes from '@tensorflow/tfjs';

type Tf = typeof tfTypes;

export interface SavedTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

export interface OptimizerState {
  /** the optimiser's class (Adam, SGD, …); restoring into another class is refused */
  className: string;
  /** optimisation steps taken */
  iterations: number;
  /** slot variables in getWeights() order (without the iteration count) */
  slots: SavedTensor[];
  /** scalars kept outside getWeights (Adam's accBeta1/accBeta2, Adamax's accBeta1 and iteration) */
  extras: Record<string, number>;
}

interface Slot { originalName: string; variable: tfTypes.Variable }
interface Internals {
  iterations_?: number;
  accBeta1?: tfTypes.Variable;
  accBeta2?: tfTypes.Variable;
  iteration?: tfTypes.Variable;
  accumulatedFirstMoment?: Array<Slot | undefined>;
  accumulatedWeightedInfNorm?: Array<Slot | undefined>;
}

/** A tensor's values copied out (async: a GPU backend's synchronous read needs a canvas Node lacks). */
export async function saveTensor(name: string, t: tfTypes.Tensor): Promise<SavedTensor> {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const data = await t.data();
  const values = dtype === 'int32' ? Int32Array.from(data as ArrayLike<number>) : Float32Array.from(data as ArrayLike<number>);
  return { name, shape: [...t.shape], dtype, values };
}

export const toTensor = (tf: Tf, s: SavedTensor): tfTypes.Tensor => tf.tensor(s.values, s.shape, s.dtype);

const className = (opt: tfTypes.Optimizer): string => opt.getClassName();
const scalarValue = async (v: tfTypes.Variable | undefined): Promise<number | undefined> => (v && !v.isDisposed ? (await v.data())[0] : undefined);
const saveAll = (slots: Array<{ name: string; tensor: tfTypes.Tensor }>) => Promise.all(slots.map((s) => saveTensor(s.name, s.tensor)));

export async function captureOptimizer(opt: tfTypes.Optimizer): Promise<OptimizerState> {
  const o = opt as unknown as Internals;
  const name = className(opt);
  if (name === 'Adamax') {
    const first = (o.accumulatedFirstMoment ?? []).filter((s): s is Slot => !!s);
    const inf = (o.accumulatedWeightedInfNorm ?? []).filter((s): s is Slot => !!s);
    return {
      className: name,
      iterations: o.iterations_ ?? 0,
      slots: await saveAll([...first, ...inf].map((s) => ({ name: s.originalName, tensor: s.variable }))),
      extras: { accBeta1: (await scalarValue(o.accBeta1)) ?? 0, iteration: (await scalarValue(o.iteration)) ?? 0 },
    };
  }
  const weights = await opt.getWeights();
  const [iter, ...slots] = weights;
  const extras: Record<string, number> = {};
  for (const k of ['accBeta1', 'accBeta2'] as const) {
    const v = await scalarValue(o[k]);
    if (v !== undefined) extras[k] = v;
  }
  return {
    className: name,
    iterations: iter ? (await iter.tensor.data())[0] : 0,
    slots: await saveAll(slots),
    extras,
  };
}

export async function restoreOptimizer(tf: Tf, opt: tfTypes.Optimizer, state: OptimizerState): Promise<void> {
  const name = className(opt);
  if (name !== state.className) {
    throw new Error(`the checkpoint holds ${state.className} optimiser state but the model file now uses ${name}; resume needs the same optimiser`);
  }
  const o = opt as unknown as Internals;
  if (name === 'Adamax') {
    const half = state.slots.length / 2;
    const toSlot = (s: SavedTensor): Slot => ({ originalName: s.name, variable: tf.tidy(() => toTensor(tf, s).variable(false)) });
    for (const s of [...(o.accumulatedFirstMoment ?? []), ...(o.accumulatedWeightedInfNorm ?? [])]) s?.variable.dispose();
    o.accumulatedFirstMoment = state.slots.slice(0, half).map(toSlot);
    o.accumulatedWeightedInfNorm = state.slots.slice(half).map(toSlot);
    o.iterations_ = state.iterations;
  } else {
    const tensors = state.slots.map((s) => toTensor(tf, s));
    const iter = tf.scalar(state.iterations, 'int32');
    try {
      await opt.setWeights([{ name: 'iter', tensor: iter }, ...state.slots.map((s, i) => ({ name: s.name, tensor: tensors[i] }))]);
    } finally {
      // setWeights made variables of their own from these
      tf.dispose([iter, ...tensors]);
    }
  }
  for (const [k, v] of Object.entries(state.extras)) {
    const variable = o[k as 'accBeta1' | 'accBeta2' | 'iteration'];
    if (variable && !variable.isDisposed) tf.tidy(() => variable.assign(tf.scalar(v)));
  }
}
