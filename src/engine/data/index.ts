/**
 * The tabular data pipeline: resolve the source, read, type the columns, pick the features,
 * drop/check missing values, split (seeded), fit the preprocessing on the training split and
 * encode every split into one Float32Array. Folders and text/image columns go to the media pipeline.
 */
import { resolveDataSource } from '../../modelFile';
import { NotDataFileError, statData } from '../../modelFile/peek';
import type { ColumnType, ModelSpecFile, Task } from '../../modelFile/schema';
import {
  booleanColumn, categoricalColumn, categoryOf, describeColumn, inferColumns, isMissing, numericColumn, parseNumber, type ColumnTyping,
} from './infer';
import {
  encodeValuesInto, fitPreprocessing, sortClasses,
  type CategoricalEncoding, type FeatureColumn, type MissingStrategy, type NumericScaling,
} from './preprocess';
import { dataError, displayPath, readTable, type Table } from './read';
import { splitIndices } from './split';
import { DataError, type DatasetInfo, type PreparedData, type Preprocessing, type RawRecord, type SplitData } from './types';

export { createRng, splitIndices } from './split';
export { encodeRecords, encodeLabel, decodeLabel, unscaleTarget, type EncodeOptions } from './preprocess';
export { readTable, type Table } from './read';
export { inferColumns } from './infer';

export interface PrepareOptions {
  /** the workspace folder; data.source may not escape it (checked by the spec's resolver) */
  workspaceRoot: string;
}

/** The data section as this pipeline reads it (schema.ts types enums loosely; these are the values it allows). */
export interface DataSection {
  source: string;
  format?: string;
  delimiter?: string;
  label: string;
  features?: string[];
  exclude?: string[];
  columns?: Record<string, { type?: ColumnType; missing?: MissingStrategy; scale?: NumericScaling; encoding?: CategoricalEncoding }>;
  preprocess?: { missing?: MissingStrategy; numeric?: NumericScaling; categorical?: CategoricalEncoding };
  split?: { validation?: number; test?: number; seed?: number; stratify?: boolean; shuffle?: boolean };
}

const dataOf = (spec: ModelSpecFile) => spec.data as unknown as DataSection;
const taskOf = (spec: ModelSpecFile) => spec.task as Task;

/**
 * The absolute path of data.source: relative to the model file's folder, and inside the workspace
 * (the spec's resolver throws a SpecError located at `data.source` when it escapes, symlinks included).
 */
export function resolveSource(spec: ModelSpecFile, specFile: string, workspaceRoot: string): string {
  return resolveDataSource(spec, specFile, workspaceRoot);
}

/** Prepare the data of a model file for training: splits as batch sources, plus the fitted preprocessing. */
export async function prepareData(spec: ModelSpecFile, specFile: string, opts: PrepareOptions): Promise<PreparedData> {
  const data = dataOf(spec);
  const file = resolveSource(spec, specFile, opts.workspaceRoot);
  const stat = await statData(file).catch((err: unknown) => {
    if (err instanceof NotDataFileError) throw dataError(file, `data.source '${data.source}' ${err.reason}`);
    return undefined;
  });
  if (stat?.isDirectory() || data.format === 'images') {
    const { prepareFolderData } = await import('./folder');
    return prepareFolderData(spec, specFile, opts);
  }
  if (!stat) {
    throw dataError(file, `file not found (data.source '${data.source}' in ${displayPath(specFile)}; paths are relative to the model file)`);
  }
  const table = await readTable(file, { format: data.format, delimiter: data.delimiter });
  return prepareTable(spec, table, specFile, opts);
}

/** What `model-studio inspect` prints: rows, typed columns, missing counts, class balance, split sizes, shapes. */
export async function inspectData(spec: ModelSpecFile, specFile: string, opts: PrepareOptions): Promise<DatasetInfo> {
  return (await prepareData(spec, specFile, opts)).info;
}

/** Prepare an already-read table (exported for tests and for callers that read the table themselves). */
export async function prepareTable(spec: ModelSpecFile, table: Table, specFile: string, opts: PrepareOptions): Promise<PreparedData> {
  const data = dataOf(spec);
  const declared = data.columns ?? {};
  const warnings: string[] = [...(table.notes ?? [])];
  const has = new Set(table.columns);
  const columnList = table.columns.map((c) => `'${c}'`).join(', ');
  const needColumn = (name: string, field: string) => {
    if (!has.has(name)) throw dataError(table.file, `${field} names '${name}', which is not a column of this file; the columns are ${columnList}`, 1, name);
  };
  needColumn(data.label, 'data.label');
  for (const f of data.features ?? []) needColumn(f, 'data.features');
  for (const f of data.exclude ?? []) needColumn(f, 'data.exclude');
  for (const f of Object.keys(declared)) needColumn(f, 'data.columns');
  if ((data.features ?? []).includes(data.label)) {
    throw dataError(table.file, `data.features includes the label '${data.label}'; a model cannot take its own target as input`, 1, data.label);
  }

  const typings = inferColumns(table, declared);
  const typeOf = new Map(typings.map((t) => [t.name, t]));
  let features = data.features ?? table.columns.filter((c) => c !== data.label && !(data.exclude ?? []).includes(c));
  if (!data.features) {
    // Free text inferred among other columns is usually a name or a note, not the input: leave it out, say so.
    const text = features.filter((c) => typeOf.get(c)?.type === 'text' && typeOf.get(c)?.inferred);
    if (text.length > 0 && text.length < features.length) {
      for (const c of text) warnings.push(`column '${c}' looks like free text and is left out of the features; to use it, declare data.columns.${c}.type: text`);
      features = features.filter((c) => !text.includes(c));
    }
  }
  if (features.length === 0) throw dataError(table.file, `no feature columns are left (label '${data.label}', exclude: ${(data.exclude ?? []).join(', ') || 'none'})`, 1);
  if (features.some((c) => { const t = typeOf.get(c)?.type; return t === 'text' || t === 'image'; })) {
    // Images and text have their own pipeline (media.ts); it reads the same table.
    const { prepareMediaTable } = await import('./media');
    return prepareMediaTable(spec, specFile, table, opts);
  }

  const preprocess = data.preprocess ?? { missing: 'mean', numeric: 'standardize', categorical: 'onehot' };
  const globalMissing: MissingStrategy = preprocess.missing ?? 'mean';
  const columns: FeatureColumn[] = features.map((name) => {
    const t = typeOf.get(name) as ColumnTyping;
    const o = declared[name] ?? {};
    const missing: MissingStrategy = o.missing ?? globalMissing;
    if (t.type === 'numeric') return { name, kind: 'numeric', values: numericColumn(table, name, t.inferred), missing, scale: (o.scale ?? preprocess.numeric ?? 'standardize') as NumericScaling };
    if (t.type === 'boolean') return { name, kind: 'boolean', values: booleanColumn(table, name), missing };
    return { name, kind: 'categorical', values: categoricalColumn(table, name), missing, encoding: (o.encoding ?? preprocess.categorical ?? 'onehot') as CategoricalEncoding };
  });

  // Label values, and which rows stay.
  const labelTyping = typeOf.get(data.label) as ColumnTyping;
  const task = taskOf(spec);
  let labelValues: Array<string | number>;
  if (task === 'regression') {
    if (labelTyping.type !== 'numeric' && !labelTyping.inferred) {
      throw dataError(table.file, `regression needs a numeric label, but data.columns declares '${data.label}' as ${labelTyping.type}`, 1, data.label);
    }
    if (labelTyping.type !== 'numeric') {
      const i = table.rows.findIndex((r) => !isMissing(r[data.label]) && Number.isNaN(Number(r[data.label])));
      throw dataError(table.file, `regression needs a numeric label, but '${data.label}' holds ${JSON.stringify(table.rows[Math.max(0, i)][data.label])}; ` +
        `use task: classification for classes`, table.lineOfRow[Math.max(0, i)], data.label);
    }
    labelValues = Array.from(numericColumn(table, data.label, labelTyping.inferred));
  } else {
    if (labelTyping.type === 'numeric' && !labelTyping.inferred) {
      // data.columns declares the label numeric: hold it to that (a text label declared numeric is a mistake, not classes).
      const i = table.rows.findIndex((r) => !isMissing(r[data.label]) && parseNumber(r[data.label]) === undefined);
      if (i >= 0) {
        throw dataError(table.file, `data.columns declares the label numeric, but this row holds ${JSON.stringify(table.rows[i][data.label])}; ` +
          `remove \`type: numeric\` from data.columns.${data.label} (or declare it categorical) to use its values as classes`, table.lineOfRow[i], data.label);
      }
    }
    labelValues = table.rows.map((r) => (isMissing(r[data.label]) ? NaN : categoryOf(r[data.label])));
  }
  const labelMissing = (i: number) => typeof labelValues[i] === 'number' && Number.isNaN(labelValues[i]);
  const kept: number[] = [];
  let labelDropped = 0;
  for (let i = 0; i < table.rows.length; i++) {
    if (labelMissing(i)) {
      if (globalMissing === 'error') throw dataError(table.file, 'the label is missing in this row (missing: error)', table.lineOfRow[i], data.label);
      labelDropped++;
      continue;
    }
    let drop = false;
    for (const c of columns) {
      const missing = c.kind === 'categorical' ? c.values[i] === null : Number.isNaN(c.values[i]);
      if (!missing) continue;
      if (c.missing === 'error') {
        throw dataError(table.file, `the value is missing and missing values are not allowed (missing: error); ` +
          `fill it in, or choose drop, mean, median, mode or zero`, table.lineOfRow[i], c.name);
      }
      if (c.missing === 'drop') drop = true;
    }
    if (!drop) kept.push(i);
  }
  if (labelDropped > 0) warnings.push(`${labelDropped} row${labelDropped === 1 ? '' : 's'} without a label (${data.label}) left out`);
  const droppedRows = table.rows.length - kept.length;
  if (kept.length < 2) throw dataError(table.file, `only ${kept.length} row${kept.length === 1 ? '' : 's'} left after dropping rows with missing values; need at least 2`);

  if (task === 'classification') {
    const classes = new Set(kept.map((i) => String(labelValues[i])));
    if (classes.size < 2) {
      throw dataError(table.file, `the label column has only one class (${JSON.stringify([...classes][0])}); classification needs at least two`, undefined, data.label);
    }
    if (classes.size > 50 && labelTyping.type === 'numeric') {
      warnings.push(`the label '${data.label}' has ${classes.size} distinct numbers used as classes; did you mean task: regression?`);
    }
  }

  // Split the kept rows (positions into `kept`), then map back to table rows.
  const split = data.split ?? { validation: 0.15, test: 0.15, seed: 42, stratify: true, shuffle: true };
  const parts = splitIndices(kept.length, {
    validation: split.validation ?? 0.15,
    test: split.test ?? 0.15,
    seed: split.seed ?? 42,
    stratify: task === 'classification' && (split.stratify ?? true),
    shuffle: split.shuffle ?? true,
    labels: kept.map((i) => String(labelValues[i])),
  });
  const rowsOf = (positions: number[]) => positions.map((p) => kept[p]);
  const trainRows = rowsOf(parts.train);
  const validationRows = rowsOf(parts.validation);
  const testRows = rowsOf(parts.test);

  // Classes come from the rows that stay: a row left out (no label, or missing: drop) adds no class.
  const keptSet = new Set(kept);
  const fitLabels = labelValues.map((v, i) => (keptSet.has(i) ? v : NaN));
  const fitted = fitPreprocessing({ task, features: columns, label: { name: data.label, values: fitLabels }, trainIndices: trainRows, missing: globalMissing });
  warnings.push(...fitted.warnings);
  const prep = fitted.preprocessing;
  // Columns of the training file the model does not take: predict/evaluate on such a file skip them.
  const ignored = table.columns.filter((c) => c !== data.label && !features.includes(c));
  if (ignored.length > 0) prep.ignoredColumns = ignored;
  for (const c of columns) {
    if (c.kind === 'categorical' && kept.length >= 20 && new Set(kept.map((i) => c.values[i])).size === kept.length) {
      warnings.push(`feature '${c.name}' has a different value in every row: it looks like an identifier; add it to data.exclude`);
    }
  }
  if (task === 'regression') warnings.push(`the target '${data.label}' is standardised for training (mean ${fmt(prep.label.center)}, std ${fmt(prep.label.divisor)}); predictions are reported in its own units`);

  const encode = (rows: number[]) => encodeSplit(prep, table, rows, labelValues, task);
  const info: DatasetInfo = {
    source: table.file,
    format: table.delimiter && table.delimiter !== (table.format === 'tsv' ? '\t' : ',') ? `${table.format} (delimiter ${JSON.stringify(table.delimiter)})` : table.format,
    rows: table.rows.length,
    droppedRows,
    columns: typings.map((t) => describeColumn(table, t)),
    label: data.label,
    features,
    splits: { train: trainRows.length, validation: validationRows.length, test: testRows.length },
    inputShape: prep.inputShape,
    warnings,
  };
  if (task === 'classification') {
    const counts = new Map<string, number>();
    for (const i of kept) counts.set(String(labelValues[i]), (counts.get(String(labelValues[i])) ?? 0) + 1);
    info.classBalance = sortClasses(new Set(counts.keys())).map((label) => ({ label, count: counts.get(label) ?? 0 }));
  }
  return { task, preprocessing: prep, train: encode(trainRows), validation: encode(validationRows), test: encode(testRows), info };
}

function fmt(x: number | undefined): string {
  return x === undefined ? '?' : Number(x.toPrecision(4)).toString();
}

/** Encode the rows of one split with the fitted preprocessing (the same encoder a served model uses). */
function encodeSplit(prep: Preprocessing, table: Table, rows: number[], labels: Array<string | number>, task: Task): SplitData {
  const width = prep.inputShape[0];
  const x = new Float32Array(rows.length * width);
  const y = new Float32Array(rows.length);
  const classIndex = new Map((prep.label.classes ?? []).map((c, k) => [c, k]));
  rows.forEach((r, k) => {
    const record = table.rows[r];
    try {
      encodeValuesInto(prep, (name) => record[name], x, k * width);
    } catch (err) {
      if (err instanceof DataError) throw dataError(table.file, err.message, table.lineOfRow[r], err.column);
      throw err;
    }
    y[k] = task === 'classification'
      ? (classIndex.get(String(labels[r])) as number)
      : ((labels[r] as number) - (prep.label.center ?? 0)) / (prep.label.divisor ?? 1);
  });
  return tableSplit(x, y, [width], rows.map((r) => table.rows[r]));
}

/** A SplitData over one row-major Float32Array: batch() copies rows out, raw() returns the records. */
export function tableSplit(x: Float32Array, y: Float32Array, xShape: number[], records: RawRecord[]): SplitData {
  const width = xShape.reduce((a, b) => a * b, 1);
  const n = y.length;
  const check = (indices: readonly number[]) => {
    for (const i of indices) if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`sample index ${i} is out of range 0..${n - 1}`);
  };
  return {
    n,
    xShape,
    async batch(indices) {
      check(indices);
      const bx = new Float32Array(indices.length * width);
      const by = new Float32Array(indices.length);
      indices.forEach((i, k) => {
        bx.set(x.subarray(i * width, (i + 1) * width), k * width);
        by[k] = y[i];
      });
      return { x: bx, y: by };
    },
    async raw(indices) {
      check(indices);
      return indices.map((i) => ({ ...records[i] }));
    },
  };
}

export type { ColumnType };
