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
      assert.equal(used.kernelNames.includes('ModelStudioLstmSequence'), ours, `fused LSTM sequence used: ${used.kernelNames.join(', ')}`);
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

/** An LSTM layer's outputs and the gradients of a weighted sum of them (input and every weight). */
function lstmOutputsAndGrads(
  opts: { units: number; goBackwards: boolean; returnSequences: boolean; returnState: boolean; activation: string; recurrentActivation: string; useBias: boolean },
  x: Float32Array, shape: [number, number, number], seed: number,
): Float32Array[] {
  const layer = tf.layers.lstm({
    ...opts, kernelInitializer: tf.initializers.glorotUniform({ seed }), recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    biasInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: seed + 2 }),
  } as Parameters<typeof tf.layers.lstm>[0]);
  const input = tf.variable(tf.tensor3d(x, shape));
  try {
    tf.tidy(() => layer.apply(input) as tf.Tensor | tf.Tensor[]); // build outside the gradient
    return tf.tidy(() => {
      const loss = () => {
        const out = layer.apply(input) as tf.Tensor | tf.Tensor[];
        const parts = Array.isArray(out) ? out : [out];
        return parts.reduce((acc: tf.Scalar, p, k) => tf.add(acc, tf.sum(tf.mul(p, tf.tensor(randomArray(p.size, rng(seed + k)), p.shape)))) as tf.Scalar, tf.scalar(0));
      };
      const vars = [input, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
      const { value, grads } = tf.variableGrads(loss, vars);
      return [Float32Array.from(value.dataSync()), ...vars.map((v) => Float32Array.from(grads[v.name].dataSync()))];
    });
  } finally {
    input.dispose();
    layer.dispose();
  }
}

test('whole-sequence LSTM (odd units, batch 1, two steps, both directions, states, every activation) matches stock cpu, outputs and gradients', async () => {
  await initWasm();
  const r = rng(23);
  const acts = ['tanh', 'sigmoid', 'hardSigmoid'];
  for (let trial = 0; trial < 14; trial++) {
    // T ≥ 2: stock tfjs-layers 4.22 cannot take the input gradient of a one-step LSTM ("Argument tensors passed to stack…").
    const B = trial % 5 === 0 ? 1 : randInt(r, 1, 9), T = trial % 7 === 0 ? 2 : randInt(r, 2, 9), D = randInt(r, 1, 7);
    const opts = {
      units: [1, 3, 4, 5, 13][trial % 5], goBackwards: r() < 0.5, returnSequences: r() < 0.5, returnState: r() < 0.3,
      activation: acts[randInt(r, 0, 2)], recurrentActivation: acts[randInt(r, 0, 2)], useBias: r() < 0.8,
    };
    const x = randomArray(B * T * D, r).map((v) => v * 3);
    const label = `trial ${trial} x[${B},${T},${D}] ${JSON.stringify(opts)}`;
    await tf.setBackend('cpu');
    unregisterKernels(tf, 'cpu');
    const stock = lstmOutputsAndGrads(opts, x, [B, T, D], trial);
    await tf.setBackend('wasm');
    registerKernels(tf, 'wasm');
    try {
      const info = await tf.profile(() => { lstmOutputsAndGrads(opts, x, [B, T, D], trial); });
      assert.ok(info.kernelNames.includes('ModelStudioLstmSequenceGrad'), `${label}: our kernels ran (${info.kernelNames.join(', ')})`);
      const ours = lstmOutputsAndGrads(opts, x, [B, T, D], trial);
      ours.forEach((v, i) => assert.ok(relError(v, stock[i]) < 1e-4, `${label}: ${['loss', 'dx', 'dW', 'dR', 'db'][i]} relative error ${relError(v, stock[i])}`));
    } finally {
      unregisterKernels(tf, 'wasm');
    }
  }
});

test('Adam updates variables whose memory is their own in place (no kernel call) to the stock values, and never writes into memory a clone shares', async () => {
  await initWasm();
  const r = rng(19);
  const w0 = randomArray(1000, r), g0 = randomArray(1000, r);
  const run = async (ours: boolean) => {
    await tf.setBackend('wasm');
    if (ours) registerKernels(tf, 'wasm'); else unregisterKernels(tf, 'wasm');
    try {
      const alone = tf.tidy(() => tf.variable(tf.tensor1d(w0)));
      const sharedInit = tf.tensor1d(w0);
      const shared = tf.variable(sharedInit); // shares its memory with sharedInit, kept alive
      const opt = tf.train.adam(0.02);
      const info = await tf.profile(() => { opt.applyGradients([{ name: alone.name, tensor: tf.tensor1d(g0) }, { name: shared.name, tensor: tf.tensor1d(g0) }]); });
      for (let k = 0; k < 3; k++) tf.tidy(() => opt.applyGradients([{ name: alone.name, tensor: tf.tensor1d(g0) }, { name: shared.name, tensor: tf.tensor1d(g0) }]));
      const out = { alone: Float32Array.from(await alone.data()), shared: Float32Array.from(await shared.data()), init: Float32Array.from(await sharedInit.data()), kernels: info.kernelNames };
      tf.dispose([alone, shared, sharedInit]);
      opt.dispose();
      return out;
    } finally {
      unregisterKernels(tf, 'wasm');
    }
  };
  const stock = await run(false);
  const ours = await run(true);
  assert.equal(ours.kernels.filter((k) => k === 'ModelStudioAdam').length, 1, `the kernel ran only for the shared variable: ${ours.kernels.join(', ')}`);
  assert.ok(relError(ours.alone, stock.alone) < 1e-5, `in place: ${relError(ours.alone, stock.alone)}`);
  assert.ok(relError(ours.shared, stock.shared) < 1e-5);
  assert.deepEqual(Array.from(ours.init), Array.from(w0), 'the tensor sharing memory with a variable kept its values');
});
