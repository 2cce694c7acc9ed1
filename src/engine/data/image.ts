/**
 * Images for models: PNG (pngjs) and JPEG (jpeg-js) decoded from a Buffer, converted to 1 or 3
 * channels, resized to the model's size, scaled, and — for training batches only — augmented.
 * Pure functions on typed arrays; reading files and batching live in media.ts.
 */
import { promises as fs } from 'node:fs';
import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { limit, limitHint } from '../../limits';
import type { FeatureTransform } from './types';

export type ImageTransform = Extract<FeatureTransform, { kind: 'image' }>;

export interface AugmentSettings {
  flipHorizontal?: boolean;
  flipVertical?: boolean;
  /** maximum rotation in degrees */
  rotate?: number;
  /** maximum shift as a fraction of the size */
  shift?: number;
  /** maximum brightness change in [0, 1] units */
  brightness?: number;
}

/** A decoded image: 8-bit RGBA, row-major. */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

/** Images larger than this are refused (a 50-megapixel RGBA image is 200 MB decoded); MODEL_STUDIO_MAX_IMAGE_PIXELS changes it. */
export const maxImagePixels = (): number => limit('imagePixels');
/** JPEG's own limit on a side; PNG allows more, but no model input needs it. */
const MAX_SIDE = 65_535;

/** Counts decodes, so tests can check that a batch decodes only its own images. */
export const imageStats = { decoded: 0 };

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b: Uint8Array) => b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v);
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
const u16 = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u32 = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];

/** JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic): they carry the size. */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/**
 * Format and size from the first bytes, without decoding. `more(pos, len)` fetches bytes past the
 * buffer (JPEG metadata can push the size far into the file).
 */
async function parseHeader(head: Uint8Array, more: (pos: number, len: number) => Promise<Uint8Array>): Promise<ImageHeader> {
  if (isPng(head)) {
    if (head.length < 24 || String.fromCharCode(head[12], head[13], head[14], head[15]) !== 'IHDR') throw new ImageError('truncated PNG header');
    return checkSize({ format: 'png', width: u32(head, 16), height: u32(head, 20) });
  }
  if (isJpeg(head)) {
    const at = async (pos: number, len: number) => (pos + len <= head.length ? head.subarray(pos, pos + len) : more(pos, len));
    let pos = 2;
    for (let guard = 0; guard < 10_000; guard++) {
      const m = await at(pos, 4);
      if (m.length < 4 || m[0] !== 0xff) break;
      const marker = m[1];
      if (marker === 0xff) { pos += 1; continue; } // fill byte
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { pos += 2; continue; }
      if (marker === 0xd9 || marker === 0xda) break; // end of image or start of scan before any frame
      if (SOF.has(marker)) {
        const f = await at(pos + 4, 5);
        if (f.length < 5) break;
        return checkSize({ format: 'jpeg', height: u16(f, 1), width: u16(f, 3) });
      }
      pos += 2 + u16(m, 2);
    }
    throw new ImageError('JPEG without a readable frame header (truncated or corrupt)');
  }
  throw new ImageError('not a PNG or JPEG file (unknown signature)');
}

/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * A PNG's compressed pixel data may inflate only to what its header's size allows. Inflating is bounded
 * by that size before the decoder sees the data: a 1 MB file whose 16×16 header hid 1 GiB of zeros
 * (a zlib bomb) used to take 15 s and 2 GB. Throws ImageError for bombs and malformed chunk structure.
 */
export function checkPngData(buf: Uint8Array): void {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 33 || b.toString('latin1', 12, 16) !== 'IHDR') throw new ImageError('truncated PNG header');
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const depth = b[24];
  const colorType = b[25];
  const interlace = b[28];
  const channels = PNG_CHANNELS[colorType];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(depth)) throw new ImageError(`PNG header has an invalid colour type ${colorType} or bit depth ${depth}`);
  if (interlace > 1) throw new ImageError(`PNG header has an unknown interlace method ${interlace}`);
  const rowBytes = (w: number) => Math.ceil((w * channels * depth) / 8) + 1; // + the filter byte
  let expected = 0;
  if (interlace === 0) {
    expected = height * rowBytes(width);
  } else {
    for (const [x0, y0, dx, dy] of ADAM7) {
      const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
      const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
      if (w > 0 && h > 0) expected += h * rowBytes(w);
    }
  }
  const idat: Buffer[] = [];
  for (let pos = 8; pos + 8 <= b.length;) {
    const len = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > b.length) break; // truncated: the decoder says so
    if (type === 'IDAT') idat.push(b.subarray(pos + 8, pos + 8 + len));
    if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (idat.length === 0) return;
  try {
    zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new ImageError(`the PNG's compressed data inflates to more than its ${width}×${height} header allows (${expected.toLocaleString('en-US')} bytes): a corrupt file or a compression bomb`);
    }
    // Other zlib errors (corrupt data) are the decoder's to report.
  }
}

function checkSize(h: ImageHeader): ImageHeader {
  if (h.width < 1 || h.height < 1) throw new ImageError(`${h.format.toUpperCase()} header says ${h.width}×${h.height} pixels`);
  const max = maxImagePixels();
  if (h.width * h.height > max || h.width > MAX_SIDE || h.height > MAX_SIDE) {
    const mp = (n: number) => (n >= 1e6 ? `${+(n / 1e6).toFixed(1)} megapixels` : `${n.toLocaleString('en-US')} pixels`);
    throw new ImageError(`${h.width}×${h.height} pixels (${mp(h.width * h.height)}) is over the limit of ${mp(max)}${h.width > MAX_SIDE || h.height > MAX_SIDE ? ` (or a side over ${MAX_SIDE})` : ''}; resize the image (${limitHint('imagePixels', max)})`);
  }
  return h;
}

/** Format and size of an image in memory. */
export function imageHeader(buf: Uint8Array): Promise<ImageHeader> {
  return parseHeader(buf, async (pos, len) => buf.subarray(pos, pos + len));
}

/** Format and size of an image file, reading only its first bytes (the quick check at prepare time). */
export async function readImageHeader(file: string): Promise<ImageHeader> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead === 0) throw new ImageError('empty file');
    return await parseHeader(head.subarray(0, bytesRead), async (pos, len) => {
      const b = Buffer.alloc(len);
      const r = await handle.read(b, 0, len, pos);
      return b.subarray(0, r.bytesRead);
    });
  } finally {
    await handle.close();
  }
}

/** Decode a PNG (8/16-bit grey, RGB, RGBA, palette) or JPEG into 8-bit RGBA. */
export function decodeImage(buf: Uint8Array): DecodedImage {
  imageStats.decoded++;
  if (buf.length === 0) throw new ImageError('empty file');
  try {
    if (isPng(buf)) {
      // the size check first: a decoder must never be asked to allocate a huge image
      if (buf.length >= 24) checkSize({ format: 'png', width: u32(buf, 16), height: u32(buf, 20) });
      checkPngData(buf);
      const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)); // 16-bit is scaled to 8
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg(buf)) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxImagePixels() / 1e6, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    if (err instanceof ImageError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new ImageError(`cannot decode the image (${why.replace(/\.$/, '')}); the file is corrupt or truncated`);
  }
  throw new ImageError('not a PNG or JPEG file (unknown signature)');
}

/**
 * RGBA → `channels` floats in [0, 1] at the source size. Alpha is dropped (as TensorFlow's
 * decode_png with channels=3 and PIL's convert('RGB') do); grey uses ITU-R 601 luma weights.
 */
function toChannels(img: DecodedImage, channels: 1 | 3): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * channels);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    const r = d[4 * i] / 255;
    const g = d[4 * i + 1] / 255;
    const b = d[4 * i + 2] / 255;
    if (channels === 1) out[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    else {
      out[3 * i] = r;
      out[3 * i + 1] = g;
      out[3 * i + 2] = b;
    }
  }
  return out;
}

/** Average k×k blocks (k = kh×kw): the prefilter that keeps large downscales from aliasing. */
function boxReduce(src: Float32Array, h: number, w: number, c: number, kh: number, kw: number): { data: Float32Array; h: number; w: number } {
  const oh = Math.floor(h / kh);
  const ow = Math.floor(w / kw);
  const out = new Float32Array(oh * ow * c);
  const inv = 1 / (kh * kw);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let dy = 0; dy < kh; dy++) {
          const row = (y * kh + dy) * w;
          for (let dx = 0; dx < kw; dx++) s += src[(row + x * kw + dx) * c + ch];
        }
        out[(y * ow + x) * c + ch] = s * inv;
      }
    }
  }
  return { data: out, h: oh, w: ow };
}

/** Bilinear resize with half-pixel centres (tf.image.resize 'bilinear', OpenCV INTER_LINEAR). */
export function resizeBilinear(src: Float32Array, h: number, w: number, c: number, outH: number, outW: number): Float32Array {
  if (h === outH && w === outW) return src;
  // shrink by whole factors first when the image is more than twice the target
  const [kh, kw] = reduceFactors(h, w, outH, outW);
  if (kh > 1 || kw > 1) {
    const r = boxReduce(src, h, w, c, kh, kw);
    return resizeBilinear(r.data, r.h, r.w, c, outH, outW);
  }
  const out = new Float32Array(outH * outW * c);
  const sy = h / outH;
  const sx = w / outW;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      for (let ch = 0; ch < c; ch++) {
        const a = src[(y0 * w + x0) * c + ch];
        const b = src[(y0 * w + x1) * c + ch];
        const d = src[(y1 * w + x0) * c + ch];
        const e = src[(y1 * w + x1) * c + ch];
        out[(y * outW + x) * c + ch] = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
      }
    }
  }
  return out;
}

/** A decoded image as the model sees it before scaling: [h, w, channels] in [0, 1]. */
export function imageToUnit(img: DecodedImage, size: readonly [number, number], channels: 1 | 3): Float32Array {
  const [kh, kw] = reduceFactors(img.height, img.width, size[0], size[1]);
  if (kh > 1 || kw > 1) {
    // A large image shrinks by whole blocks straight from its RGBA bytes: no full-size float copy (600 MB at 50 MP).
    const r = boxReduceRgba(img, channels, kh, kw);
    return resizeBilinear(r.data, r.h, r.w, channels, size[0], size[1]);
  }
  return resizeBilinear(toChannels(img, channels), img.height, img.width, channels, size[0], size[1]);
}

/** The whole-block shrink factors resizeBilinear applies first when an image is more than twice the target. */
function reduceFactors(h: number, w: number, outH: number, outW: number): [number, number] {
  return [Math.max(1, Math.floor(h / outH / 2) * 2 || 1), Math.max(1, Math.floor(w / outW / 2) * 2 || 1)];
}

/** toChannels then boxReduce in one pass, with the same float32 rounding, so results are identical. */
function boxReduceRgba(img: DecodedImage, c: 1 | 3, kh: number, kw: number): { data: Float32Array; h: number; w: number } {
  const oh = Math.floor(img.height / kh);
  const ow = Math.floor(img.width / kw);
  const out = new Float32Array(oh * ow * c);
  const inv = 1 / (kh * kw);
  const d = img.data;
  const w = img.width;
  const f = Math.fround;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let dy = 0; dy < kh; dy++) {
          const row = (y * kh + dy) * w;
          for (let dx = 0; dx < kw; dx++) {
            const p = 4 * (row + x * kw + dx);
            s += c === 1 ? f(0.299 * (d[p] / 255) + 0.587 * (d[p + 1] / 255) + 0.114 * (d[p + 2] / 255)) : f(d[p + ch] / 255);
          }
        }
        out[(y * ow + x) * c + ch] = s * inv;
      }
    }
  }
  return { data: out, h: oh, w: ow };
}

/**
 * Random flips, rotation, shift and brightness of a [h, w, c] image in [0, 1], drawn from `rand`
 * (a seeded generator of [0, 1)). Pixels that come from outside the image repeat the edge.
 */
export function augmentImage(px: Float32Array, h: number, w: number, c: number, aug: AugmentSettings, rand: () => number): Float32Array {
  const flipX = aug.flipHorizontal ? rand() < 0.5 : false;
  const flipY = aug.flipVertical ? rand() < 0.5 : false;
  const angle = aug.rotate ? ((rand() * 2 - 1) * aug.rotate * Math.PI) / 180 : 0;
  const dx = aug.shift ? (rand() * 2 - 1) * aug.shift * w : 0;
  const dy = aug.shift ? (rand() * 2 - 1) * aug.shift * h : 0;
  const delta = aug.brightness ? (rand() * 2 - 1) * aug.brightness : 0;
  if (!flipX && !flipY && angle === 0 && dx === 0 && dy === 0 && delta === 0) return px;

  const out = new Float32Array(px.length);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const affine = angle !== 0 || dx !== 0 || dy !== 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // where this output pixel comes from: undo the shift, then the rotation, then the flips
      let sx = x;
      let sy = y;
      if (affine) {
        const ux = x - cx - dx;
        const uy = y - cy - dy;
        sx = cos * ux + sin * uy + cx;
        sy = -sin * ux + cos * uy + cy;
      }
      if (flipX) sx = w - 1 - sx;
      if (flipY) sy = h - 1 - sy;
      sx = Math.min(w - 1, Math.max(0, sx));
      sy = Math.min(h - 1, Math.max(0, sy));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(w - 1, x0 + 1);
      const y1 = Math.min(h - 1, y0 + 1);
      const wx = sx - x0;
      const wy = sy - y0;
      for (let ch = 0; ch < c; ch++) {
        const v =
          (px[(y0 * w + x0) * c + ch] * (1 - wx) + px[(y0 * w + x1) * c + ch] * wx) * (1 - wy) +
          (px[(y1 * w + x0) * c + ch] * (1 - wx) + px[(y1 * w + x1) * c + ch] * wx) * wy;
        out[(y * w + x) * c + ch] = Math.min(1, Math.max(0, v + delta));
      }
    }
  }
  return out;
}

/** Apply the fitted scaling in place: (v − mean[c]) / std[c] ('unit' has mean 0, std 1). */
export function scaleImage(px: Float32Array, t: ImageTransform): Float32Array {
  if (t.scale === 'unit') return px;
  const c = t.channels;
  for (let i = 0; i < px.length; i++) px[i] = (px[i] - t.mean[i % c]) / (t.std[i % c] || 1);
  return px;
}

/** Raw image bytes (e.g. a base64 request body, decoded) → the model's input for one sample. */
export function decodeImageForModel(transform: ImageTransform, buf: Uint8Array): Float32Array {
  return scaleImage(imageToUnit(decodeImage(buf), transform.size, transform.channels), transform);
}
