/**
 * Classification metrics from true class indices and predicted probabilities (plain arrays in,
 * plain JSON out). Conventions follow scikit-learn: precision/recall of a class that is never
 * predicted/present count as 0, the binary positive class is classes[1], multi-class ROC/PR are
 * one-vs-rest with a macro average over classes whose area is defined.
 */
import { binaryCurves, thinPr, thinRoc, type PrCurve, type RocCurve } from './curves';

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface AveragedMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassCurves {
  label: string;
  /** thinned to at most 200 points */
  roc: RocCurve;
  pr: PrCurve;
  /** computed on every point; null when the class is absent or is every sample */
  auc: number | null;
  ap: number | null;
}

export interface Misclassification {
  index: number;
  trueIndex: number;
  predictedIndex: number;
  trueLabel: string;
  predictedLabel: string;
  /** the probability the model gave its (wrong) prediction */
  confidence: number;
  /** the probability the model gave the true class */
  trueProbability: number;
}

export interface ClassificationReport {
  classes: string[];
  n: number;
  accuracy: number;
  perClass: ClassMetrics[];
  macro: AveragedMetrics;
  weighted: AveragedMetrics;
  /** rows = true class, columns = predicted class, counts */
  confusionMatrix: number[][];
  /** mean negative log probability of the true class, probabilities clipped to [1e-15, 1 - 1e-15] */
  logLoss: number;
  curves: {
    /** binary: one curve for classes[1]; ovr: one per class */
    kind: 'binary' | 'ovr';
    perClass: ClassCurves[];
    /** binary: the positive class's AUC; ovr: macro average of the defined ones */
    auc: number | null;
    ap: number | null;
  };
  /** the most confident mistakes first (ties by index), at most `topK` */
  misclassified: Misclassification[];
}

export interface ClassificationOptions {
  /** how many misclassified examples to keep (default 25) */
  topK?: number;
}

const LOG_LOSS_EPS = 1e-15;

const safeDiv = (a: number, b: number) => (b > 0 ? a / b : 0);

/**
 * @param yTrue class index per sample (0..k-1)
 * @param probs n×k row-major probabilities; for two classes an n×1 array of P(classes[1]) is accepted too
 */
export function evaluateClassification(
  yTrue: ArrayLike<number>,
  probs: ArrayLike<number>,
  classes: string[],
  options: ClassificationOptions = {},
): ClassificationReport {
  const n = yTrue.length;
  const k = classes.length;
  if (k < 1) throw new Error('evaluateClassification: no classes given');
  const p = expandProbabilities(probs, n, k);

  const predicted = new Int32Array(n);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  let logLoss = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    if (!Number.isInteger(t) || t < 0 || t >= k) {
      throw new Error(`evaluateClassification: sample ${i} has class index ${t}, expected an integer in 0..${k - 1}`);
    }
    let best = 0;
    let rowSum = 0;
    for (let c = 0; c < k; c++) {
      const v = p[i * k + c];
      rowSum += v;
      if (v > p[i * k + best]) best = c; // first maximum wins, as argmax
    }
    predicted[i] = best;
    confusion[t][best]++;
    if (best === t) correct++;
    const pt = rowSum > 0 ? p[i * k + t] / rowSum : 0;
    logLoss -= Math.log(Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, pt)));
  }

  const perClass: ClassMetrics[] = classes.map((label, c) => {
    let predictedAs = 0;
    let support = 0;
    for (let r = 0; r < k; r++) predictedAs += confusion[r][c];
    for (let col = 0; col < k; col++) support += confusion[c][col];
    const tp = confusion[c][c];
    const precision = safeDiv(tp, predictedAs);
    const recall = safeDiv(tp, support);
    return { label, precision, recall, f1: safeDiv(2 * precision * recall, precision + recall), support };
  });

  const average = (weightOf: (m: ClassMetrics) => number): AveragedMetrics => {
    const total = perClass.reduce((s, m) => s + weightOf(m), 0);
    const mean = (f: (m: ClassMetrics) => number) => safeDiv(perClass.reduce((s, m) => s + weightOf(m) * f(m), 0), total);
    return { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1), support: n };
  };

  return {
    classes: [...classes],
    n,
    accuracy: safeDiv(correct, n),
    perClass,
    macro: average(() => 1),
    weighted: average((m) => m.support),
    confusionMatrix: confusion,
    logLoss: n > 0 ? logLoss / n : 0,
    curves: curvesFor(yTrue, p, classes),
    misclassified: topMistakes(yTrue, p, predicted, classes, options.topK ?? 25),
  };
}

function expandProbabilities(probs: ArrayLike<number>, n: number, k: number): ArrayLike<number> {
  if (probs.length === n * k) return probs;
  if (k === 2 && probs.length === n) {
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      out[2 * i] = 1 - probs[i];
      out[2 * i + 1] = probs[i];
    }
    return out;
  }
  throw new Error(`evaluateClassification: ${probs.length} probabilities for ${n} samples × ${k} classes; expected ${n * k}`);
}

function curvesFor(yTrue: ArrayLike<number>, p: ArrayLike<number>, classes: string[]): ClassificationReport['curves'] {
  const n = yTrue.length;
  const k = classes.length;
  const one = (c: number): ClassCurves => {
    const positive = Array.from({ length: n }, (_, i) => yTrue[i] === c);
    const scores = Array.from({ length: n }, (_, i) => p[i * k + c]);
    const full = binaryCurves(positive, scores);
    return { label: classes[c], roc: thinRoc(full.roc), pr: thinPr(full.pr), auc: full.auc, ap: full.ap };
  };
  if (k === 2) {
    const c = one(1);
    return { kind: 'binary', perClass: [c], auc: c.auc, ap: c.ap };
  }
  const perClass = classes.map((_, c) => one(c));
  const meanOf = (values: Array<number | null>) => {
    const defined = values.filter((v): v is number => v !== null);
    return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
  };
  return { kind: 'ovr', perClass, auc: meanOf(perClass.map((c) => c.auc)), ap: meanOf(perClass.map((c) => c.ap)) };
}

function topMistakes(yTrue: ArrayLike<number>, p: ArrayLike<number>, predicted: Int32Array, classes: string[], topK: number): Misclassification[] {
  const k = classes.length;
  const mistakes: Misclassification[] = [];
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const q = predicted[i];
    if (q === t) continue;
    mistakes.push({
      index: i,
      trueIndex: t,
      predictedIndex: q,
      trueLabel: classes[t],
      predictedLabel: classes[q],
      confidence: p[i * k + q],
      trueProbability: p[i * k + t],
    });
  }
  mistakes.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return mistakes.slice(0, Math.max(0, topK));
}
