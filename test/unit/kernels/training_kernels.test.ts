/**
 * The two training kernels wasm lacks (and cpu has only in slow form) match the stock cpu kernels,
 * and conv2d / embedding models train on wasm with them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerKernels, unregisterKernels } from '../../../src/engine/backends/kernels';
import { tf, initWasm, rng, randomArray, randInt, relError } from './helpers';

type Attrs = Record<string, unknown>;

/** Runs one kernel on a backend with given registrations and returns its values. */
async function runOn(
  backend: string, ours: boolean, kernel: string,
  inputs: Record<string, { values: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' }>, attrs: Attrs,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  if (ours) registerKernels(tf, backend); else unregisterKernels(tf, backend);
  try {
    const ts: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape, v.dtype);
    const out = tf.engine().runKernel(kernel, ts, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const vals = Float32Array.from(await out.data());
    tf.dispose([out, ...Object.values(ts)]);
    return vals;
  } finally {
    unregisterKernels(tf, backend);
  }
}

test('Conv2DBackpropFilter matches the stock cpu kernel (strides, same/valid, NHWC and NCHW)', async () => {
  await initWasm();
  const r = rng(7);
  for (let trial = 0; trial < 10; trial++) {
    const b = randInt(r, 1, 3), h = randInt(r, 3, 9), w = randInt(r, 3, 9);
    const cin = randInt(r, 1, 4), cout = randInt(r, 1, 5);
    const fh = randInt(r, 1, 3), fw = randInt(r, 1, 3);
    const stride: [number, number] = [randInt(r, 1, 2), randInt(r, 1, 2)];
    const pad = r() < 0.5 ? 'same' : 'valid';
    if (pad === 'valid' && (fh > h || fw > w)) continue;
    const nchw = trial % 4 === 3;
    const xShape = nchw ? [b, cin, h, w] : [b, h, w, cin];
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number], [fh, fw, cin, cout], stride, 1, pad, undefined, false,
      nchw ? 'channelsFirst' : 'channelsLast');
    const dyShape = nchw ? [b, cout, info.outHeight, info.outWidth] : [b, info.outHeight, info.outWidth, cout];
    const x = randomArray(xShape.reduce((p, q) => p * q, 1), r);
    const dy = randomArray(dyShape.reduce((p, q) => p * q, 1), r);
    const inputs = {
      x: { values: x, shape: xShape, dtype: 'float32' as const },
      dy: { values: dy, shape: dyShape, dtype: 'float32' as const },
    };
    const attrs = { strides: stride, pad, dataFormat: nchw ? 'NCHW' : 'NHWC', filterShape: [fh, fw, cin, cout] };
    const stock = await runOn('cpu', false, 'Conv2DBackpropFilter', inputs, attrs);
    const cpu = await runOn('cpu', true, 'Conv2DBackpropFilter', inputs, attrs);
    assert.ok(relError(cpu, stock) < 1e-5, `cpu trial ${trial}: ${relError(cpu, stock)}`);
    if (!nchw) {
      const wasm = await runOn('wasm', true, 'Conv2DBackpropFilter', inputs, attrs);
      assert.ok(relError(wasm, stock) < 1e-5, `wasm trial ${trial}: ${relError(wasm, stock)}`);
    }
  }
});

test('UnsortedSegmentSum matches the stock cpu kernel, with repeated and out-of-range ids', async () => {
  await initWasm();
  const r = rng(11);
  for (let trial = 0; trial < 6; trial++) {
    const n = randInt(r, 1, 30), numSegments = randInt(r, 1, 12), d = randInt(r, 1, 5);
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = randInt(r, -1, numSegments); // -1 and numSegments are dropped
    const x = randomArray(n * d, r);
    const inputs = {
      x: { values: x, shape: [n, d], dtype: 'float32' as const },
      segmentIds: { values: ids, shape: [n], dtype: 'int32' as const },
    };
    const attrs = { numSegments };
    const stock = await runOn('cpu', false, 'UnsortedSegmentSum', inputs, attrs);
    assert.equal(stock.length, numSegments * d);
    for (const backend of ['cpu', 'wasm']) {
      const ours = await runOn(backend, true, 'UnsortedSegmentSum', inputs, attrs);
      assert.ok(relError(ours, stock) < 1e-5, `${backend} trial ${trial}: ${relError(ours, stock)}`);
    }
  }
});

async function trainLosses(build: () => tf.LayersModel, x: tf.Tensor, y: tf.Tensor, epochs: number): Promise<number[]> {
  const model = build();
  const h = await model.fit(x, y, { epochs, batchSize: 8, shuffle: false, verbose: 0 });
  model.dispose();
  return h.history.loss.map(Number);
}

test('a conv2d model and an embedding model train on wasm (loss decreases)', async () => {
  await initWasm();
  await tf.setBackend('wasm');
  registerKernels(tf, 'wasm');
  try {
    const r = rng(3);
    const imgs = tf.tensor4d(randomArray(16 * 8 * 8, r), [16, 8, 8, 1]);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2), 'int32'), 2);
    const conv = await trainLosses(() => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      return m;
    }, imgs, labels, 5);
    assert.ok(conv[conv.length - 1] < conv[0], `conv2d losses ${conv.join(', ')}`);

    const seqs = tf.tensor2d(Array.from({ length: 16 * 6 }, () => randInt(r, 0, 49)), [16, 6], 'int32');
    const emb = await trainLosses(() => {
      const m = tf.sequential();
      m.add(tf.layers.embedding({ inputDim: 50, outputDim: 4, inputLength: 6, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 3 }) }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
      m.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
      return m;
    }, seqs, labels, 5);
    assert.ok(emb[emb.length - 1] < emb[0], `embedding losses ${emb.join(', ')}`);
    tf.dispose([imgs, labels, seqs]);
  } finally {
    unregisterKernels(tf, 'wasm');
  }
});
