/**
 * A fused LSTM gate step. tfjs-layers' LSTMCell runs ~16 kernels per time step after its two matmuls
 * (split, three hard sigmoids of three ops each, tanh, products) and ~40 for their gradients: with
 * 100 steps, kernel dispatch dominates an LSTM's training step. `ModelStudioLstmGates` does it in one
 * pass, `ModelStudioLstmGatesGrad` its gradient in one more. LSTMCell.call is patched to use them
 * when the active backend has them and the cell is plain (no dropout, tanh / hardSigmoid / sigmoid);
 * otherwise it runs as before. Float32 rounding follows the stock ops so the masks of the hard
 * sigmoid's clip agree to the bit.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { asBackend, output, relativeError, view, type TensorInfo } from './io';
import { isStockMode } from './layers';


export const LSTM_GATES = 'ModelStudioLstmGates';
export const LSTM_GATES_GRAD = 'ModelStudioLstmGatesGrad';

const ACT = { tanh: 0, sigmoid: 1, hardSigmoid: 2 } as const;
type ActName = keyof typeof ACT;
const f = Math.fround;
const POINT2 = f(0.2);

function act(kind: number, x: number): number {
  if (kind === 0) return f(Math.tanh(x));
  if (kind === 1) return f(1 / (1 + Math.exp(-x)));
  const y = f(0.5 + f(POINT2 * x));
  return y < 0 ? 0 : y > 1 ? 1 : y;
}

/** d act(x)/dx, given x and y = act(x), as the stock gradients compute it. */
function dAct(kind: number, x: number, y: number): number {
  if (kind === 0) return 1 - y * y;
  if (kind === 1) return y * (1 - y);
  const pre = f(0.5 + f(POINT2 * x));
  return pre >= 0 && pre <= 1 ? POINT2 : 0;
}

function attrsOf(attrs: tfTypes.NamedAttrMap | undefined): { units: number; ra: number; a: number } {
  return { units: Number(attrs?.units), ra: Number(attrs?.recurrentActivation), a: Number(attrs?.activation) };
}

/** The new cell state, rounded as the stock ops round it. */
function cellOf(fg: number, cPrev: number, i: number, g: number): number {
  return f(f(fg * cPrev) + f(i * g));
}

/** h, c = gates(z[B, 4U], cPrev[B, U]) with z split into i, f, g, o as tfjs-layers does. */
export function lstmGatesKernel(): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const zi = inputs.z as TensorInfo;
    const { units: U, ra, a } = attrsOf(attrs);
    // Views of the backend's memory: everything is read before the outputs are allocated.
    const z = view(be, zi);
    const cp = view(be, inputs.c as TensorInfo);
    const B = zi.shape[0];
    const h = new Float32Array(B * U);
    const c = new Float32Array(B * U);
    // i, f, g, o and act(c) per row, for the gradient (so it needs no transcendental function again).
    const cache = new Float32Array(B * 5 * U);
    for (let b = 0; b < B; b++) {
      const zr = b * 4 * U;
      const cr = b * 5 * U;
      for (let u = 0; u < U; u++) {
        const i = act(ra, z[zr + u]);
        const fg = act(ra, z[zr + U + u]);
        const g = act(a, z[zr + 2 * U + u]);
        const o = act(ra, z[zr + 3 * U + u]);
        const k = b * U + u;
        const cn = f(f(fg * cp[k]) + f(i * g));
        const tc = act(a, cn);
        c[k] = cn;
        h[k] = f(o * tc);
        cache[cr + u] = i; cache[cr + U + u] = fg; cache[cr + 2 * U + u] = g; cache[cr + 3 * U + u] = o; cache[cr + 4 * U + u] = tc;
      }
    }
    return [output(be, [B, U], 'float32', h), output(be, [B, U], 'float32', c), output(be, [B, 5 * U], 'float32', cache)];
  };
}

/** dz[B, 4U], dcPrev[B, U] from dh, dc, the step's inputs and its cache of gate values. */
export function lstmGatesGradKernel(): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const zi = inputs.z as TensorInfo;
    const { units: U, ra, a } = attrsOf(attrs);
    const z = view(be, zi);
    const cp = view(be, inputs.c as TensorInfo);
    const dh = view(be, inputs.dh as TensorInfo);
    const dcIn = view(be, inputs.dc as TensorInfo);
    const cache = view(be, inputs.cache as TensorInfo);
    const B = zi.shape[0];
    const dz = new Float32Array(B * 4 * U);
    const dcp = new Float32Array(B * U);
    for (let b = 0; b < B; b++) {
      const zr = b * 4 * U;
      const cr = b * 5 * U;
      for (let u = 0; u < U; u++) {
        const z0 = z[zr + u], z1 = z[zr + U + u], z2 = z[zr + 2 * U + u], z3 = z[zr + 3 * U + u];
        const i = cache[cr + u], fg = cache[cr + U + u], g = cache[cr + 2 * U + u], o = cache[cr + 3 * U + u];
        const tc = cache[cr + 4 * U + u];
        const k = b * U + u;
        const dc = dcIn[k] + dh[k] * o * (a === ACT.hardSigmoid ? dAct(a, cellOf(fg, cp[k], i, g), tc) : dAct(a, 0, tc));
        dz[zr + u] = dc * g * dAct(ra, z0, i);
        dz[zr + U + u] = dc * cp[k] * dAct(ra, z1, fg);
        dz[zr + 2 * U + u] = dc * i * dAct(a, z2, g);
        dz[zr + 3 * U + u] = dh[k] * tc * dAct(ra, z3, o);
        dcp[k] = dc * fg;
      }
    }
    return [output(be, zi.shape, 'float32', dz), output(be, [B, U], 'float32', dcp)];
  };
}

interface CellLike {
  units: number; dropout: number; recurrentDropout: number; useBias: boolean;
  activation: { getClassName(): string }; recurrentActivation: { getClassName(): string };
  kernel: { read(): tfTypes.Tensor }; recurrentKernel: { read(): tfTypes.Tensor }; bias: { read(): tfTypes.Tensor } | null;
}

type Call = (this: CellLike, inputs: unknown, kwargs: unknown) => unknown;
/** LSTMCell's stock call per loaded copy of tfjs-layers, and whether the self-check passed. */
const originals = new WeakMap<object, Call>();
const healthy = new WeakMap<object, boolean>();

const cellProto = (tf: typeof tfTypes) => Object.getPrototypeOf(tf.layers.lstmCell({ units: 1 })) as { call: Call };

/** Registers the gradient of LSTM_GATES and routes plain LSTMCells through it where the backend has the kernels. */
export function patchLstm(tf: typeof tfTypes, enabled: () => boolean): void {
  const proto = cellProto(tf);
  if (originals.has(proto)) return;
  originals.set(proto, proto.call);
  healthy.set(proto, false); // off until checkLstmPatch passes (the first time an LSTM layer is built)
  if (!tf.getGradient(LSTM_GATES)) {
    tf.registerGradient({
      kernelName: LSTM_GATES,
      inputsToSave: ['z', 'c'],
      outputsToSave: [false, false, true],
      gradFunc: (dy, saved, attrs) => {
        const [dh, dc] = dy as tfTypes.Tensor[];
        const [z, c, cache] = saved;
        const [dz, dcp] = tf.engine().runKernel(LSTM_GATES_GRAD, { z, c, dh, dc, cache }, attrs) as tfTypes.Tensor[];
        return { z: () => dz, c: () => dcp };
      },
    });
  }
  const original = proto.call;
  proto.call = function (this: CellLike, inputs: unknown, kwargs: unknown): unknown {
    const ra = this.recurrentActivation.getClassName() as ActName;
    const a = this.activation.getClassName() as ActName;
    const plain = Array.isArray(inputs) && inputs.length === 3 && !(this.dropout > 0 && this.dropout < 1) &&
      !(this.recurrentDropout > 0 && this.recurrentDropout < 1) && ra in ACT && a in ACT;
    if (!plain || isStockMode() || !enabled() || !healthy.get(proto) || !tf.getKernel(LSTM_GATES, tf.getBackend())) return original.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const [x, hPrev, cPrev] = inputs as tfTypes.Tensor[];
      let z = tf.add(tf.matMul(x, this.kernel.read()), tf.matMul(hPrev, this.recurrentKernel.read()));
      if (this.useBias && this.bias) z = tf.add(z, this.bias.read());
      const [h, c] = tf.engine().runKernel(LSTM_GATES, { z, c: cPrev },
        { units: this.units, recurrentActivation: ACT[ra], activation: ACT[a] }) as tfTypes.Tensor[];
      return [h, h, c];
    });
  };
}

const CELL_FIELDS = ['units', 'dropout', 'recurrentDropout', 'useBias', 'activation', 'recurrentActivation', 'kernel', 'recurrentKernel', 'bias'];

/**
 * The start-up self-check of the LSTM patch on the active backend: LSTMCell still has the fields the
 * patch reads, and a tiny LSTM layer gives the stock outputs and gradients (inputs and all three
 * weights). Returns what is wrong, or null; on a problem the patch is switched off (stock cells run).
 */
export function checkLstmPatch(tf: typeof tfTypes): string | null {
  const proto = cellProto(tf);
  const fail = (why: string) => { healthy.set(proto, false); return `LSTM patch: ${why}`; };
  if (!originals.has(proto)) return fail('not installed');
  const cell = tf.layers.lstmCell({ units: 2 }) as unknown as Record<string, unknown> & { build(s: number[]): void; dispose?(): void };
  try {
    cell.build([1, 3]);
    const missing = CELL_FIELDS.filter((k) => !(k in cell));
    const reads = ['kernel', 'recurrentKernel', 'bias'].filter((k) => typeof (cell[k] as { read?: unknown } | null)?.read !== 'function');
    const acts = ['activation', 'recurrentActivation'].filter((k) => typeof (cell[k] as { getClassName?: unknown } | null)?.getClassName !== 'function');
    if (missing.length || reads.length || acts.length) {
      return fail(`this TF.js's LSTMCell has no usable ${[...missing, ...reads, ...acts].join(', ')}`);
    }
  } catch (err) {
    return fail(`an LSTMCell does not build: ${err instanceof Error ? err.message : String(err)}`);
  }
  healthy.set(proto, true);
  // One cell step (what the patch replaces) and its gradients with respect to everything it reads.
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  const step = tf.layers.lstmCell({
    units: 3, kernelInitializer: seeded(1), recurrentInitializer: seeded(2),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 3 }),
  }) as unknown as CellLike & { build(s: number[]): void; call(inputs: unknown, kwargs: unknown): unknown };
  step.build([2, 5]);
  const wave = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * k + 0.3));
  const run = (patched: boolean): number[] => {
    healthy.set(proto, patched);
    return tf.tidy(() => {
      const weights = [step.kernel.read(), step.recurrentKernel.read(), step.bias!.read()] as tfTypes.Variable[];
      const [x, h, c] = [tf.tensor2d(wave(10, 1.7), [2, 5]), tf.tensor2d(wave(6, 0.9), [2, 3]), tf.tensor2d(wave(6, 2.3), [2, 3])];
      const [m1, m2] = [tf.tensor2d(wave(6, 0.5), [2, 3]), tf.tensor2d(wave(6, 1.1), [2, 3])];
      const loss = (xi: tfTypes.Tensor, hi: tfTypes.Tensor, ci: tfTypes.Tensor) => {
        const [hOut, , cOut] = step.call([xi, hi, ci], {}) as tfTypes.Tensor[];
        return tf.add(tf.sum(tf.mul(hOut, m1)), tf.sum(tf.mul(cOut, m2))) as tfTypes.Scalar;
      };
      const dInputs = tf.grads((xi: tfTypes.Tensor, hi: tfTypes.Tensor, ci: tfTypes.Tensor) => loss(xi, hi, ci))([x, h, c]);
      const { value, grads } = tf.variableGrads(() => loss(x, h, c), weights);
      return [value.dataSync()[0], ...dInputs.flatMap((d) => [...d.dataSync()]), ...weights.flatMap((w) => [...grads[w.name].dataSync()])];
    });
  };
  try {
    const stock = run(false);
    const ours = run(true);
    const err = relativeError(ours, stock);
    if (!(err <= 1e-4)) return fail(`differs from the stock LSTM cell on a tiny case (relative error ${err.toExponential(2)})`);
  } catch (err) {
    return fail(`failed on a tiny case: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    for (const w of [step.kernel, step.recurrentKernel, step.bias]) (w as unknown as { dispose(): void } | null)?.dispose();
  }
  healthy.set(proto, true);
  return null;
}

/** Switches the cell patch off until its check passes again (a fresh install of the kernels). */
export function resetLstmPatch(tf: typeof tfTypes): void {
  const proto = cellProto(tf);
  if (originals.has(proto)) healthy.set(proto, false);
}
