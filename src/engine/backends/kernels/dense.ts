/**
 * A dense layer as one forward kernel and two gradient kernels. In training, tfjs-layers cannot fuse a
 * dense layer's bias and relu into its matmul (tfjs-core fuses only outside gradient tapes), so a dense
 * layer costs ~10 kernel calls per step (matmul, add, relu; step, multiply, sum, two matmuls), each
 * copying its operands. `ModelStudioDense` does y = act(x·W + b) in one GEMM with the bias and relu in
 * its epilogue; `ModelStudioDenseGradWeights` gives dW and db (one mask pass, one column sum, one GEMM)
 * and `ModelStudioDenseGradInput` dx, only when something needs it (not for the first layer).
 * Dense.call is patched to use them for linear and relu activations (others: our linear, then the stock
 * activation); layer.ts keeps the patch off until its self-check passes.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { Arena } from './gemm';
import { asBackend, outputFrom, sizeOf, view, type KernelBackend, type TensorInfo } from './io';
import { installLayerPatch, type LayerPatch } from './layers';

export const DENSE = 'ModelStudioDense';
export const DENSE_GRAD_WEIGHTS = 'ModelStudioDenseGradWeights';
export const DENSE_GRAD_INPUT = 'ModelStudioDenseGradInput';

/** Activations fused into the kernels (their gradient is a mask from the output). */
export const FUSED_ACT = { linear: 0, relu: 1 } as const;

/** dz = dy masked by the activation's derivative (relu: where y > 0), in the arena. */
export function maskedGradient(ar: Arena, be: KernelBackend, dy: TensorInfo, y: TensorInfo | undefined, act: number): number {
  const n = sizeOf(dy.shape);
  const d = ar.put(view(be, dy));
  if (act !== FUSED_ACT.relu || !y) return d;
  const yo = ar.put(view(be, y));
  ar.run(n, (g) => g.relu_mask(d, yo, n, d));
  return d;
}

export function denseKernel(): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const x = inputs.x as TensorInfo;
    const W = inputs.W as TensorInfo;
    const [N, K] = x.shape;
    const M = W.shape[1];
    const ar = new Arena();
    const xo = ar.put(view(be, x));
    const wo = ar.put(view(be, W));
    const bo = inputs.b ? ar.put(view(be, inputs.b as TensorInfo)) : 0;
    const y = ar.alloc(N * M);
    ar.sgemm(N, M, K, xo, false, wo, false, y, { bias: bo, act: Number(attrs?.activation) });
    return outputFrom(be, [N, M], ar.view(y, N * M));
  };
}

/** [dW, db] (db only when the layer has a bias) from x, dy and the forward output y. */
export function denseGradWeightsKernel(): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const [N, K] = x.shape;
    const M = dy.shape[1];
    const ar = new Arena();
    const dz = maskedGradient(ar, be, dy, inputs.y as TensorInfo | undefined, Number(attrs?.activation));
    const xo = ar.put(view(be, x));
    const dW = ar.alloc(K * M);
    ar.sgemm(K, M, N, xo, true, dz, false, dW);
    const out = [outputFrom(be, [K, M], ar.view(dW, K * M))];
    if (attrs?.hasBias) {
      const db = ar.alloc(M);
      ar.run(N * M, (g) => g.col_sum(dz, N, M, db));
      out.push(outputFrom(be, [M], ar.view(db, M)));
    }
    return out;
  };
}

export function denseGradInputKernel(): tfTypes.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = asBackend(backend);
    const dy = inputs.dy as TensorInfo;
    const W = inputs.W as TensorInfo;
    const [N, M] = dy.shape;
    const K = W.shape[0];
    const ar = new Arena();
    const dz = maskedGradient(ar, be, dy, inputs.y as TensorInfo | undefined, Number(attrs?.activation));
    const wo = ar.put(view(be, W));
    const dx = ar.alloc(N * K);
    ar.sgemm(N, K, M, dz, false, wo, true, dx);
    return outputFrom(be, [N, K], ar.view(dx, N * K));
  };
}

interface DenseLike {
  units: number;
  activation: { getClassName(): string; apply(t: tfTypes.Tensor): tfTypes.Tensor };
  kernel: { read(): tfTypes.Tensor } | null;
  bias: { read(): tfTypes.Tensor } | null;
  invokeCallHook(inputs: unknown, kwargs: unknown): void;
}

export const DENSE_PATCH: LayerPatch<DenseLike> = {
  kernel: DENSE,
  probe: (tf) => tf.layers.dense({ units: 1 }),
  fields: ['units', 'activation', 'kernel', 'bias', 'invokeCallHook'],
  fast(tf, layer, inputs, kwargs) {
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
    if (!(x instanceof tf.Tensor) || x.dtype !== 'float32' || x.rank < 2 || !layer.kernel) return undefined;
    const name = layer.activation.getClassName();
    const fused = name in FUSED_ACT ? FUSED_ACT[name as keyof typeof FUSED_ACT] : FUSED_ACT.linear;
    return tf.tidy(() => {
      layer.invokeCallHook(inputs, kwargs);
      const lead = x.shape.slice(0, -1);
      const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1]]);
      const W = layer.kernel!.read();
      const ins: Record<string, tfTypes.Tensor> = { x: x2, W };
      if (layer.bias) ins.b = layer.bias.read();
      let y = tf.engine().runKernel(DENSE, ins, { activation: fused, hasBias: !!layer.bias }) as tfTypes.Tensor;
      if (x.rank !== 2) y = tf.reshape(y, [...lead, W.shape[1]]);
      return name in FUSED_ACT ? y : layer.activation.apply(y);
    });
  },
  cases: (tf) => ['relu', 'softmax'].map((activation, i) => ({
    layer: tf.layers.dense({
      units: 3, activation: activation as 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 + i }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 6 + i }),
    }),
    shape: i === 0 ? [4, 5] : [2, 3, 5],
  })),
};

export function patchDense(tf: typeof tfTypes, enabled: () => boolean, onBuild: () => void): void {
  if (!tf.getGradient(DENSE)) {
    tf.registerGradient({
      kernelName: DENSE,
      inputsToSave: ['x', 'W'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, W, y] = saved;
        const g = dy as tfTypes.Tensor;
        // dW and db together now (one pass over dy); dx only if asked (the first layer's is not).
        const [dW, db] = tf.engine().runKernel(DENSE_GRAD_WEIGHTS, { x, dy: g, y }, attrs) as tfTypes.Tensor[];
        return {
          x: () => tf.engine().runKernel(DENSE_GRAD_INPUT, { dy: g, W, y }, attrs) as tfTypes.Tensor,
          W: () => dW,
          ...(db ? { b: () => db } : {}),
        };
      },
    });
  }
  installLayerPatch(tf, DENSE_PATCH, enabled, onBuild);
}
