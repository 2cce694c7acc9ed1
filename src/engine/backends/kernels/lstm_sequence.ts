/**
 * A whole LSTM layer as two kernels. tfjs-layers runs an LSTM one time step at a time: per step two
 * matmuls, the gates, and ~40 gradient kernels, so a 100-step sequence is ~3,000 kernel calls per
 * training step, and kernel dispatch, not arithmetic, sets the speed. `ModelStudioLstmSequence` does
 * the forward pass over every step in one call (x·W for all steps as one GEMM, then the recurrence
 * h_{t-1}·R + gates per step inside the module, batch rows split over threads), and
 * `ModelStudioLstmSequenceGrad` the backward pass (the recurrence back in time, then dW, dR and dx
 * as three GEMMs over all steps). LSTM.call is patched to use them when the layer is plain: no mask,
 * no initial state, not stateful, no dropout, tanh / sigmoid / hardSigmoid activations. Otherwise, or
 * when the start-up self-check finds it unsafe, the stock layer runs (with the fused cell of lstm.ts).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { Arena, packedFloats } from './gemm';
import { asBackend, outputFrom, view, type TensorInfo } from './io';
import { installLayerPatch, type LayerPatch } from './layers';

export const LSTM_SEQUENCE = 'ModelStudioLstmSequence';
export const LSTM_SEQUENCE_GRAD = 'ModelStudioLstmSequenceGrad';

const ACT = { tanh: 0, sigmoid: 1, hardSigmoid: 2 } as const;
type ActName = keyof typeof ACT;

interface Dims { B: number; T: number; D: number; U: number; ra: number; act: number }

function dimsOf(x: TensorInfo, attrs: tfTypes.NamedAttrMap | undefined): Dims {
  const [B, T, D] = x.shape;
  return { B, T, D, U: Number(attrs?.units), ra: Number(attrs?.recurrentActivation), act: Number(attrs?.activation) };
}

/** Batch rows per tile: two tiles per thread, so a thread the OS holds back delays a small share. */
const rowsPerTile = (B: number, threads: number) => (threads > 1 ? Math.ceil(B / (2 * threads)) : B);

/** [H, C, G]: hidden and cell states of every step ([B, T, U]) and what the gradient needs of the gates ([B, T, 4U]). */
export function lstmSequenceKernel(): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const x = inputs.x as TensorInfo;
    const { B, T, D, U, ra, act } = dimsOf(x, attrs);
    const ar = new Arena();
    const xo = ar.put(view(be, x));
    const wo = ar.put(view(be, inputs.W as TensorInfo));
    const ro = ar.put(view(be, inputs.R as TensorInfo));
    const bo = ar.put(view(be, inputs.b as TensorInfo));
    const n = B * T;
    const G = ar.alloc(n * 4 * U);
    ar.sgemm(n, 4 * U, D, xo, false, wo, false, G, { bias: bo });
    const H = ar.alloc(n * U);
    const C = ar.alloc(n * U);
    const Rp = ar.alloc(packedFloats(U, 4 * U));
    ar.run(8 * n * U * U, (g) => g.lstm_forward(B, T, U, G, H, C, ro, Rp, ra, act, rowsPerTile(B, ar.threads)));
    return [
      outputFrom(be, [B, T, U], ar.view(H, n * U)),
      outputFrom(be, [B, T, U], ar.view(C, n * U)),
      outputFrom(be, [B, T, 4 * U], ar.view(G, n * 4 * U)),
    ];
  };
}

/** [dx, dW, dR, db] from the gradients of H and C and the forward pass's outputs. */
export function lstmSequenceGradKernel(): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const x = inputs.x as TensorInfo;
    const { B, T, D, U, ra, act } = dimsOf(x, attrs);
    const n = B * T;
    const ar = new Arena();
    const put = (name: string) => ar.put(view(be, inputs[name] as TensorInfo));
    const [xo, wo, ro, H, C, G, dH, dC] = ['x', 'W', 'R', 'H', 'C', 'G', 'dH', 'dC'].map(put);
    const RTp = ar.alloc(packedFloats(4 * U, U));
    const Hprev = ar.alloc(n * U);
    ar.run(8 * n * U * U, (g) => g.lstm_backward(B, T, U, G, H, C, ro, RTp, ra, act, rowsPerTile(B, ar.threads), dH, dC, Hprev));
    // G now holds dz for every step: the weight gradients are sums over all steps, one GEMM each.
    const db = ar.alloc(4 * U);
    ar.run(n * 4 * U, (g) => g.col_sum(G, n, 4 * U, db));
    const dW = ar.alloc(D * 4 * U);
    ar.sgemm(D, 4 * U, n, xo, true, G, false, dW);
    const dR = ar.alloc(U * 4 * U);
    ar.sgemm(U, 4 * U, n, Hprev, true, G, false, dR);
    const dx = ar.alloc(n * D);
    ar.sgemm(n, D, 4 * U, G, false, wo, true, dx);
    return [
      outputFrom(be, x.shape, ar.view(dx, n * D)),
      outputFrom(be, [D, 4 * U], ar.view(dW, D * 4 * U)),
      outputFrom(be, [U, 4 * U], ar.view(dR, U * 4 * U)),
      outputFrom(be, [4 * U], ar.view(db, 4 * U)),
    ];
  };
}

interface CellLike {
  units: number; dropout: number; recurrentDropout: number; useBias: boolean;
  activation: { getClassName(): string }; recurrentActivation: { getClassName(): string };
  kernel: { read(): tfTypes.Tensor }; recurrentKernel: { read(): tfTypes.Tensor }; bias: { read(): tfTypes.Tensor } | null;
}
interface LayerLike {
  cell: CellLike; stateful: boolean; goBackwards: boolean; returnSequences: boolean; returnState: boolean;
}

/** The one input tensor of a plain call, or undefined when the call carries more (initial states). */
function onlyInput(tf: typeof tfTypes, inputs: unknown): tfTypes.Tensor | undefined {
  const t = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
  return t instanceof tf.Tensor && t.rank === 3 && t.dtype === 'float32' && t.shape[1] > 0 ? t : undefined;
}

/**
 * LSTM layers through the two kernels when plain (no mask, no initial state, not stateful, no dropout,
 * tanh / sigmoid / hardSigmoid); anything else runs the stock layer.
 */
export const LSTM_SEQUENCE_PATCH: LayerPatch<LayerLike> = {
  kernel: LSTM_SEQUENCE,
  probe: (tf) => tf.layers.lstm({ units: 1 }),
  fields: ['cell', 'stateful', 'goBackwards', 'returnSequences', 'returnState'],
  fast(tf, layer, inputs, kwargs) {
    const cell = layer.cell;
    const ra = cell.recurrentActivation.getClassName() as ActName;
    const a = cell.activation.getClassName() as ActName;
    const x = onlyInput(tf, inputs);
    const plain = x !== undefined && kwargs?.mask == null && kwargs?.initialState == null && !layer.stateful &&
      !(cell.dropout > 0 && cell.dropout < 1) && !(cell.recurrentDropout > 0 && cell.recurrentDropout < 1) && ra in ACT && a in ACT;
    if (!plain) return undefined;
    return tf.tidy(() => {
      const input = layer.goBackwards ? tf.reverse(x, 1) : x;
      const U = cell.units;
      const [B, T] = input.shape;
      const b = cell.useBias && cell.bias ? cell.bias.read() : tf.zeros([4 * U]);
      const [H, C] = tf.engine().runKernel(LSTM_SEQUENCE, { x: input, W: cell.kernel.read(), R: cell.recurrentKernel.read(), b },
        { units: U, recurrentActivation: ACT[ra], activation: ACT[a] }) as tfTypes.Tensor[];
      const last = (t: tfTypes.Tensor) => tf.reshape(tf.slice(t, [0, T - 1, 0], [B, 1, U]), [B, U]);
      const hLast = last(H);
      const output = layer.returnSequences ? H : hLast;
      return layer.returnState ? [output, hLast, last(C)] : output;
    });
  },
  cases: (tf) => [{
    layer: tf.layers.lstm({
      units: 3, returnSequences: true, returnState: true, goBackwards: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), recurrentInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 3 }),
    }),
    shape: [2, 3, 5],
  }],
};

/** Registers the sequence kernels' gradient and patches LSTM layers (off until checkLayerPatch passes). */
export function patchLstmSequence(tf: typeof tfTypes, enabled: () => boolean, onBuild: () => void): void {
  if (!tf.getGradient(LSTM_SEQUENCE)) {
    tf.registerGradient({
      kernelName: LSTM_SEQUENCE,
      inputsToSave: ['x', 'W', 'R'],
      outputsToSave: [true, true, true],
      gradFunc: (dy, saved, attrs) => {
        const [dH, dC] = dy as tfTypes.Tensor[];
        const [x, W, R, H, C, G] = saved;
        const [dx, dW, dR, db] = tf.engine().runKernel(LSTM_SEQUENCE_GRAD, { x, W, R, H, C, G, dH, dC }, attrs) as tfTypes.Tensor[];
        return { x: () => dx, W: () => dW, R: () => dR, b: () => db };
      },
    });
  }
  installLayerPatch(tf, LSTM_SEQUENCE_PATCH, enabled, onBuild);
}
