/**
 * The tabular pipeline, streamed (README "Data at scale"):
 *
 * 1. pass 1 reads every row once: column statistics (types, missing, distinct, inspect's summary), and
 *    per row one byte of flags (label missing, a `drop` feature missing) and the class id — typed arrays,
 *    a few bytes per row, never a row object;
 * 2. the seeded split assigns each kept row to train / validation / test (split.ts);
 * 3. pass 2 reads the rows again and stores the parsed values of the kept rows split by split (store.ts:
 *    in memory for small data, the disk cache for large), while the training rows feed the fit;
 * 4. one scan of the stored training rows finishes the fit (standard deviations, medians).
 *
 * Batches then encode stored rows with the fitted preprocessing (batches.ts).
 */
import type { ColumnType, ModelSpecFile, Task } from '../../modelFile/schema';
import { storeSplit } from './batches';
import { ColumnStats, describeStats, inferType } from './columnStats';
import { dataError, throwIfStopped } from './errors';
import { fitBoolean, fitCategorical, fitNumeric, NumberFit, needsSecondScan } from './fit';
import { GrowableFloat64, GrowableInt32, GrowableUint8 } from './growable';
import {
  rawRowEncoder, rawTarget, sortClasses,
  type CategoricalEncoding, type MissingStrategy, type NumericScaling, type RawLayout,
} from './preprocess';
import type { RowBatch, TableReader } from './readers';
import { assignSplits, TEST, TRAIN, VALIDATION } from './split';
import { blockRowsFor, StoreWriter, type BlockStore } from './store';
import type { ColumnInfo, DatasetInfo, FeatureTransform, PreparedData, Preprocessing, RawRecord } from './types';
import { categoryOf, detached, emptyRecord, isMissing, parseBoolean, parseNumber } from './values';

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

export const dataOf = (spec: ModelSpecFile) => spec.data as unknown as DataSection;

/** Raw values up to this many bytes stay in memory; more go to the disk cache. */
export const MEMORY_STORE_BYTES = 256 * 1024 * 1024;
/** A categorical feature with more distinct values than this is refused (it is an identifier, or text). */
export const MAX_CATEGORIES = 100_000;

export interface ReadProgress {
  /** 1: reading (statistics), 2: storing the rows (and fitting), 3: the fit's scan of stored rows */
  pass: 1 | 2 | 3;
  passes: number;
  rows: number;
  bytes: number;
  totalBytes: number;
}

export interface TabularOptions {
  signal?: AbortSignal;
  onProgress?: (p: ReadProgress) => void;
  /** 'auto' (default): memory up to MEMORY_STORE_BYTES of stored values, else disk; 'memory' / 'disk' force one */
  storage?: 'auto' | 'memory' | 'disk';
  /** where disk stores are written (a cache entry's folder, or a temporary folder) */
  diskDir?: () => Promise<string>;
  /** rows per stored block (default: about 1 MiB per block); tests use small blocks */
  blockRows?: number;
  /** opens the source again for report examples (raw records) */
  reopen: () => Promise<TableReader>;
}

/** What the pipeline produced, plus what a cache entry needs to rebuild it without reading the source. */
export interface TabularResult {
  prepared: PreparedData;
  layout: RawLayout;
  stores: { train: BlockStore; validation: BlockStore; test: BlockStore };
}

const LABEL_MISSING = 1;
const DROP = 2;

/** A row-level "first problem" in pass 1 (the smallest row wins, as a row-by-row check would find it). */
interface FirstRow { row: number; column: string }

function fmt(x: number | undefined): string {
  return x === undefined ? '?' : Number(x.toPrecision(4)).toString();
}

export async function prepareTabular(spec: ModelSpecFile, reader: TableReader, opts: TabularOptions): Promise<TabularResult | { media: true; types: Map<string, ColumnType>; columns: ColumnInfo[] }> {
  const data = dataOf(spec);
  const task = spec.task as Task;
  const file = reader.file;
  const declared = data.columns ?? {};
  const preprocess = data.preprocess ?? { missing: 'mean', numeric: 'standardize', categorical: 'onehot' };
  const globalMissing: MissingStrategy = preprocess.missing ?? 'mean';
  const missingOf = (name: string): MissingStrategy => declared[name]?.missing ?? globalMissing;
  const exclude = data.exclude ?? [];
  const isCandidate = (name: string) => (data.features ? data.features.includes(name) : name !== data.label && !exclude.includes(name));
  const report = (pass: 1 | 2 | 3, rows: number, bytes: number, passes: number) => opts.onProgress?.({ pass, passes, rows, bytes, totalBytes: reader.size });

  const checkColumns = (columns: readonly string[]) => {
    const has = new Set(columns);
    const list = columns.map((c) => `'${c}'`).join(', ');
    const need = (name: string, field: string) => {
      if (!has.has(name)) throw dataError(file, `${field} names '${name}', which is not a column of this file; the columns are ${list}`, 1, name);
    };
    need(data.label, 'data.label');
    for (const f of data.features ?? []) need(f, 'data.features');
    for (const f of exclude) need(f, 'data.exclude');
    for (const f of Object.keys(declared)) need(f, 'data.columns');
    if ((data.features ?? []).includes(data.label)) {
      throw dataError(file, `data.features includes the label '${data.label}'; a model cannot take its own target as input`, 1, data.label);
    }
  };
  const fixedColumns = reader.format !== 'json' && reader.format !== 'jsonl';
  if (fixedColumns) checkColumns(reader.columns);

  // ---------------------------------------------------------------- pass 1
  const stats: ColumnStats[] = [];
  const flags = new GrowableUint8();
  const classIds = new GrowableInt32();
  const classIndex = new Map<string, number>();
  const classNames: string[] = [];
  /** first row (label present) where a column is missing, per column: for missing: error */
  const firstMissingWithLabel = new Map<string, number>();
  let firstLabelMissing: number | undefined;
  let lateCandidate = false;
  let rows = 0;

  const rowFlags = (batch: RowBatch, columns: readonly string[], base: number, push: boolean) => {
    const labelCol = columns.indexOf(data.label);
    const labelValues = labelCol >= 0 ? batch.columns[labelCol] : undefined;
    const checked = columns
      .map((name, c) => ({ name, c, missing: missingOf(name) }))
      .filter((x) => isCandidate(x.name) && (x.missing === 'drop' || x.missing === 'error'));
    for (let i = 0; i < batch.n; i++) {
      const lv = labelValues ? labelValues[i] : undefined;
      let f = 0;
      if (isMissing(lv)) {
        f = LABEL_MISSING;
        firstLabelMissing ??= batch.lines[i];
      } else {
        for (const { name, c, missing } of checked) {
          const col = batch.columns[c];
          if (!isMissing(col ? col[i] : undefined)) continue;
          if (missing === 'drop') f |= DROP;
          else if (!firstMissingWithLabel.has(name)) firstMissingWithLabel.set(name, batch.lines[i]);
        }
      }
      if (push) {
        flags.push(f);
        if (task === 'classification') {
          let id = -1;
          if (!(f & LABEL_MISSING)) {
            const key = categoryOf(lv);
            const known = classIndex.get(key);
            if (known !== undefined) id = known;
            else {
              if (classNames.length >= MAX_CATEGORIES) {
                throw dataError(file, `the label '${data.label}' has more than ${MAX_CATEGORIES} distinct values; classification needs classes — did you mean task: regression?`, batch.lines[i], data.label);
              }
              id = classNames.length;
              classNames.push(detached(key));
              classIndex.set(classNames[id], id);
            }
          }
          classIds.push(id);
        }
      } else {
        flags.set(base + i, f);
      }
    }
  };

  for await (const batch of reader.batches(opts.signal)) {
    throwIfStopped(opts.signal);
    const columns = reader.columns;
    while (stats.length < columns.length) {
      const st = new ColumnStats(columns[stats.length], reader.decimalComma);
      if (rows > 0) {
        // a JSON key first seen now: every earlier row lacks it
        for (let k = 0; k < rows; k++) st.observe(undefined, 1);
        st.firstMissingRow = undefined;
        const m = missingOf(st.name);
        if (isCandidate(st.name) && (m === 'drop' || m === 'error')) lateCandidate = true;
      }
      stats.push(st);
    }
    for (let c = 0; c < stats.length; c++) {
      const col = batch.columns[c];
      const st = stats[c];
      for (let i = 0; i < batch.n; i++) st.observe(col ? col[i] : undefined, batch.lines[i]);
    }
    rowFlags(batch, columns, rows, true);
    rows += batch.n;
    report(1, rows, batch.bytesRead, 2);
  }
  const columns = reader.columns.slice();
  if (!fixedColumns) checkColumns(columns);
  const statOf = new Map(stats.map((s) => [s.name, s]));

  // ---------------------------------------------------------------- types and features
  const types = new Map<string, ColumnType>();
  const inferredType = new Map<string, boolean>();
  for (const name of columns) {
    const t = declared[name]?.type;
    types.set(name, t ?? inferType(statOf.get(name) as ColumnStats));
    inferredType.set(name, !t);
  }
  const warnings: string[] = [];
  const commaColumns = stats.filter((s) => s.commaNumbers > 0 && types.get(s.name) === 'numeric').map((s) => s.name);
  if (commaColumns.length > 0) {
    const one = commaColumns.length === 1;
    warnings.push(`${one ? 'column' : 'columns'} ${commaColumns.map((c) => `'${c}'`).join(', ')} ${one ? 'holds numbers' : 'hold numbers'} written with a decimal comma (e.g. 0,5); ${one ? 'it is' : 'they are'} read as numbers (0.5)`);
  }
  let features = data.features ?? columns.filter((c) => c !== data.label && !exclude.includes(c));
  if (!data.features) {
    // Free text inferred among other columns is usually a name or a note, not the input: leave it out, say so.
    const text = features.filter((c) => types.get(c) === 'text' && inferredType.get(c));
    if (text.length > 0 && text.length < features.length) {
      for (const c of text) warnings.push(`column '${c}' looks like free text and is left out of the features; to use it, declare data.columns.${c}.type: text`);
      features = features.filter((c) => !text.includes(c));
    }
  }
  if (features.length === 0) throw dataError(file, `no feature columns are left (label '${data.label}', exclude: ${exclude.join(', ') || 'none'})`, 1);
  const describe = () => columns.map((name) => describeStats(statOf.get(name) as ColumnStats, types.get(name) as ColumnType, inferredType.get(name) as boolean));
  if (features.some((c) => types.get(c) === 'text' || types.get(c) === 'image')) return { media: true, types, columns: describe() };

  for (const name of [data.label, ...features]) {
    const kind = reader.columnKinds?.get(name);
    if (kind) {
      const what = kind.kind === 'timestamp' ? 'timestamps or dates' : kind.kind === 'binary' ? 'binary values' : 'nested values (lists, structs or maps)';
      throw dataError(file, `the column holds ${what} (${reader.format} type ${kind.type}), which cannot be ${name === data.label ? 'the label' : 'a feature'}; ` +
        `add it to data.exclude${kind.kind === 'timestamp' ? ', or store it as a number (e.g. seconds since 1970) or as text' : ''}`, undefined, name);
    }
  }
  for (const name of features) {
    const t = types.get(name);
    const st = statOf.get(name) as ColumnStats;
    if (t === 'numeric' && st.firstNonNumber) {
      const why = inferredType.get(name) ? 'the column reads as numeric (almost all its values are numbers)' : 'data.columns declares it numeric';
      throw dataError(file, `expected a number, got ${JSON.stringify(st.firstNonNumber.value)}; ${why}. Fix the value, leave it empty to mark it missing, ` +
        `or declare \`data.columns.${name}.type: categorical\``, st.firstNonNumber.row, name);
    }
    if (t === 'boolean' && st.firstNonBoolean) {
      throw dataError(file, `expected true/false (or yes/no, 1/0), got ${JSON.stringify(st.firstNonBoolean.value)}; ` +
        `fix the value or declare \`data.columns.${name}.type: categorical\``, st.firstNonBoolean.row, name);
    }
  }

  // the label
  const labelStats = statOf.get(data.label) as ColumnStats;
  const labelType = types.get(data.label) as ColumnType;
  const labelInferred = inferredType.get(data.label) as boolean;
  if (task === 'regression') {
    if (labelType !== 'numeric' && !labelInferred) {
      throw dataError(file, `regression needs a numeric label, but data.columns declares '${data.label}' as ${labelType}`, 1, data.label);
    }
    if (labelStats.firstNonNumber) {
      if (labelType === 'numeric') {
        throw dataError(file, `expected a number, got ${JSON.stringify(labelStats.firstNonNumber.value)}; the column reads as numeric (almost all its values are numbers). ` +
          `Fix the value, leave it empty to mark it missing, or declare \`data.columns.${data.label}.type: categorical\``, labelStats.firstNonNumber.row, data.label);
      }
      throw dataError(file, `regression needs a numeric label, but '${data.label}' holds ${JSON.stringify(labelStats.firstNonNumber.value)}; use task: classification for classes`,
        labelStats.firstNonNumber.row, data.label);
    }
  } else if (labelType === 'numeric' && !labelInferred && labelStats.firstNonNumber) {
    throw dataError(file, `data.columns declares the label numeric, but this row holds ${JSON.stringify(labelStats.firstNonNumber.value)}; ` +
      `remove \`type: numeric\` from data.columns.${data.label} (or declare it categorical) to use its values as classes`, labelStats.firstNonNumber.row, data.label);
  }

  // missing: error — the first row (in file order) with a refused missing value
  let firstError: FirstRow | undefined;
  if (globalMissing === 'error' && firstLabelMissing !== undefined) firstError = { row: firstLabelMissing, column: data.label };
  for (const name of features) {
    const row = missingOf(name) === 'error' ? firstMissingWithLabel.get(name) : undefined;
    if (row !== undefined && (!firstError || row < firstError.row)) firstError = { row, column: name };
  }
  if (firstError) {
    if (firstError.column === data.label) throw dataError(file, 'the label is missing in this row (missing: error)', firstError.row, data.label);
    throw dataError(file, 'the value is missing and missing values are not allowed (missing: error); fill it in, or choose drop, mean, median, mode or zero', firstError.row, firstError.column);
  }

  // Flags were computed with every candidate column: redo them when the features changed or a key came late.
  const candidates = data.features ?? columns.filter((c) => c !== data.label && !exclude.includes(c));
  const droppedCandidates = candidates.filter((c) => !features.includes(c) && missingOf(c) === 'drop' && (statOf.get(c)?.missing ?? 0) > 0);
  if (droppedCandidates.length > 0 || lateCandidate) {
    const featureSet = new Set(features);
    const saved = isCandidate;
    const recheck = (name: string) => featureSet.has(name) && saved(name);
    let base = 0;
    const rerun = (batch: RowBatch) => {
      const labelCol = reader.columns.indexOf(data.label);
      for (let i = 0; i < batch.n; i++) {
        if (flags.get(base + i) & LABEL_MISSING) continue;
        let f = 0;
        reader.columns.forEach((name, c) => {
          if (c === labelCol || !recheck(name) || missingOf(name) !== 'drop') return;
          const col = batch.columns[c];
          if (isMissing(col ? col[i] : undefined)) f |= DROP;
        });
        flags.set(base + i, f);
      }
      base += batch.n;
    };
    for await (const batch of reader.batches(opts.signal)) rerun(batch);
  }

  const flagView = flags.view();
  let kept = 0;
  let labelDropped = 0;
  for (let i = 0; i < rows; i++) {
    if (flagView[i] === 0) kept++;
    else if (flagView[i] & LABEL_MISSING) labelDropped++;
  }
  if (labelDropped > 0) warnings.push(`${labelDropped} row${labelDropped === 1 ? '' : 's'} without a label (${data.label}) left out`);
  const droppedRows = rows - kept;
  if (kept < 2) throw dataError(file, `only ${kept} row${kept === 1 ? '' : 's'} left after dropping rows with missing values; need at least 2`);

  // classes: from the rows that stay
  let classes: string[] | undefined;
  let sortedOfId: Int32Array | undefined;
  let classCounts: Float64Array | undefined;
  if (task === 'classification') {
    const ids = classIds.view();
    classCounts = new Float64Array(classNames.length);
    for (let i = 0; i < rows; i++) if (flagView[i] === 0) classCounts[ids[i]]++;
    const present = new Set(classNames.filter((_, id) => (classCounts as Float64Array)[id] > 0));
    classes = sortClasses(present);
    if (classes.length < 2) {
      throw dataError(file, `the label column has only one class (${JSON.stringify(classes[0])}); classification needs at least two`, undefined, data.label);
    }
    if (classes.length > 50 && labelType === 'numeric') {
      warnings.push(`the label '${data.label}' has ${classes.length} distinct numbers used as classes; did you mean task: regression?`);
    }
    const position = new Map(classes.map((c, k) => [c, k]));
    sortedOfId = Int32Array.from(classNames, (c) => position.get(c) ?? -1);
  }

  // ---------------------------------------------------------------- split
  const split = data.split ?? {};
  let classOf: Int32Array | undefined;
  let classOrder: number[] | undefined;
  const stratify = task === 'classification' && (split.stratify ?? true);
  if (stratify) {
    const ids = classIds.view();
    classOf = new Int32Array(kept);
    let k = 0;
    for (let i = 0; i < rows; i++) if (flagView[i] === 0) classOf[k++] = ids[i];
    // groups are shuffled in the order of the class names (as strings)
    classOrder = classNames.map((_, id) => id).filter((id) => (classCounts as Float64Array)[id] > 0)
      .sort((a, b) => (classNames[a] < classNames[b] ? -1 : classNames[a] > classNames[b] ? 1 : 0));
  }
  const assigned = assignSplits(kept, {
    validation: split.validation ?? 0.15, test: split.test ?? 0.15, seed: split.seed ?? 42,
    stratify, shuffle: split.shuffle ?? true, classOf, classOrder,
  });
  classOf = undefined;
  /** per source row: its split, or 255 when the row is left out */
  const splitOf = new Uint8Array(rows).fill(255);
  {
    let k = 0;
    for (let i = 0; i < rows; i++) if (flagView[i] === 0) splitOf[i] = assigned[k++];
  }

  // ---------------------------------------------------------------- pass 2: store and fit
  const nFeatures = features.length;
  const slots = nFeatures + 2;
  const labelSlot = nFeatures;
  const ordinalSlot = nFeatures + 1;
  const storeBytes = kept * slots * 8;
  const storage = opts.storage ?? 'auto';
  const onDisk = storage === 'disk' || (storage === 'auto' && storeBytes > MEMORY_STORE_BYTES);
  const dir = onDisk && opts.diskDir ? await opts.diskDir() : undefined;
  if (onDisk && !dir) throw new Error('a disk store needs a folder (diskDir)');
  const blockRows = opts.blockRows ?? blockRowsFor(slots);
  const path = await import('node:path');
  const writers = [TRAIN, VALIDATION, TEST].map((s) => new StoreWriter(slots, blockRows, dir ? path.join(dir, `${['train', 'validation', 'test'][s]}.bin`) : undefined));

  type Plan =
    | { kind: 'number'; parse: 'numeric' | 'boolean'; fit: NumberFit }
    | { kind: 'category'; dict: Map<string, number>; names: string[]; trainCounts: GrowableFloat64; missingKept: number };
  const plans: Plan[] = features.map((name) => {
    const t = types.get(name);
    const m = missingOf(name);
    if (t === 'numeric') {
      return { kind: 'number', parse: 'numeric', fit: new NumberFit(m === 'mode', m === 'median') };
    }
    if (t === 'boolean') return { kind: 'number', parse: 'boolean', fit: new NumberFit(m === 'mode' || m === 'drop', m === 'median') };
    return { kind: 'category', dict: new Map(), names: [], trainCounts: new GrowableFloat64(), missingKept: 0 };
  });
  const labelFit = new NumberFit(false, false);
  const featureIndex = features.map((f) => columns.indexOf(f));
  const labelIndex = columns.indexOf(data.label);
  const decimalComma = reader.decimalComma;
  const row = new Float64Array(slots);
  const classIdView = task === 'classification' ? classIds.view() : undefined;
  let ordinal = 0;
  try {
    for await (const batch of reader.batches(opts.signal)) {
      throwIfStopped(opts.signal);
      for (let i = 0; i < batch.n; i++, ordinal++) {
        const s = splitOf[ordinal];
        if (s === 255) continue;
        const train = s === TRAIN;
        for (let j = 0; j < nFeatures; j++) {
          const col = batch.columns[featureIndex[j]];
          const v = col ? col[i] : undefined;
          const plan = plans[j];
          if (plan.kind === 'number') {
            let x: number | undefined;
            if (plan.parse === 'numeric') x = typeof v === 'number' ? (Number.isFinite(v) ? v : undefined) : parseNumber(v, decimalComma);
            else x = isMissing(v) ? undefined : parseBoolean(v, true);
            if (x === undefined) row[j] = NaN;
            else {
              row[j] = x;
              if (train) plan.fit.add(x);
            }
          } else if (isMissing(v)) {
            row[j] = -1;
            plan.missingKept++;
          } else {
            const key = categoryOf(v);
            let id = plan.dict.get(key);
            if (id === undefined) {
              if (plan.names.length >= MAX_CATEGORIES) {
                throw dataError(file, `more than ${MAX_CATEGORIES} distinct values: this looks like an identifier or free text, not a category; ` +
                  `add it to data.exclude (or declare it text)`, batch.lines[i], features[j]);
              }
              id = plan.names.length;
              plan.names.push(detached(key));
              plan.dict.set(plan.names[id], id);
              plan.trainCounts.push(0);
            }
            row[j] = id;
            if (train) plan.trainCounts.view()[id]++;
          }
        }
        if (task === 'classification') {
          row[labelSlot] = (sortedOfId as Int32Array)[(classIdView as Int32Array)[ordinal]];
        } else {
          const col = batch.columns[labelIndex];
          const v = col ? col[i] : undefined;
          const y = typeof v === 'number' ? v : (parseNumber(v, decimalComma) as number);
          row[labelSlot] = y;
          if (train) labelFit.add(y);
        }
        row[ordinalSlot] = ordinal;
        writers[s].append(row);
      }
      for (const w of writers) await w.flush();
      report(2, ordinal, batch.bytesRead, 2);
    }
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort()));
    throw err;
  }
  const [trainStore, validationStore, testStore] = await Promise.all(writers.map((w) => w.finish()));

  // ---------------------------------------------------------------- the fit
  const scaleOf = (name: string) => (declared[name]?.scale ?? preprocess.numeric ?? 'standardize') as NumericScaling;
  const second = plans.map((p, j) => p.kind === 'number' && (p.parse === 'numeric' && needsSecondScan(scaleOf(features[j]), missingOf(features[j])) || missingOf(features[j]) === 'median'));
  const needLabelScan = task === 'regression';
  if (second.some(Boolean) || needLabelScan) {
    const B = trainStore.blockRows;
    const means = plans.map((p) => (p.kind === 'number' ? p.fit.mean : 0));
    const labelMean = labelFit.mean;
    for (let b = 0; b < trainStore.blocks; b++) {
      throwIfStopped(opts.signal);
      const block = await trainStore.readBlock(b);
      const n = trainStore.rowsIn(b);
      for (let j = 0; j < nFeatures; j++) {
        const p = plans[j];
        if (!second[j] || p.kind !== 'number') continue;
        const base = j * B;
        const mean = means[j];
        for (let r = 0; r < n; r++) {
          const x = block[base + r];
          if (x === x) p.fit.addSecond(x, mean);
        }
      }
      if (needLabelScan) {
        const base = labelSlot * B;
        for (let r = 0; r < n; r++) labelFit.addSecond(block[base + r], labelMean);
      }
      report(3, (b + 1) * B, reader.size, 2);
    }
  }
  const transforms: FeatureTransform[] = features.map((name, j) => {
    const p = plans[j];
    if (p.kind === 'category') {
      const encoding = (declared[name]?.encoding ?? preprocess.categorical ?? 'onehot') as CategoricalEncoding;
      return fitCategorical(name, p.names, p.trainCounts.view(), encoding, missingOf(name), warnings);
    }
    if (p.parse === 'boolean') return fitBoolean(name, p.fit, missingOf(name), warnings);
    return fitNumeric(name, p.fit, scaleOf(name), missingOf(name), warnings);
  });
  const encodedNames = transforms.flatMap((t) => (t.kind === 'categorical' && t.encoding === 'onehot' ? t.categories.map((c) => `${t.name}=${c}`) : [t.name]));
  const label: Preprocessing['label'] = { name: data.label };
  if (classes) label.classes = classes;
  else {
    label.center = labelFit.mean;
    label.divisor = labelFit.std > 1e-12 ? labelFit.std : 1;
  }
  const prep: Preprocessing = {
    format: 'model-studio-preprocessing', version: 1, task, inputKind: 'tabular', inputShape: [encodedNames.length],
    features: transforms, encodedNames, label, missing: globalMissing,
  };
  const ignored = columns.filter((c) => c !== data.label && !features.includes(c));
  if (ignored.length > 0) prep.ignoredColumns = ignored;
  if (decimalComma) prep.decimalComma = true;
  plans.forEach((p, j) => {
    if (p.kind === 'category' && kept >= 20 && p.names.length + (p.missingKept > 0 ? 1 : 0) === kept) {
      warnings.push(`feature '${features[j]}' has a different value in every row: it looks like an identifier; add it to data.exclude`);
    }
  });
  if (task === 'regression') warnings.push(`the target '${data.label}' is standardised for training (mean ${fmt(label.center)}, std ${fmt(label.divisor)}); predictions are reported in its own units`);

  const layout: RawLayout = {
    features: features.map((name, j) => {
      const p = plans[j];
      return p.kind === 'category' ? { name, slot: j, kind: 'category', dictionary: p.names } : { name, slot: j, kind: 'number' };
    }),
    labelSlot, ordinalSlot, slots,
  };
  const delimiterNote = reader.delimiter && reader.delimiter !== (reader.format === 'tsv' ? '\t' : ',');
  const info: DatasetInfo = {
    source: file,
    format: delimiterNote ? `${reader.format} (delimiter ${JSON.stringify(reader.delimiter)})` : reader.format,
    rows,
    droppedRows,
    columns: describe(),
    label: data.label,
    features,
    splits: { train: trainStore.n, validation: validationStore.n, test: testStore.n },
    inputShape: prep.inputShape,
    warnings,
  };
  if (classes && classCounts && sortedOfId) {
    const counts = new Float64Array(classes.length);
    classNames.forEach((_, id) => { if ((sortedOfId as Int32Array)[id] >= 0) counts[(sortedOfId as Int32Array)[id]] += (classCounts as Float64Array)[id]; });
    info.classBalance = classes.map((c, k) => ({ label: c, count: counts[k] }));
  }
  const stores = { train: trainStore, validation: validationStore, test: testStore };
  return { prepared: assembleTabular(prep, layout, stores, info, opts.reopen), layout, stores };
}

/** PreparedData over stored rows (fresh from the pipeline, or a cache entry read back). */
export function assembleTabular(prep: Preprocessing, layout: RawLayout, stores: TabularResult['stores'], info: DatasetInfo, reopen: () => Promise<TableReader>): PreparedData {
  const encode = rawRowEncoder(prep, layout);
  const target = rawTarget(prep);
  const width = prep.inputShape[0];
  const rawRows = (ordinals: readonly number[]) => recordsAt(reopen, ordinals);
  const make = (store: BlockStore) => storeSplit({ store, width, encode, labelSlot: layout.labelSlot, ordinalSlot: layout.ordinalSlot, target, rawRows });
  return { task: prep.task, preprocessing: prep, train: make(stores.train), validation: make(stores.validation), test: make(stores.test), info };
}

/**
 * The source rows at these positions (0-based data rows) as records, in the order asked: one pass over
 * the file that stops after the last row wanted. Records have no prototype (a column may be `__proto__`).
 */
export async function recordsAt(reopen: () => Promise<TableReader>, ordinals: readonly number[]): Promise<RawRecord[]> {
  if (ordinals.length === 0) return [];
  const wanted = new Map<number, number[]>();
  ordinals.forEach((o, k) => { const list = wanted.get(o); if (list) list.push(k); else wanted.set(o, [k]); });
  const last = ordinals.reduce((m, o) => (o > m ? o : m), -1);
  const out = new Array<RawRecord>(ordinals.length);
  const reader = await reopen();
  try {
    let base = 0;
    for await (const batch of reader.batches()) {
      for (let i = 0; i < batch.n; i++) {
        const at = wanted.get(base + i);
        if (!at) continue;
        const rec = emptyRecord();
        reader.columns.forEach((name, c) => {
          const col = batch.columns[c];
          const v = col ? col[i] : undefined;
          if (v !== undefined) rec[name] = v;
        });
        for (const k of at) out[k] = rec;
      }
      base += batch.n;
      if (base > last) break;
    }
  } finally {
    await reader.close();
  }
  return out;
}

/** A data file on its own (`inspect FILE`): one streamed pass, every column typed and summarised. */
export async function describeTable(reader: TableReader, opts: { signal?: AbortSignal; onProgress?: (p: ReadProgress) => void } = {}): Promise<{ rows: number; columns: ColumnInfo[] }> {
  const stats: ColumnStats[] = [];
  let rows = 0;
  for await (const batch of reader.batches(opts.signal)) {
    while (stats.length < reader.columns.length) {
      const st = new ColumnStats(reader.columns[stats.length], reader.decimalComma);
      for (let k = 0; k < rows; k++) st.observe(undefined, 1);
      stats.push(st);
    }
    for (let c = 0; c < stats.length; c++) {
      const col = batch.columns[c];
      for (let i = 0; i < batch.n; i++) stats[c].observe(col ? col[i] : undefined, batch.lines[i]);
    }
    rows += batch.n;
    opts.onProgress?.({ pass: 1, passes: 1, rows, bytes: batch.bytesRead, totalBytes: reader.size });
  }
  return { rows, columns: stats.map((s) => describeStats(s, inferType(s), true)) };
}
