/**
 * The contract between the data pipeline and the rest of the engine (training, evaluation,
 * saving, serving). Everything here is plain data or plain functions: no TensorFlow.js.
 */
import type { ColumnType, Task } from '../../modelFile/schema';

/** One raw record as read from a file: column name → raw value (string from CSV, any JSON scalar). */
export type RawRecord = Record<string, unknown>;

/** What the pipeline found about one column (printed by `model-studio inspect`). */
export interface ColumnInfo {
  name: string;
  type: ColumnType;
  /** true when the type was inferred, false when the model file set it. */
  inferred: boolean;
  missing: number;
  distinct: number;
  /** numeric columns */
  min?: number;
  max?: number;
  mean?: number;
  /** categorical / boolean columns: up to 20 most frequent values with counts */
  top?: Array<{ value: string; count: number }>;
  /** distinct is a HyperLogLog estimate (more distinct values than are counted exactly) */
  distinctEstimated?: boolean;
  /** top counts cover the values seen before the count limit was reached */
  topApproximate?: boolean;
}

/** Fitted preprocessing of one input feature (serialised in preprocessing.json). */
export type FeatureTransform =
  | { name: string; kind: 'numeric'; impute: number | null; scale: 'standardize' | 'minmax' | 'none'; center: number; divisor: number }
  | { name: string; kind: 'boolean'; impute: number | null }
  | { name: string; kind: 'categorical'; encoding: 'onehot' | 'index'; categories: string[]; impute: string | null }
  | { name: string; kind: 'text'; vocabulary: string[]; sequenceLength: number; lowercase: boolean; stripPunctuation: boolean }
  | { name: string; kind: 'image'; size: [number, number]; channels: 1 | 3; scale: 'unit' | 'standardize'; mean: number[]; std: number[] };

/**
 * Everything needed to turn raw records into model input and model output back into labels.
 * Saved as model/preprocessing.json; a served model applies it to raw requests.
 */
export interface Preprocessing {
  format: 'model-studio-preprocessing';
  version: 1;
  task: Task;
  /** tabular: one flat vector per row; sequence: token ids [sequenceLength]; image: [h, w, c] */
  inputKind: 'tabular' | 'sequence' | 'image';
  /** per-sample input shape, e.g. [7] (tabular, after one-hot), [100] (text), [28, 28, 1] (image) */
  inputShape: number[];
  features: FeatureTransform[];
  /** for each position of the flat tabular vector, the name of what it encodes (e.g. "color=red") */
  encodedNames?: string[];
  label: {
    name: string;
    /** classification: class names in index order */
    classes?: string[];
    /** regression: targets are standardised for training when set; predictions are un-scaled */
    center?: number;
    divisor?: number;
  };
  /** what to do with missing feature values at prediction time ('drop' becomes impute at serve time) */
  missing: 'drop' | 'mean' | 'median' | 'mode' | 'zero' | 'error';
  /**
   * Columns of the training data that are not features (excluded, left out by `features:`, free text left out):
   * a record that carries them (a row of the training file) is accepted and they are ignored. Absent in older models.
   */
  ignoredColumns?: string[];
  /**
   * The training file wrote decimals with a comma (a ';'-separated file): numbers given as text are read
   * the same way when the model predicts (`"0,5"` is 0.5). Absent in older models.
   */
  decimalComma?: boolean;
}

/** x row-major [n, ...xShape] and y [n]: the class index (classification) or the (scaled) target (regression). */
export interface Batch {
  x: Float32Array;
  y: Float32Array;
  n: number;
}

export interface EpochOptions {
  batchSize: number;
  /** shuffle the samples (seeded by rng); false: in order */
  shuffle: boolean;
  /** the seeded generator that draws the order (training keeps one across epochs) */
  rng?: () => number;
  signal?: AbortSignal;
  /** samples to pass over first (a resumed epoch): the same draws are made, so what follows is what would have */
  skip?: number;
}

/** One pass over a split, batch by batch. */
export interface EpochReader {
  /** the next batch, or null after the last; augment/seed apply to image training batches */
  next(options?: { augment?: boolean; seed?: number }): Promise<Batch | null>;
  /** release what the pass holds (open files, buffers) */
  close(): Promise<void>;
}

/** One split, ready for training: a source of batches. */
export interface SplitData {
  /** number of samples */
  n: number;
  /** per-sample input shape (same as Preprocessing.inputShape) */
  xShape: number[];
  /**
   * A pass over the split. Memory stays bounded whatever n is: in-memory splits shuffle a permutation of
   * sample indices; splits in a disk cache shuffle blocks and draw samples from a seeded shuffle buffer.
   */
  epoch(options: EpochOptions): EpochReader;
  /**
   * Random access to a few samples (a probe, a test, report examples): x row-major [indices.length, ...xShape],
   * y [indices.length].
   */
  batch(indices: readonly number[], options?: { augment?: boolean; seed?: number }): Promise<{ x: Float32Array; y: Float32Array }>;
  /** the raw records of these samples (for reports: misclassified examples, predicted-vs-actual) */
  raw?(indices: readonly number[]): Promise<RawRecord[]>;
}

export interface PreparedData {
  task: Task;
  preprocessing: Preprocessing;
  train: SplitData;
  validation: SplitData;
  test: SplitData;
  /** what inspect prints */
  info: DatasetInfo;
  /** release what the splits hold (open cache files, a temporary row store); the splits are unusable after */
  dispose?(): Promise<void>;
  /** the rows are in the disk cache: its folder, and whether this run reused it or wrote it */
  cache?: { dir: string; createdAt: string; reused: boolean };
}

export interface DatasetInfo {
  source: string;
  format: string;
  rows: number;
  /** rows removed by missing: drop */
  droppedRows: number;
  columns: ColumnInfo[];
  label: string;
  features: string[];
  /** classification: class → count over all rows */
  classBalance?: Array<{ label: string; count: number }>;
  splits: { train: number; validation: number; test: number };
  inputShape: number[];
  warnings: string[];
}

/** A data problem: names the file, the 1-based row as a spreadsheet shows it, and the column. */
export class DataError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly row?: number,
    readonly column?: string,
  ) {
    super(message);
    this.name = 'DataError';
  }
}

/** A value for a message: short, and safe for any nesting (JSON.stringify of a deep value overflows the stack). */
export function preview(v: unknown, max = 60): string {
  const show = (x: unknown, depth: number): string => {
    // JSON's own spelling (no spaces), so a small value reads exactly as JSON.stringify writes it.
    if (Array.isArray(x)) return depth >= 3 ? '[…]' : `[${x.slice(0, 4).map((e) => show(e, depth + 1)).join(',')}${x.length > 4 ? ',…' : ''}]`;
    if (x !== null && typeof x === 'object') {
      const rec = x as Record<string, unknown>;
      if (depth >= 3) return '{…}';
      const keys = Object.keys(rec);
      return `{${keys.slice(0, 3).map((k) => `${JSON.stringify(k.slice(0, 20))}:${show(rec[k], depth + 1)}`).join(',')}${keys.length > 3 ? ',…' : ''}}`;
    }
    if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
    return x === undefined ? 'nothing' : String(x);
  };
  const s = show(v, 0);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
