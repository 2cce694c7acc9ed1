/**
 * Image samples: the quick check at prepare time, batches that decode only the images a batch asks for
 * (memory holds the batch, never the folder), augmentation of training batches, and the per-channel
 * statistics for `scale: standardize`. Decoding itself is image.ts.
 */
import { promises as fs } from 'node:fs';
import { NotDataFileError, readDataFile, statData } from '../../modelFile/peek';
import type { ModelSpecFile } from '../../modelFile/schema';
import { randomAccessSplit, type Fill } from './batches';
import { dataError, displayPath } from './errors';
import { augmentImage, decodeImage, imageToUnit, readImageHeader, scaleImage, type AugmentSettings, type ImageTransform } from './image';
import type { Warnings } from './labels';
import { createRng } from './split';
import type { RawRecord, SplitData } from './types';

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

/** An image sample: where its bytes are. */
export interface ImageSample {
  file: string;
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

export function reason(err: unknown): string {
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
export function imageSplit(samples: readonly ImageSample[], y: Float32Array, t: ImageTransform, settings: ImageSettings, warnings: Warnings,
  raw?: (indices: readonly number[]) => Promise<RawRecord[]>): SplitData {
  const [h, w] = t.size;
  const c = t.channels;
  const size = h * w * c;
  const warned = new Set<string>();
  const fill: Fill = async (indices, x, by, options) => {
      const augment = options.augment === true && hasAugmentation(settings.augment);
      await mapLimit(Array.from(indices), 8, async (i, k) => {
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
  };
  return randomAccessSplit(samples.length, [h, w, c], fill, raw);
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

