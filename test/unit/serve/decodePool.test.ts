/** The server's image decoding runs on worker threads: the event loop keeps turning while a large image decodes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeImageForModel, type ImageTransform } from '../../../src/engine/data/image';
import { DecodePool } from '../../../src/serve/decodePool';
import { pngBomb, rgbPng } from '../media/helpers';

const transform: ImageTransform = { name: 'image', kind: 'image', size: [8, 8], channels: 3, scale: 'unit', mean: [0, 0, 0], std: [1, 1, 1] };

test('decodes on a worker thread with the same result as in-process; errors keep their message; the loop turns meanwhile', async () => {
  const pool = new DecodePool(2);
  try {
    assert.equal(pool.threaded, true);
    const small = rgbPng(20, 12, (x, y) => [x * 10, y * 20, 99]);
    assert.deepEqual(await pool.decode(transform, small), decodeImageForModel(transform, small));
    await assert.rejects(pool.decode(transform, pngBomb({ inflated: 2 ** 24 })), /compression bomb/);
    await assert.rejects(pool.decode(transform, Buffer.from('not an image')), /not a PNG or JPEG/);
    // A large image: the main thread keeps answering timers while a worker decodes it.
    const big = rgbPng(1500, 1000, (x, y) => [x % 256, y % 256, (x + y) % 256]);
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 1);
    const results = await Promise.all([pool.decode(transform, big), pool.decode(transform, big), pool.decode(transform, small)]);
    clearInterval(timer);
    assert.equal(results.length, 3);
    assert.ok(ticks > 0, 'timers ran while the images decoded');
  } finally {
    await pool.close();
  }
});
