/**
 * The images/text pipeline shared by class folders (folder.ts) and tables with one image-path or
 * text column: labels, the split, fitting (image statistics, vocabulary) on the training split,
 * batch sources that decode images only when a batch asks for them, and the encoder a served
 * model uses for raw images and texts.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { NotDataFileError, readDataFile, statData } from '../../modelFile/peek';
import type { ModelSpecFile, Task } from '../../modelFile/schema';
import { categoryOf, describeColumn, inferColumns, isMissing, parseNumber } from './infer';
import { meanStd, sortClasses } from './preprocess';
import { dataError, displayPath } from './read';
import { createRng, splitIndices } from './split';
import { DataError, type ColumnInfo, type DatasetInfo, type PreparedData, type Preprocessing, type RawRecord, type SplitData } from './types';
import {
  augmentImage, decodeImage, imageToUnit, readImageHeader, scaleImage,
  type AugmentSettings, type ImageTransform,
} from './image';
import { encodeTextInto, fitVocabulary, textSettings, textTransform, type TextSettings, type TextTransform } from './text';

export interface MediaOptions {
  workspaceRoot: string;
  /** told about every warning as it happens (also collected in info.warnings), including those found while batching */
  onWarning?: (message: string) => void;
}

/** The table as read by the tabular pipeline (read.ts `Table`). */
export interface MediaTable {
  file: string;
  format: string;
  columns: string[];
  rows: Record<string, unknown>[];
  lineOfRow: number[];
}

export interface ImageSettings {
  size: [number, number];
  channels: 1 | 3;
  scale: 'unit' | 'standardize';
  augment: AugmentSettings;
  onError: 'skip' | 'fail';
}

/** Standardisation statistics come from at most this many training images (evenly spaced). */
export const MAX_STAT_IMAGES = 2000;

export function imageSettings(spec: ModelSpecFile): ImageSettings {
  const o = (spec.data.image ?? {}) as Partial<ImageSettings>;
  return {
    size: Array.isArray(o.size) && o.size.length === 2 ? [o.size[0], o.size[1]] : [28, 28],
    channels: o.channels === 1 ? 1 : 3,
    scale: o.scale === 'standardize' ? 'standardize' : 'unit',
    augment: { ...(o.augment ?? {}) },
    onError: o.onError === 'skip' ? 'skip' : 'fail',
  };
}

export function textSettingsOf(spec: ModelSpecFile): TextSettings {
  return textSettings(spec.data.text as Partial<TextSettings> | undefined);
}

// ---------------------------------------------------------------- collecting warnings

export class Warnings {
  readonly list: string[] = [];
  constructor(private readonly sink?: (message: string) => void) {}
  add(message: string): void {
    this.list.push(message);
    this.sink?.(message);
  }
}

// ---------------------------------------------------------------- labels and split

export interface LabelPlan {
  label: Preprocessing['label'];
  /** per sample: class index (classification) or standardised target (regression) */
  y: Float32Array;
  split: { train: number[]; validation: number[]; test: number[] };
  classBalance?: Array<{ label: string; count: number }>;
}

/**
 * Classes (sorted as the tabular pipeline sorts them), or the regression target standardised with
 * the training mean/std; and the seeded split (stratified for classification when asked).
 */
export function planLabels(spec: ModelSpecFile, task: Task, labels: ReadonlyArray<string | number>, where: string): LabelPlan {
  const n = labels.length;
  const s = (spec.data.split ?? {}) as Partial<{ validation: number; test: number; seed: number; stratify: boolean; shuffle: boolean }>;
  const split = splitIndices(n, {
    validation: s.validation ?? 0.15,
    test: s.test ?? 0.15,
    seed: s.seed ?? 42,
    stratify: task === 'classification' && (s.stratify ?? true),
    shuffle: s.shuffle ?? true,
    labels: labels.map(String),
  });
  const y = new Float32Array(n);
  if (task === 'classification') {
    const classes = sortClasses(new Set(labels.map(String)));
    if (classes.length < 2) throw dataError(where, `only one class (${JSON.stringify(classes[0] ?? '')}); classification needs at least two`);
    const index = new Map(classes.map((c, k) => [c, k]));
    const counts = new Array<number>(classes.length).fill(0);
    labels.forEach((l, i) => {
      y[i] = index.get(String(l)) as number;
      counts[y[i]]++;
    });
    return { label: { name: spec.data.label, classes }, y, split, classBalance: classes.map((label, k) => ({ label, count: counts[k] })) };
  }
  const { mean, std } = meanStd(split.train.map((i) => Number(labels[i])));
  const divisor = std > 1e-12 ? std : 1;
  labels.forEach((l, i) => (y[i] = (Number(l) - mean) / divisor));
  return { label: { name: spec.data.label, center: mean, divisor }, y, split };
}

// ---------------------------------------------------------------- images

/** An image sample: where its bytes are, and the record a report shows for it. */
export interface ImageSample {
  file: string;
  record: RawRecord;
}

/**
 * The quick check at prepare time: the header (format, size) and, for truncation, the file's end.
 * Returns the reason it is unusable, or null.
 */
export async function checkImageFile(file: string): Promise<string | null> {
  try {
    const stat = await statData(file);
    const h = await readImageHeader(file);
    const tailLen = Math.min(stat.size, 1024);
    const handle = await fs.open(file, 'r');
    try {
      const tail = Buffer.alloc(tailLen);
      await handle.read(tail, 0, tailLen, stat.size - tailLen);
      const complete = h.format === 'png' ? tail.includes('IEND') : tail.includes(Buffer.from([0xff, 0xd9]));
      if (!complete) return `truncated ${h.format.toUpperCase()} (its end marker is missing)`;
    } finally {
      await handle.close();
    }
    return null;
  } catch (err) {
    return reason(err);
  }
}

function reason(err: unknown): string {
  if (err instanceof NotDataFileError) return err.reason;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'file not found';
  if (e?.code === 'EACCES') return 'permission denied';
  if (e?.code === 'EISDIR') return 'is a folder, not an image';
  return err instanceof Error ? err.message : String(err);
}

/** Run `fn` over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Check every image; unusable ones fail the run, or are dropped with a warning (onError: skip). Returns the kept positions. */
export async function screenImages(samples: readonly ImageSample[], onError: 'skip' | 'fail', warnings: Warnings): Promise<number[]> {
  const problems = await mapLimit(samples, 16, (s) => checkImageFile(s.file));
  const kept: number[] = [];
  let skipped = 0;
  problems.forEach((p, i) => {
    if (p === null) return void kept.push(i);
    if (onError === 'fail') {
      throw dataError(samples[i].file, `${p}. Remove or replace the file, or set data.image.onError: skip to leave unreadable images out`);
    }
    skipped++;
    if (skipped <= 20) warnings.add(`${displayPath(samples[i].file)}: ${p}; skipped (data.image.onError: skip)`);
  });
  if (skipped > 20) warnings.add(`… ${skipped - 20} more unreadable images skipped (${skipped} in all)`);
  return kept;
}

/** Per-sample seed for augmentation: the same (seed, sample) always draws the same transform. */
function sampleSeed(seed: number, index: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) | 0;
}

const hasAugmentation = (a: AugmentSettings) => Boolean(a.flipHorizontal || a.flipVertical || a.rotate || a.shift || a.brightness);

/**
 * A split of images read from disk batch by batch: memory holds the batch, never the folder.
 * An image that fails to decode here fails the batch (with its path), or under onError: skip is
 * fed as an all-zero input with a one-time warning.
 */
export function imageSplit(samples: readonly ImageSample[], y: Float32Array, t: ImageTransform, settings: ImageSettings, warnings: Warnings): SplitData {
  const [h, w] = t.size;
  const c = t.channels;
  const size = h * w * c;
  const warned = new Set<string>();
  return {
    n: samples.length,
    xShape: [h, w, c],
    async batch(indices, options = {}) {
      checkIndices(indices, samples.length);
      const x = new Float32Array(indices.length * size);
      const by = new Float32Array(indices.length);
      const augment = options.augment === true && hasAugmentation(settings.augment);
      await mapLimit(indices, 8, async (i, k) => {
        by[k] = y[i];
        const file = samples[i].file;
        let px: Float32Array;
        try {
          px = imageToUnit(decodeImage(await readDataFile(file)), t.size, c);
        } catch (err) {
          if (settings.onError === 'fail') throw dataError(file, `${reason(err)}. Remove or replace the file, or set data.image.onError: skip`);
          if (!warned.has(file)) {
            warned.add(file);
            warnings.add(`${displayPath(file)}: ${reason(err)}; fed as a blank image (data.image.onError: skip)`);
          }
          return;
        }
        if (augment) {
          const rng = createRng(sampleSeed(options.seed ?? 0, i));
          px = augmentImage(px, h, w, c, settings.augment, rng.next);
        }
        x.set(scaleImage(px, t), k * size);
      });
      return { x, y: by };
    },
    async raw(indices) {
      checkIndices(indices, samples.length);
      return indices.map((i) => ({ ...samples[i].record, _path: samples[i].file }));
    },
  };
}

/** Per-channel mean and std of training images after resizing (for scale: standardize). */
export async function fitImageStats(samples: readonly ImageSample[], trainIdx: readonly number[], settings: ImageSettings, warnings: Warnings): Promise<{ mean: number[]; std: number[] }> {
  const c = settings.channels;
  const picked = trainIdx.length <= MAX_STAT_IMAGES ? trainIdx : Array.from({ length: MAX_STAT_IMAGES }, (_, j) => trainIdx[Math.floor((j * trainIdx.length) / MAX_STAT_IMAGES)]);
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  let count = 0;
  await mapLimit(picked, 8, async (i) => {
    let px: Float32Array;
    try {
      px = imageToUnit(decodeImage(await readDataFile(samples[i].file)), settings.size, c);
    } catch (err) {
      if (settings.onError === 'fail') throw dataError(samples[i].file, `${reason(err)}. Remove or replace the file, or set data.image.onError: skip`);
      warnings.add(`${displayPath(samples[i].file)}: ${reason(err)}; left out of the image statistics`);
      return;
    }
    for (let p = 0; p < px.length; p++) {
      sum[p % c] += px[p];
      sumSq[p % c] += px[p] * px[p];
    }
    count += px.length / c;
  });
  const mean = Array.from(sum, (s) => (count ? s / count : 0));
  const std = Array.from(sumSq, (s, ch) => {
    const sd = count ? Math.sqrt(Math.max(0, s / count - mean[ch] ** 2)) : 1;
    return sd > 1e-6 ? sd : 1;
  });
  if (trainIdx.length > MAX_STAT_IMAGES) warnings.add(`image mean/std fitted on ${MAX_STAT_IMAGES} of the ${trainIdx.length} training images (evenly spaced)`);
  return { mean, std };
}

export async function imageTransformFor(name: string, samples: readonly ImageSample[], trainIdx: readonly number[], settings: ImageSettings, warnings: Warnings): Promise<ImageTransform> {
  const stats = settings.scale === 'standardize'
    ? await fitImageStats(samples, trainIdx, settings, warnings)
    : { mean: new Array<number>(settings.channels).fill(0), std: new Array<number>(settings.channels).fill(1) };
  return { name, kind: 'image', size: settings.size, channels: settings.channels, scale: settings.scale, mean: stats.mean, std: stats.std };
}

// ---------------------------------------------------------------- text

/** A split of texts: encoded once (token ids are small), batches copy rows out. */
export function textSplit(texts: readonly string[], y: Float32Array, t: TextTransform, records: readonly RawRecord[]): SplitData {
  const len = t.sequenceLength;
  const x = new Float32Array(texts.length * len);
  texts.forEach((s, i) => encodeTextInto(t, s, x, i * len));
  return {
    n: texts.length,
    xShape: [len],
    async batch(indices) {
      checkIndices(indices, texts.length);
      const bx = new Float32Array(indices.length * len);
      const by = new Float32Array(indices.length);
      indices.forEach((i, k) => {
        bx.set(x.subarray(i * len, (i + 1) * len), k * len);
        by[k] = y[i];
      });
      return { x: bx, y: by };
    },
    async raw(indices) {
      checkIndices(indices, texts.length);
      return indices.map((i) => ({ ...records[i] }));
    },
  };
}

/** Share of tokens outside the vocabulary, for a warning when the vocabulary is too small. */
export function oovShare(t: TextTransform, texts: readonly string[]): number {
  const scratch = new Float32Array(t.sequenceLength);
  let oov = 0;
  let total = 0;
  for (const s of texts) {
    oov += encodeTextInto(t, s, scratch, 0);
    total += Math.min(t.sequenceLength, scratch.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0));
  }
  return total ? oov / total : 0;
}

function checkIndices(indices: readonly number[], n: number): void {
  for (const i of indices) if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`sample index ${i} is out of range 0..${n - 1}`);
}

// ---------------------------------------------------------------- assembling PreparedData

export interface MediaParts {
  task: Task;
  kind: 'image' | 'text';
  /** per sample */
  labels: ReadonlyArray<string | number>;
  records: RawRecord[];
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
    const make = (idx: number[]) => imageSplit(sub(images, idx), ys(idx), t, settings, warnings);
    splits = { train: make(plan.split.train), validation: make(plan.split.validation), test: make(plan.split.test) };
    preprocessing = { ...base, inputKind: 'image', inputShape: [t.size[0], t.size[1], t.channels], features: [t] };
  } else {
    const texts = parts.texts as string[];
    const settings = textSettingsOf(spec);
    const vocabulary = fitVocabulary(sub(texts, plan.split.train), settings);
    const t = textTransform(parts.featureName, vocabulary, settings);
    const make = (idx: number[]) => textSplit(sub(texts, idx), ys(idx), t, sub(parts.records, idx));
    splits = { train: make(plan.split.train), validation: make(plan.split.validation), test: make(plan.split.test) };
    preprocessing = { ...base, inputKind: 'sequence', inputShape: [t.sequenceLength], features: [t] };
    if (vocabulary.length < settings.maxTokens) {
      warnings.add(`the training texts hold ${vocabulary.length - 2} distinct tokens; the vocabulary has ${vocabulary.length} entries (data.text.maxTokens is ${settings.maxTokens})`);
    }
    const heldOut = sub(texts, [...plan.split.validation, ...plan.split.test]);
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

/** Inside the workspace (lexically: the path does not climb out of it). */
export function insideWorkspace(file: string, workspaceRoot: string): boolean {
  const rel = path.relative(path.resolve(workspaceRoot), path.resolve(file));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * A table whose input is one image-path column (paths relative to the data file, inside the
 * workspace) or one text column. Other feature columns are left out with a warning when the
 * model file did not list features, and are an error when it did.
 */
export async function prepareMediaTable(spec: ModelSpecFile, _specFile: string, table: MediaTable, opts: MediaOptions): Promise<PreparedData> {
  const warnings = new Warnings(opts.onWarning);
  const data = spec.data;
  const task = spec.task as Task;
  const declared = (data.columns ?? {}) as Record<string, { type?: 'numeric' | 'categorical' | 'boolean' | 'text' | 'image' }>;
  const typings = inferColumns(table as Parameters<typeof inferColumns>[0], declared);
  const typeOf = new Map(typings.map((t) => [t.name, t.type]));
  const candidates = data.features ?? table.columns.filter((c) => c !== data.label && !(data.exclude ?? []).includes(c));
  const media = candidates.filter((c) => typeOf.get(c) === 'image' || typeOf.get(c) === 'text');
  if (media.length === 0) throw dataError(table.file, 'no image or text column among the features');
  if (media.length > 1) {
    throw dataError(table.file, `more than one image/text feature (${media.join(', ')}); a model takes one image or text input: set data.features to one of them`);
  }
  const featureName = media[0];
  const kind = typeOf.get(featureName) as 'image' | 'text';
  const others = candidates.filter((c) => c !== featureName);
  if (others.length > 0) {
    if (data.features) {
      throw dataError(table.file, `data.features mixes the ${kind} column '${featureName}' with ${others.map((c) => `'${c}'`).join(', ')}; ` +
        `a ${kind} model takes that one column as its input: list only '${featureName}'`);
    }
    warnings.add(`${others.map((c) => `'${c}'`).join(', ')} left out of the features: a ${kind} model takes one input, the ${kind} column '${featureName}'`);
  }

  // labels: missing ones drop the row, as in the tabular pipeline
  const keptRows: number[] = [];
  const labels: Array<string | number> = [];
  let dropped = 0;
  table.rows.forEach((r, i) => {
    const v = r[data.label];
    if (isMissing(v)) return void dropped++;
    if (task === 'regression') {
      const y = parseNumber(v);
      if (y === undefined) throw dataError(table.file, `regression needs a numeric label, got ${JSON.stringify(v)}; use task: classification for classes`, table.lineOfRow[i], data.label);
      labels.push(y);
    } else labels.push(categoryOf(v));
    keptRows.push(i);
  });
  if (dropped > 0) warnings.add(`${dropped} row${dropped === 1 ? '' : 's'} without a label (${data.label}) left out`);

  const baseDir = path.dirname(table.file);
  let parts: MediaParts;
  const common = {
    task, kind, featureName, source: table.file, format: table.format, rows: table.rows.length,
    columns: typings.map((t) => describeColumn(table as Parameters<typeof describeColumn>[0], t)),
  };
  if (kind === 'image') {
    const settings = imageSettings(spec);
    const samples: ImageSample[] = [];
    const rowOf: number[] = [];
    const sampleLabels: Array<string | number> = [];
    keptRows.forEach((r, k) => {
      const v = table.rows[r][featureName];
      const line = table.lineOfRow[r];
      let problem: string | null = null;
      let file = '';
      if (isMissing(v) || typeof v !== 'string') problem = 'no image path';
      else {
        file = path.resolve(baseDir, v.trim());
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim())) problem = `${JSON.stringify(v)} is a URL; give a file path relative to the data file`;
        else if (!insideWorkspace(file, opts.workspaceRoot)) problem = `${JSON.stringify(v)} points outside the workspace (${opts.workspaceRoot}); image paths are relative to the data file and must stay inside the workspace`;
      }
      if (problem) {
        if (settings.onError === 'fail') throw dataError(table.file, problem, line, featureName);
        warnings.add(`${displayPath(table.file)}:${line}: ${problem}; row skipped`);
        return;
      }
      samples.push({ file, record: { ...table.rows[r] } });
      rowOf.push(r);
      sampleLabels.push(labels[k]);
    });
    const keptImages = await screenImagesWithRows(samples, rowOf, table, featureName, settings.onError, warnings);
    parts = {
      ...common,
      labels: keptImages.map((j) => sampleLabels[j]),
      records: keptImages.map((j) => samples[j].record),
      images: keptImages.map((j) => samples[j]),
      droppedRows: table.rows.length - keptImages.length,
    };
  } else {
    const texts = keptRows.map((r) => {
      const v = table.rows[r][featureName];
      return isMissing(v) ? '' : String(v);
    });
    parts = { ...common, labels, records: keptRows.map((r) => ({ ...table.rows[r] })), texts, droppedRows: dropped };
  }
  if (parts.labels.length < 2) throw dataError(table.file, `only ${parts.labels.length} usable row${parts.labels.length === 1 ? '' : 's'}; need at least 2`);
  return assemble(spec, parts, warnings);
}

/** screenImages, with errors that name the table row as well as the image. */
async function screenImagesWithRows(samples: ImageSample[], rowOf: number[], table: MediaTable, column: string, onError: 'skip' | 'fail', warnings: Warnings): Promise<number[]> {
  try {
    return await screenImages(samples, onError, warnings);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    const j = samples.findIndex((s) => s.file === err.file);
    const line = j >= 0 ? table.lineOfRow[rowOf[j]] : undefined;
    throw dataError(table.file, `image ${displayPath(err.file)}: ${err.message.replace(/^[^:]*: /, '')}`, line, column);
  }
}

// ---------------------------------------------------------------- serving and predicting

export interface EncodeMediaOptions {
  /** read image instances given as file paths (the CLI); paths resolve against this folder */
  baseDir?: string;
  /** decode an image to the model's input elsewhere (the server: on worker threads); default in-process */
  decodeImage?: (transform: ImageTransform, bytes: Uint8Array) => Promise<Float32Array>;
}

/**
 * Raw instances → model input for an image or text model, row-major [instances × inputShape].
 * An instance is the value itself or a record holding it under the feature's name. Images come
 * as base64 (plain, a data: URL, or TF Serving's {"b64": "…"}), or — with baseDir — a .png/.jpg
 * path; texts as strings. Problems are DataErrors naming the instance.
 */
export async function encodeMediaInputs(prep: Preprocessing, instances: readonly unknown[], opts: EncodeMediaOptions = {}): Promise<Float32Array> {
  const t = prep.features[0];
  if (prep.features.length !== 1 || (t.kind !== 'image' && t.kind !== 'text')) {
    throw new DataError(`this model takes ${prep.inputKind} input; encodeMediaInputs handles image and text models`, '');
  }
  const width = prep.inputShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(instances.length * width);
  await mapLimit(instances, 8, async (inst, i) => {
    const where = instances.length > 1 ? `instance ${i}: ` : '';
    let value: unknown = inst;
    if (inst !== null && typeof inst === 'object' && !Array.isArray(inst) && !('b64' in inst)) {
      const rec = inst as Record<string, unknown>;
      const unknownKeys = Object.keys(rec).filter((k) => k !== t.name && k !== prep.label.name);
      if (unknownKeys.length) throw new DataError(`${where}unknown field '${unknownKeys[0]}'; the model takes '${t.name}'`, '', undefined, unknownKeys[0]);
      value = rec[t.name];
    }
    try {
      if (t.kind === 'text') {
        if (value !== null && value !== undefined && typeof value !== 'string' && typeof value !== 'number') {
          throw new DataError(`'${t.name}' must be a string of text, got ${JSON.stringify(value)}`, '', undefined, t.name);
        }
        encodeTextInto(t, value ?? '', out, i * width);
      } else {
        const bytes = await imageBytes(t, value, opts);
        out.set(opts.decodeImage ? await opts.decodeImage(t, bytes) : scaleImage(imageToUnit(decodeImage(bytes), t.size, t.channels), t), i * width);
      }
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new DataError(`${where}${msg}`, err instanceof DataError ? err.file : '', undefined, t.name);
    }
  });
  return out;
}

async function imageBytes(t: ImageTransform, value: unknown, opts: EncodeMediaOptions): Promise<Uint8Array> {
  let s: unknown = value;
  if (s !== null && typeof s === 'object' && 'b64' in s) s = (s as { b64: unknown }).b64;
  if (typeof s !== 'string' || s.length === 0) {
    throw new DataError(`'${t.name}' must be an image as a base64 string (or {"b64": "…"})${opts.baseDir ? ' or a file path' : ''}`, '', undefined, t.name);
  }
  if (opts.baseDir !== undefined && /\.(png|jpe?g)$/i.test(s.trim())) {
    const file = path.resolve(opts.baseDir, s.trim());
    try {
      return await readDataFile(file);
    } catch (err) {
      throw new DataError(`${displayPath(file)}: ${reason(err)}`, file, undefined, t.name);
    }
  }
  const b64 = s.replace(/^data:[^;,]*;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new DataError(`'${t.name}' is not valid base64`, '', undefined, t.name);
  return Buffer.from(b64, 'base64');
}
