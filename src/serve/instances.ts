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
import type { Preprocessing, RawRecord } from '../engine/data/types';
import { isRecord } from '../protocol/engine';
import { encodeMedia, encodeRecordInto, encodedWidth } from './adapter';
import { RequestError } from './errors';

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
    const near = unknown.map((k) => names.find((n) => n.toLowerCase() === k.trim().toLowerCase())).find((n) => n !== undefined);
    throw new RequestError(`${where}: unknown feature${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}${near ? ` (did you mean '${near}'?)` : ''}; the model's features are: ${list(names)}`);
  }
  const missing = names.filter((k) => !(k in record));
  if (missing.length) {
    throw new RequestError(`${where}: missing feature${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')} (send null to use the value the model imputes)`);
  }
}

function encodedShape(prep: Preprocessing): string {
  return `shape [${prep.inputShape.join(', ')}]${prep.encodedNames ? `: ${list(prep.encodedNames)}` : ''}`;
}

/** Checked encoded numbers: the right count, all finite. */
function encodedNumbers(prep: Preprocessing, numbers: number[], where: string): number[] {
  const width = encodedWidth(prep);
  if (numbers.length !== width) {
    throw new RequestError(`${where}: an encoded instance must have ${width} numbers (${encodedShape(prep)}), got ${numbers.length}`);
  }
  numbers.forEach((v, i) => { if (!Number.isFinite(v)) throw new RequestError(`${where}: encoded value ${i} is not a finite number`); });
  return numbers;
}

/** `serving_default` for a tabular model: a record, or an array of raw values (or, by its length, of encoded numbers). */
function encodeTabular(prep: Preprocessing, inst: unknown, out: Float32Array, offset: number, where: string): void {
  const width = encodedWidth(prep);
  const names = prep.features.map((f) => f.name);
  const raw = names.length;
  if (Array.isArray(inst) || typeof inst === 'number') {
    const numbers = numbersOf(inst);
    const values = numbers ?? (Array.isArray(inst) ? inst : [inst]);
    if (values.length === raw) {
      // Raw values in feature order: what a TF Serving / MLflow client sends as a row.
      encodeRecordInto(prep, values, out, offset, where);
      return;
    }
    if (numbers && numbers.length === width) {
      out.set(encodedNumbers(prep, numbers, where), offset);
      return;
    }
    throw new RequestError(`${where}: an array instance holds the ${raw} raw feature value${raw > 1 ? 's' : ''} in order (${list(names)})` +
      `${width !== raw ? ` or the ${width} encoded numbers (${encodedShape(prep)})` : ''}; got ${values.length} value${values.length === 1 ? '' : 's'}`);
  }
  if (!isRecord(inst)) {
    throw new RequestError(`${where}: expected a record {feature: value} with features ${list(names)}, or an array of the ${raw} raw values in that order; got ${JSON.stringify(inst) ?? typeof inst}`);
  }
  checkRecordKeys(prep, inst, where);
  encodeRecordInto(prep, inst, out, offset, where);
}

/**
 * Encodes row-format instances. `label` names the array in messages ("instances", "dataframe_records");
 * `signature` is the request's signature_name (see the header).
 */
export async function encodeInstances(prep: Preprocessing, instances: unknown[], label: string, signature: Signature = 'serving_default'): Promise<EncodedBatch> {
  if (instances.length === 0) throw new RequestError(`'${label}' is empty; send at least one instance`);
  const width = encodedWidth(prep);
  const x = new Float32Array(instances.length * width);
  for (const [i, inst] of instances.entries()) {
    const where = `${label}[${i}]`;
    if (signature === 'encoded') {
      const numbers = numbersOf(inst);
      if (!numbers) {
        throw new RequestError(`${where}: signature "encoded" takes arrays of ${width} numbers (${encodedShape(prep)}); got ${JSON.stringify(inst) ?? typeof inst}. For raw feature values leave out signature_name`);
      }
      x.set(encodedNumbers(prep, numbers, where), i * width);
    } else if (prep.inputKind === 'tabular') {
      encodeTabular(prep, inst, x, i * width, where);
    } else {
      // Image / text: a numeric array can only be the encoded tensor (pixels, token ids).
      const numbers = numbersOf(inst);
      if (numbers) x.set(encodedNumbers(prep, numbers, where), i * width);
      else x.set(await encodeMedia(prep, inst, where), i * width);
    }
  }
  return { x, n: instances.length };
}

/** Columnar {feature: [v0, v1, …]} → row records; all columns must have the same length. */
export function columnsToRecords(columns: Record<string, unknown>, label: string): RawRecord[] {
  const names = Object.keys(columns);
  if (names.length === 0) throw new RequestError(`'${label}' has no features`);
  let n = -1;
  for (const name of names) {
    const col = columns[name];
    if (!Array.isArray(col)) throw new RequestError(`'${label}.${name}' must be an array (columnar format: one array of values per feature)`);
    if (n >= 0 && col.length !== n) throw new RequestError(`'${label}': feature '${name}' has ${col.length} values but '${names[0]}' has ${n}; every column needs the same length`);
    n = col.length;
  }
  return Array.from({ length: n }, (_, r) => Object.fromEntries(names.map((name) => [name, (columns[name] as unknown[])[r]])));
}

/** MLflow's split-oriented data frame {columns, data, index?} → records; without columns, the model's feature order. */
export function splitFrameToRecords(frame: unknown, label: string, featureNames: string[]): RawRecord[] {
  if (!isRecord(frame)) throw new RequestError(`'${label}' must be an object {"columns": [...], "data": [[...], ...]}`);
  const { data } = frame;
  const columns = frame.columns ?? featureNames;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) throw new RequestError(`'${label}.columns' must be an array of column names`);
  if (!Array.isArray(data)) throw new RequestError(`'${label}.data' must be an array of rows`);
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
export function csvToRecords(rows: string[][], prep: Preprocessing): RawRecord[] {
  const cells = rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
  if (cells.length === 0) throw new RequestError('the CSV body is empty; send a header row of feature names and one row per example');
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
