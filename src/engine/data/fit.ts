/**
 * Fitting the preprocessing of tabular features and of the label on the TRAINING split, streamed:
 * accumulators see each training row once while the rows are stored (pass 2), then one scan over the
 * stored training rows gives what needs the mean first (the standard deviation, as a two-pass sum, so
 * the numbers equal those of an in-memory computation) and the medians. The conventions are in
 * preprocess.ts; the fitted transforms are the same objects saved in preprocessing.json.
 *
 * Exact everywhere except two documented sketches (README "Data at scale"): the median of more than
 * MEDIAN_EXACT training values comes from a seeded sample of that many; the mode of a numeric column
 * with more than MODE_VALUES distinct training values is the most frequent among the first MODE_VALUES.
 */
import { createRng } from './split';
import { sortClasses } from './preprocess';
import type { FeatureTransform } from './types';
import type { MissingStrategy, NumericScaling, CategoricalEncoding } from './preprocess';
import { GrowableFloat64 } from './growable';

export const MEDIAN_EXACT = 4_000_000;
export const MODE_VALUES = 100_000;

/** Numbers seen in training (numeric or boolean feature, or a regression label). */
export class NumberFit {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** Σ(x − mean)², from the second scan */
  squares = 0;
  private modeCounts?: Map<number, number>;
  private sample?: GrowableFloat64;
  private sampleRng?: ReturnType<typeof createRng>;

  constructor(readonly wantMode: boolean, readonly wantMedian: boolean) {
    if (wantMode) this.modeCounts = new Map();
    if (wantMedian) {
      this.sample = new GrowableFloat64();
      this.sampleRng = createRng(0x5eed);
    }
  }

  add(x: number): void {
    this.count++;
    this.sum += x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const counts = this.modeCounts;
    if (counts) {
      const n = counts.get(x);
      if (n !== undefined) counts.set(x, n + 1);
      else if (counts.size < MODE_VALUES) counts.set(x, 1);
    }
  }

  /** Second scan, after add() has seen every value: x again, in the same order. */
  addSecond(x: number, mean: number): void {
    this.squares += (x - mean) * (x - mean);
    const sample = this.sample;
    if (sample) {
      // reservoir sample (exact when everything fits)
      if (sample.length < MEDIAN_EXACT) sample.push(x);
      else {
        const j = Math.floor((this.sampleRng as ReturnType<typeof createRng>).next() * (this.secondSeen + 1));
        if (j < MEDIAN_EXACT) sample.view()[j] = x;
      }
      this.secondSeen++;
    }
  }
  private secondSeen = 0;

  get mean(): number { return this.count === 0 ? 0 : this.sum / this.count; }
  get std(): number { return this.count === 0 ? 0 : Math.sqrt(this.squares / this.count); }

  median(): number {
    const values = this.sample?.view();
    if (!values || values.length === 0) return 0;
    const sorted = Float64Array.from(values).sort();
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** Most frequent value; ties go to the smallest. */
  mode(): number {
    let best = 0;
    let bestCount = 0;
    for (const [x, n] of this.modeCounts ?? []) if (n > bestCount || (n === bestCount && x < best)) { best = x; bestCount = n; }
    return best;
  }

  impute(strategy: MissingStrategy, dropAs: 'mean' | 'mode'): number | null {
    const s = strategy === 'drop' ? dropAs : strategy;
    switch (s) {
      case 'error': return null;
      case 'zero': return 0;
      case 'median': return this.median();
      case 'mode': return this.mode();
      default: return this.mean;
    }
  }
}

/** What a numeric feature needs from the second scan. */
export const needsSecondScan = (scale: NumericScaling, missing: MissingStrategy) => scale === 'standardize' || missing === 'median';

export function fitNumeric(name: string, fit: NumberFit, scale: NumericScaling, missing: MissingStrategy, warnings: string[]): FeatureTransform {
  if (fit.count === 0) warnings.push(`feature '${name}' has no values in the training split; it is filled with 0`);
  const impute = fit.impute(missing, 'mean');
  let center = 0;
  let divisor = 1;
  if (fit.count > 0 && scale === 'standardize') {
    center = fit.mean;
    divisor = fit.std;
  } else if (fit.count > 0 && scale === 'minmax') {
    center = fit.min;
    divisor = fit.max - fit.min;
  }
  if (scale !== 'none' && fit.count > 0 && !(divisor > 1e-12)) {
    warnings.push(`feature '${name}' has the same value (${fit.min}) in every training row; it carries no information`);
    divisor = 1;
  }
  return { name, kind: 'numeric', impute, scale, center, divisor };
}

export function fitBoolean(name: string, fit: NumberFit, missing: MissingStrategy, warnings: string[]): FeatureTransform {
  if (fit.count === 0) warnings.push(`feature '${name}' has no values in the training split; it is filled with 0`);
  return { name, kind: 'boolean', impute: fit.impute(missing, 'mode') };
}

/** Counts of a categorical feature's values over the training rows, by dictionary id. */
export function fitCategorical(name: string, dictionary: readonly string[], trainCounts: ArrayLike<number>, encoding: CategoricalEncoding, missing: MissingStrategy, warnings: string[]): FeatureTransform {
  const seen = new Set<string>();
  const countOf = new Map<string, number>();
  for (let id = 0; id < dictionary.length; id++) {
    const n = trainCounts[id] ?? 0;
    if (n > 0) {
      seen.add(dictionary[id]);
      countOf.set(dictionary[id], n);
    }
  }
  const categories = sortClasses(seen);
  if (categories.length === 0) warnings.push(`feature '${name}' has no values in the training split; it encodes as all zeros`);
  if (categories.length > 100 && encoding === 'onehot') {
    warnings.push(`feature '${name}' has ${categories.length} categories: one-hot makes ${categories.length} inputs; ` +
      `exclude it if it is an identifier, or use encoding: index`);
  }
  let impute: string | null;
  if (missing === 'error') impute = null;
  else if (missing === 'zero') impute = '';
  else {
    let best = '';
    let bestCount = 0;
    for (const c of categories) { const n = countOf.get(c) ?? 0; if (n > bestCount) { best = c; bestCount = n; } }
    impute = best;
  }
  return { name, kind: 'categorical', encoding, categories, impute };
}
