/**
 * Regression metrics from actual and predicted values (in the target's own units). Residual =
 * actual − predicted. R² follows scikit-learn's r2_score: 1 − SS_res/SS_tot, and when the actual
 * values are constant, 1 for a perfect prediction and 0 otherwise.
 */
import { evenlySpaced } from './curves';

export interface ResidualSummary {
  mean: number;
  std: number;
  min: number;
  max: number;
  /** linear interpolation between order statistics, as numpy's default */
  quantiles: { p5: number; p25: number; p50: number; p75: number; p95: number };
}

export interface Histogram {
  /** bins + 1 edges; the last bin includes its right edge */
  edges: number[];
  counts: number[];
}

export interface RegressionReport {
  n: number;
  mse: number;
  rmse: number;
  mae: number;
  r2: number;
  medianAbsoluteError: number;
  maxError: number;
  residuals: ResidualSummary;
  histogram: Histogram;
  /** at most 1000 (index, actual, predicted) triples, evenly spaced over the samples */
  pairs: Array<{ index: number; actual: number; predicted: number }>;
}

export const MAX_PAIRS = 1000;

export function evaluateRegression(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionReport {
  const n = yTrue.length;
  if (yPred.length !== n) throw new Error(`evaluateRegression: ${n} actual values but ${yPred.length} predictions`);
  const residuals = new Float64Array(n);
  let sumSq = 0;
  let sumAbs = 0;
  let maxError = 0;
  let sumTrue = 0;
  for (let i = 0; i < n; i++) {
    const r = yTrue[i] - yPred[i];
    residuals[i] = r;
    sumSq += r * r;
    sumAbs += Math.abs(r);
    maxError = Math.max(maxError, Math.abs(r));
    sumTrue += yTrue[i];
  }
  const meanTrue = n ? sumTrue / n : 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) ssTot += (yTrue[i] - meanTrue) ** 2;
  const r2 = ssTot > 0 ? 1 - sumSq / ssTot : sumSq === 0 ? 1 : 0;
  const mse = n ? sumSq / n : 0;
  const absSorted = Float64Array.from(residuals, Math.abs).sort();

  return {
    n,
    mse,
    rmse: Math.sqrt(mse),
    mae: n ? sumAbs / n : 0,
    r2,
    medianAbsoluteError: quantile(absSorted, 0.5),
    maxError,
    residuals: summarize(residuals),
    histogram: histogram(residuals),
    pairs: evenlySpaced(n, MAX_PAIRS).map((i) => ({ index: i, actual: yTrue[i], predicted: yPred[i] })),
  };
}

/** q-quantile of ascending values with linear interpolation (numpy 'linear'); 0 when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function summarize(values: Float64Array): ResidualSummary {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : 0;
  const variance = n ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / n : 0;
  return {
    mean,
    std: Math.sqrt(variance),
    min: n ? sorted[0] : 0,
    max: n ? sorted[n - 1] : 0,
    quantiles: {
      p5: quantile(sorted, 0.05),
      p25: quantile(sorted, 0.25),
      p50: quantile(sorted, 0.5),
      p75: quantile(sorted, 0.75),
      p95: quantile(sorted, 0.95),
    },
  };
}

/** Equal-width bins over [min, max]; about √n bins, between 1 and 50. */
export function histogram(values: ArrayLike<number>, bins?: number): Histogram {
  const n = values.length;
  if (n === 0) return { edges: [], counts: [] };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  if (min === max) {
    // every value equal: one bin of width 1 centred on it
    return { edges: [min - 0.5, max + 0.5], counts: [n] };
  }
  const b = bins ?? Math.min(50, Math.max(1, Math.ceil(Math.sqrt(n))));
  const width = (max - min) / b;
  const edges = Array.from({ length: b + 1 }, (_, j) => (j === b ? max : min + j * width));
  const counts = new Array<number>(b).fill(0);
  for (let i = 0; i < n; i++) counts[Math.min(b - 1, Math.floor((values[i] - min) / width))]++;
  return { edges, counts };
}
