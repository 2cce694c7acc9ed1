/** Our GEMM-backed BatchMatMul / _FusedMatMul match the stock cpu kernels on random shapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerKernels, unregisterKernels } from '../../../src/engine/backends/kernels';
import { planMatMul } from '../../../src/engine/backends/kernels/matmul';
import { tf, initWasm, rng, randomArray, randInt, relError } from './helpers';

async function run(backend: string, ours: boolean, f: () => tf.Tensor): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  if (ours) registerKernels(tf, backend); else unregisterKernels(tf, backend);
  try {
    const out = tf.tidy(f);
    const values = Float32Array.from(await out.data());
    const shape = out.shape;
    out.dispose();
    return { values, shape };
  } finally {
    unregisterKernels(tf, backend);
  }
}

test('BatchMatMul with transposes, odd sizes and batches matches the stock cpu kernel', async () => {
  await initWasm();
  const r = rng(21);
  for (let trial = 0; trial < 24; trial++) {
    const M = randInt(r, 1, 37), N = randInt(r, 1, 41), K = trial === 0 ? 300 : randInt(r, 1, 33);
    const ta = r() < 0.5, tb = r() < 0.5;
    const batch = trial % 3 === 0 ? [randInt(r, 2, 3)] : [];
    const bcast = trial % 6 === 3; // b without batch dims broadcasts over a's
    const aShape = [...batch, ...(ta ? [K, M] : [M, K])];
    const bShape = [...(bcast ? [] : batch), ...(tb ? [N, K] : [K, N])];
    const a = randomArray(aShape.reduce((p, q) => p * q, 1), r);
    const b = randomArray(bShape.reduce((p, q) => p * q, 1), r);
    const f = () => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb);
    const stock = await run('cpu', false, f);
    const ours = await run('wasm', true, f);
    assert.deepEqual(ours.shape, stock.shape, `trial ${trial}`);
    assert.ok(relError(ours.values, stock.values) < 1e-5, `trial ${trial} M${M} N${N} K${K} ta${ta} tb${tb}: ${relError(ours.values, stock.values)}`);
  }
});

test('_FusedMatMul with bias and relu / relu6 / linear matches the stock cpu kernel', async () => {
  await initWasm();
  const r = rng(5);
  for (const activation of ['linear', 'relu', 'relu6', 'elu'] as const) {
    const M = randInt(r, 1, 20), N = randInt(r, 1, 20), K = randInt(r, 1, 20);
    const a = randomArray(M * K, r).map((v) => v * 4), b = randomArray(K * N, r), bias = randomArray(N, r);
    const f = () => tf.fused.matMul({ a: tf.tensor2d(a, [M, K]), b: tf.tensor2d(b, [K, N]), bias: tf.tensor1d(bias), activation });
    const stock = await run('cpu', false, f);
    const ours = await run('wasm', true, f);
    assert.ok(relError(ours.values, stock.values) < 1e-5, `${activation}: ${relError(ours.values, stock.values)}`);
  }
});

test('planMatMul refuses mismatched inner sizes and general batch broadcasting', () => {
  assert.equal(planMatMul([2, 3], [4, 5], false, false), undefined);
  assert.equal(planMatMul([2, 3, 4], [3, 4, 5], false, false), undefined);
  assert.deepEqual(planMatMul([2, 3, 4], [4, 5], false, false)?.outShape, [2, 3, 5]);
  assert.deepEqual(planMatMul([4, 3], [5, 4], true, true)?.outShape, [3, 5]);
});

test('an MLP trains on wasm with the fast kernels to the same losses as stock cpu', async () => {
  await initWasm();
  const r = rng(9);
  const x = randomArray(64 * 20, r), yIds = Array.from({ length: 64 }, () => randInt(r, 0, 2));
  async function losses(backend: string, ours: boolean): Promise<number[]> {
    await tf.setBackend(backend);
    if (ours) registerKernels(tf, backend); else unregisterKernels(tf, backend);
    try {
      const m = tf.sequential();
      m.add(tf.layers.dense({ inputShape: [20], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
      m.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const xs = tf.tensor2d(x, [64, 20]);
      const ys = tf.oneHot(tf.tensor1d(yIds, 'int32'), 3);
      const h = await m.fit(xs, ys, { epochs: 4, batchSize: 16, shuffle: false, verbose: 0 });
      tf.dispose([xs, ys]);
      m.dispose();
      return h.history.loss.map(Number);
    } finally {
      unregisterKernels(tf, backend);
    }
  }
  const stock = await losses('cpu', false);
  const fast = await losses('wasm', true);
  assert.ok(fast[3] < fast[0], `loss decreases: ${fast.join(', ')}`);
  for (let i = 0; i < stock.length; i++) assert.ok(Math.abs(fast[i] - stock[i]) < 1e-4 * Math.abs(stock[i]) + 1e-6, `epoch ${i}: ${fast[i]} vs ${stock[i]}`);
});
