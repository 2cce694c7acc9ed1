/** probeBackend: ok with a loss on a working backend; not ok with a reason for a missing kernel, NaN, or mismatch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeBackend } from '../../../src/engine/backends/probe';
import { registerKernels, unregisterKernels } from '../../../src/engine/backends/kernels';
import { tf, initWasm, rng, randomArray } from './helpers';

const r = rng(12);
const dense = { x: randomArray(3 * 5, r), y: new Float32Array([1, 0, 0, 1, 1, 0]), xShape: [3, 5], yShape: [3, 2] };
const image = { x: randomArray(2 * 6 * 6, r), y: new Float32Array([1, 0, 0, 1]), xShape: [2, 6, 6, 1], yShape: [2, 2] };

function mlp(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [5], units: 4, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  m.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  m.compile({ optimizer: tf.train.adam(0.1), loss: 'categoricalCrossentropy' });
  return m;
}

function cnn(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
  m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  return m;
}

test('a working backend probes ok, and matches the cpu reference', async () => {
  await initWasm();
  await tf.setBackend('cpu');
  const ref = await probeBackend(tf, mlp, dense);
  assert.equal(ref.ok, true, ref.reason);
  assert.ok(Number.isFinite(ref.loss));
  await tf.setBackend('wasm');
  registerKernels(tf, 'wasm');
  try {
    const res = await probeBackend(tf, mlp, dense, ref.loss);
    assert.equal(res.ok, true, res.reason);
    const off = await probeBackend(tf, mlp, dense, (ref.loss as number) * 1.01);
    assert.equal(off.ok, false);
    assert.match(off.reason ?? '', /differs from the cpu reference/);
  } finally {
    unregisterKernels(tf, 'wasm');
  }
});

test('a missing kernel and a NaN loss are reported, not thrown', async () => {
  await initWasm();
  await tf.setBackend('wasm');
  unregisterKernels(tf, 'wasm'); // stock wasm: no Conv2DBackpropFilter
  const missing = await probeBackend(tf, cnn, image);
  assert.equal(missing.ok, false, JSON.stringify(missing) + ' ' + tf.getBackend());
  assert.match(missing.reason ?? '', /lacks the kernel Conv2DBackpropFilter/);
  const nan = await probeBackend(tf, mlp, { ...dense, y: dense.y.map(() => NaN) });
  assert.equal(nan.ok, false);
  assert.match(nan.reason ?? '', /NaN/);
});
