/**
 * Building a tf.LayersModel from `model.layers` (Keras layer names and arguments, camelCase as in
 * tf.layers). Every random initialiser and dropout gets an explicit seed derived from `train.seed`,
 * so the same file, seed and backend give the same numbers.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { limit } from '../limits';
import { estimateModel, modelTooBig, type ModelEstimate } from '../modelFile/modelSize';
import type { Layer, ModelSpecFile } from '../modelFile/schema';
import type { Preprocessing } from './data/types';
import { withoutInitializerWarnings } from './tfWarnings';
import { createSeedSource, type SeedSource } from './train/rng';

type Tf = typeof tfTypes;
type LayersModel = tfTypes.LayersModel;
type SymbolicTensor = tfTypes.SymbolicTensor;

/** What the model's last layer produces; decides how y is encoded and predictions are read. */
export type OutputKind = 'softmax' | 'sigmoid' | 'linear';

export class ModelBuildError extends Error {
  /** `model.layers[i]` path of the layer at fault, when one is */
  constructor(message: string, readonly path?: string) {
    super(message);
    this.name = 'ModelBuildError';
  }
}

export interface BuiltModel {
  model: LayersModel;
  outputKind: OutputKind;
  /** whether the output layer was added from the task */
  outputAdded: boolean;
  /** seeds for dropout masks during training (advanced once per batch) */
  seeds: SeedSource;
}

const SEEDED_INITIALIZERS = new Set([
  'glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'leCunNormal', 'leCunUniform',
  'randomNormal', 'randomUniform', 'truncatedNormal', 'orthogonal', 'varianceScaling',
]);
const UNSEEDED_INITIALIZERS = new Set(['zeros', 'ones', 'identity']);

const RECURRENT = new Set(['lstm', 'gru', 'simpleRNN']);

export function outputUnits(task: ModelSpecFile['task'], preprocessing: Preprocessing): number {
  if (task === 'regression') return 1;
  const classes = preprocessing.label.classes ?? [];
  if (classes.length < 2) throw new ModelBuildError(`classification needs at least 2 classes in '${preprocessing.label.name}', found ${classes.length}`);
  return classes.length;
}

/** Build (not compile) the network for this spec and data. */
export function buildModel(tf: Tf, spec: ModelSpecFile, preprocessing: Preprocessing): BuiltModel {
  const seeds = createSeedSource(spec.train.seed);
  const init = (name: unknown, fallback: string, path: string): tfTypes.serialization.Serializable => {
    const id = typeof name === 'string' ? name : fallback;
    if (UNSEEDED_INITIALIZERS.has(id)) return (tf.initializers as unknown as Record<string, (a: object) => tfTypes.serialization.Serializable>)[id]({});
    if (!SEEDED_INITIALIZERS.has(id)) {
      throw new ModelBuildError(`unknown initializer '${id}' at ${path}; use one of ${[...SEEDED_INITIALIZERS, ...UNSEEDED_INITIALIZERS].join(', ')}`, path);
    }
    return (tf.initializers as unknown as Record<string, (a: object) => tfTypes.serialization.Serializable>)[id]({ seed: seeds.next() });
  };
  const dropoutFunc = (x: tfTypes.Tensor, rate: number) => tf.dropout(x, rate, undefined, seeds.next());

  const units = outputUnits(spec.task, preprocessing);
  const layers = [...spec.model.layers];
  const last = layers[layers.length - 1];
  let outputKind: OutputKind;
  let outputAdded = false;
  const ends = endsWithOutput(spec.task, last, units, layers.length - 1, `'${preprocessing.label.name}'`);
  if (ends) {
    outputKind = ends;
  } else {
    outputAdded = true;
    outputKind = spec.task === 'regression' ? 'linear' : 'softmax';
    if (spec.task === 'classification' && units === 2 && spec.train.loss === 'binaryCrossentropy') {
      outputKind = 'sigmoid';
    }
    layers.push({ type: 'dense', units: outputKind === 'sigmoid' ? 1 : units, activation: outputKind, name: 'output' });
  }

  const input = tf.input({ shape: preprocessing.inputShape, name: 'input' });
  let x: SymbolicTensor = input;
  const names = layerNames(layers);
  const quiet = withoutInitializerWarnings();
  try {
    layers.forEach((given, i) => {
      const path = `model.layers[${i}]`;
      const layer = { ...given, name: names[i] };
      try {
        const made = makeLayer(tf, layer, { path, init, dropoutFunc, seeds, preprocessing, spec, outputKind, isLast: i === layers.length - 1 });
        x = made.apply(x) as SymbolicTensor;
      } catch (err) {
        if (err instanceof ModelBuildError) throw err;
        const msg = err instanceof Error ? err.message : String(err);
        throw new ModelBuildError(`${path} (${layer.type}): ${msg}`, path);
      }
    });
  } finally {
    quiet.restore();
  }
  const model = tf.model({ inputs: input, outputs: x, name: spec.name.replace(/[^A-Za-z0-9_]/g, '_') });
  return { model, outputKind, outputAdded, seeds };
}

/**
 * Keras-style layer names, the same in every run: the type in snake case and its count among the layers of
 * that type (`dense_1`, `dense_2`, `dropout_1`, `global_max_pooling2d_1`); a name the model file gives is
 * kept, and generated names skip the taken ones. (TF.js's own are `dense_Dense5`: a process-wide counter.)
 */
export function layerNames(layers: ReadonlyArray<{ type: string; name?: unknown }>): string[] {
  const taken = new Set<string>(['input', ...layers.map((l) => l.name).filter((n): n is string => typeof n === 'string')]);
  const counts = new Map<string, number>();
  return layers.map((l) => {
    if (typeof l.name === 'string') return l.name;
    const base = l.type.replace(/RNN/g, 'Rnn').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
    let name: string;
    do {
      const n = (counts.get(base) ?? 0) + 1;
      counts.set(base, n);
      name = `${base}_${n}`;
    } while (taken.has(name));
    taken.add(name);
    return name;
  });
}

/**
 * The kind of output when the list already ends with an output layer, else null (an output layer is
 * then appended from the task). The rule:
 * - a last dense layer with `softmax` or `sigmoid` is always meant as the output layer: its units (and
 *   activation) must fit the task, else it is an error naming `model.layers[i].units` — never a second
 *   output stacked on top of it;
 * - a last dense layer without activation (or `linear`) is the output when its units already fit the task
 *   (classes for classification, 1 for regression), else it is a hidden layer and the output is appended;
 * - anything else (relu/tanh/… dense, dropout, lstm, …) is a hidden layer: the output is appended.
 */
export function endsWithOutput(task: ModelSpecFile['task'], last: Layer | undefined, units: number, index = 0, label = 'the label'): OutputKind | null {
  if (!last || last.type !== 'dense') return null;
  const act = last.activation as string | undefined;
  const at = `model.layers[${index}]`;
  const has = `\`${at}\` is a dense layer with ${String(last.units)} unit${last.units === 1 ? '' : 's'} and activation ${act}`;
  if (act === 'softmax' || act === 'sigmoid') {
    if (task === 'regression') {
      throw new ModelBuildError(`${has}, taken as the output layer, but regression of ${label} needs one linear unit: set \`${at}.units: 1\` and remove its activation (or remove the layer: an output layer is added from the task)`, `${at}.activation`);
    }
    if (act === 'softmax') {
      if (last.units === units) return 'softmax';
      throw new ModelBuildError(`\`${at}.units\` is ${String(last.units)}, but ${label} has ${units} classes: the last layer (softmax) is the output layer, so set \`${at}.units: ${units}\` (or remove the layer: an output layer is added from the task)`, `${at}.units`);
    }
    if (units === 2 && last.units === 1) return 'sigmoid';
    if (units === 2) {
      throw new ModelBuildError(`\`${at}.units\` is ${String(last.units)}, but a sigmoid output for the 2 classes of ${label} has 1 unit: set \`${at}.units: 1\` (or use activation softmax with units: 2)`, `${at}.units`);
    }
    throw new ModelBuildError(`${has}, taken as the output layer, but ${label} has ${units} classes: use activation softmax with \`${at}.units: ${units}\` (sigmoid is for 2 classes, with 1 unit)`, `${at}.activation`);
  }
  if (act !== undefined && act !== 'linear') return null;
  if (task === 'regression') return last.units === 1 ? 'linear' : null;
  return last.units === units ? 'softmax' : null;
}

interface MakeContext {
  path: string;
  init: (name: unknown, fallback: string, path: string) => tfTypes.serialization.Serializable;
  dropoutFunc: (x: tfTypes.Tensor, rate: number) => tfTypes.Tensor;
  seeds: SeedSource;
  preprocessing: Preprocessing;
  spec: ModelSpecFile;
  outputKind: OutputKind;
  isLast: boolean;
}

function regularizer(tf: Tf, reg: unknown): tfTypes.serialization.Serializable | undefined {
  if (typeof reg !== 'object' || reg === null) return undefined;
  const { l1, l2 } = reg as { l1?: number; l2?: number };
  return tf.regularizers.l1l2({ l1: l1 ?? 0, l2: l2 ?? 0 });
}

/** Copy the spec's arguments, minus `type`, dropping undefined. */
function args(layer: Layer, omit: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(layer)) if (k !== 'type' && !omit.includes(k) && v !== undefined) out[k] = v;
  return out;
}

function makeLayer(tf: Tf, layer: Layer, c: MakeContext): tfTypes.layers.Layer {
  const L = tf.layers as unknown as Record<string, (a: object) => tfTypes.layers.Layer>;
  const a = args(layer);
  switch (layer.type) {
    case 'dense': {
      const activation = c.isLast && c.spec.task === 'classification' ? c.outputKind : a.activation;
      return tf.layers.dense({
        ...(a as object), units: layer.units as number, activation: activation as never,
        kernelInitializer: c.init(a.kernelInitializer, 'glorotUniform', `${c.path}.kernelInitializer`) as never,
        kernelRegularizer: regularizer(tf, a.kernelRegularizer) as never,
      });
    }
    case 'conv1d':
    case 'conv2d':
      return L[layer.type]({
        ...a,
        kernelInitializer: c.init(a.kernelInitializer, 'glorotUniform', `${c.path}.kernelInitializer`),
        kernelRegularizer: regularizer(tf, a.kernelRegularizer),
      });
    case 'dropout': {
      const d = tf.layers.dropout({ ...(a as object), rate: layer.rate as number, seed: c.seeds.current() });
      // Dropout reads its seed at call time: the training loop reseeds it every batch, so masks
      // differ per batch yet repeat exactly run to run.
      c.seeds.track(d);
      return d;
    }
    case 'embedding': {
      const inputDim = (a.inputDim as number | undefined) ?? vocabularySize(c.preprocessing, c.spec);
      if (!inputDim) throw new ModelBuildError(`${c.path}: embedding needs inputDim (the vocabulary size) when the data has no text column`, `${c.path}.inputDim`);
      return tf.layers.embedding({
        ...(a as object), inputDim, outputDim: layer.outputDim as number,
        embeddingsInitializer: c.init(undefined, 'randomUniform', c.path) as never,
      });
    }
    case 'lstm':
    case 'gru':
    case 'simpleRNN':
      return L[layer.type](recurrentArgs(a, c, c.path));
    case 'bidirectional': {
      const inner = (layer.layer ?? {}) as Layer;
      if (!RECURRENT.has(inner.type)) throw new ModelBuildError(`${c.path}.layer.type must be lstm, gru or simpleRNN (got '${String(inner.type)}')`, `${c.path}.layer.type`);
      const innerArgs = { ...args(inner), name: inner.name ?? `${String(layer.name)}_${inner.type.toLowerCase()}` };
      const wrapped = L[inner.type](recurrentArgs(innerArgs, c, `${c.path}.layer`)) as unknown as tfTypes.RNN;
      return tf.layers.bidirectional({ ...(args(layer, ['layer']) as object), layer: wrapped });
    }
    case 'reshape':
      return tf.layers.reshape({ ...(a as object), targetShape: layer.targetShape as number[] });
    case 'batchNormalization':
    case 'layerNormalization':
    case 'activation':
    case 'flatten':
    case 'maxPooling1d':
    case 'maxPooling2d':
    case 'averagePooling1d':
    case 'averagePooling2d':
    case 'globalAveragePooling1d':
    case 'globalAveragePooling2d':
    case 'globalMaxPooling1d':
    case 'globalMaxPooling2d':
      return L[layer.type](a);
    default:
      throw new ModelBuildError(`${c.path}: unknown layer type '${String(layer.type)}'`, `${c.path}.type`);
  }
}

function recurrentArgs(a: Record<string, unknown>, c: MakeContext, path: string): Record<string, unknown> {
  return {
    ...a,
    kernelInitializer: c.init(a.kernelInitializer, 'glorotUniform', `${path}.kernelInitializer`),
    recurrentInitializer: c.init(undefined, 'orthogonal', path),
    // recurrent dropout masks draw from the seeded source, not Math.random
    dropoutFunc: c.dropoutFunc,
  };
}

function vocabularySize(preprocessing: Preprocessing, spec: ModelSpecFile): number | undefined {
  const text = preprocessing.features.find((f) => f.kind === 'text');
  if (text && text.kind === 'text') return text.vocabulary.length;
  return spec.data.text?.maxTokens;
}

// ---------------------------------------------------------------- size

/**
 * The model's size on the prepared data (exact input shape and classes), and the problem when training it
 * would need more memory than the limit: the check validation makes on a lower bound, repeated now that a
 * one-hot column's categories or the vocabulary are known. Nothing is allocated.
 */
export function modelSize(spec: ModelSpecFile, preprocessing: Preprocessing, trainRows: number): { estimate: ModelEstimate; tooBig?: { path: string; message: string } } {
  const batchSize = Math.max(1, Math.min(spec.train.batchSize, trainRows || spec.train.batchSize));
  const { estimate } = estimateModel(spec.model.layers, {
    shape: preprocessing.inputShape, exact: true, outputUnits: outputUnits(spec.task, preprocessing),
    vocabulary: vocabularySize(preprocessing, spec) ?? 10000,
  }, { batchSize, optimizer: spec.train.optimizer });
  const problem = modelTooBig(estimate, limit('modelMemoryBytes'), spec.model.layers, spec.train.optimizer.type);
  return { estimate, ...(problem ? { tooBig: { path: `model.layers[${problem.layer}].${problem.field}`, message: problem.message } } : {}) };
}

// ---------------------------------------------------------------- summary

export interface LayerSummary {
  name: string;
  type: string;
  outputShape: Array<number | null>;
  params: number;
  trainable: boolean;
}

export interface ModelSummary {
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

const countOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function summarizeModel(model: LayersModel): ModelSummary {
  const layers: LayerSummary[] = model.layers.map((l) => {
    const shape = l.outputShape;
    const first = Array.isArray(shape[0]) || shape[0] === undefined ? (shape[0] as Array<number | null> | undefined) ?? [] : (shape as Array<number | null>);
    return { name: l.name, type: l.getClassName(), outputShape: first, params: l.countParams(), trainable: l.trainable };
  });
  const trainableParams = model.trainableWeights.reduce((s, w) => s + countOf(w.shape as number[]), 0);
  const nonTrainableParams = model.nonTrainableWeights.reduce((s, w) => s + countOf(w.shape as number[]), 0);
  return { layers, totalParams: trainableParams + nonTrainableParams, trainableParams, nonTrainableParams };
}

/** The summary as a fixed-width table (Keras's model.summary()). */
export function formatSummary(s: ModelSummary): string {
  const rows = s.layers.map((l) => [`${l.name} (${l.type})`, JSON.stringify(l.outputShape).replace(/null/g, 'None'), String(l.params)]);
  const w = [Math.max(20, ...rows.map((r) => r[0].length)), Math.max(14, ...rows.map((r) => r[1].length)), 10];
  const line = (cols: string[]) => cols.map((col, i) => col.padEnd(w[i])).join('  ').trimEnd();
  return [
    line(['Layer (type)', 'Output shape', 'Params']),
    ...rows.map(line),
    `Total params: ${s.totalParams.toLocaleString('en-US')} (trainable ${s.trainableParams.toLocaleString('en-US')}, non-trainable ${s.nonTrainableParams.toLocaleString('en-US')})`,
  ].join('\n');
}
