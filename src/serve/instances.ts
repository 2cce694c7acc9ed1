/**
 * Turns what a client sends (TF Serving rows or columns, MLflow data frames, CSV) into one
 * encoded batch. Two signatures, as in the model's metadata:
 *
 * - `serving_default` (no `signature_name`, or that name): RAW feature values, as a Keras model
 *   with preprocessing layers takes them; the saved preprocessing is applied. An instance is a
 *   record {feature: value}, an array of the raw values in feature order (`[5.1, 3.5, 1.4, 0.2]`:
 *   the TF Serving / MLflow row every example sends), a bare string for a one-text-feature model,
 *   or {"b64": …} for an image model. For a tabular model an all-number array whose length is the
 *   number of raw features is raw; one whose length is the encoded width (and differs from the raw
 *   count, e.g. with one-hot categoricals) is taken as already encoded. For image and text models a
 *   numeric array can only be the encoded tensor (pixels / token ids).
 * - `encoded` (`"signature_name": "encoded"` in the request body): the numbers the network itself
 *   takes (`encodedNames` order; nested arrays allowed for image/sequence shapes), nothing else.
 *
 * Every problem names the instance and the feature.
 */
import { preview, type Preprocessing, type RawRecord } from '../engine/data/types';
import { limitHint } from '../limits';
import { didYouMean } from '../modelFile/suggest';
import { isRecord } from '../protocol/engine';
import { encodeMedia, encodeRecordInto, encodedWidth, type ImageDecoder } from './adapter';
import { RequestError } from './errors';

export interface EncodeOptions {
  /** most instances one request may hold (413 above it) */
  maxInstances: number;
  /** decodes images off the event loop (the server's pool); default in-process */
  decodeImage?: ImageDecoder;
  /** numbers given as text may use a decimal comma (a ';'-separated CSV body, read as training read its file) */
  decimalComma?: boolean;
}

/** 413 when a request holds more rows than the server takes: checked before anything is built per row. */
export function checkInstanceCount(count: number, label: string, max: number): void {
  if (count > max) {
    throw new RequestError(`'${label}' holds ${count.toLocaleString('en-US')} instances, more than this server takes in one request ` +
      `(${max.toLocaleString('en-US')}); send them in smaller requests, or start the server with --max-instances (${limitHint('requestInstances', max)})`, 413);
  }
}

/** Let the event loop answer other requests (`/ping`) between slices of a large request. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const YIELD_EVERY = 512;

/** How deep arrays nest in `v` (0 for a scalar), looking no further than 8 levels. */
function arrayDepth(v: unknown): number {
  let depth = 0;
  let x = v;
  while (Array.isArray(x) && depth < 8) {
    depth++;
    x = x[0];
  }
  return depth;
}

/** The dimensions of a nested array when every level is rectangular, else null (bounded depth). */
function dimsOf(v: unknown, depth = 0): number[] | null {
  if (!Array.isArray(v)) return [];
  if (depth >= 8 || v.length === 0) return depth >= 8 ? null : [0];
  const inner = dimsOf(v[0], depth + 1);
  if (inner === null) return null;
  for (let i = 1; i < v.length; i++) {
    const d = dimsOf(v[i], depth + 1);
    if (d === null || d.length !== inner.length || d.some((n, j) => n !== inner[j])) return null;
  }
  return [v.length, ...inner];
}

export interface EncodedBatch {
  x: Float32Array;
  n: number;
}

export type Signature = 'serving_default' | 'encoded';
export const SIGNATURES: readonly Signature[] = ['serving_default', 'encoded'];

const MAX_LISTED = 8;
const list = (names: string[]): string => (names.length > MAX_LISTED ? `${names.slice(0, MAX_LISTED).join(', ')}, … (${names.length} in all)` : names.join(', '));

/** The `signature_name` of a request body (TF Serving's field; accepted on /invocations too). */
export function signatureOf(body: Record<string, unknown>): Signature {
  const s = body.signature_name;
  if (s === undefined || s === null || s === '' || s === 'serving_default') return 'serving_default';
  if (s === 'encoded') return 'encoded';
  throw new RequestError(`unknown signature_name ${JSON.stringify(s)}; this model has "serving_default" (raw feature values; the default) and "encoded" (the numbers the network takes, see GET …/metadata)`);
}

/** Depth-limited: an encoded sample has the model's rank (≤ 4 or so); deeper nesting is not a sample. */
function flattenNumbers(v: unknown, out: number[], depth = 0): boolean {
  if (typeof v === 'number') { out.push(v); return true; }
  if (Array.isArray(v) && depth < 8) return v.every((e) => flattenNumbers(e, out, depth + 1));
  return false;
}

/** All the numbers of an array (or a bare number), flattened row-major; null when anything else is in it. */
function numbersOf(inst: unknown): number[] | null {
  const numbers: number[] = [];
  return (Array.isArray(inst) || typeof inst === 'number') && flattenNumbers(inst, numbers) ? numbers : null;
}

function checkRecordKeys(prep: Preprocessing, record: RawRecord, where: string): void {
  const names = prep.features.map((f) => f.name);
  // The training file's other columns (when the model file picked features) may come along, like the label.
  const ignored = (prep as { ignoredColumns?: string[] }).ignoredColumns ?? [];
  const unknown = Object.keys(record).filter((k) => !names.includes(k) && k !== prep.label.name && !ignored.includes(k));
  if (unknown.length) {
    // "did you mean" for the first few (a request body may carry thousands of keys, each of any length)
    // (the features the record lacks first: a misspelt key usually stands for one of them)
    const missing = names.filter((n) => !(n in record));
    const hints = unknown.slice(0, 5).filter((k) => k.length <= 100).map((k) => [k, didYouMean(k, missing) ?? didYouMean(k, names)] as const).filter(([, near]) => near !== undefined);
    const hint = hints.length === 0 ? '' : unknown.length === 1 ? ` (did you mean '${hints[0][1]}'?)` : ` (did you mean ${hints.map(([k, near]) => `'${near}' for '${k}'`).join(', ')}?)`;
    const shown = unknown.slice(0, 10).map((k) => `'${k.length > 100 ? `${k.slice(0, 100)}…` : k}'`).join(', ') + (unknown.length > 10 ? `, and ${unknown.length - 10} more` : '');
    throw new RequestError(`${where}: unknown feature${unknown.length > 1 ? 's' : ''} ${shown}${hint}; the model's features are: ${list(names)}`);
  }
  const missing = names.filter((k) => !(k in record));
  if (missing.length) {
    throw new RequestError(`${where}: missing feature${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')} (send null to use the value the model imputes)`);
  }
}

function encodedShape(prep: Preprocessing): string {
  return `shape [${prep.inputShape.join(', ')}]${prep.encodedNames ? `: ${list(prep.encodedNames)}` : ''}`;
}

/**
 * Checked encoded numbers: the right count, all finite in float32, and nested either flat or exactly as
 * the model's input shape (one level too deep is a mistake, not a sample).
 */
function encodedNumbers(prep: Preprocessing, numbers: number[], where: string, inst?: unknown): number[] {
  const width = encodedWidth(prep);
  if (numbers.length !== width) {
    throw new RequestError(`${where}: an encoded instance must have ${width} numbers (${encodedShape(prep)}), got ${numbers.length}`);
  }
  if (inst !== undefined && arrayDepth(inst) > 1) {
    const dims = dimsOf(inst);
    const shape = prep.inputShape;
    if (!dims || dims.length !== shape.length || dims.some((n, i) => n !== shape[i])) {
      throw new RequestError(`${where}: an encoded instance is a flat array of ${width} numbers or nested as the input shape [${shape.join(', ')}]; ` +
        `got ${dims ? `shape [${dims.join(', ')}]` : 'ragged nesting'} (${preview(inst)})`);
    }
  }
  numbers.forEach((v, i) => {
    if (!Number.isFinite(Math.fround(v))) {
      const name = prep.encodedNames?.[i];
      throw new RequestError(`${where}: encoded value ${i}${name ? ` ('${name}')` : ''} is ${v}, not a finite float32 number (the model computes in 32 bits: about ±3.4e38 at most)`);
    }
  });
  return numbers;
}

/** `serving_default` for a tabular model: a record, or an array of raw values (or, by its length, of encoded numbers). */
function encodeTabular(prep: Preprocessing, inst: unknown, out: Float32Array, offset: number, where: string, decimalComma = false): void {
  const width = encodedWidth(prep);
  const names = prep.features.map((f) => f.name);
  const raw = names.length;
  if (Array.isArray(inst) || typeof inst === 'number') {
    if (arrayDepth(inst) > 1) {
      // [[5.1, 3.5, 1.4, 0.2]] as one instance: the list of instances nested once more than it should be.
      throw new RequestError(`${where}: an instance of this model is one row, a flat array of the ${raw} raw feature value${raw > 1 ? 's' : ''} (${list(names)}) ` +
        `or a record; got an array nested ${arrayDepth(inst)} levels deep (${preview(inst)}). Send \`"instances": [[v1, v2, …], …]\`, one row per instance`);
    }
    const numbers = numbersOf(inst);
    const values = numbers ?? (Array.isArray(inst) ? inst : [inst]);
    if (values.length === raw) {
      // Raw values in feature order: what a TF Serving / MLflow client sends as a row.
      encodeRecordInto(prep, values, out, offset, where, decimalComma);
      return;
    }
    if (numbers && numbers.length === width) {
      out.set(encodedNumbers(prep, numbers, where, inst), offset);
      return;
    }
    throw new RequestError(`${where}: an array instance holds the ${raw} raw feature value${raw > 1 ? 's' : ''} in order (${list(names)})` +
      `${width !== raw ? ` or the ${width} encoded numbers (${encodedShape(prep)})` : ''}; got ${values.length} value${values.length === 1 ? '' : 's'}`);
  }
  if (!isRecord(inst)) {
    throw new RequestError(`${where}: expected a record {feature: value} with features ${list(names)}, or an array of the ${raw} raw values in that order; got ${preview(inst)}`);
  }
  checkRecordKeys(prep, inst, where);
  encodeRecordInto(prep, inst, out, offset, where, decimalComma);
}

/**
 * Encodes row-format instances. `label` names the array in messages ("instances", "dataframe_records");
 * `signature` is the request's signature_name (see the header).
 */
export async function encodeInstances(prep: Preprocessing, instances: unknown[], label: string, signature: Signature, opts: EncodeOptions): Promise<EncodedBatch> {
  if (instances.length === 0) throw new RequestError(`'${label}' is empty; send at least one instance`);
  checkInstanceCount(instances.length, label, opts.maxInstances);
  const width = encodedWidth(prep);
  const x = new Float32Array(instances.length * width);
  for (const [i, inst] of instances.entries()) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToLoop();
    const where = `${label}[${i}]`;
    if (signature === 'encoded') {
      const numbers = numbersOf(inst);
      if (!numbers) {
        throw new RequestError(`${where}: signature "encoded" takes arrays of ${width} numbers (${encodedShape(prep)}); got ${preview(inst)}. For raw feature values leave out signature_name`);
      }
      x.set(encodedNumbers(prep, numbers, where, inst), i * width);
    } else if (prep.inputKind === 'tabular') {
      encodeTabular(prep, inst, x, i * width, where, opts.decimalComma);
    } else {
      // Image / text: a numeric array can only be the encoded tensor (pixels, token ids).
      const numbers = numbersOf(inst);
      if (numbers) x.set(encodedNumbers(prep, numbers, where, inst), i * width);
      else x.set(await encodeMedia(prep, inst, where, opts.decodeImage), i * width);
    }
  }
  return { x, n: instances.length };
}

/** Columnar {feature: [v0, v1, …]} → row records; all columns must have the same length. */
export function columnsToRecords(columns: Record<string, unknown>, label: string, maxInstances: number): RawRecord[] {
  const names = Object.keys(columns);
  if (names.length === 0) throw new RequestError(`'${label}' has no features`);
  let n = -1;
  for (const name of names) {
    const col = columns[name];
    if (!Array.isArray(col)) throw new RequestError(`'${label}.${name}' must be an array (columnar format: one array of values per feature)`);
    if (n >= 0 && col.length !== n) throw new RequestError(`'${label}': feature '${name}' has ${col.length} values but '${names[0]}' has ${n}; every column needs the same length`);
    n = col.length;
  }
  checkInstanceCount(n, label, maxInstances);
  return Array.from({ length: n }, (_, r) => Object.fromEntries(names.map((name) => [name, (columns[name] as unknown[])[r]])));
}

/** MLflow's split-oriented data frame {columns, data, index?} → records; without columns, the model's feature order. */
export function splitFrameToRecords(frame: unknown, label: string, featureNames: string[], maxInstances: number): RawRecord[] {
  if (!isRecord(frame)) throw new RequestError(`'${label}' must be an object {"columns": [...], "data": [[...], ...]}`);
  const { data } = frame;
  const columns = frame.columns ?? featureNames;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) throw new RequestError(`'${label}.columns' must be an array of column names`);
  if (!Array.isArray(data)) throw new RequestError(`'${label}.data' must be an array of rows`);
  checkInstanceCount(data.length, `${label}.data`, maxInstances);
  return data.map((row, r) => {
    if (!Array.isArray(row)) throw new RequestError(`'${label}.data[${r}]' must be an array of ${columns.length} values`);
    if (row.length !== columns.length) throw new RequestError(`'${label}.data[${r}]' has ${row.length} values but there are ${columns.length} columns${frame.columns === undefined ? ` (no 'columns' given, so the model's features: ${list(featureNames)})` : ''}`);
    return Object.fromEntries(columns.map((c: string, i) => [c, row[i]]));
  });
}

/**
 * CSV as pandas reads it: a header row of column names, then rows. A first row that names no
 * known column is data: the values are then taken in the model's feature order.
 */
export function csvToRecords(rows: string[][], prep: Preprocessing, maxInstances: number): RawRecord[] {
  const cells = rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
  if (cells.length === 0) throw new RequestError('the CSV body is empty; send a header row of feature names and one row per example');
  checkInstanceCount(cells.length - 1, 'csv rows', maxInstances);
  const names = prep.features.map((f) => f.name);
  const known = new Set([...names, prep.label.name]);
  const first = cells[0].map((c) => c.trim());
  const hasHeader = first.some((c) => known.has(c));
  const header = hasHeader ? first : names;
  const body = hasHeader ? cells.slice(1) : cells;
  if (body.length === 0) throw new RequestError('the CSV has a header row but no data rows');
  return body.map((row, r) => {
    const line = r + (hasHeader ? 2 : 1);
    if (row.length !== header.length) {
      throw new RequestError(`CSV line ${line} has ${row.length} values but ${hasHeader ? `the header has ${header.length}` : `the model has ${header.length} features (${list(names)}) and there is no header row`}`);
    }
    return Object.fromEntries(header.map((c, i) => [c, row[i]]));
  });
}
