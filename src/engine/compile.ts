/**
 * Optimiser, loss and metrics from `train`, and the matching encoding of y. Classification trains
 * on one-hot targets with categorical cross-entropy (the same numbers as sparse cross-entropy, and
 * it works on every backend); regression trains on the standardised target.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { LOSSES, METRICS, ModelSpecFile } from '../modelFile/schema';
import type { Preprocessing } from './data/types';
import type { OutputKind } from './model';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type LossOrMetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

export interface Compiled {
  /** metric names in the order trainOnBatch/evaluate return them after the loss */
  metricNames: string[];
  lossName: string;
  /** shape y to what the model's loss expects */
  encodeY(y: Float32Array, n: number): Tensor;
  warnings: string[];
}

export function makeOptimizer(tf: Tf, o: ModelSpecFile['train']['optimizer']): tfTypes.Optimizer {
  const lr = o.learningRate;
  switch (o.type) {
    case 'sgd': return tf.train.sgd(lr);
    case 'momentum': return tf.train.momentum(lr, o.momentum ?? 0.9, o.useNesterov ?? false);
    case 'adam': return tf.train.adam(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon);
    case 'adamax': return tf.train.adamax(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon, o.decay ?? 0);
    case 'adagrad': return tf.train.adagrad(lr, o.initialAccumulatorValue ?? 0.1);
    case 'adadelta': return tf.train.adadelta(lr, o.rho ?? 0.95, o.epsilon);
    case 'rmsprop': return tf.train.rmsprop(lr, o.rho ?? 0.9, o.momentum ?? 0, o.epsilon, o.centered ?? false);
    default: throw new Error(`unknown optimizer '${String((o as { type: unknown }).type)}'`);
  }
}

/** Set the optimiser's learning rate in place (SGD/momentum cache it as a scalar). */
export function setLearningRate(opt: tfTypes.Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

export function getLearningRate(opt: tfTypes.Optimizer): number {
  return (opt as unknown as { learningRate: number }).learningRate;
}

function named<T extends LossOrMetricFn>(name: string, fn: T): T {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

/** Compile the model for this spec; returns how to feed it. */
export function compileModel(tf: Tf, model: tfTypes.LayersModel, spec: ModelSpecFile, preprocessing: Preprocessing, outputKind: OutputKind): Compiled {
  const warnings: string[] = [];
  const k = preprocessing.label.classes?.length ?? 0;
  const loss = spec.train.loss as (typeof LOSSES)[number];
  let lossFn: string | LossOrMetricFn;
  let lossName: string;
  if (spec.task === 'classification') {
    if (loss === 'binaryCrossentropy' && k > 2) {
      // TF.js would train it (one-hot targets, softmax outputs) and report numbers that mean nothing.
      throw Object.assign(new Error(`train.loss is binaryCrossentropy, a loss for 2 classes, but '${preprocessing.label.name}' has ${k} classes; use categoricalCrossentropy (or auto)`), { path: 'train.loss' });
    }
    if (outputKind === 'sigmoid') {
      lossFn = 'binaryCrossentropy';
      lossName = 'binaryCrossentropy';
    } else if (loss === 'auto' || loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy' || loss === 'binaryCrossentropy') {
      lossFn = loss === 'binaryCrossentropy' ? 'binaryCrossentropy' : 'categoricalCrossentropy';
      lossName = loss === 'auto' ? 'categoricalCrossentropy' : loss;
    } else {
      lossFn = regressionLoss(tf, loss);
      lossName = loss;
    }
  } else {
    const l = loss === 'auto' ? 'meanSquaredError' : loss;
    if (l === 'categoricalCrossentropy' || l === 'sparseCategoricalCrossentropy' || l === 'binaryCrossentropy') {
      throw Object.assign(new Error(`train.loss '${l}' is a classification loss but task is regression; use meanSquaredError, meanAbsoluteError or huber`), { path: 'train.loss' });
    }
    lossFn = regressionLoss(tf, l);
    lossName = l;
  }

  const divisor = preprocessing.label.divisor ?? 1;
  const metricNames: string[] = [];
  const metricFns: LossOrMetricFn[] = [];
  const wanted = [...(spec.train.metrics as Array<(typeof METRICS)[number]>)];
  if (spec.task === 'classification' && !wanted.includes('accuracy')) wanted.unshift('accuracy');
  for (const m of wanted) {
    const fn = metricFn(tf, m, spec.task, outputKind, divisor);
    if (!fn) {
      warnings.push(`metric '${m}' does not apply to ${spec.task}; it is left out`);
      continue;
    }
    metricNames.push(m);
    metricFns.push(named(m, fn));
  }

  model.compile({ optimizer: makeOptimizer(tf, spec.train.optimizer), loss: lossFn as never, metrics: metricFns as never });

  const encodeY = (y: Float32Array, n: number): Tensor => {
    if (spec.task === 'classification' && outputKind === 'softmax') {
      const oh = new Float32Array(n * k);
      for (let i = 0; i < n; i++) oh[i * k + y[i]] = 1;
      return tf.tensor2d(oh, [n, k]);
    }
    return tf.tensor2d(y, [n, 1]);
  };
  return { metricNames, lossName, encodeY, warnings };
}

function regressionLoss(tf: Tf, loss: string): string | LossOrMetricFn {
  switch (loss) {
    case 'meanSquaredError':
    case 'meanAbsoluteError':
      return loss;
    case 'huber':
      return named('huber', (yTrue, yPred) => tf.losses.huberLoss(yTrue, yPred, undefined, 1.0, tf.Reduction.NONE).mean(-1));
    default:
      throw Object.assign(new Error(`train.loss '${loss}' is not supported here`), { path: 'train.loss' });
  }
}

function metricFn(tf: Tf, name: string, task: ModelSpecFile['task'], out: OutputKind, divisor: number): LossOrMetricFn | null {
  if (task === 'classification') {
    const predIdx = (yPred: Tensor) => (out === 'sigmoid' ? tf.greater(yPred, 0.5).toInt().reshape([-1]) : tf.argMax(yPred, -1));
    const trueIdx = (yTrue: Tensor) => (out === 'sigmoid' ? yTrue.toInt().reshape([-1]) : tf.argMax(yTrue, -1));
    const perClass = (yTrue: Tensor, yPred: Tensor, which: 'precision' | 'recall') => tf.tidy(() => {
      const k = out === 'sigmoid' ? 2 : (yPred.shape[yPred.shape.length - 1] as number);
      const p = tf.oneHot(predIdx(yPred), k).toFloat();
      const t = tf.oneHot(trueIdx(yTrue), k).toFloat();
      const tp = tf.sum(tf.mul(p, t), 0);
      const denom = tf.sum(which === 'precision' ? p : t, 0);
      // binary: the positive class (index 1); multi-class: macro average over classes seen
      if (k === 2) return tf.divNoNan(tp.slice([1], [1]), denom.slice([1], [1])).reshape([]);
      const present = tf.greater(denom, 0).toFloat();
      return tf.divNoNan(tf.sum(tf.mul(tf.divNoNan(tp, denom), present)), tf.sum(present));
    });
    switch (name) {
      case 'accuracy': return (yTrue, yPred) => tf.equal(trueIdx(yTrue), predIdx(yPred)).toFloat();
      case 'precision': return (yTrue, yPred) => perClass(yTrue, yPred, 'precision');
      case 'recall': return (yTrue, yPred) => perClass(yTrue, yPred, 'recall');
      default: return null;
    }
  }
  // regression: report in the target's own units (training runs on the standardised target)
  switch (name) {
    case 'meanSquaredError': return (yTrue, yPred) => tf.mul(tf.mean(tf.square(tf.sub(yTrue, yPred)), -1), divisor * divisor);
    case 'meanAbsoluteError': return (yTrue, yPred) => tf.mul(tf.mean(tf.abs(tf.sub(yTrue, yPred)), -1), divisor);
    case 'rootMeanSquaredError': return (yTrue, yPred) => tf.mul(tf.sqrt(tf.mean(tf.square(tf.sub(yTrue, yPred)))), divisor);
    default: return null;
  }
}
