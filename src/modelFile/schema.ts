/**
 * The one source of truth for the model-definition file: TypeScript types, the runtime
 * validator, defaults and the JSON Schema written into the build all come from here.
 */
import { Type, type Static, type TLiteral, type TObject, type TUnion } from '@sinclair/typebox';
import { SweepSpec } from './sweepSchema';

const doc = (description: string, extra: Record<string, unknown> = {}) => ({ description, ...extra });

export const TASKS = ['classification', 'regression'] as const;
export const COLUMN_TYPES = ['numeric', 'categorical', 'boolean', 'text', 'image'] as const;
export const MISSING_STRATEGIES = ['drop', 'mean', 'median', 'mode', 'zero', 'error'] as const;
export const NUMERIC_SCALINGS = ['standardize', 'minmax', 'none'] as const;
export const CATEGORICAL_ENCODINGS = ['onehot', 'index'] as const;
export const DATA_FORMATS = ['csv', 'tsv', 'json', 'jsonl', 'parquet', 'arrow', 'images', 'auto'] as const;
export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamax', 'adagrad', 'adadelta', 'rmsprop'] as const;
export const LOSSES = [
  'auto', 'meanSquaredError', 'meanAbsoluteError', 'huber', 'binaryCrossentropy',
  'categoricalCrossentropy', 'sparseCategoricalCrossentropy',
] as const;
export const METRICS = ['accuracy', 'precision', 'recall', 'meanSquaredError', 'meanAbsoluteError', 'rootMeanSquaredError'] as const;
export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export const ACTIVATIONS = [
  'linear', 'relu', 'relu6', 'elu', 'selu', 'softplus', 'softsign', 'sigmoid', 'hardSigmoid',
  'tanh', 'softmax', 'swish', 'mish', 'gelu',
] as const;
export const LR_SCHEDULES = ['reduceOnPlateau', 'exponentialDecay', 'stepDecay', 'cosine'] as const;
export const SPLITS = ['train', 'validation', 'test'] as const;

// Typed as a union of its literals, so Static<> gives 'a' | 'b' rather than unknown.
const literalUnion = <T extends readonly string[]>(values: T, description: string, def?: T[number]) =>
  Type.Union(values.map((v) => Type.Literal(v)) as never, doc(description, def === undefined ? {} : { default: def })) as unknown as TUnion<TLiteral<T[number]>[]>;

const Strict = { additionalProperties: false } as const;

// ---------------------------------------------------------------- data

export const ColumnSpec = Type.Object({
  type: Type.Optional(literalUnion(COLUMN_TYPES, 'Column type; inferred from the data when omitted.')),
  missing: Type.Optional(literalUnion(MISSING_STRATEGIES, 'Missing-value strategy for this column (overrides data.preprocess.missing).')),
  scale: Type.Optional(literalUnion(NUMERIC_SCALINGS, 'Numeric scaling for this column (overrides data.preprocess.numeric).')),
  encoding: Type.Optional(literalUnion(CATEGORICAL_ENCODINGS, 'Categorical encoding for this column (overrides data.preprocess.categorical).')),
}, { ...Strict, description: 'Per-column overrides.' });

export const TextOptions = Type.Object({
  maxTokens: Type.Integer({ minimum: 2, default: 10000, description: 'Vocabulary size: the most frequent tokens in the training split, including padding and out-of-vocabulary.' }),
  sequenceLength: Type.Integer({ minimum: 1, default: 100, description: 'Token sequences are padded or truncated to this length.' }),
  lowercase: Type.Boolean({ default: true, description: 'Lower-case text before tokenising.' }),
  stripPunctuation: Type.Boolean({ default: true, description: 'Treat punctuation as separators.' }),
}, { ...Strict, description: 'How text columns are tokenised.' });

export const AugmentOptions = Type.Object({
  flipHorizontal: Type.Boolean({ default: false, description: 'Randomly mirror images left-right (training only).' }),
  flipVertical: Type.Boolean({ default: false, description: 'Randomly mirror images top-bottom (training only).' }),
  rotate: Type.Number({ minimum: 0, maximum: 180, default: 0, description: 'Maximum random rotation in degrees (training only).' }),
  shift: Type.Number({ minimum: 0, maximum: 0.5, default: 0, description: 'Maximum random shift as a fraction of the image size (training only).' }),
  brightness: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'Maximum random brightness change, as a fraction (training only).' }),
}, { ...Strict, description: 'Random augmentation applied to training images only.' });

export const ImageOptions = Type.Object({
  size: Type.Tuple([Type.Integer({ minimum: 1, maximum: 4096 }), Type.Integer({ minimum: 1, maximum: 4096 })], { default: [28, 28], description: '[height, width] images are resized to.' }),
  channels: Type.Union([Type.Literal(1), Type.Literal(3)], { default: 3, description: '1 (greyscale) or 3 (RGB).' }),
  scale: literalUnion(['unit', 'standardize'] as const, "'unit' scales pixels to [0,1]; 'standardize' to zero mean, unit variance per channel.", 'unit'),
  augment: Type.Optional(AugmentOptions),
  onError: literalUnion(['skip', 'fail'] as const, "What to do with an unreadable image: 'skip' with a warning, or 'fail'.", 'fail'),
}, { ...Strict, description: 'How images are decoded and scaled.' });

export const PreprocessSpec = Type.Object({
  missing: literalUnion(MISSING_STRATEGIES, 'Missing values: drop the row, impute (mean, median, mode, zero) or fail (error).', 'mean'),
  numeric: literalUnion(NUMERIC_SCALINGS, 'Numeric scaling, fitted on the training split.', 'standardize'),
  categorical: literalUnion(CATEGORICAL_ENCODINGS, 'Categorical feature encoding.', 'onehot'),
}, { ...Strict, default: {}, description: 'Preprocessing, fitted on the training split and saved with the model.' });

export const SplitSpec = Type.Object({
  validation: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.15, description: 'Fraction of rows for validation.' }),
  test: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.15, description: 'Fraction of rows for the test split (the report).' }),
  seed: Type.Integer({ default: 42, description: 'Seed of the split: the same seed gives the same rows on every machine.' }),
  stratify: Type.Boolean({ default: true, description: 'Keep class proportions in every split (classification).' }),
  shuffle: Type.Boolean({ default: true, description: 'Shuffle rows before splitting.' }),
}, { ...Strict, default: {}, description: 'How rows are split into train / validation / test.' });

export const DataSpec = Type.Object({
  source: Type.String({ minLength: 1, description: 'Data file (csv, tsv, json, jsonl) or folder of images/texts with one subfolder per class, relative to the model file.' }),
  format: literalUnion(DATA_FORMATS, 'File format; inferred from the extension when auto.', 'auto'),
  delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1, description: 'Field delimiter for delimited text (default: , for csv, tab for tsv).' })),
  label: Type.String({ minLength: 1, description: 'The target column.' }),
  features: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true, description: 'Input columns (default: every other column).' })),
  exclude: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true, description: 'Columns to leave out when features is not given (ids, leaks).' })),
  columns: Type.Optional(Type.Record(Type.String(), ColumnSpec, { description: 'Per-column type and preprocessing overrides.' })),
  preprocess: PreprocessSpec,
  split: SplitSpec,
  text: Type.Optional(TextOptions),
  image: Type.Optional(ImageOptions),
}, { ...Strict, description: 'Where the data is and how to prepare it.' });

// ---------------------------------------------------------------- model

const Int = (description: string, extra: Record<string, unknown> = {}) => Type.Integer({ minimum: 1, description, ...extra });
const IntOrPair = (description: string) =>
  Type.Union([Type.Integer({ minimum: 1 }), Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })])], { description });
const Act = () => literalUnion(ACTIVATIONS, 'Activation function.');
const Padding = () => literalUnion(['valid', 'same'] as const, "Padding: 'valid' or 'same'.");
const Initializer = () => Type.String({ description: 'Kernel initialiser (e.g. glorotUniform, heNormal).' });
const Reg = () => Type.Object({ l1: Type.Optional(Type.Number({ minimum: 0 })), l2: Type.Optional(Type.Number({ minimum: 0 })) }, { ...Strict, description: 'L1/L2 weight penalty.' });
const common = {
  name: Type.Optional(Type.String({ description: 'Layer name (unique).' })),
  trainable: Type.Optional(Type.Boolean({ description: 'Whether the layer\'s weights train.' })),
};
const recurrent = {
  ...common,
  units: Int('Output units.'),
  activation: Type.Optional(Act()),
  recurrentActivation: Type.Optional(Act()),
  returnSequences: Type.Optional(Type.Boolean({ description: 'Return the full sequence (needed before another recurrent layer).' })),
  dropout: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
  recurrentDropout: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
  useBias: Type.Optional(Type.Boolean()),
};
const conv = (spatial: 1 | 2) => ({
  ...common,
  filters: Int('Number of filters.'),
  kernelSize: spatial === 1 ? Type.Integer({ minimum: 1, description: 'Kernel width.' }) : IntOrPair('Kernel size: n or [h, w].'),
  strides: Type.Optional(spatial === 1 ? Type.Integer({ minimum: 1 }) : IntOrPair('Strides: n or [h, w].')),
  padding: Type.Optional(Padding()),
  activation: Type.Optional(Act()),
  useBias: Type.Optional(Type.Boolean()),
  kernelInitializer: Type.Optional(Initializer()),
  kernelRegularizer: Type.Optional(Reg()),
  dilationRate: Type.Optional(spatial === 1 ? Type.Integer({ minimum: 1 }) : IntOrPair('Dilation.')),
});
const pool = (spatial: 1 | 2) => ({
  ...common,
  poolSize: Type.Optional(spatial === 1 ? Type.Integer({ minimum: 1 }) : IntOrPair('Pool size: n or [h, w].')),
  strides: Type.Optional(spatial === 1 ? Type.Integer({ minimum: 1 }) : IntOrPair('Strides.')),
  padding: Type.Optional(Padding()),
});

/** Arguments each layer type accepts (camelCase, as tf.layers). `type` is added to each. */
export const LAYER_ARGS = {
  dense: { ...common, units: Int('Output units.'), activation: Type.Optional(Act()), useBias: Type.Optional(Type.Boolean()), kernelInitializer: Type.Optional(Initializer()), kernelRegularizer: Type.Optional(Reg()) },
  dropout: { ...common, rate: Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'Fraction of units dropped during training.' }) },
  batchNormalization: { ...common, momentum: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })), epsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0 })), axis: Type.Optional(Type.Integer()) },
  layerNormalization: { ...common, epsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0 })) },
  activation: { ...common, activation: Act() },
  flatten: { ...common },
  reshape: { ...common, targetShape: Type.Array(Type.Integer({ minimum: -1 }), { minItems: 1, description: 'Output shape without the batch dimension.' }) },
  conv1d: conv(1),
  conv2d: conv(2),
  maxPooling1d: pool(1),
  maxPooling2d: pool(2),
  averagePooling1d: pool(1),
  averagePooling2d: pool(2),
  globalAveragePooling1d: { ...common },
  globalAveragePooling2d: { ...common },
  globalMaxPooling1d: { ...common },
  globalMaxPooling2d: { ...common },
  embedding: { ...common, outputDim: Int('Embedding size.'), inputDim: Type.Optional(Int('Vocabulary size (default: from data.text.maxTokens).')), maskZero: Type.Optional(Type.Boolean()) },
  lstm: recurrent,
  gru: recurrent,
  simpleRNN: recurrent,
  bidirectional: {
    ...common,
    layer: Type.Object({ type: literalUnion(['lstm', 'gru', 'simpleRNN'] as const, 'Wrapped recurrent layer.'), ...recurrent }, { ...Strict, description: 'The recurrent layer to run in both directions.' }),
    mergeMode: Type.Optional(literalUnion(['concat', 'sum', 'mul', 'ave'] as const, 'How the two directions are merged.')),
  },
} as const;

export type LayerType = keyof typeof LAYER_ARGS;
export const LAYER_TYPES = Object.keys(LAYER_ARGS) as LayerType[];

/** One schema per layer type: `{ type: '<name>', ...args }`, no other keys. */
export const LAYER_SCHEMAS: Record<LayerType, TObject> = Object.fromEntries(
  LAYER_TYPES.map((t) => [t, Type.Object({ type: Type.Literal(t), ...LAYER_ARGS[t] } as never, { ...Strict, title: t })]),
) as unknown as Record<LayerType, TObject>;

/** A layer as the file writes it; arguments are checked per type by LAYER_SCHEMAS. */
export const LayerSpec = Type.Object(
  { type: literalUnion(LAYER_TYPES as unknown as readonly string[], 'Keras layer type (camelCase as tf.layers).') },
  { additionalProperties: true, description: 'A layer: its type and tf.layers arguments.' },
);
export interface Layer { type: LayerType; [arg: string]: unknown }

export const ModelSpec = Type.Object({
  layers: Type.Array(LayerSpec, { default: [], description: 'Layers in order; the output layer is added from the task when the list does not end with one.' }),
}, { ...Strict, default: {}, description: 'The network.' });

// ---------------------------------------------------------------- train

export const OptimizerSpec = Type.Object({
  type: literalUnion(OPTIMIZERS, 'Optimiser.', 'adam'),
  learningRate: Type.Number({ exclusiveMinimum: 0, default: 0.01, description: 'Initial learning rate (0.01 suits small tabular models; CNNs and RNNs often want 0.001).' }),
  momentum: Type.Optional(Type.Number({ minimum: 0, description: 'Momentum (momentum, rmsprop).' })),
  useNesterov: Type.Optional(Type.Boolean({ description: 'Nesterov momentum (momentum).' })),
  beta1: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'adam/adamax beta1.' })),
  beta2: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'adam/adamax beta2.' })),
  epsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Numerical-stability epsilon.' })),
  rho: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'adadelta/rmsprop decay.' })),
  decay: Type.Optional(Type.Number({ minimum: 0, description: 'rmsprop/adamax decay.' })),
  initialAccumulatorValue: Type.Optional(Type.Number({ minimum: 0, description: 'adagrad initial accumulator.' })),
  centered: Type.Optional(Type.Boolean({ description: 'rmsprop centred.' })),
}, { ...Strict, default: {}, description: 'Optimiser and its parameters.' });

export const EarlyStoppingSpec = Type.Object({
  monitor: Type.String({ default: 'val_loss', description: 'Metric to watch, e.g. val_loss, val_accuracy.' }),
  patience: Type.Integer({ minimum: 0, default: 10, description: 'Epochs without improvement before stopping.' }),
  minDelta: Type.Number({ minimum: 0, default: 0, description: 'Smallest change that counts as improvement.' }),
  mode: literalUnion(['auto', 'min', 'max'] as const, 'Whether the monitored value should go down (min) or up (max).', 'auto'),
  restoreBestWeights: Type.Boolean({ default: true, description: 'Restore the weights of the best epoch at the end.' }),
}, { ...Strict, description: 'Stop when the monitored metric stops improving.' });

export const LrScheduleSpec = Type.Object({
  type: literalUnion(LR_SCHEDULES, 'Learning-rate schedule.'),
  factor: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'reduceOnPlateau/stepDecay: multiply the rate by this.' })),
  patience: Type.Optional(Type.Integer({ minimum: 0, description: 'reduceOnPlateau: epochs without improvement before reducing.' })),
  monitor: Type.Optional(Type.String({ description: 'reduceOnPlateau: metric to watch (default val_loss).' })),
  minLearningRate: Type.Optional(Type.Number({ minimum: 0, description: 'Lower bound of the rate.' })),
  decayRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'exponentialDecay: rate multiplied by decayRate^(epoch/decaySteps).' })),
  decaySteps: Type.Optional(Type.Integer({ minimum: 1, description: 'exponentialDecay: epochs per decay period.' })),
  stepSize: Type.Optional(Type.Integer({ minimum: 1, description: 'stepDecay: epochs between drops.' })),
  warmupEpochs: Type.Optional(Type.Integer({ minimum: 0, description: 'cosine: linear warm-up epochs.' })),
}, { ...Strict, description: 'How the learning rate changes over epochs.' });

export const TrainSpec = Type.Object({
  epochs: Type.Integer({ minimum: 1, default: 100, description: 'Passes over the training split.' }),
  batchSize: Type.Integer({ minimum: 1, default: 32, description: 'Rows per gradient step.' }),
  shuffle: Type.Boolean({ default: true, description: 'Shuffle the training rows every epoch.' }),
  optimizer: OptimizerSpec,
  loss: literalUnion(LOSSES, 'Loss; auto picks from the task.', 'auto'),
  metrics: Type.Array(literalUnion(METRICS, 'Metric.'), { default: [], uniqueItems: true, description: 'Metrics reported each epoch (accuracy is added for classification).' }),
  earlyStopping: Type.Optional(EarlyStoppingSpec),
  lrSchedule: Type.Optional(LrScheduleSpec),
  seed: Type.Integer({ default: 42, description: 'Seed: the same file, seed and backend give the same numbers.' }),
  backend: literalUnion(BACKENDS, 'Where to train; auto picks the fastest that works.', 'auto'),
}, { ...Strict, default: {}, description: 'How to train.' });

export const EvaluateSpec = Type.Object({
  split: literalUnion(SPLITS, 'Which split the report is computed on.', 'test'),
}, { ...Strict, default: {}, description: 'Evaluation.' });

export const DeploySpec = Type.Object({
  host: Type.String({ default: '127.0.0.1', description: 'Address the model server binds.' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8501, description: 'Port of the model server (TF Serving uses 8501).' }),
}, { ...Strict, default: {}, description: 'The local model server.' });

export const ModelFileSchema = Type.Object({
  $schema: Type.Optional(Type.String()),
  name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 100, description: 'Model name: used for run folders and the served model.' }),
  description: Type.Optional(Type.String({ description: 'Free text.' })),
  task: literalUnion(TASKS, 'classification or regression.'),
  data: DataSpec,
  model: ModelSpec,
  train: TrainSpec,
  evaluate: EvaluateSpec,
  deploy: DeploySpec,
  sweep: Type.Optional(SweepSpec),
}, { ...Strict, $id: 'https://model-studio.local/model-file.schema.json', title: 'Model Studio model file' });

/**
 * Every integer field holds an exact integer: |x| ≤ 2^53 − 1 unless it says less. `epochs: 1e20` or
 * `seed: 1e30` are integers to JSON but not to the engine (they validated, then misbehaved).
 */
function boundIntegers(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  const s = schema as Record<string, unknown>;
  if (s.type === 'integer') {
    if (typeof s.maximum !== 'number' && typeof s.exclusiveMaximum !== 'number') s.maximum = Number.MAX_SAFE_INTEGER;
    if (typeof s.minimum !== 'number' && typeof s.exclusiveMinimum !== 'number') s.minimum = -Number.MAX_SAFE_INTEGER;
  }
  for (const key of ['properties', 'patternProperties']) {
    const children = s[key];
    if (typeof children === 'object' && children !== null) for (const c of Object.values(children)) boundIntegers(c);
  }
  for (const key of ['items', 'additionalProperties', 'anyOf', 'oneOf', 'allOf']) {
    const c = s[key];
    if (Array.isArray(c)) c.forEach(boundIntegers);
    else boundIntegers(c);
  }
}
boundIntegers(ModelFileSchema);
for (const schema of Object.values(LAYER_SCHEMAS)) boundIntegers(schema);

/** The resolved spec: defaults filled (what spec.json holds). */
export type ModelSpecFile = Static<typeof ModelFileSchema> & { model: { layers: Layer[] } };
export type DataConfig = Static<typeof DataSpec>;
export type TrainConfig = Static<typeof TrainSpec>;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export type Task = (typeof TASKS)[number];
export type BackendName = (typeof BACKENDS)[number];
