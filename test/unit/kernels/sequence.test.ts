/** Unpack, GatherV2 and the fused Adam update match stock; a small LSTM trains to the stock losses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerKernels, unregisterKernels } from '../../../src/engine/backends/kernels';
import { tf, initWasm, rng, randomArray, randInt, relError } from './helpers';

async function values(backend: string, ours: boolean, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  if (ours) registerKernels(tf, backend); else unregisterKernels(tf, backend);
  try {
    const outs = tf.tidy(f);
    const vals = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
    tf.dispose(outs);
    return vals;
  } finally {
    unregisterKernels(tf, backend);
  }
}

test('unstack along every axis and gather of rows match stock cpu', async () => {
  await initWasm();
  const r = rng(2);
  const x = randomArray(3 * 4 * 5, r);
  for (const axis of [0, 1, 2, -1]) {
    const f = () => tf.unstack(tf.tensor3d(x, [3, 4, 5]), axis);
    const stock = await values('cpu', false, f);
    const ours = await values('wasm', true, f);
    assert.equal(ours.length, stock.length);
    stock.forEach((s, i) => assert.deepEqual(Array.from(ours[i]), Array.from(s), `axis ${axis} part ${i}`));
  }
  const ids = Array.from({ length: 12 }, () => randInt(r, 0, 2));
  for (const axis of [0, 1]) {
    const f = () => [tf.gather(tf.tensor3d(x, [3, 4, 5]), tf.tensor2d(ids, [3, 4], 'int32'), axis)];
    const [stock] = await values('cpu', false, f);
    const [ours] = await values('wasm', true, f);
    assert.deepEqual(Array.from(ours), Array.from(stock), `gather axis ${axis}`);
  }
});

test('the fused Adam update gives the stock variables after several steps', async () => {
  await initWasm();
  const r = rng(4);
  const w0 = randomArray(37, r);
  const grads = Array.from({ length: 4 }, () => randomArray(37, r));
  const run = async (ours: boolean) => {
    await tf.setBackend('wasm');
    if (ours) registerKernels(tf, 'wasm'); else unregisterKernels(tf, 'wasm');
    try {
      const w = tf.variable(tf.tensor1d(w0));
      const opt = tf.train.adam(0.05, 0.8, 0.95, 1e-6);
      const [first, ...rest] = grads;
      const info = await tf.profile(() => { opt.applyGradients([{ name: w.name, tensor: tf.tensor1d(first) }]); });
      assert.equal(info.kernelNames.includes('ModelStudioAdam'), ours, `kernels used: ${info.kernelNames.join(', ')}`);
      for (const g of rest) opt.applyGradients([{ name: w.name, tensor: tf.tensor1d(g) }]);
      const out = Float32Array.from(await w.data());
      w.dispose();
      opt.dispose();
      return out;
    } finally {
      unregisterKernels(tf, 'wasm');
    }
  };
  const stock = await run(false);
  const fused = await run(true);
  assert.ok(relError(fused, stock) < 1e-5, `relative error ${relError(fused, stock)}`);
  assert.ok(relError(stock, w0) > 1e-3, 'the variables moved');
});

test('an embedding + LSTM model trains on wasm with the fast kernels to the stock cpu losses', async () => {
  await initWasm();
  const r = rng(6);
  const seqs = Array.from({ length: 16 * 7 }, () => randInt(r, 0, 29)), ids = Array.from({ length: 16 }, () => randInt(r, 0, 1));
  async function losses(backend: string, ours: boolean): Promise<number[]> {
    await tf.setBackend(backend);
    if (ours) registerKernels(tf, backend); else unregisterKernels(tf, backend);
    registerKernels(tf, 'cpu'); // stock cpu UnsortedSegmentSum is far too slow
    try {
      const m = tf.sequential();
      m.add(tf.layers.embedding({ inputDim: 30, outputDim: 5, inputLength: 7, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 1 }) }));
      m.add(tf.layers.lstm({ units: 6, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), recurrentInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
      m.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
      m.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
      const xs = tf.tensor2d(seqs, [16, 7], 'int32');
      const ys = tf.oneHot(tf.tensor1d(ids, 'int32'), 2);
      const h = await m.fit(xs, ys, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
      const used = await tf.profile(() => m.predict(xs) as tf.Tensor);
      assert.equal(used.kernelNames.includes('ModelStudioLstmGates'), ours, `fused LSTM step used: ${used.kernelNames.join(', ')}`);
      tf.dispose([xs, ys]);
      m.dispose();
      return h.history.loss.map(Number);
    } finally {
      unregisterKernels(tf, backend);
      unregisterKernels(tf, 'cpu');
    }
  }
  const stock = await losses('cpu', false);
  const fast = await losses('wasm', true);
  assert.ok(fast[2] < fast[0], `loss decreases: ${fast.join(', ')}`);
  for (let i = 0; i < stock.length; i++) assert.ok(Math.abs(fast[i] - stock[i]) < 1e-4 * Math.abs(stock[i]), `epoch ${i}: ${fast[i]} vs ${stock[i]}`);
});

test('sum over leading, trailing and other axes, with keepDims, matches stock cpu', async () => {
  await initWasm();
  const r = rng(14);
  const x = randomArray(3 * 4 * 5 * 6, r);
  for (const axis of [undefined, 0, 3, -1, [0, 1, 2], [1, 2, 3], [1, 2], [0, 2], [0, 1, 2, 3]]) {
    for (const keepDims of [false, true]) {
      const f = () => [tf.sum(tf.tensor4d(x, [3, 4, 5, 6]), axis, keepDims)];
      const [stock] = await values('cpu', false, f);
      const [ours] = await values('wasm', true, f);
      assert.ok(relError(ours, stock) < 1e-5, `axis ${JSON.stringify(axis)} keepDims ${keepDims}: ${relError(ours, stock)}`);
      await tf.setBackend('wasm');
      registerKernels(tf, 'wasm');
      const shape = tf.tidy(() => tf.sum(tf.tensor4d(x, [3, 4, 5, 6]), axis, keepDims).shape);
      unregisterKernels(tf, 'wasm');
      await tf.setBackend('cpu');
      assert.deepEqual(shape, tf.tidy(() => tf.sum(tf.tensor4d(x, [3, 4, 5, 6]), axis, keepDims).shape));
    }
  }
});
