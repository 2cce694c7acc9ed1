/**
 * The fused dense, conv2d and max-pooling layers (our kernels behind patched layer calls) give the
 * stock cpu layers' outputs and gradients (input and every weight) on random configurations: odd
 * sizes, batch 1, strides, both paddings, fused and unfused activations, with and without bias, ties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerKernels, unregisterKernels } from '../../../src/engine/backends/kernels';
import { outputsAndGrads } from '../../../src/engine/backends/kernels/layers';
import { tf, initWasm, rng, randomArray, randInt, relError } from './helpers';

type MakeLayer = () => tf.layers.Layer;

/** Stock cpu vs our kernels on wasm for one layer configuration (same initial weights by seed). */
async function agree(label: string, make: MakeLayer, shape: number[], input: Float32Array, kernel: string): Promise<void> {
  await tf.setBackend('cpu');
  unregisterKernels(tf, 'cpu');
  const stockLayer = make();
  const stock = outputsAndGrads(tf, stockLayer, shape, input);
  stockLayer.dispose();
  await tf.setBackend('wasm');
  registerKernels(tf, 'wasm');
  try {
    const layer = make();
    tf.tidy(() => layer.apply(tf.zeros(shape)) as tf.Tensor); // built: the patch's check has run
    const used = await tf.profile(() => { outputsAndGrads(tf, layer, shape, input); });
    assert.ok(used.kernelNames.includes(kernel), `${label}: ${kernel} ran (${used.kernelNames.join(', ')})`);
    const ours = outputsAndGrads(tf, layer, shape, input);
    layer.dispose();
    const err = relError(ours, stock);
    assert.ok(err < 1e-4, `${label}: relative error ${err}`);
  } finally {
    unregisterKernels(tf, 'wasm');
  }
}

test('dense layers (relu, linear, softmax after ours; bias or not; rank 2 and 3; batch 1) match stock cpu', async () => {
  await initWasm();
  const r = rng(51);
  const acts = ['relu', 'linear', 'softmax', 'tanh'];
  for (let trial = 0; trial < 10; trial++) {
    const units = randInt(r, 1, 13), din = randInt(r, 1, 17), batch = trial % 4 === 0 ? 1 : randInt(r, 1, 9);
    const shape = trial % 3 === 2 ? [batch, randInt(r, 1, 4), din] : [batch, din];
    const opts = { units, activation: acts[trial % acts.length], useBias: trial % 5 !== 4 };
    const make = () => tf.layers.dense({ ...opts, kernelInitializer: tf.initializers.glorotUniform({ seed: trial }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: trial + 1 }) } as Parameters<typeof tf.layers.dense>[0]);
    await agree(`dense trial ${trial} x[${shape}] ${JSON.stringify(opts)}`, make, shape, randomArray(shape.reduce((p, q) => p * q, 1), r), 'ModelStudioDense');
  }
});

test('conv2d layers (kernel sizes, strides, same/valid, relu/linear/tanh, bias or not, batch 1) match stock cpu', async () => {
  await initWasm();
  const r = rng(52);
  const acts = ['relu', 'linear', 'tanh'];
  for (let trial = 0; trial < 10; trial++) {
    const b = trial % 4 === 0 ? 1 : randInt(r, 1, 3), h = randInt(r, 3, 11), w = randInt(r, 3, 11), cin = randInt(r, 1, 5);
    const kh = randInt(r, 1, Math.min(3, h)), kw = randInt(r, 1, Math.min(3, w));
    const opts = {
      filters: randInt(r, 1, 9), kernelSize: [kh, kw], strides: [randInt(r, 1, 2), randInt(r, 1, 2)],
      padding: trial % 2 ? 'same' : 'valid', activation: acts[trial % acts.length], useBias: trial % 5 !== 3,
    };
    const make = () => tf.layers.conv2d({ ...opts, kernelInitializer: tf.initializers.glorotUniform({ seed: trial }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: trial + 1 }) } as Parameters<typeof tf.layers.conv2d>[0]);
    const shape = [b, h, w, cin];
    await agree(`conv trial ${trial} x[${shape}] ${JSON.stringify(opts)}`, make, shape, randomArray(b * h * w * cin, r), 'ModelStudioConv2D');
  }
});

test('max pooling layers (sizes, strides, same/valid, ties as after a relu) match stock cpu', async () => {
  await initWasm();
  const r = rng(53);
  for (let trial = 0; trial < 10; trial++) {
    const b = trial % 4 === 0 ? 1 : randInt(r, 1, 3), h = randInt(r, 2, 10), w = randInt(r, 2, 10), c = randInt(r, 1, 5);
    const pool = randInt(r, 1, Math.min(3, h, w));
    const opts = { poolSize: pool, strides: randInt(r, 1, 3), padding: trial % 2 ? 'same' : 'valid' };
    const shape = [b, h, w, c];
    // Half the trials with many equal values (relu zeros, and a coarse grid): ties go to the first maximum.
    const input = randomArray(b * h * w * c, r).map((v) => (trial % 2 ? Math.max(0, Math.round(v * 2) / 2) : v));
    await agree(`pool trial ${trial} x[${shape}] ${JSON.stringify(opts)}`, () => tf.layers.maxPooling2d(opts as Parameters<typeof tf.layers.maxPooling2d>[0]), shape, input, 'ModelStudioMaxPool');
  }
});
