/**
 * Predictions from a loaded model: raw records in (preprocessing.json applied), labels with
 * probabilities or values out. Used by the CLI, the worker and the model server.
 */
import { DataError, type Preprocessing, type RawRecord } from './data/types';
import type { LoadedModel } from './saved';
import { encodeRecords, decodeLabel, unscaleTarget } from './data/preprocess';
import { encodeMediaInputs } from './data/encodeMedia';

export type Prediction =
  | { label: string; probabilities: Record<string, number>; classes: string[] }
  | { value: number };

const CHUNK = 512;

/** Raw model outputs for n encoded samples, row-major [n, outputs]. */
export async function predictEncoded(loaded: Pick<LoadedModel, 'model' | 'tf' | 'preprocessing'>, x: Float32Array, n: number): Promise<Float32Array> {
  const { tf, model, preprocessing } = loaded;
  const per = preprocessing.inputShape.reduce((a, b) => a * b, 1);
  if (x.length !== n * per) throw new Error(`predictEncoded: expected ${n}×${per} values, got ${x.length}`);
  const outputs: Float32Array[] = [];
  for (let start = 0; start < n; start += CHUNK) {
    // A large batch runs in slices, letting the event loop answer others (the server's /ping) in between.
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const m = Math.min(CHUNK, n - start);
    const input = tf.tensor(x.subarray(start * per, (start + m) * per), [m, ...preprocessing.inputShape]);
    const out = model.predict(input) as import('@tensorflow/tfjs').Tensor;
    outputs.push((await out.data()) as Float32Array);
    input.dispose();
    out.dispose();
  }
  if (outputs.length === 1) return outputs[0];
  const all = new Float32Array(outputs.reduce((s, o) => s + o.length, 0));
  let off = 0;
  for (const o of outputs) { all.set(o, off); off += o.length; }
  return all;
}

/**
 * Class probabilities [n, k] from raw outputs: softmax outputs as they are; a single sigmoid unit
 * (two classes) becomes [1 − p, p].
 */
export function classProbabilities(out: Float32Array, n: number, k: number): Float32Array {
  if (out.length === n * k) return out;
  if (k === 2 && out.length === n) {
    const p = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) { p[2 * i] = 1 - out[i]; p[2 * i + 1] = out[i]; }
    return p;
  }
  throw new Error(`model output has ${out.length / n} values per sample; expected ${k} class probabilities`);
}

/**
 * Raw records in, predictions out. Image and text models take the raw input (a record holding it under
 * the feature name, or the value itself); `baseDir` lets image paths resolve (the CLI passes the input file's folder).
 */
export interface PredictOptions {
  /** the folder image paths are relative to */
  baseDir?: string;
  /** image paths may not lead outside this folder (symlinks resolved) */
  workspaceRoot?: string;
  /**
   * Where record i came from, e.g. `in.csv:7` or `in.json: record 3`: a record that cannot be encoded is
   * then a DataError starting with it (the CLI passes the input file and its rows).
   */
  where?: (index: number) => { label: string; file: string; row?: number };
  /** numbers given as text may use a decimal comma (the records come from a ';'-separated file) */
  decimalComma?: boolean;
}

export async function predictRecords(loaded: Pick<LoadedModel, 'model' | 'tf' | 'preprocessing'>, records: RawRecord[], opts: PredictOptions = {}): Promise<Prediction[]> {
  const prep = loaded.preprocessing;
  const n = records.length;
  if (n === 0) return [];
  let x: Float32Array;
  try {
    x = prep.inputKind === 'tabular' ? encodeRecords(prep, records, { decimalComma: opts.decimalComma }) : await encodeMediaInputs(prep, records, { baseDir: opts.baseDir, workspaceRoot: opts.workspaceRoot });
  } catch (err) {
    if (opts.where && err instanceof DataError && prep.inputKind === 'tabular') throw locateRecordError(prep, records, err, opts.where, opts.decimalComma);
    throw err;
  }
  const y = await predictEncoded(loaded, x, n);
  const bad = firstNonFiniteRow(y, n);
  if (bad >= 0) {
    const at = opts.where?.(bad);
    const e = nonFiniteOutput(prep, x, bad);
    throw at ? new DataError(`${at.label}: ${e.message}`, at.file, at.row, e.column) : new DataError(`instance ${bad}: ${e.message}`, '', undefined, e.column);
  }
  return decodeOutputs(prep, y, n);
}

/** The first of n rows whose outputs are not all finite numbers, or -1. */
export function firstNonFiniteRow(out: Float32Array, n: number): number {
  const k = out.length / n;
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) return Math.floor(i / k);
  return -1;
}

/**
 * Why row i's output is not a number: its inputs are far outside what the model saw (it names the encoded
 * feature furthest from the training mean), or the model itself is broken (its weights are not finite).
 * The answer is an error, never `null` probabilities.
 */
export function nonFiniteOutput(prep: Preprocessing, x: Float32Array, i: number): DataError {
  const width = prep.inputShape.reduce((a, b) => a * b, 1);
  const row = x.subarray(i * width, (i + 1) * width);
  let far = 0;
  for (let j = 1; j < row.length; j++) if (Math.abs(row[j]) > Math.abs(row[far])) far = j;
  const name = prep.encodedNames?.[far]?.replace(/=.*$/, '') ?? prep.features[0]?.name;
  if (Math.abs(row[far]) > 1e6 && name !== undefined) {
    return new DataError(`the model's output is not a number for this instance: feature '${name}' is ${Number(row[far].toPrecision(3))} once scaled, ` +
      'far outside the values it was trained on; send values in the range of the training data', '', undefined, name);
  }
  return new DataError('the model\'s output is not a number for this instance (its weights may not be finite: retrain it, or serve a checkpoint that trained normally)', '');
}

/** Model output for n samples → predictions: labels with class probabilities, or values in the target's units. */
export function decodeOutputs(prep: Preprocessing, out: Float32Array, n: number): Prediction[] {
  if (prep.task === 'regression') {
    const k = out.length / n;
    return Array.from({ length: n }, (_, i) => ({ value: unscaleTarget(prep, out[i * k]) }));
  }
  const classes = prep.label.classes ?? [];
  const k = classes.length;
  const probs = classProbabilities(out, n, k);
  return Array.from({ length: n }, (_, i) => {
    const row = probs.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
    // keyed by class names (user data): no prototype, so a class named `__proto__` is a plain key
    const probabilities = Object.create(null) as Record<string, number>;
    classes.forEach((c, j) => { probabilities[c] = row[j]; });
    return { label: decodeLabel(prep, best), probabilities, classes };
  });
}

/** A hint for numbers written the way spreadsheets of some locales show them. */
function numberHint(message: string): string {
  const got = /must be a number, got "([^"]*)"/.exec(message)?.[1];
  if (got === undefined) return '';
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(got)) return ` (it looks like a number with thousands separators: write ${got.replace(/,/g, '')})`;
  if (/^[-+]?\d+,\d+$/.test(got)) return ` (it looks like a number with a decimal comma: write ${got.replace(',', '.')})`;
  return '';
}

/** The error of the first record that does not encode, re-raised with where that record is in its file. */
function locateRecordError(prep: LoadedModel['preprocessing'], records: RawRecord[], err: DataError, where: NonNullable<PredictOptions['where']>, decimalComma?: boolean): DataError {
  for (let i = 0; i < records.length; i++) {
    try {
      encodeRecords(prep, [records[i]], { decimalComma });
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      const at = where(i);
      return new DataError(`${at.label}: ${e.message}${numberHint(e.message)}`, at.file, at.row, e.column);
    }
  }
  return err;
}
