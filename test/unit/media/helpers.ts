/** Fixtures for the media tests: PNG/JPEG files made in code, temp workspaces and model specs. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as jpeg from 'jpeg-js';
import type { ModelSpecFile } from '../../../src/modelFile/schema';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), Buffer.from(data)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A PNG from raw samples (no filtering), any colour type and bit depth.
 * `samples` holds width × height × channels values (0..255 for 8-bit, 0..65535 for 16-bit;
 * palette indices for colour type 3).
 */
export function encodePng(opts: {
  width: number; height: number; colorType: 0 | 2 | 3 | 4 | 6; bitDepth: 8 | 16;
  samples: ArrayLike<number>; palette?: Array<[number, number, number]>;
}): Buffer {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[opts.colorType];
  const bytesPer = opts.bitDepth / 8;
  const rowLen = opts.width * channels * bytesPer;
  const raw = Buffer.alloc((rowLen + 1) * opts.height);
  for (let y = 0; y < opts.height; y++) {
    raw[y * (rowLen + 1)] = 0; // filter: none
    for (let i = 0; i < opts.width * channels; i++) {
      const v = opts.samples[y * opts.width * channels + i];
      const at = y * (rowLen + 1) + 1 + i * bytesPer;
      if (bytesPer === 2) raw.writeUInt16BE(v, at);
      else raw[at] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(opts.width, 0);
  ihdr.writeUInt32BE(opts.height, 4);
  ihdr[8] = opts.bitDepth;
  ihdr[9] = opts.colorType;
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (opts.palette) parts.push(chunk('PLTE', Buffer.from(opts.palette.flat())));
  parts.push(chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** An 8-bit RGB PNG whose pixel (x, y) is rgb(x, y). */
export function rgbPng(width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): Buffer {
  const samples: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) samples.push(...rgb(x, y));
  return encodePng({ width, height, colorType: 2, bitDepth: 8, samples });
}

export function solidJpeg(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return jpeg.encode({ width, height, data }, 95).data;
}

export async function tempWorkspace(): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ms-media-')));
}

export async function write(file: string, content: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
}

/** A resolved spec with the given data section (only task and data matter to the data pipeline). */
export function specWith(data: Record<string, unknown>, task: 'classification' | 'regression' = 'classification'): ModelSpecFile {
  return {
    name: 'test',
    task,
    data: {
      format: 'auto',
      preprocess: { missing: 'mean', numeric: 'standardize', categorical: 'onehot' },
      split: { validation: 0.2, test: 0.2, seed: 7, stratify: true, shuffle: true },
      ...data,
    },
    model: { layers: [] },
    train: {},
    evaluate: { split: 'test' },
    deploy: { host: '127.0.0.1', port: 8501 },
  } as unknown as ModelSpecFile;
}

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/** An 8-bit RGBA PNG, Adam7-interlaced (pngjs writes only non-interlaced ones). */
export function interlacedPng(width: number, height: number, rgba: (x: number, y: number) => [number, number, number, number]): Buffer {
  const rows: number[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    for (let y = y0; y < height; y += dy) {
      if (x0 >= width) break;
      rows.push(0); // filter: none
      for (let x = x0; x < width; x += dx) rows.push(...rgba(x, y));
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  ihdr[12] = 1;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.from(rows))), chunk('IEND', new Uint8Array(0))]);
}

const bombData = new Map<number, Buffer>();

/**
 * A zlib stream of `size` zero bytes, as compact as deflate at level 9 makes it, in milliseconds: one 16 MiB
 * segment is deflated with a full flush (which resets the compressor's history, so the segment decodes the
 * same wherever it stands) and repeated; deflating 1 GiB outright took 13 s of CPU on a loaded machine.
 */
function zerosZlib(size: number): Buffer {
  const SEGMENT = 16 * 2 ** 20;
  const parts: Buffer[] = [Buffer.from([0x78, 0xda])];
  const whole = Math.floor(size / SEGMENT);
  if (whole > 0) {
    const segment = zlib.deflateRawSync(Buffer.alloc(SEGMENT), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
    for (let i = 0; i < whole; i++) parts.push(segment);
  }
  // The rest, ending the stream (its last block is final), then the Adler-32 of `size` zeros: a = 1, b = size mod 65521.
  parts.push(zlib.deflateRawSync(Buffer.alloc(size - whole * SEGMENT), { level: 9 }));
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((size % 65521) << 16) | 1) >>> 0);
  parts.push(adler);
  return Buffer.concat(parts);
}

/** A zlib bomb: a small PNG whose header says width×height but whose data inflates to `inflated` bytes of zeros. */
export function pngBomb(opts: { width?: number; height?: number; inflated?: number; interlace?: 0 | 1 } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(opts.width ?? 16, 0);
  ihdr.writeUInt32BE(opts.height ?? 16, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  ihdr[12] = opts.interlace ?? 1;
  const size = opts.inflated ?? 2 ** 30;
  let data = bombData.get(size);
  if (!data) {
    data = zerosZlib(size);
    bombData.set(size, data);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', data), chunk('IEND', new Uint8Array(0))]);
}
