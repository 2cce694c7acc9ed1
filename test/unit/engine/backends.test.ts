import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend, BackendError } from '../../../src/engine/backends';

test('wasm loads with SIMD and leaves no process-wide exception handlers behind', async () => {
  const before = { e: process.listeners('uncaughtException').length, r: process.listeners('unhandledRejection').length };
  const { tf, info } = await selectBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(info.name, 'wasm');
  assert.match(info.device, /^wasm \((SIMD|no SIMD), \d+ threads?; Model Studio kernels on \d+ threads?(, relaxed SIMD)?\)$/);
  assert.equal(info.gpu, false);
  assert.match(info.reason, /requested/);
  assert.equal(process.listeners('uncaughtException').length, before.e);
  assert.equal(process.listeners('unhandledRejection').length, before.r);
});

test('a backend named explicitly that cannot load is an error saying what to install', async () => {
  await assert.rejects(selectBackend('tensorflow', { nativeDir: '/nonexistent' }), (err: unknown) =>
    err instanceof BackendError && /@tensorflow\/tfjs-node/.test(err.message) && /npm install @tensorflow\/tfjs-node/.test(err.message));
  await assert.rejects(selectBackend('tensorflow-gpu', { nativeDir: '/nonexistent' }), (err: unknown) =>
    err instanceof BackendError && /tfjs-node-gpu/.test(err.message));
});

test('auto picks the first backend that loads and says why the ones before it did not', async () => {
  const { tf, info } = await selectBackend('auto', { nativeDir: '/nonexistent' });
  assert.equal(tf.getBackend(), info.name);
  assert.match(info.reason, /^auto: /);
  if (info.name === 'wasm' || info.name === 'cpu') {
    // no native TF and no hardware GPU here: each skipped candidate is named
    assert.match(info.reason, /tensorflow-gpu: .*tensorflow: .*webgpu: /);
  }
  const cpu = await selectBackend('cpu');
  assert.equal(cpu.tf.getBackend(), 'cpu');
  assert.equal(cpu.tf.add(1, 2).dataSync()[0], 3);
});

/**
 * A stand-in for @tensorflow/tfjs-node-gpu in a native folder (the real one needs libtensorflow):
 * it registers a 'tensorflow' backend (the cpu kernels) that reports a GPU when FAKE_TFJS_GPU=1.
 */
function fakeNativeDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-native-'));
  const pkg = path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '0.0.0-fake', main: 'index.js' }));
  const tfjs = JSON.stringify(require.resolve('@tensorflow/tfjs'));
  const cpu = JSON.stringify(require.resolve('@tensorflow/tfjs-backend-cpu'));
  fs.writeFileSync(path.join(pkg, 'index.js'), `
const tf = require(${tfjs});
const { MathBackendCPU } = require(${cpu});
class Fake extends MathBackendCPU { isUsingGpuDevice() { return process.env.FAKE_TFJS_GPU === '1'; } }
if (!tf.findBackendFactory('tensorflow')) {
  tf.registerBackend('tensorflow', () => new Fake(), 0);
  for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });
}
module.exports = tf;
`);
  return dir;
}

test('tfjs-node-gpu from the native folder: used when it made a GPU, kept as the CPU choice before wasm when not', async () => {
  const nativeDir = fakeNativeDir();
  try {
    process.env.FAKE_TFJS_GPU = '1';
    const gpu = await selectBackend('auto', { nativeDir });
    assert.equal(gpu.info.name, 'tensorflow');
    assert.equal(gpu.info.gpu, true);
    assert.match(gpu.info.device, /^tensorflow \(GPU: .+\)$/);
    assert.equal(gpu.info.reason, 'auto: tensorflow-gpu is the first choice');
    assert.equal(gpu.tf.add(2, 3).dataSync()[0], 5);

    process.env.FAKE_TFJS_GPU = '0';
    const cpuOnly = await selectBackend('auto', { nativeDir });
    assert.equal(cpuOnly.info.name, 'tensorflow');
    assert.equal(cpuOnly.info.gpu, false);
    assert.match(cpuOnly.info.device, /found no usable CUDA GPU/);
    assert.match(cpuOnly.info.reason, /^auto: tensorflow on the CPU, because tensorflow-gpu: .*created no GPU device/);

    const named = await selectBackend('tensorflow-gpu', { nativeDir });
    assert.equal(named.info.gpu, false, 'named explicitly it runs, and the record says it is not on a GPU');
  } finally {
    delete process.env.FAKE_TFJS_GPU;
    await selectBackend('wasm');
  }
});
