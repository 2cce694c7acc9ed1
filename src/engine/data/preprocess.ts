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
import { categoryOf, isMissing, parseBoolean, parseNumber } from './values';
import { DataError, preview, type FeatureTransform, type Preprocessing, type RawRecord } from './types';

export type MissingStrategy = Preprocessing['missing'];
export type NumericScaling = 'standardize' | 'minmax' | 'none';
export type CategoricalEncoding = 'onehot' | 'index';

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

// ---------------------------------------------------------------- applying it

const show = (v: unknown) => preview(v);

function requestError(message: string, feature?: string): DataError {
  return new DataError(message, '', undefined, feature);
}

/** Called for a categorical value the model never saw in training (it is encoded as all zeros / the reserved index). */
export type UnseenCategory = (feature: string, value: string, categories: readonly string[]) => void;

/** The value of one feature for one record, as the number(s) written into `out` from `offset`. Returns the width. */
function encodeFeature(t: FeatureTransform, value: unknown, out: Float32Array, offset: number, unseen?: UnseenCategory, decimalComma = false): number {
  switch (t.kind) {
    case 'numeric': {
      let x: number | undefined;
      if (isMissing(value)) {
        if (t.impute === null) throw requestError(`feature '${t.name}' is missing, and missing values are not allowed (missing: error); send a number`, t.name);
        x = t.impute;
      } else {
        x = parseNumber(value, decimalComma);
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
export function encodeRecordInto(prep: Preprocessing, record: unknown, out: Float32Array, offset: number, unseen?: UnseenCategory, decimalComma = false): void {
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
    get = (t) => (Object.prototype.hasOwnProperty.call(rec, t.name) ? rec[t.name] : undefined);
  } else {
    throw requestError(`a record must be an object of feature values (or an array in feature order), got ${show(record)}`);
  }
  const comma = decimalComma || prep.decimalComma === true;
  let at = offset;
  prep.features.forEach((t, j) => { at += encodeFeature(t, get(t, j), out, at, unseen, comma); });
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
  /** numbers given as text may use a decimal comma (`0,5`): a ';'-separated file or request body (the model's own setting also enables it) */
  decimalComma?: boolean;
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
      encodeRecordInto(prep, r, out, i * width, report && ((feature, value, categories) => report(i, feature, value, categories)), options.decimalComma);
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
export function encodeLabel(prep: Preprocessing, value: unknown, options: { decimalComma?: boolean } = {}): number {
  const { label } = prep;
  if (prep.task === 'classification') {
    const classes = label.classes ?? [];
    const k = isMissing(value) ? -1 : classes.indexOf(categoryOf(value));
    if (k < 0) throw requestError(`label '${label.name}' must be one of ${listCategories(classes)}, got ${show(value)}`, label.name);
    return k;
  }
  const y = parseNumber(value, options.decimalComma || prep.decimalComma === true);
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

// ---------------------------------------------------------------- encoding stored raw values

/** Where each feature's raw value sits in a stored row (see store.ts), and how to read it. */
export interface RawLayout {
  /** in preprocessing.features order */
  features: Array<{ name: string; slot: number; kind: 'number' | 'category'; dictionary?: readonly string[] }>;
  labelSlot: number;
  /** the row's position among the source file's data rows (0-based) */
  ordinalSlot: number;
  slots: number;
}

/** Writes the model input of one stored row into out[offset …]. */
export type RawRowEncoder = (block: Float64Array, blockRows: number, row: number, out: Float32Array, offset: number) => void;

/**
 * The encoder of stored rows: the same arithmetic as encodeRecords on the raw record (a test pins the
 * equality), with category names resolved once per dictionary instead of once per value.
 */
export function rawRowEncoder(prep: Preprocessing, layout: RawLayout): RawRowEncoder {
  type Step = (block: Float64Array, B: number, r: number, out: Float32Array, at: number) => number;
  const steps: Step[] = prep.features.map((t, j) => {
    const f = layout.features[j];
    const base = f.slot;
    switch (t.kind) {
      case 'numeric': {
        const impute = t.impute ?? 0;
        const { center, divisor } = t;
        return (block, B, r, out, at) => {
          let x = block[base * B + r];
          if (x !== x) x = impute;
          out[at] = (x - center) / divisor;
          return 1;
        };
      }
      case 'boolean': {
        const impute = t.impute ?? 0;
        return (block, B, r, out, at) => {
          const x = block[base * B + r];
          out[at] = x !== x ? impute : x;
          return 1;
        };
      }
      case 'categorical': {
        const dictionary = f.dictionary ?? [];
        const index = new Map(t.categories.map((c, k) => [c, k]));
        const slotOf = Int32Array.from(dictionary, (name) => index.get(name) ?? -1);
        const imputed = t.impute === null ? -1 : index.get(t.impute) ?? -1;
        const width = t.categories.length;
        if (t.encoding === 'index') {
          return (block, B, r, out, at) => {
            const id = block[base * B + r];
            const k = id < 0 || id !== id ? imputed : slotOf[id];
            out[at] = k >= 0 ? k : width;
            return 1;
          };
        }
        return (block, B, r, out, at) => {
          const id = block[base * B + r];
          const k = id < 0 || id !== id ? imputed : slotOf[id];
          out.fill(0, at, at + width);
          if (k >= 0) out[at + k] = 1;
          return width;
        };
      }
      default:
        throw new Error(`feature '${t.name}' is ${t.kind} data, not a tabular column`);
    }
  });
  return (block, B, r, out, offset) => {
    let at = offset;
    for (let j = 0; j < steps.length; j++) at += steps[j](block, B, r, out, at);
  };
}

/** The training target of a stored row: class index as stored, or the standardised number. */
export function rawTarget(prep: Preprocessing): (raw: number) => number {
  if (prep.task === 'classification') return (raw) => raw;
  const center = prep.label.center ?? 0;
  const divisor = prep.label.divisor ?? 1;
  return (raw) => (raw - center) / divisor;
}
