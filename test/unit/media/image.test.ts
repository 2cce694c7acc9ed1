import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import {
  augmentImage, decodeImage, decodeImageForModel, imageHeader, imageToUnit, readImageHeader, resizeBilinear, type ImageTransform,
} from '../../../src/engine/data/image';
import { checkImageFile } from '../../../src/engine/data/images';
import { createRng } from '../../../src/engine/data/split';
import { encodePng, interlacedPng, pngBomb, rgbPng, solidJpeg, tempWorkspace, write } from './helpers';

const px = (img: { data: Uint8Array; width: number }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

test('decodes every PNG colour type to RGBA', () => {
  const grey = decodeImage(encodePng({ width: 2, height: 1, colorType: 0, bitDepth: 8, samples: [10, 200] }));
  assert.deepEqual(px(grey, 1, 0), [200, 200, 200, 255]);
  const rgb = decodeImage(rgbPng(2, 2, (x, y) => [x * 100, y * 100, 7]));
  assert.deepEqual(px(rgb, 1, 1), [100, 100, 7, 255]);
  const rgba = decodeImage(encodePng({ width: 1, height: 1, colorType: 6, bitDepth: 8, samples: [1, 2, 3, 4] }));
  assert.deepEqual(px(rgba, 0, 0), [1, 2, 3, 4]);
  const greyAlpha = decodeImage(encodePng({ width: 1, height: 1, colorType: 4, bitDepth: 8, samples: [90, 128] }));
  assert.deepEqual(px(greyAlpha, 0, 0), [90, 90, 90, 128]);
  const palette = decodeImage(encodePng({ width: 3, height: 1, colorType: 3, bitDepth: 8, samples: [2, 0, 1], palette: [[255, 0, 0], [0, 255, 0], [0, 0, 255]] }));
  assert.deepEqual([px(palette, 0, 0), px(palette, 1, 0), px(palette, 2, 0)], [[0, 0, 255, 255], [255, 0, 0, 255], [0, 255, 0, 255]]);
  const deep = decodeImage(encodePng({ width: 2, height: 1, colorType: 2, bitDepth: 16, samples: [65535, 0, 32896, 257, 514, 65535] }));
  assert.deepEqual(px(deep, 0, 0), [255, 0, 128, 255]); // 16-bit scaled to 8
  assert.deepEqual(px(deep, 1, 0), [1, 2, 255, 255]);
});

test('pngjs-written PNGs decode too', () => {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(0);
  png.data.set([9, 8, 7, 255], 12);
  const img = decodeImage(PNG.sync.write(png));
  assert.deepEqual(px(img, 1, 1), [9, 8, 7, 255]);
});

test('decodes a JPEG (lossy: within a few levels)', async () => {
  const buf = solidJpeg(16, 8, [200, 60, 30]);
  const img = decodeImage(buf);
  assert.equal(img.width, 16);
  assert.equal(img.height, 8);
  const [r, g, b] = px(img, 5, 5);
  assert.ok(Math.abs(r - 200) <= 4 && Math.abs(g - 60) <= 4 && Math.abs(b - 30) <= 4, `got ${r},${g},${b}`);
  assert.deepEqual(await imageHeader(buf), { format: 'jpeg', width: 16, height: 8 });
});

test('channels: 3 keeps RGB, 1 is ITU-R 601 luma', () => {
  const img = decodeImage(rgbPng(1, 1, () => [255, 0, 0]));
  assert.deepEqual(Array.from(imageToUnit(img, [1, 1], 3)), [1, 0, 0]);
  const grey = imageToUnit(img, [1, 1], 1);
  assert.equal(grey.length, 1);
  assert.ok(Math.abs(grey[0] - 0.299) < 1e-6);
});

test('bilinear resize with half-pixel centres', () => {
  // 4×1 → 2×1 averages pairs; 2×1 → 4×1 interpolates (edges clamp)
  assert.deepEqual(Array.from(resizeBilinear(Float32Array.from([0, 1, 2, 3]), 1, 4, 1, 1, 2)), [0.5, 2.5]);
  assert.deepEqual(Array.from(resizeBilinear(Float32Array.from([0, 1]), 1, 2, 1, 1, 4)), [0, 0.25, 0.75, 1]);
  // a constant image stays constant at any size; a large downscale averages stripes instead of aliasing
  assert.ok(resizeBilinear(new Float32Array(30 * 50 * 3).fill(0.4), 30, 50, 3, 7, 9).every((v) => Math.abs(v - 0.4) < 1e-6));
  const stripes = Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 2 === 0 ? 1 : 0));
  const small = resizeBilinear(stripes, 64, 64, 1, 8, 8);
  assert.equal(small.length, 64);
  assert.ok(small.every((v) => Math.abs(v - 0.5) < 1e-6));
});

test('augmentation: flips and shifts move pixels, is seeded, and is a no-op without settings', () => {
  const img = Float32Array.from([0, 0.25, 0.5, 1]); // 1×4 grey
  const flipped = augmentImage(img, 1, 4, 1, { flipHorizontal: true }, () => 0.1); // rand < 0.5 → flip
  assert.deepEqual(Array.from(flipped), [1, 0.5, 0.25, 0]);
  assert.equal(augmentImage(img, 1, 4, 1, {}, () => 0.1), img);
  const big = Float32Array.from({ length: 16 * 16 }, (_, i) => (i % 16) / 15);
  const a = augmentImage(big, 16, 16, 1, { rotate: 15, shift: 0.1, brightness: 0.2 }, createRng(3).next);
  const b = augmentImage(big, 16, 16, 1, { rotate: 15, shift: 0.1, brightness: 0.2 }, createRng(3).next);
  const c = augmentImage(big, 16, 16, 1, { rotate: 15, shift: 0.1, brightness: 0.2 }, createRng(4).next);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.notDeepEqual(a, big);
  assert.ok(a.every((v) => v >= 0 && v <= 1));
});

test('decodeImageForModel resizes, converts and standardises', () => {
  const t: ImageTransform = { name: 'image', kind: 'image', size: [2, 2], channels: 3, scale: 'standardize', mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1] };
  const out = decodeImageForModel(t, rgbPng(4, 4, () => [255, 0, 255]));
  assert.equal(out.length, 12);
  assert.deepEqual(Array.from(out.subarray(0, 3)), [2, -1, 0.5]);
});

test('corrupt, truncated, empty and huge files are refused with the reason', async () => {
  const dir = await tempWorkspace();
  const good = rgbPng(8, 8, () => [1, 2, 3]);
  const files: Record<string, Uint8Array> = {
    'truncated.png': good.subarray(0, good.length - 20),
    'noise.png': Buffer.from('this is not an image at all'),
    'empty.jpg': new Uint8Array(0),
    'cut.jpg': solidJpeg(8, 8, [1, 2, 3]).subarray(0, 200),
  };
  // a header that claims 100000×100000 pixels: refused from the header, never decoded
  const huge = Buffer.from(good);
  huge.writeUInt32BE(100000, 16);
  huge.writeUInt32BE(100000, 20);
  files['huge.png'] = huge;
  for (const [name, content] of Object.entries(files)) await write(path.join(dir, name), content);
  assert.match(String(await checkImageFile(path.join(dir, 'truncated.png'))), /truncated PNG/);
  assert.match(String(await checkImageFile(path.join(dir, 'noise.png'))), /not a PNG or JPEG/);
  assert.match(String(await checkImageFile(path.join(dir, 'empty.jpg'))), /empty file/);
  assert.match(String(await checkImageFile(path.join(dir, 'cut.jpg'))), /truncated JPEG/);
  assert.match(String(await checkImageFile(path.join(dir, 'huge.png'))), /over the limit of 50 megapixels/);
  assert.match(String(await checkImageFile(path.join(dir, 'missing.png'))), /file not found/);
  assert.throws(() => decodeImage(huge), /over the limit of 50 megapixels/);
  assert.throws(() => decodeImage(files['truncated.png']), /cannot decode/);
  await write(path.join(dir, 'ok.png'), good);
  assert.equal(await checkImageFile(path.join(dir, 'ok.png')), null);
  assert.deepEqual(await readImageHeader(path.join(dir, 'ok.png')), { format: 'png', width: 8, height: 8 });
});

test('a JPEG whose frame header sits behind 20 KB of metadata: the header is read past the first block', async () => {
  const dir = await tempWorkspace();
  const plain = solidJpeg(9, 7, [10, 20, 30]);
  const app1 = Buffer.alloc(4 + 20000);
  app1.set([0xff, 0xe1], 0);
  app1.writeUInt16BE(20002, 2);
  const withExif = Buffer.concat([plain.subarray(0, 2), app1, plain.subarray(2)]);
  await write(path.join(dir, 'exif.jpg'), withExif);
  assert.deepEqual(await readImageHeader(path.join(dir, 'exif.jpg')), { format: 'jpeg', width: 9, height: 7 });
  assert.equal(await checkImageFile(path.join(dir, 'exif.jpg')), null);
  assert.equal(decodeImage(withExif).width, 9);
});

test('a PNG zlib bomb (1 MB file, 16×16 header, 1 GiB inflated) is refused after inflating only what its header allows', () => {
  for (const interlace of [0, 1] as const) {
    const bomb = pngBomb({ interlace });
    assert.ok(bomb.length < 1.1e6);
    const before = process.memoryUsage().rss;
    assert.throws(() => decodeImage(bomb), /inflates to more than its 16×16 header allows.*compression bomb/);
    // It was 2 GB and 15 s (interlaced); now the inflate stops at the header's size.
    assert.ok(process.memoryUsage().rss - before < 100e6, `RSS grew by ${Math.round((process.memoryUsage().rss - before) / 1e6)} MB`);
  }
});

test('interlaced PNGs decode (the bound counts every Adam7 pass)', () => {
  for (const [w, h] of [[1, 1], [3, 2], [9, 17], [33, 8]]) {
    const img = decodeImage(interlacedPng(w, h, (x, y) => [x * 7, y * 5, (x + y) % 256, 200]));
    assert.deepEqual([img.width, img.height], [w, h]);
    assert.deepEqual(px(img, w - 1, h - 1), [(w - 1) * 7, (h - 1) * 5, (w + h - 2) % 256, 200]);
  }
});

test('a large image shrinks straight from its bytes, with exactly the values of the float path', () => {
  const w = 97;
  const h = 64;
  const png = rgbPng(w, h, (x, y) => [(x * 37 + y) % 256, (y * 11) % 256, (x * y) % 256]);
  const img = decodeImage(png);
  for (const channels of [1, 3] as const) {
    const ref = new Float32Array(w * h * channels);
    for (let i = 0; i < w * h; i++) {
      const [r, g, b] = [img.data[4 * i] / 255, img.data[4 * i + 1] / 255, img.data[4 * i + 2] / 255];
      if (channels === 1) ref[i] = 0.299 * r + 0.587 * g + 0.114 * b;
      else ref.set([r, g, b], 3 * i);
    }
    assert.deepEqual(imageToUnit(img, [8, 5], channels), resizeBilinear(ref, h, w, channels, 8, 5));
  }
});

test('the pixel limit is configurable', () => {
  const png = rgbPng(40, 30, () => [1, 2, 3]);
  process.env.MODEL_STUDIO_MAX_IMAGE_PIXELS = '1000';
  try {
    assert.throws(() => decodeImage(png), /40×30 pixels \(1,200 pixels\) is over the limit of 1,000 pixels.*MODEL_STUDIO_MAX_IMAGE_PIXELS/);
  } finally {
    delete process.env.MODEL_STUDIO_MAX_IMAGE_PIXELS;
  }
  assert.equal(decodeImage(png).width, 40);
});
