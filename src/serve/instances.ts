/**
 * Turns what a client sends (TF Serving rows or columns, MLflow data frames, CSV) into one
 * encoded batch. An instance may be a raw record (the saved preprocessing is applied), an
 * already-encoded numeric array, a bare string for a one-text-feature model, or {"b64": …} for
 * an image model. Every problem names the instance and the feature.
 */
import type { Preprocessing, RawRecord } from '../engine/data/types';
import { isRecord } from '../protocol/engine';
import { encodeMedia, encodeRecordInto, encodedWidth } from './adapter';
import { RequestError } from './errors';

export interface EncodedBatch {
  x: Float32Array;
  n: number;
}

const MAX_LISTED = 8;
const list = (names: string[]): string => (names.length > MAX_LISTED ? `${names.slice(0, MAX_LISTED).join(', ')}, … (${names.length} in all)` : names.join(', '));

/** Depth-limited: an encoded sample has the model's rank (≤ 4 or so); deeper nesting is not a sample. */
function flattenNumbers(v: unknown, out: number[], depth = 0): boolean {
  if (typeof v === 'number') { out.push(v); return true; }
  if (Array.isArray(v) && depth < 8) return v.every((e) => flattenNumbers(e, out, depth + 1));
  return false;
}

function checkRecordKeys(prep: Preprocessing, record: RawRecord, where: string): void {
  const names = prep.features.map((f) => f.name);
  const unknown = Object.keys(record).filter((k) => !names.includes(k) && k !== prep.label.name);
  if (unknown.length) {
    throw new RequestError(`${where}: unknown feature${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; the model's features are: ${list(names)}`);
  }
  const missing = names.filter((k) => !(k in record));
  if (missing.length) {
    throw new RequestError(`${where}: missing feature${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')} (send null to use the value the model imputes)`);
  }
}

function encodeTabular(prep: Preprocessing, inst: unknown, out: Float32Array, offset: number, where: string): void {
  const width = encodedWidth(prep);
  // Raw values in feature order (not all numbers, or it would have been an encoded row).
  if (Array.isArray(inst) && inst.length === prep.features.length) {
    encodeRecordInto(prep, inst, out, offset, where);
    return;
  }
  if (!isRecord(inst)) {
    throw new RequestError(`${where}: expected a record {feature: value} with features ${list(prep.features.map((f) => f.name))}, or ${width} encoded numbers; got ${JSON.stringify(inst) ?? typeof inst}`);
  }
  checkRecordKeys(prep, inst, where);
  encodeRecordInto(prep, inst, out, offset, where);
}

/** Already-encoded numbers (nested arrays allowed for image/sequence shapes), flattened row-major; null when `inst` is not that. */
function encodedRow(prep: Preprocessing, inst: unknown, where: string): number[] | null {
  const numbers: number[] = [];
  if (!((Array.isArray(inst) || typeof inst === 'number') && flattenNumbers(inst, numbers))) {
    if (Array.isArray(inst) && prep.inputKind === 'tabular' && inst.length !== prep.features.length) {
      throw new RequestError(`${where}: an array instance is either ${encodedWidth(prep)} encoded numbers or ${prep.features.length} raw values in feature order (${list(prep.features.map((f) => f.name))}); got ${inst.length} values`);
    }
    return null;
  }
  const width = encodedWidth(prep);
  if (numbers.length !== width) {
    throw new RequestError(`${where}: an encoded instance must have ${width} numbers (shape [${prep.inputShape.join(', ')}]${prep.encodedNames ? `: ${list(prep.encodedNames)}` : ''}), got ${numbers.length}${prep.inputKind === 'tabular' ? '; or send a record {feature: value}' : ''}`);
  }
  numbers.forEach((v, i) => { if (!Number.isFinite(v)) throw new RequestError(`${where}: encoded value ${i} is not a finite number`); });
  return numbers;
}

/** Encodes row-format instances. `label` names the array in messages ("instances", "dataframe_records"). */
export async function encodeInstances(prep: Preprocessing, instances: unknown[], label: string): Promise<EncodedBatch> {
  if (instances.length === 0) throw new RequestError(`'${label}' is empty; send at least one instance`);
  const width = encodedWidth(prep);
  const x = new Float32Array(instances.length * width);
  for (const [i, inst] of instances.entries()) {
    const where = `${label}[${i}]`;
    const row = encodedRow(prep, inst, where);
    if (row) x.set(row, i * width);
    else if (prep.inputKind === 'tabular') encodeTabular(prep, inst, x, i * width, where);
    else x.set(await encodeMedia(prep, inst, where), i * width);
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
