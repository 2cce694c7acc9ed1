/**
 * The three benchmark models of issue 8, built the same way in TF.js here and in PyTorch in
 * torch_models.py: same layers, sizes, batch sizes, optimiser (adam, lr 1e-3) and synthetic data.
 */
import type * as tfTypes from '@tensorflow/tfjs';

export const MODEL_NAMES = ['mlp', 'cnn', 'lstm'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelCase {
  batchSize: number;
  describe: string;
  build(tf: typeof tfTypes): tfTypes.LayersModel;
  /** Synthetic inputs and one-hot labels for `n` samples from a fixed seed. */
  data(tf: typeof tfTypes, n: number, seed: number): { x: tfTypes.Tensor; y: tfTypes.Tensor };
}

function labels(tf: typeof tfTypes, n: number, classes: number, seed: number): tfTypes.Tensor {
  const r = rng(seed + 1);
  const ids = Int32Array.from({ length: n }, () => Math.floor(r() * classes));
  return tf.tidy(() => tf.oneHot(tf.tensor1d(ids, 'int32'), classes));
}

export const MODELS: Record<ModelName, ModelCase> = {
  mlp: {
    batchSize: 128,
    describe: 'MLP 784-256-128-10, batch 128, adam',
    build(tf) {
      const m = tf.sequential();
      m.add(tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }));
      m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
      m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
      m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
      return m;
    },
    data(tf, n, seed) {
      return { x: tf.tensor2d(uniform(n * 784, seed), [n, 784]), y: labels(tf, n, 10, seed) };
    },
  },
  cnn: {
    batchSize: 64,
    describe: 'CNN conv16-pool-conv32-pool-dense10, 28×28×1, batch 64, adam',
    build(tf) {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu' }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
      m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
      return m;
    },
    data(tf, n, seed) {
      return { x: tf.tensor4d(uniform(n * 784, seed), [n, 28, 28, 1]), y: labels(tf, n, 10, seed) };
    },
  },
  lstm: {
    batchSize: 64,
    describe: 'LSTM embedding(5000,64)-lstm(64)-dense(2), length 100, batch 64, adam',
    build(tf) {
      const m = tf.sequential();
      m.add(tf.layers.embedding({ inputDim: 5000, outputDim: 64, inputLength: 100 }));
      m.add(tf.layers.lstm({ units: 64 }));
      m.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
      m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
      return m;
    },
    data(tf, n, seed) {
      const r = rng(seed);
      const ids = Int32Array.from({ length: n * 100 }, () => Math.floor(r() * 5000));
      return { x: tf.tensor2d(ids, [n, 100], 'int32'), y: labels(tf, n, 2, seed) };
    },
  },
};

function uniform(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r());
}

/** mulberry32 */
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
