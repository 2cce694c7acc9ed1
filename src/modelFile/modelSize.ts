/**
 * How big a model is before anything allocates it: each layer's output shape and parameter count from
 * the layer arguments and the input's shape, then the memory training needs (weights, gradients and the
 * optimiser's slots, plus the activations of one batch). A layer of a billion units used to pass
 * validation and grow training to 13 GB; now validation refuses it with the estimate and the limit.
 *
 * Before the data is read, the input's shape is a lower bound (a table's width counts each feature
 * once, categories not yet known), so the estimate never over-states; the engine repeats the check
 * with the exact shape once the data is prepared. No TF.js here: the editor runs this on every keystroke.
 */
import { formatSize, limitHint } from '../limits';
import type { Layer } from './schema';

export interface SizeInput {
  /** one sample's shape as the first layer sees it; undefined when not known (no data read) */
  shape?: number[];
  /** whether `shape` is exact (images, token sequences, prepared data) or a lower bound (a table's header) */
  exact: boolean;
  /** units of the output layer the task adds: the classes (a lower bound before the data is read) or 1 */
  outputUnits: number;
  /** vocabulary size an embedding without `inputDim` gets (data.text.maxTokens) */
  vocabulary: number;
}

export interface TrainSettings {
  batchSize: number;
  optimizer: { type: string; centered?: boolean; momentum?: number };
}

export interface LayerSize {
  /** index in model.layers; the output layer the task adds has index layers.length */
  index: number;
  type: string;
  /** one sample's output shape, when known */
  outputShape?: number[];
  parameters: number;
  /** floats held per sample for the backward pass (outputs, and per-step states of recurrent layers) */
  activations: number;
}

export interface ModelEstimate {
  layers: LayerSize[];
  parameters: number;
  /** floats per sample kept for the backward pass */
  activationsPerSample: number;
  batchSize: number;
  /** weights, their gradients and the optimiser's slots */
  parameterBytes: number;
  /** activations and their gradients for one batch */
  activationBytes: number;
  totalBytes: number;
  /** false when some sizes are lower bounds */
  exact: boolean;
}

export interface SizeProblem {
  layer: number;
  field: string;
  message: string;
}

const BYTES = 4; // float32
/** Optimiser state per parameter, as tf.train keeps it. */
const SLOTS: Record<string, number> = { sgd: 0, momentum: 1, adam: 2, adamax: 2, adagrad: 1, adadelta: 2, rmsprop: 1 };
const RECURRENT_GATES: Record<string, number> = { lstm: 4, gru: 3, simpleRNN: 1 };

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const pair = (v: unknown, fallback: number): [number, number] =>
  Array.isArray(v) ? [Number(v[0]), Number(v[1])] : typeof v === 'number' ? [v, v] : [fallback, fallback];
const one = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : Array.isArray(v) ? Number(v[0]) : fallback);
const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const count = (n: number) => (n >= 1e15 ? n.toExponential(2) : Math.round(n).toLocaleString('en-US'));

/** Output length of a convolution or pooling window along one axis (Keras's conv_output_length). */
function windowOut(size: number, kernel: number, stride: number, padding: unknown, dilation = 1): number {
  if (padding === 'same') return Math.ceil(size / stride);
  return Math.floor((size - ((kernel - 1) * dilation + 1)) / stride) + 1;
}

/**
 * Shapes, parameters and memory of `layers` (plus the output layer the task adds) on `input`.
 * Also returns the size disagreements it can prove (a reshape whose size does not match, a kernel
 * larger than its input), located at the layer's field.
 */
export function estimateModel(layers: readonly Layer[], input: SizeInput, train: TrainSettings): { estimate: ModelEstimate; problems: SizeProblem[] } {
  const problems: SizeProblem[] = [];
  const sizes: LayerSize[] = [];
  let shape = input.shape ? [...input.shape] : undefined;
  let exact = input.exact && shape !== undefined;
  const L = (i: number) => `\`model.layers[${i}]\` (${layers[i]?.type ?? 'dense'})`;
  const all = [...layers];
  if (needsOutputLayer(layers, input.outputUnits)) all.push({ type: 'dense', units: input.outputUnits } as Layer);

  for (const [i, layer] of all.entries()) {
    const a = layer as Record<string, unknown>;
    const inShape = shape;
    const last = inShape && inShape.length > 0 ? inShape[inShape.length - 1] : 1;
    let params = 0;
    let extra = 0; // activations besides the output (recurrent steps)
    switch (layer.type) {
      case 'dense': {
        const units = Number(a.units);
        params = last * units + (a.useBias === false ? 0 : units);
        shape = inShape ? [...inShape.slice(0, -1), units] : [units];
        // A dense layer fixes the last axis: on a flat vector (a table's row) its output size is known.
        if (!inShape || inShape.length <= 1) exact = true;
        break;
      }
      case 'embedding': {
        const outputDim = Number(a.outputDim);
        params = Number(a.inputDim ?? input.vocabulary) * outputDim;
        shape = inShape ? [...inShape, outputDim] : undefined;
        break;
      }
      case 'conv1d':
      case 'conv2d': {
        const spatial = layer.type === 'conv1d' ? 1 : 2;
        const filters = Number(a.filters);
        const k = spatial === 1 ? [one(a.kernelSize, 1)] : pair(a.kernelSize, 1);
        const s = spatial === 1 ? [one(a.strides, 1)] : pair(a.strides, 1);
        const d = spatial === 1 ? [one(a.dilationRate, 1)] : pair(a.dilationRate, 1);
        params = product(k) * last * filters + (a.useBias === false ? 0 : filters);
        if (inShape && inShape.length === spatial + 1) {
          const out = inShape.slice(0, spatial).map((n, j) => windowOut(n, k[j], s[j], a.padding, d[j]));
          if (out.some((n) => n < 1) && exact) {
            problems.push({ layer: i, field: 'kernelSize', message: `${L(i)} has a kernel of ${k.join('×')}${d.some((x) => x > 1) ? ` (dilation ${d.join('×')})` : ''}, larger than its input ${show(inShape.slice(0, spatial))}; use a smaller \`kernelSize\`, \`padding: same\`, or fewer pooling layers before it.` });
          }
          shape = [...out.map((n) => Math.max(1, n)), filters];
        } else {
          shape = undefined;
        }
        break;
      }
      case 'maxPooling1d':
      case 'averagePooling1d':
      case 'maxPooling2d':
      case 'averagePooling2d': {
        const spatial = layer.type.endsWith('1d') ? 1 : 2;
        const p = spatial === 1 ? [one(a.poolSize, 2)] : pair(a.poolSize, 2);
        const s = a.strides === undefined ? p : spatial === 1 ? [one(a.strides, 1)] : pair(a.strides, 1);
        if (inShape && inShape.length === spatial + 1) {
          const out = inShape.slice(0, spatial).map((n, j) => windowOut(n, p[j], s[j], a.padding));
          if (out.some((n) => n < 1) && exact) {
            problems.push({ layer: i, field: 'poolSize', message: `${L(i)} pools windows of ${p.join('×')}, larger than its input ${show(inShape.slice(0, spatial))}; use a smaller \`poolSize\`, \`padding: same\`, or remove a pooling layer.` });
          }
          shape = [...out.map((n) => Math.max(1, n)), last];
        } else {
          shape = undefined;
        }
        break;
      }
      case 'globalAveragePooling1d':
      case 'globalMaxPooling1d':
      case 'globalAveragePooling2d':
      case 'globalMaxPooling2d':
        shape = inShape ? [last] : undefined;
        break;
      case 'flatten':
        shape = inShape ? [product(inShape)] : undefined;
        break;
      case 'reshape': {
        const target = (a.targetShape as number[]).map(Number);
        const size = inShape ? product(inShape) : undefined;
        const known = product(target.filter((n) => n !== -1));
        const free = target.filter((n) => n === -1).length;
        const why = (what: string) => `${L(i)}: \`targetShape\` ${show(target)} ${what}`;
        if (free > 1 || target.some((n) => n === 0 || n < -1)) {
          problems.push({ layer: i, field: 'targetShape', message: why('may hold at most one -1 (the size left over) and no 0.') });
          shape = undefined;
        } else if (size !== undefined && exact && (free === 0 ? known !== size : size % known !== 0)) {
          const from = i === 0 ? 'the model\'s input' : `the output of ${L(i - 1)}`;
          problems.push({ layer: i, field: 'targetShape', message: why(`holds ${free ? `a multiple of ${count(known)}` : count(known)} values, but ${from} has ${count(size)} per sample (${show(inShape as number[])}); the sizes must multiply to ${count(size)}.`) });
          shape = undefined;
        } else {
          shape = size !== undefined ? target.map((n) => (n === -1 ? Math.max(1, Math.floor(size / known)) : n)) : free ? undefined : target;
        }
        break;
      }
      case 'batchNormalization':
        params = 4 * last;
        break;
      case 'layerNormalization':
        params = 2 * last;
        break;
      case 'lstm':
      case 'gru':
      case 'simpleRNN':
      case 'bidirectional': {
        const inner = (layer.type === 'bidirectional' ? (a.layer ?? {}) : a) as Record<string, unknown>;
        const directions = layer.type === 'bidirectional' ? 2 : 1;
        const units = Number(inner.units);
        const gates = RECURRENT_GATES[String(inner.type ?? layer.type)] ?? 4;
        params = directions * gates * (units * (last + units) + (inner.useBias === false ? 0 : units));
        const steps = inShape && inShape.length >= 2 ? inShape[0] : 1;
        // Backpropagation through time keeps every step's gate activations and state.
        extra = directions * steps * units * (gates + 1);
        const merged = layer.type === 'bidirectional' && (a.mergeMode ?? 'concat') === 'concat' ? 2 * units : units;
        shape = inner.returnSequences === true ? [steps, merged] : [merged];
        break;
      }
      default:
        break; // dropout, activation: same shape, no parameters
    }
    sizes.push({ index: i, type: layer.type, outputShape: shape ? [...shape] : undefined, parameters: params, activations: (shape ? product(shape) : 0) + extra });
  }

  const parameters = sizes.reduce((s, l) => s + l.parameters, 0);
  const activationsPerSample = (input.shape ? product(input.shape) : 0) + sizes.reduce((s, l) => s + l.activations, 0);
  const slots = SLOTS[train.optimizer.type] ?? 2;
  const rmspropExtra = train.optimizer.type === 'rmsprop' ? (train.optimizer.centered ? 1 : 0) + (train.optimizer.momentum ? 1 : 0) : 0;
  const parameterBytes = BYTES * parameters * (2 + slots + rmspropExtra);
  const activationBytes = BYTES * 2 * activationsPerSample * train.batchSize;
  return {
    estimate: {
      layers: sizes, parameters, activationsPerSample, batchSize: train.batchSize,
      parameterBytes, activationBytes, totalBytes: parameterBytes + activationBytes, exact,
    },
    problems,
  };
}

/** Whether the task adds an output layer (the engine's rule in src/engine/model.ts, endsWithOutput). */
function needsOutputLayer(layers: readonly Layer[], outputUnits: number): boolean {
  const last = layers[layers.length - 1];
  if (!last || last.type !== 'dense') return true;
  const act = last.activation;
  if (act === 'softmax' || act === 'sigmoid') return false;
  if (act !== undefined && act !== 'linear') return true;
  return last.units !== outputUnits;
}

/**
 * The problem when training would need more memory than `maxBytes`: located at the layer that holds
 * the most of it (its units, filters or outputDim), with the estimate and the limit.
 */
export function modelTooBig(e: ModelEstimate, maxBytes: number, layers: readonly Layer[], optimizer: string): SizeProblem | undefined {
  if (!(e.totalBytes > maxBytes)) return undefined;
  const slots = SLOTS[optimizer] ?? 2;
  const cost = (l: LayerSize) => BYTES * l.parameters * (2 + slots) + BYTES * 2 * l.activations * e.batchSize;
  const inFile = e.layers.filter((l) => l.index < layers.length);
  const worst = inFile.reduce<LayerSize | undefined>((w, l) => (w === undefined || cost(l) > cost(w) ? l : w), undefined);
  const index = worst?.index ?? 0;
  const layer = layers[index] as Record<string, unknown> | undefined;
  const field = ['units', 'filters', 'outputDim'].find((f) => layer?.[f] !== undefined) ?? (layer?.type === 'bidirectional' ? 'layer' : 'type');
  const fewer = field === 'outputDim' ? 'embedding dimensions' : field === 'filters' ? 'filters' : 'units';
  const batch = `a smaller \`train.batchSize\` (now ${e.batchSize})`;
  const fix = e.activationBytes > e.parameterBytes ? `use ${batch}, smaller inputs or fewer ${fewer}` : `use fewer ${fewer} or ${batch}`;
  const layerWords = worst ? ` \`model.layers[${index}]\` (${layers[index]?.type}) holds the most of it${worst.parameters > 0 ? `: ${count(worst.parameters)} parameters` : ''}.` : '';
  return {
    layer: index,
    field,
    message: `this model is too big to train: about ${count(e.parameters)} parameters and ${count(e.activationsPerSample)} activations per sample; ` +
      `training needs about ${formatSize(e.totalBytes)} (${formatSize(e.parameterBytes)} for weights, gradients and ${optimizer}'s state, ` +
      `${formatSize(e.activationBytes)} for a batch of ${e.batchSize}), more than the limit of ${formatSize(maxBytes)}.${layerWords} ` +
      `To train it, ${fix}, or raise the limit (${limitHint('modelMemoryBytes', maxBytes)}).`,
  };
}

/** One line for `inspect` and the log: "12,345 parameters; 1.2 KB of activations per sample; about 3.4 MB to train with batches of 32". */
export function describeEstimate(e: ModelEstimate, maxBytes: number): string {
  const approx = e.exact ? '' : 'at least ';
  return `${approx}${count(e.parameters)} parameters; ${formatSize(BYTES * e.activationsPerSample)} of activations per sample, ` +
    `${formatSize(e.activationBytes)} per batch of ${e.batchSize}; about ${approx}${formatSize(e.totalBytes)} to train (limit ${formatSize(maxBytes)})`;
}
