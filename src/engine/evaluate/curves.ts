/**
 * ROC and precision-recall curves of one binary problem, computed the way scikit-learn does
 * (`_binary_clf_curve`): one point per distinct score, so tied scores move the curve
 * diagonally and get half credit in the AUC. Areas use every point; the curves handed to the
 * dashboard are thinned afterwards.
 */

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** score at or above which a sample counts as positive; the first point (0, 0) uses max score + 1 */
  thresholds: number[];
}

export interface PrCurve {
  /** ordered from the highest threshold (recall 0, precision 1) to the lowest */
  precision: number[];
  recall: number[];
  /** one fewer than the points: the first point (recall 0) has no threshold of its own */
  thresholds: number[];
}

export interface BinaryCurves {
  roc: RocCurve;
  pr: PrCurve;
  /** null when the samples hold only positives or only negatives (the area is undefined) */
  auc: number | null;
  ap: number | null;
}

/** Largest number of points a thinned curve keeps. */
export const MAX_CURVE_POINTS = 200;

/**
 * Cumulative true and false positives at each distinct score, scores taken from highest to lowest.
 * `positive[i]` says whether sample i belongs to the positive class.
 */
function cumulativeCounts(positive: ArrayLike<boolean>, scores: ArrayLike<number>): { tps: number[]; fps: number[]; thresholds: number[] } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const tps: number[] = [];
  const fps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j];
    if (positive[i]) tp++;
    else fp++;
    // close a group only where the next score differs: tied scores form one point
    const next = j + 1 < n ? scores[order[j + 1]] : undefined;
    if (next === undefined || next !== scores[i]) {
      tps.push(tp);
      fps.push(fp);
      thresholds.push(scores[i]);
    }
  }
  return { tps, fps, thresholds };
}

/** Trapezoidal area under y(x). */
export function trapezoid(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

export function binaryCurves(positive: ArrayLike<boolean>, scores: ArrayLike<number>): BinaryCurves {
  const { tps, fps, thresholds } = cumulativeCounts(positive, scores);
  const totalPos = tps.length ? tps[tps.length - 1] : 0;
  const totalNeg = fps.length ? fps[fps.length - 1] : 0;

  const roc: RocCurve = {
    fpr: [0, ...fps.map((f) => (totalNeg > 0 ? f / totalNeg : 0))],
    tpr: [0, ...tps.map((t) => (totalPos > 0 ? t / totalPos : 0))],
    thresholds: [thresholds.length ? thresholds[0] + 1 : 1, ...thresholds],
  };
  const auc = totalPos > 0 && totalNeg > 0 ? trapezoid(roc.fpr, roc.tpr) : null;

  const pr: PrCurve = { precision: [1], recall: [0], thresholds: [] };
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < tps.length; i++) {
    const precision = tps[i] / (tps[i] + fps[i]);
    const recall = totalPos > 0 ? tps[i] / totalPos : 0;
    // step-wise sum without interpolation, as average_precision_score
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
    pr.precision.push(precision);
    pr.recall.push(recall);
    pr.thresholds.push(thresholds[i]);
  }
  return { roc, pr, auc, ap: totalPos > 0 ? ap : null };
}

/**
 * Drop points that lie on a straight segment between their neighbours (they add nothing to the
 * picture or the area), as roc_curve's drop_intermediate does.
 */
function dropCollinear(xs: readonly number[], ys: readonly number[]): number[] {
  const keep: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    if (i === 0 || i === xs.length - 1) {
      keep.push(i);
      continue;
    }
    const cross = (xs[i] - xs[i - 1]) * (ys[i + 1] - ys[i]) - (ys[i] - ys[i - 1]) * (xs[i + 1] - xs[i]);
    if (Math.abs(cross) > 1e-12) keep.push(i);
  }
  return keep;
}

/** Indices 0..n-1 thinned evenly to at most `max`, always keeping the first and the last. */
export function evenlySpaced(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  if (max <= 1) return [0];
  const out: number[] = [];
  for (let j = 0; j < max; j++) out.push(Math.round((j * (n - 1)) / (max - 1)));
  return out;
}

function pick<T>(values: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => values[i]);
}

export function thinRoc(roc: RocCurve, max = MAX_CURVE_POINTS): RocCurve {
  const kept = dropCollinear(roc.fpr, roc.tpr);
  const idx = pick(kept, evenlySpaced(kept.length, max));
  return { fpr: pick(roc.fpr, idx), tpr: pick(roc.tpr, idx), thresholds: pick(roc.thresholds, idx) };
}

export function thinPr(pr: PrCurve, max = MAX_CURVE_POINTS): PrCurve {
  const idx = evenlySpaced(pr.precision.length, max);
  // point i > 0 has threshold i - 1; the first point has none
  return {
    precision: pick(pr.precision, idx),
    recall: pick(pr.recall, idx),
    thresholds: idx.filter((i) => i > 0).map((i) => pr.thresholds[i - 1]),
  };
}
