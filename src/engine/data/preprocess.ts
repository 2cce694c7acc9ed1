/**
 * Preprocessing of tabular features and the label: fitted on the TRAINING split only, saved as a
 * plain JSON object (preprocessing.json), and applied the same way to training rows and to raw
 * records sent to a served model (`encodeRecords` is the one encoder for both).
 *
 * Conventions (also in the README):
 * - numeric: missing → impute (mean/median/mode of the training values, or 0), then scale:
 *   standardize (x − mean) / std (population std), minmax (x − min) / (max − min), none. Statistics use
 *   the observed (non-missing) training values. A constant column gets divisor 1 (and a warning).
 * - boolean: 1 / 0, not scaled; missing → the training mean / median / mode, or 0.
 * - categorical: categories are the training values, sorted. onehot → one slot per category; an unseen
 *   category (at predict time, or only in validation/test) encodes as all zeros. index → the category's
 *   position; an unseen category gets the reserved index `categories.length`. Missing → the training
 *   mode for mean/median/mode/drop, "unseen" for zero.
 * - 'drop' removes rows with a missing value before the split; at predict time it imputes like 'mode'
 *   (categorical, boolean) or 'mean' (numeric). 'error' refuses missing values (impute = null).
 * - label: classification → class index, classes sorted (numerically when all are numbers);
 *   regression → standardised with the training mean/std (label.center / label.divisor), so
 *   predictions must go through `unscaleTarget`.
 */
import type { Task } from '../../modelFile/schema';
import { categoryOf, isMissing, parseBoolean, parseNumber } from './infer';
import { DataError, preview, type FeatureTransform, type Preprocessing, type RawRecord } from './types';

export type MissingStrategy = Preprocessing['missing'];
export type NumericScaling = 'standardize' | 'minmax' | 'none';
export type CategoricalEncoding = 'onehot' | 'index';

/** One input column ready to fit: its values over ALL rows, and how it should be treated. */
export type FeatureColumn =
  | { name: string; kind: 'numeric'; values: Float64Array; missing: MissingStrategy; scale: NumericScaling }
  | { name: string; kind: 'boolean'; values: Float64Array; missing: MissingStrategy }
  | { name: string; kind: 'categorical'; values: Array<string | null>; missing: MissingStrategy; encoding: CategoricalEncoding };

export interface FitInput {
  task: Task;
  features: FeatureColumn[];
  /** label values over ALL rows (strings for classification, numbers for regression) */
  label: { name: string; values: ReadonlyArray<string | number> };
  /** rows the statistics are computed from */
  trainIndices: readonly number[];
  /** the global strategy (stored for the record; per-feature strategies live in each transform) */
  missing: MissingStrategy;
}

/** Fit every transform on the training rows. Warnings are for people (constant columns, empty columns). */
export function fitPreprocessing(input: FitInput): { preprocessing: Preprocessing; warnings: string[] } {
  const warnings: string[] = [];
  const train = input.trainIndices;
  const features: FeatureTransform[] = input.features.map((f) => {
    if (f.kind === 'categorical') return fitCategorical(f, train, warnings);
    const observed: number[] = [];
    for (const i of train) if (!Number.isNaN(f.values[i])) observed.push(f.values[i]);
    if (observed.length === 0) warnings.push(`feature '${f.name}' has no values in the training split; it is filled with 0`);
    if (f.kind === 'boolean') return { name: f.name, kind: 'boolean', impute: imputeNumber(observed, f.missing, 'mode') };
    return fitNumeric(f, observed, warnings);
  });
  const encodedNames = features.flatMap((t) =>
    t.kind === 'categorical' && t.encoding === 'onehot' ? t.categories.map((c) => `${t.name}=${c}`) : [t.name]);
  const label: Preprocessing['label'] = { name: input.label.name };
  if (input.task === 'classification') {
    // A missing label (NaN, as the pipeline marks rows it leaves out) is never a class.
    const present = input.label.values.filter((v) => !isMissing(v));
    label.classes = sortClasses(new Set(present.map((v) => categoryOf(v))));
  } else {
    const ys = train.map((i) => Number(input.label.values[i]));
    const { mean, std } = meanStd(ys);
    label.center = mean;
    label.divisor = std > 1e-12 ? std : 1;
  }
  const preprocessing: Preprocessing = {
    format: 'model-studio-preprocessing',
    version: 1,
    task: input.task,
    inputKind: 'tabular',
    inputShape: [encodedNames.length],
    features,
    encodedNames,
    label,
    missing: input.missing,
  };
  return { preprocessing, warnings };
}

function fitNumeric(f: Extract<FeatureColumn, { kind: 'numeric' }>, observed: number[], warnings: string[]): FeatureTransform {
  const impute = imputeNumber(observed, f.missing, 'mean');
  let center = 0;
  let divisor = 1;
  if (observed.length > 0 && f.scale === 'standardize') {
    const { mean, std } = meanStd(observed);
    center = mean;
    divisor = std;
  } else if (observed.length > 0 && f.scale === 'minmax') {
    let min = Infinity;
    let max = -Infinity;
    for (const x of observed) { if (x < min) min = x; if (x > max) max = x; }
    center = min;
    divisor = max - min;
  }
  if (f.scale !== 'none' && observed.length > 0 && !(divisor > 1e-12)) {
    warnings.push(`feature '${f.name}' has the same value (${observed[0]}) in every training row; it carries no information`);
    divisor = 1;
  }
  return { name: f.name, kind: 'numeric', impute, scale: f.scale, center, divisor };
}

function fitCategorical(f: Extract<FeatureColumn, { kind: 'categorical' }>, train: readonly number[], warnings: string[]): FeatureTransform {
  const counts = new Map<string, number>();
  for (const i of train) {
    const v = f.values[i];
    if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const categories = sortClasses(new Set(counts.keys()));
  if (categories.length === 0) warnings.push(`feature '${f.name}' has no values in the training split; it encodes as all zeros`);
  if (categories.length > 100 && f.encoding === 'onehot') {
    warnings.push(`feature '${f.name}' has ${categories.length} categories: one-hot makes ${categories.length} inputs; ` +
      `exclude it if it is an identifier, or use encoding: index`);
  }
  let impute: string | null;
  if (f.missing === 'error') impute = null;
  else if (f.missing === 'zero') impute = '';
  else {
    let best = '';
    let bestCount = 0;
    for (const c of categories) { const n = counts.get(c) ?? 0; if (n > bestCount) { best = c; bestCount = n; } }
    impute = best;
  }
  return { name: f.name, kind: 'categorical', encoding: f.encoding, categories, impute };
}

/** Class / category order: numeric when every name is a number, otherwise by code point. */
export function sortClasses(names: Set<string>): string[] {
  const list = [...names];
  if (list.length > 0 && list.every((s) => parseNumber(s) !== undefined)) return list.sort((a, b) => Number(a) - Number(b));
  return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: 0, std: 0 };
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / xs.length;
  let sq = 0;
  for (const x of xs) sq += (x - mean) * (x - mean);
  return { mean, std: Math.sqrt(sq / xs.length) };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Most frequent value; ties go to the smallest. */
export function mode(xs: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best = 0;
  let bestCount = 0;
  for (const [x, n] of counts) if (n > bestCount || (n === bestCount && x < best)) { best = x; bestCount = n; }
  return best;
}

function imputeNumber(observed: number[], strategy: MissingStrategy, dropAs: 'mean' | 'mode'): number | null {
  const s = strategy === 'drop' ? dropAs : strategy;
  switch (s) {
    case 'error': return null;
    case 'zero': return 0;
    case 'median': return median(observed);
    case 'mode': return mode(observed);
    default: return meanStd(observed).mean;
  }
}

// ---------------------------------------------------------------- applying it

const show = (v: unknown) => preview(v);

function requestError(message: string, feature?: string): DataError {
  return new DataError(message, '', undefined, feature);
}

/** Called for a categorical value the model never saw in training (it is encoded as all zeros / the reserved index). */
export type UnseenCategory = (feature: string, value: string, categories: readonly string[]) => void;

/** The value of one feature for one record, as the number(s) written into `out` from `offset`. Returns the width. */
function encodeFeature(t: FeatureTransform, value: unknown, out: Float32Array, offset: number, unseen?: UnseenCategory): number {
  switch (t.kind) {
    case 'numeric': {
      let x: number | undefined;
      if (isMissing(value)) {
        if (t.impute === null) throw requestError(`feature '${t.name}' is missing, and missing values are not allowed (missing: error); send a number`, t.name);
        x = t.impute;
      } else {
        x = parseNumber(value);
        if (x === undefined) throw requestError(`feature '${t.name}' must be a number, got ${show(value)}`, t.name);
      }
      out[offset] = (x - t.center) / t.divisor;
      // The network computes in float32: a value beyond ±3.4e38 after scaling would be Infinity (and null answers).
      if (!Number.isFinite(out[offset])) {
        throw requestError(`feature '${t.name}' is ${show(value)}, too large for the model's 32-bit input once scaled; send a finite value within float32's range (about ±3.4e38)`, t.name);
      }
      return 1;
    }
    case 'boolean': {
      let x: number | undefined;
      if (isMissing(value)) {
        if (t.impute === null) throw requestError(`feature '${t.name}' is missing, and missing values are not allowed (missing: error); send true or false`, t.name);
        x = t.impute;
      } else {
        x = parseBoolean(value, true);
        if (x === undefined) throw requestError(`feature '${t.name}' must be true or false (or yes/no, 1/0), got ${show(value)}`, t.name);
      }
      out[offset] = x;
      return 1;
    }
    case 'categorical': {
      let c: string;
      if (isMissing(value)) {
        if (t.impute === null) {
          throw requestError(`feature '${t.name}' is missing, and missing values are not allowed (missing: error); send one of ${listCategories(t.categories)}`, t.name);
        }
        c = t.impute;
      } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        c = categoryOf(value);
      } else {
        throw requestError(`feature '${t.name}' must be one of ${listCategories(t.categories)}, got ${show(value)}`, t.name);
      }
      const k = t.categories.indexOf(c);
      if (k < 0 && unseen && c !== '') unseen(t.name, c, t.categories);
      if (t.encoding === 'index') {
        out[offset] = k >= 0 ? k : t.categories.length;
        return 1;
      }
      for (let j = 0; j < t.categories.length; j++) out[offset + j] = j === k ? 1 : 0;
      return t.categories.length;
    }
    default:
      throw requestError(`feature '${t.name}' is ${t.kind} data: encode it with the ${t.kind} encoder, not encodeRecords`, t.name);
  }
}

function listCategories(categories: string[]): string {
  const shown = categories.slice(0, 10).map((c) => JSON.stringify(c)).join(', ');
  return categories.length > 10 ? `${shown}, … (${categories.length} categories)` : shown;
}

/** Encode one record into out[offset … offset + inputShape[0]). Exported for the pipeline, which adds file/row to errors. */
export function encodeRecordInto(prep: Preprocessing, record: unknown, out: Float32Array, offset: number, unseen?: UnseenCategory): void {
  let get: (t: FeatureTransform, j: number) => unknown;
  if (Array.isArray(record)) {
    if (record.length !== prep.features.length) {
      throw requestError(`a record given as an array must hold ${prep.features.length} values, in this order: ` +
        `${prep.features.map((f) => f.name).join(', ')}; got ${record.length}`);
    }
    get = (_t, j) => record[j];
  } else if (record !== null && typeof record === 'object') {
    const rec = record as RawRecord;
    // The label and the training file's other non-feature columns (prep.ignoredColumns) may come along: ignored.
    const ignored = prep.ignoredColumns ?? [];
    for (const key of Object.keys(rec)) {
      if (key !== prep.label.name && !ignored.includes(key) && !prep.features.some((f) => f.name === key)) {
        const near = prep.features.find((f) => f.name.toLowerCase() === key.trim().toLowerCase());
        throw requestError(`unknown feature '${key}'${near ? ` (did you mean '${near.name}'?)` : ''}; ` +
          `the model takes ${prep.features.map((f) => `'${f.name}'`).join(', ')}`, key);
      }
    }
    get = (t) => rec[t.name];
  } else {
    throw requestError(`a record must be an object of feature values (or an array in feature order), got ${show(record)}`);
  }
  let at = offset;
  prep.features.forEach((t, j) => { at += encodeFeature(t, get(t, j), out, at, unseen); });
}

/** Encode the features of one row given by a lookup (no check for unknown names: the pipeline reads its own table). */
export function encodeValuesInto(prep: Preprocessing, value: (name: string) => unknown, out: Float32Array, offset: number): void {
  let at = offset;
  for (const t of prep.features) at += encodeFeature(t, value(t.name), out, at);
}

/**
 * Raw records (from a request or a file) → model input, row-major [records.length × inputShape[0]].
 * Numbers may come as numbers or numeric strings; categories by name; booleans as true/false, yes/no, 1/0.
 * Missing fields are imputed as fitted (or refused with missing: error). A wrong type or an unknown
 * feature name is a DataError naming the feature, the value and what is allowed.
 */
export interface EncodeOptions {
  /**
   * Told about every categorical value the model did not see in training (record index 0-based, feature, value,
   * the known categories). The value is still encoded as unseen (all zeros for onehot); a caller can warn or refuse.
   */
  onUnseenCategory?: (record: number, feature: string, value: string, categories: readonly string[]) => void;
}

export function encodeRecords(prep: Preprocessing, records: readonly unknown[], options: EncodeOptions = {}): Float32Array {
  if (prep.inputKind !== 'tabular') {
    throw requestError(`this model takes ${prep.inputKind} input; encodeRecords handles tabular records only`);
  }
  const width = prep.inputShape[0];
  const out = new Float32Array(records.length * width);
  const report = options.onUnseenCategory;
  records.forEach((r, i) => {
    try {
      encodeRecordInto(prep, r, out, i * width, report && ((feature, value, categories) => report(i, feature, value, categories)));
    } catch (err) {
      if (err instanceof DataError && records.length > 1) {
        throw new DataError(`instance ${i}: ${err.message}`, err.file, err.row, err.column);
      }
      throw err;
    }
  });
  return out;
}

/** The training target of a raw label value: class index (classification) or scaled number (regression). */
export function encodeLabel(prep: Preprocessing, value: unknown): number {
  const { label } = prep;
  if (prep.task === 'classification') {
    const classes = label.classes ?? [];
    const k = isMissing(value) ? -1 : classes.indexOf(categoryOf(value));
    if (k < 0) throw requestError(`label '${label.name}' must be one of ${listCategories(classes)}, got ${show(value)}`, label.name);
    return k;
  }
  const y = parseNumber(value);
  if (y === undefined) throw requestError(`label '${label.name}' must be a number, got ${show(value)}`, label.name);
  return (y - (label.center ?? 0)) / (label.divisor ?? 1);
}

/** The class name of a class index. */
export function decodeLabel(prep: Preprocessing, index: number): string {
  const classes = prep.label.classes ?? [];
  if (!Number.isInteger(index) || index < 0 || index >= classes.length) {
    throw new RangeError(`class index ${index} is out of range: the model has ${classes.length} classes`);
  }
  return classes[index];
}

/** A regression prediction in the label's own units (undoes the target standardisation). */
export function unscaleTarget(prep: Preprocessing, y: number): number {
  return y * (prep.label.divisor ?? 1) + (prep.label.center ?? 0);
}
