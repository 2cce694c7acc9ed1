/**
 * Image and text data as PreparedData: the labels and split (labels.ts), the fit on the training split
 * (image statistics, vocabulary), and splits that batch through batches.ts like every other split.
 * Sources: a folder of class subfolders (folder.ts), or a table with one image-path or text column
 * (below), streamed like any table.
 */
import * as path from 'node:path';
import { outsideWorkspace } from '../../modelFile/paths';
import type { ColumnType, ModelSpecFile, Task } from '../../modelFile/schema';
import { dataError, displayPath, throwIfStopped } from './errors';
import { imageSettings, imageSplit, imageTransformFor, screenImages, type ImageSample } from './images';
import { planLabels, Warnings } from './labels';
import type { TableReader } from './readers';
import { recordsAt } from './tabular';
import { fitVocabulary, encodeTextInto, textTransform, type TextTransform } from './text';
import { oovShare, textSettingsOf, textSplit } from './textSamples';
import { DataError, type ColumnInfo, type DatasetInfo, type PreparedData, type Preprocessing, type RawRecord } from './types';
import { categoryOf, isMissing, parseNumber } from './values';

export interface MediaOptions {
  workspaceRoot: string;
  /** told about every warning as it happens (also collected in info.warnings), including those found while batching */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface MediaParts {
  task: Task;
  kind: 'image' | 'text';
  /** per sample */
  labels: ReadonlyArray<string | number>;
  /** the raw records of samples (report examples) */
  raw: (samples: readonly number[]) => Promise<RawRecord[]>;
  /** images: where each sample's bytes are */
  images?: ImageSample[];
  /** texts: each sample's text */
  texts?: string[];
  featureName: string;
  source: string;
  format: string;
  rows: number;
  droppedRows: number;
  columns: ColumnInfo[];
}

export async function assemble(spec: ModelSpecFile, parts: MediaParts, warnings: Warnings): Promise<PreparedData> {
  const plan = planLabels(spec, parts.task, parts.labels, parts.source);
  const sub = <T>(xs: readonly T[], idx: readonly number[]) => idx.map((i) => xs[i]);
  const ys = (idx: readonly number[]) => Float32Array.from(idx, (i) => plan.y[i]);
  let splits: Pick<PreparedData, 'train' | 'validation' | 'test'>;
  let preprocessing: Preprocessing;
  const base = {
    format: 'model-studio-preprocessing' as const,
    version: 1 as const,
    task: parts.task,
    label: plan.label,
    missing: ((spec.data.preprocess ?? {}) as { missing?: Preprocessing['missing'] }).missing ?? 'mean',
  };
  if (parts.kind === 'image') {
    const images = parts.images as ImageSample[];
    const settings = imageSettings(spec);
    const t = await imageTransformFor(parts.featureName, images, plan.split.train, settings, warnings);
    const make = (idx: number[]) => imageSplit(sub(images, idx), ys(idx), t, settings, warnings, (k) => parts.raw(k.map((i) => idx[i])));
    splits = { train: make(plan.split.train), validation: make(plan.split.validation), test: make(plan.split.test) };
    preprocessing = { ...base, inputKind: 'image', inputShape: [t.size[0], t.size[1], t.channels], features: [t] };
  } else {
    const texts = parts.texts as string[];
    const settings = textSettingsOf(spec);
    const vocabulary = fitVocabulary(sub(texts, plan.split.train), settings);
    const t = textTransform(parts.featureName, vocabulary, settings);
    const make = (idx: number[]) => textSplit(sub(texts, idx), ys(idx), t, (k) => parts.raw(k.map((i) => idx[i])));
    splits = { train: make(plan.split.train), validation: make(plan.split.validation), test: make(plan.split.test) };
    preprocessing = { ...base, inputKind: 'sequence', inputShape: [t.sequenceLength], features: [t] };
    const heldOut = sub(texts, plan.split.validation.concat(plan.split.test));
    const share = oovShare(t, heldOut);
    if (share > 0.25) warnings.add(`${(share * 100).toFixed(0)}% of validation/test tokens are not in the vocabulary; raise data.text.maxTokens or add training data`);
    const empty = texts.filter((s) => tokenizeCount(s, t) === 0).length;
    if (empty > 0) warnings.add(`${empty} text${empty === 1 ? ' is' : 's are'} empty (no tokens); they are all padding`);
  }
  const info: DatasetInfo = {
    source: parts.source,
    format: parts.format,
    rows: parts.rows,
    droppedRows: parts.droppedRows,
    columns: parts.columns,
    label: spec.data.label,
    features: [parts.featureName],
    splits: { train: plan.split.train.length, validation: plan.split.validation.length, test: plan.split.test.length },
    inputShape: preprocessing.inputShape,
    warnings: warnings.list,
  };
  if (plan.classBalance) info.classBalance = plan.classBalance;
  return { task: parts.task, preprocessing, ...splits, info };
}

function tokenizeCount(s: string, t: TextTransform): number {
  const scratch = new Float32Array(t.sequenceLength);
  encodeTextInto(t, s, scratch, 0);
  return scratch.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0);
}

// ---------------------------------------------------------------- a table with an image or text column

/**
 * A table whose input is one image-path column (paths relative to the data file, inside the
 * workspace) or one text column. Other feature columns are left out with a warning when the
 * model file did not list features, and are an error when it did. The table is streamed: what is kept
 * per sample is its label, its text or image path, and its row (records for reports are read again).
 */
export async function prepareMediaTable(spec: ModelSpecFile, reader: TableReader, found: { types: Map<string, ColumnType>; columns: ColumnInfo[] },
  reopen: () => Promise<TableReader>, opts: MediaOptions): Promise<PreparedData> {
  const warnings = new Warnings(opts.onWarning);
  const data = spec.data;
  const task = spec.task as Task;
  const file = reader.file;
  const typeOf = found.types;
  const candidates = data.features ?? reader.columns.filter((c) => c !== data.label && !(data.exclude ?? []).includes(c));
  const media = candidates.filter((c) => typeOf.get(c) === 'image' || typeOf.get(c) === 'text');
  if (media.length === 0) throw dataError(file, 'no image or text column among the features');
  if (media.length > 1) {
    throw dataError(file, `more than one image/text feature (${media.join(', ')}); a model takes one image or text input: set data.features to one of them`);
  }
  const featureName = media[0];
  const kind = typeOf.get(featureName) as 'image' | 'text';
  const others = candidates.filter((c) => c !== featureName);
  if (others.length > 0) {
    if (data.features) {
      throw dataError(file, `data.features mixes the ${kind} column '${featureName}' with ${others.map((c) => `'${c}'`).join(', ')}; ` +
        `a ${kind} model takes that one column as its input: list only '${featureName}'`);
    }
    warnings.add(`${others.map((c) => `'${c}'`).join(', ')} left out of the features: a ${kind} model takes one input, the ${kind} column '${featureName}'`);
  }

  // One pass: labels (a missing one drops the row, as in the tabular pipeline), the text or image path, the row.
  const settings = imageSettings(spec);
  const baseDir = path.dirname(file);
  const labels: Array<string | number> = [];
  const values: string[] = [];
  const ordinals: number[] = [];
  const lines: number[] = [];
  let dropped = 0;
  let rows = 0;
  const labelCol = reader.columns.indexOf(data.label);
  const featureCol = reader.columns.indexOf(featureName);
  for await (const batch of reader.batches(opts.signal)) {
    throwIfStopped(opts.signal);
    const lc = batch.columns[labelCol];
    const fc = batch.columns[featureCol];
    for (let i = 0; i < batch.n; i++, rows++) {
      const v = lc ? lc[i] : undefined;
      if (isMissing(v)) { dropped++; continue; }
      let label: string | number;
      if (task === 'regression') {
        const y = parseNumber(v, reader.decimalComma);
        if (y === undefined) throw dataError(file, `regression needs a numeric label, got ${JSON.stringify(v)}; use task: classification for classes`, batch.lines[i], data.label);
        label = y;
      } else label = categoryOf(v);
      const fv = fc ? fc[i] : undefined;
      if (kind === 'image') {
        let problem: string | null = null;
        let target = '';
        if (isMissing(fv) || typeof fv !== 'string') problem = 'no image path';
        else {
          target = path.resolve(baseDir, fv.trim());
          if (/^[a-z][a-z0-9+.-]*:\/\//i.test(fv.trim())) problem = `${JSON.stringify(fv)} is a URL; give a file path relative to the data file`;
          else {
            // The real path (symlinked folders resolved), not the written one: a link inside can lead out.
            const outside = await outsideWorkspace(target, opts.workspaceRoot);
            if (outside) problem = `${JSON.stringify(fv)} ${outside}; image paths are relative to the data file and must stay inside the workspace`;
          }
        }
        if (problem) {
          if (settings.onError === 'fail') throw dataError(file, problem, batch.lines[i], featureName);
          warnings.add(`${displayPath(file)}:${batch.lines[i]}: ${problem}; row skipped`);
          continue;
        }
        values.push(target);
      } else {
        values.push(isMissing(fv) ? '' : String(fv));
      }
      labels.push(label);
      ordinals.push(rows);
      lines.push(batch.lines[i]);
    }
  }
  if (dropped > 0) warnings.add(`${dropped} row${dropped === 1 ? '' : 's'} without a label (${data.label}) left out`);
  const common = { task, kind, featureName, source: file, format: reader.format as string, rows, columns: found.columns };
  let parts: MediaParts;
  if (kind === 'image') {
    const samples: ImageSample[] = values.map((f) => ({ file: f }));
    let kept: number[];
    try {
      kept = await screenImages(samples, settings.onError, warnings);
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      const j = samples.findIndex((s) => s.file === err.file);
      throw dataError(file, `image ${displayPath(err.file)}: ${err.message.replace(/^[^:]*: /, '')}`, j >= 0 ? lines[j] : undefined, featureName);
    }
    parts = {
      ...common,
      labels: kept.map((j) => labels[j]),
      raw: async (idx) => (await recordsAt(reopen, idx.map((i) => ordinals[kept[i]]))).map((r, k) => Object.assign(r, { _path: samples[kept[idx[k]]].file })),
      images: kept.map((j) => samples[j]),
      droppedRows: rows - kept.length,
    };
  } else {
    parts = { ...common, labels, raw: (idx) => recordsAt(reopen, idx.map((i) => ordinals[i])), texts: values, droppedRows: dropped };
  }
  if (parts.labels.length < 2) throw dataError(file, `only ${parts.labels.length} usable row${parts.labels.length === 1 ? '' : 's'}; need at least 2`);
  return assemble(spec, parts, warnings);
}
