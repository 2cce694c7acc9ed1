/** Tiny in-test data and specs for the engine tests: no files, a few hundred samples. */
import type { ModelSpecFile, Layer } from '../../../src/modelFile/schema';
import type { PreparedData, Preprocessing, SplitData } from '../../../src/engine/data/types';
import { createRng } from '../../../src/engine/train/rng';
import { randomAccessSplit } from '../../../src/engine/data/batches';

export function arraySplit(x: Float32Array, y: Float32Array, xShape: number[]): SplitData {
  const per = xShape.reduce((a, b) => a * b, 1);
  return randomAccessSplit(y.length, xShape, async (indices, bx, by) => {
    for (let i = 0; i < indices.length; i++) {
      const j = indices[i];
      bx.set(x.subarray(j * per, (j + 1) * per), i * per);
      by[i] = y[j];
    }
  }, async (indices) => indices.map((j) => ({ row: j })));
}

function splitThree(x: Float32Array, y: Float32Array, xShape: number[]): Pick<PreparedData, 'train' | 'validation' | 'test'> {
  const per = xShape.reduce((a, b) => a * b, 1);
  const n = y.length;
  const a = Math.floor(n * 0.7);
  const b = Math.floor(n * 0.85);
  const part = (s: number, e: number) => arraySplit(x.slice(s * per, e * per), y.slice(s, e), xShape);
  return { train: part(0, a), validation: part(a, b), test: part(b, n) };
}

const info = (n: number, inputShape: number[]) => ({
  source: 'memory', format: 'memory', rows: n, droppedRows: 0, columns: [], label: 'y', features: [],
  splits: { train: 0, validation: 0, test: 0 }, inputShape, warnings: [],
});

/** Three Gaussian blobs in `dims` dimensions: easy to separate. */
export function blobs(n = 300, dims = 4, seed = 1, classes = 3): PreparedData {
  const rng = createRng(seed);
  const x = new Float32Array(n * dims);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    for (let d = 0; d < dims; d++) x[i * dims + d] = (d % classes === c ? 2 : 0) + (rng() - 0.5);
  }
  const names = Array.from({ length: classes }, (_, i) => `c${i}`);
  const preprocessing: Preprocessing = {
    format: 'model-studio-preprocessing', version: 1, task: 'classification', inputKind: 'tabular', inputShape: [dims],
    features: Array.from({ length: dims }, (_, d) => ({ name: `f${d}`, kind: 'numeric' as const, impute: 0, scale: 'none' as const, center: 0, divisor: 1 })),
    label: { name: 'y', classes: names }, missing: 'mean',
  };
  return { task: 'classification', preprocessing, ...splitThree(x, y, [dims]), info: info(n, [dims]) };
}

/** y = 3·x0 − 2·x1 + noise, target standardised by 2 (divisor) around 1 (center). */
export function linear(n = 300, seed = 2): PreparedData {
  const rng = createRng(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng() * 2 - 1;
    const b = rng() * 2 - 1;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = (3 * a - 2 * b + 0.05 * (rng() - 0.5) - 1) / 2;
  }
  const preprocessing: Preprocessing = {
    format: 'model-studio-preprocessing', version: 1, task: 'regression', inputKind: 'tabular', inputShape: [2],
    features: [0, 1].map((d) => ({ name: `f${d}`, kind: 'numeric' as const, impute: 0, scale: 'none' as const, center: 0, divisor: 1 })),
    label: { name: 'y', center: 1, divisor: 2 }, missing: 'mean',
  };
  return { task: 'regression', preprocessing, ...splitThree(x, y, [2]), info: info(n, [2]) };
}

/** Any input shape with random inputs and k classes (for layer-building and kernel tests). */
export function shaped(inputShape: number[], n = 64, classes = 2, seed = 3, intMax?: number): PreparedData {
  const rng = createRng(seed);
  const per = inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * per);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    for (let j = 0; j < per; j++) x[i * per + j] = intMax ? Math.floor(rng() * intMax) : rng() + (y[i] === 1 && j % 3 === 0 ? 0.5 : 0);
  }
  const preprocessing: Preprocessing = {
    format: 'model-studio-preprocessing', version: 1, task: 'classification',
    inputKind: intMax ? 'sequence' : inputShape.length === 3 ? 'image' : 'tabular', inputShape,
    features: [], label: { name: 'y', classes: Array.from({ length: classes }, (_, i) => `k${i}`) }, missing: 'mean',
  };
  return { task: 'classification', preprocessing, ...splitThree(x, y, inputShape), info: info(n, inputShape) };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A resolved spec with the schema's defaults, overridable. */
export function makeSpec(over: { name?: string; task?: 'classification' | 'regression'; layers?: Layer[]; train?: DeepPartial<ModelSpecFile['train']> & Record<string, unknown>; evaluate?: { split: string } } = {}): ModelSpecFile {
  const train = over.train ?? {};
  return {
    name: over.name ?? 'test-model',
    task: over.task ?? 'classification',
    data: {
      source: 'memory.csv', format: 'auto', label: 'y',
      preprocess: { missing: 'mean', numeric: 'standardize', categorical: 'onehot' },
      split: { validation: 0.15, test: 0.15, seed: 42, stratify: true, shuffle: true },
    },
    model: { layers: over.layers ?? [{ type: 'dense', units: 8, activation: 'relu' }] },
    train: {
      epochs: 3, batchSize: 16, shuffle: true, loss: 'auto', metrics: [], seed: 42, backend: 'wasm',
      ...train,
      optimizer: { type: 'adam', learningRate: 0.01, ...(train.optimizer ?? {}) },
    },
    evaluate: over.evaluate ?? { split: 'test' },
    deploy: { host: '127.0.0.1', port: 8501 },
  } as unknown as ModelSpecFile;
}
