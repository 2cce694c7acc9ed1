/**
 * The kernels on several threads: every job split into tiles that all threads claim gives the one-thread
 * result (GEMM with transposes, batches, bias/activation and inner splits; conv, pooling, Adam, sums),
 * the thread count follows MODEL_STUDIO_THREADS, and idle workers use no CPU (they sleep, never spin).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemm, kernelRuntimeInfo, setParallelThreshold, setThreads, stopThreads } from '../../../src/engine/backends/kernels/gemm';
import { KERNEL_CASES } from '../../../src/engine/backends/kernels/cases';
import { registerKernels, unregisterKernels } from '../../../src/engine/backends/kernels';
import { runKernelFunc, compareOutputs } from '../../../src/engine/backends/kernels/selfcheck';
import { asBackend } from '../../../src/engine/backends/kernels/io';
import { tf, initWasm, rng, randomArray, randInt, relError } from './helpers';

/** Starts the kernels on `n` threads and polls until every worker runs. */
async function threads(n: number): Promise<void> {
  setThreads(n);
  setParallelThreshold(0);
  gemm({ M: 8, N: 8, K: 8, a: new Float32Array(64), transA: false, batchA: 1, b: new Float32Array(64), transB: false, batchB: 1 });
  for (let i = 0; i < 500; i++) {
    const info = kernelRuntimeInfo();
    assert.ok(info, 'the kernels load');
    if (info.running >= n) { assert.equal(info.threads, n); return; }
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`the workers did not start: ${JSON.stringify(kernelRuntimeInfo())}`);
}

function naive(M: number, N: number, K: number, a: Float32Array, ta: boolean, b: Float32Array, tb: boolean): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (ta ? a[k * M + i] : a[i * K + k]) * (tb ? b[j * K + k] : b[k * N + j]);
      c[i * N + j] = s;
    }
  }
  return c;
}

test('GEMMs split over 1, 2 and 3 threads (tiles and inner splits) give the one-thread product', async () => {
  setParallelThreshold(0);
  try {
    const r = rng(77);
    const shapes = [[1, 1, 1], [7, 300, 9], [130, 17, 1100], [9, 16, 2500], [64, 256, 64], [33, 70, 520]];
    for (const n of [1, 2, 3]) {
      await threads(n);
      for (const [M, N, K] of shapes) {
        const ta = r() < 0.5, tb = r() < 0.5;
        const a = randomArray(M * K, r), b = randomArray(K * N, r);
        const got = gemm({ M, N, K, a, transA: ta, batchA: 1, b, transB: tb, batchB: 1 }).slice();
        const err = relError(got, naive(M, N, K, a, ta, b, tb));
        assert.ok(err < 1e-5, `${n} threads, ${M}×${N}×${K} tA ${ta} tB ${tb}: relative error ${err}`);
      }
      // a batch of 3 against a broadcast operand, with bias and relu6
      const [M, N, K] = [20, 30, 40];
      const a = randomArray(3 * M * K, r).map((v) => v * 5), b = randomArray(K * N, r), bias = randomArray(N, r);
      const got = gemm({ M, N, K, a, transA: false, batchA: 3, b, transB: false, batchB: 1, bias, activation: 'relu6' }).slice();
      for (let i = 0; i < 3; i++) {
        const want = naive(M, N, K, a.subarray(i * M * K, (i + 1) * M * K), false, b, false).map((v, j) => Math.min(6, Math.max(0, v + bias[j % N])));
        assert.ok(relError(got.subarray(i * M * N, (i + 1) * M * N), want) < 1e-5, `${n} threads, batch item ${i}`);
      }
    }
  } finally {
    setParallelThreshold(undefined);
    setThreads(undefined);
  }
});

test('conv, pooling, Adam and sum kernels split over 3 threads agree with the stock cpu kernels', async () => {
  await initWasm();
  setParallelThreshold(0);
  await threads(3);
  try {
    unregisterKernels(tf, 'cpu');
    await tf.setBackend('wasm');
    registerKernels(tf, 'wasm');
    const r = rng(5);
    for (const kernelName of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'Sum', '_FusedMatMul']) {
      for (let i = 0; i < 12; i++) {
        const c = KERNEL_CASES[kernelName](r, false);
        const got = runKernelFunc(tf.getKernel(kernelName, 'wasm')!.kernelFunc, asBackend(tf.findBackend('wasm')), c);
        const want = runKernelFunc(tf.getKernel(kernelName, 'cpu')!.kernelFunc, asBackend(tf.findBackend('cpu')), c);
        assert.equal(compareOutputs(got, want), null, `${kernelName}: ${c.label}`);
      }
    }
    // Adam over more elements than one tile (16384), against the stock update
    const n = 40_000 + randInt(r, 0, 99);
    const w0 = randomArray(n, r), g = randomArray(n, r);
    const step = async (ours: boolean) => {
      if (ours) registerKernels(tf, 'wasm'); else unregisterKernels(tf, 'wasm');
      const w = tf.variable(tf.tensor1d(w0));
      const opt = tf.train.adam(0.01);
      for (let k = 0; k < 2; k++) opt.applyGradients([{ name: w.name, tensor: tf.tensor1d(g) }]);
      const out = Float32Array.from(await w.data());
      w.dispose();
      opt.dispose();
      return out;
    };
    const stock = await step(false);
    assert.ok(relError(await step(true), stock) < 1e-5);
  } finally {
    unregisterKernels(tf, 'wasm');
    setParallelThreshold(undefined);
    setThreads(undefined);
  }
});

test('MODEL_STUDIO_THREADS sets the thread count (over the setting and the core count)', async () => {
  process.env.MODEL_STUDIO_THREADS = '3';
  try {
    stopThreads();
    setThreads(1);
    gemm({ M: 2, N: 2, K: 2, a: new Float32Array(4), transA: false, batchA: 1, b: new Float32Array(4), transB: false, batchB: 1 });
    assert.equal(kernelRuntimeInfo()?.threads, 3);
  } finally {
    delete process.env.MODEL_STUDIO_THREADS;
    setThreads(undefined);
    stopThreads();
  }
});

test('idle kernel threads sleep: after a burst of work the process uses no CPU', async () => {
  setParallelThreshold(0);
  await threads(2);
  try {
    const r = rng(9);
    const a = randomArray(200 * 300, r), b = randomArray(300 * 100, r);
    for (let i = 0; i < 20; i++) gemm({ M: 200, N: 100, K: 300, a, transA: false, batchA: 1, b, transB: false, batchB: 1 });
    // Poll: a spinning worker would burn a whole core in every window; sleeping ones burn nothing.
    const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    let quiet = false;
    for (let i = 0; i < 40 && !quiet; i++) {
      const c0 = cpuMs();
      const t0 = performance.now();
      await new Promise((res) => setTimeout(res, 100));
      const used = cpuMs() - c0;
      const wall = performance.now() - t0;
      quiet = used < 0.2 * wall;
    }
    assert.ok(quiet, 'the process kept using CPU while idle: a kernel thread is spinning');
  } finally {
    setParallelThreshold(undefined);
    setThreads(undefined);
  }
});

test('the whole-sequence LSTM split by batch rows over 3 threads gives the one-thread outputs and gradients', async () => {
  await initWasm();
  await tf.setBackend('wasm');
  registerKernels(tf, 'wasm');
  const r = rng(31);
  const x = randomArray(13 * 6 * 5, r);
  const run = () => {
    const layer = tf.layers.lstm({ units: 7, returnSequences: true, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), recurrentInitializer: tf.initializers.glorotUniform({ seed: 2 }) });
    const input = tf.variable(tf.tensor3d(x, [13, 6, 5]));
    tf.tidy(() => layer.apply(input) as tf.Tensor);
    const out = tf.tidy(() => {
      const vars = [input, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, tf.linspace(-1, 1, 13 * 6 * 7).reshape([13, 6, 7]))) as tf.Scalar, vars);
      return [value.dataSync()[0], ...vars.flatMap((v) => [...grads[v.name].dataSync()])];
    });
    input.dispose();
    layer.dispose();
    return out;
  };
  try {
    await threads(1);
    const one = run();
    await threads(3);
    const info = await tf.profile(() => { run(); });
    assert.ok(info.kernelNames.includes('ModelStudioLstmSequenceGrad'));
    assert.ok(relError(run(), one) < 1e-5, 'three threads, same result');
  } finally {
    unregisterKernels(tf, 'wasm');
    setParallelThreshold(undefined);
    setThreads(undefined);
  }
});
