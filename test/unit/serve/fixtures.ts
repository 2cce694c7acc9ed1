/** Tiny saved models for the server tests: a 3-class tabular classifier and a regressor. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Preprocessing } from '../../../src/engine/data/types';
import { saveModelDir } from '../../../src/engine/saved';
import { loadTf } from '../../../src/serve/tf';

export const IRIS_PREP: Preprocessing = {
  format: 'model-studio-preprocessing',
  version: 1,
  task: 'classification',
  inputKind: 'tabular',
  inputShape: [6],
  features: [
    { name: 'sepal_length', kind: 'numeric', impute: 5.8, scale: 'standardize', center: 5.8, divisor: 0.8 },
    { name: 'petal_width', kind: 'numeric', impute: 1.2, scale: 'standardize', center: 1.2, divisor: 0.76 },
    { name: 'color', kind: 'categorical', encoding: 'onehot', categories: ['blue', 'green', 'red'], impute: 'red' },
    { name: 'flag', kind: 'boolean', impute: 0 },
  ],
  encodedNames: ['sepal_length', 'petal_width', 'color=blue', 'color=green', 'color=red', 'flag'],
  label: { name: 'species', classes: ['setosa', 'versicolor', 'virginica'] },
  missing: 'mean',
};

export const PRICE_PREP: Preprocessing = {
  format: 'model-studio-preprocessing',
  version: 1,
  task: 'regression',
  inputKind: 'tabular',
  inputShape: [2],
  features: [
    { name: 'rooms', kind: 'numeric', impute: 3, scale: 'standardize', center: 3, divisor: 1.5 },
    { name: 'area', kind: 'numeric', impute: 80, scale: 'minmax', center: 20, divisor: 180 },
  ],
  encodedNames: ['rooms', 'area'],
  label: { name: 'price', center: 250, divisor: 60 },
  missing: 'mean',
};

export const IRIS_RECORDS = [
  { sepal_length: 5.1, petal_width: 0.2, color: 'blue', flag: true },
  { sepal_length: 6.7, petal_width: 2.1, color: 'red', flag: false },
  { sepal_length: '5.9', petal_width: '1.5', color: 'green', flag: 'yes' },
  { sepal_length: 4.4, petal_width: null, color: 'red', flag: 0 },
];

/** A saved model folder with deterministic weights (seeded initialisers). */
export async function saveTinyModel(dir: string, prep: Preprocessing, seed = 1): Promise<void> {
  const { tf } = await loadTf();
  const width = prep.inputShape[0];
  const outputs = prep.task === 'classification' ? (prep.label.classes ?? []).length : 1;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [width], units: 8, activation: 'tanh', kernelInitializer: tf.initializers.randomNormal({ seed, stddev: 1 }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 1, stddev: 0.5 }) }),
      tf.layers.dense({ units: outputs, activation: prep.task === 'classification' ? 'softmax' : 'linear', kernelInitializer: tf.initializers.randomNormal({ seed: seed + 2, stddev: 1 }) }),
    ],
  });
  mkdirSync(path.dirname(dir), { recursive: true });
  await saveModelDir(model, prep, dir);
  model.dispose();
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `ms-serve-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** runs/<name>/<id>/{run.json, spec.json, model/} for each id; `failed` ids get status failed. */
export async function makeRunsFolder(root: string, name: string, ids: string[], failed: string[] = []): Promise<string> {
  const runs = path.join(root, 'runs', name);
  for (const [i, id] of ids.entries()) {
    const runDir = path.join(runs, id);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ status: failed.includes(id) ? 'failed' : 'completed' }));
    writeFileSync(path.join(runDir, 'spec.json'), JSON.stringify({ name }));
    await saveTinyModel(path.join(runDir, 'model'), IRIS_PREP, 10 + i * 7);
  }
  return runs;
}

export const TEXT_PREP: Preprocessing = {
  format: 'model-studio-preprocessing',
  version: 1,
  task: 'classification',
  inputKind: 'sequence',
  inputShape: [6],
  features: [{ name: 'review', kind: 'text', vocabulary: ['', '[UNK]', 'good', 'bad', 'movie', 'great'], sequenceLength: 6, lowercase: true, stripPunctuation: true }],
  label: { name: 'sentiment', classes: ['neg', 'pos'] },
  missing: 'mean',
};

export const IMAGE_PREP: Preprocessing = {
  format: 'model-studio-preprocessing',
  version: 1,
  task: 'classification',
  inputKind: 'image',
  inputShape: [4, 4, 1],
  features: [{ name: 'image', kind: 'image', size: [4, 4], channels: 1, scale: 'unit', mean: [0], std: [1] }],
  label: { name: 'digit', classes: ['dark', 'light'] },
  missing: 'mean',
};

/** Text (embedding → flatten → softmax) or image (flatten → softmax) model with seeded weights. */
export async function saveMediaModel(dir: string, prep: Preprocessing): Promise<void> {
  const { tf } = await loadTf();
  const classes = (prep.label.classes ?? []).length;
  const init = (seed: number) => tf.initializers.randomNormal({ seed, stddev: 1 });
  const first = prep.inputKind === 'sequence'
    ? tf.layers.embedding({ inputDim: (prep.features[0] as { vocabulary: string[] }).vocabulary.length, outputDim: 3, inputLength: prep.inputShape[0], embeddingsInitializer: init(3) })
    : tf.layers.flatten({ inputShape: prep.inputShape });
  const layers = prep.inputKind === 'sequence' ? [first, tf.layers.flatten()] : [first];
  const model = tf.sequential({ layers: [...layers, tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(4) })] });
  mkdirSync(path.dirname(dir), { recursive: true });
  await saveModelDir(model, prep, dir);
  model.dispose();
}
